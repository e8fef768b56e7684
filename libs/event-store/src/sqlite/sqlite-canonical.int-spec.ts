/**
 * The embedded store's canonical rows (readCanonicalPages, built in SQL from the stored JSON)
 * against canonicalEventText of the events readAll returns: the audit chain hashes the one
 * and the other on different paths, so they must agree byte for byte on every event the store
 * wrote, whatever characters its strings hold.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalEventText, canonicalPages, type CanonicalRow } from '../shared/canonical-text';
import type { RecordedEvent } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

const awkward = [
  'plain',
  'quote " backslash \\ slash /',
  Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join(''),
  '\u007f \u0080 \u00ff \u2028 \u2029 \ufeff \uffff',
  '李·娜 𠀀 😀',
  'lone \ud800 and \udfff surrogates',
];

describe('SqliteEventStore.readCanonicalPages', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'canonical-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'), { synchronous: 'NORMAL' });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rowsOf = async (pages: AsyncIterable<CanonicalRow[]>) => {
    const sizes: number[] = [];
    const rows: CanonicalRow[] = [];
    for await (const page of pages) {
      sizes.push(page.length);
      rows.push(...page);
    }
    return { sizes, rows };
  };

  it('gives for every event exactly the canonical text of the event readAll returns, a page at a time', async () => {
    await store.appendMany(
      awkward.map((s, i) => ({
        stream: `stream-${i}-${s}`,
        events: [
          {
            id: `id-${i}-${s}`,
            type: `Type${s}`,
            data: {
              s,
              n: [0, -0, 1e21, 0.1, -5e-7, 2 ** 53 + 2, 123456789.125],
              nested: { b: [true, false, null, { [s]: s }], 10: 'ten', 2: 'two', a: '' },
              empty: {},
            },
            metadata: { occurredAt: '2024-05-01T00:00:00.000Z', operator: s, causationId: `c${i}` },
          },
          { id: `id2-${i}`, type: 'Plain', data: [s, i], metadata: { occurredAt: '2024-05-01T00:00:00.000Z' } },
        ],
      })),
    );
    const events: RecordedEvent[] = [];
    for await (const e of store.readAll()) events.push(e);
    expect(events).toHaveLength(awkward.length * 2);
    const expected = events.map((e): CanonicalRow => [e.position, e.id, canonicalEventText(e)]);

    const whole = await rowsOf(store.readCanonicalPages({}));
    expect(whole.rows).toEqual(expected);
    const paged = await rowsOf(store.readCanonicalPages({ pageSize: 5 }));
    expect({ sizes: paged.sizes, rows: paged.rows }).toEqual({ sizes: [5, 5, 2], rows: expected });
    const after = await rowsOf(store.readCanonicalPages({ fromPosition: events[6].position, pageSize: 4 }));
    expect(after.rows).toEqual(expected.slice(7));
    // canonicalPages takes the store's own reader, and builds the same rows from readAll for any other store.
    expect((await rowsOf(canonicalPages(store, { pageSize: 7 }))).rows).toEqual(expected);
    const portOnly = { readAll: (o: { fromPosition?: number }) => store.readAll(o) };
    const generic = await rowsOf(canonicalPages(portOnly, { pageSize: 7 }));
    expect({ sizes: generic.sizes, rows: generic.rows }).toEqual({ sizes: [7, 5], rows: expected });
  });

  it("relies on SQLite's json_quote escaping every character as JSON.stringify does", () => {
    const db = new Database(':memory:');
    const quote = db.prepare('SELECT json_quote(?)').pluck();
    const differing: number[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue; // not a character alone: stored as U+FFFD by either path
      const s = `a${String.fromCharCode(c)}z`;
      if (quote.get(s) !== JSON.stringify(s)) differing.push(c);
    }
    for (const s of ['😀', '𠀀𠀁', '']) if (quote.get(s) !== JSON.stringify(s)) differing.push(-1);
    db.close();
    expect(differing).toEqual([]);
  });

  it('gives a different text for a row whose stored JSON was edited behind the store, even by a space', async () => {
    await store.appendToStream('s', [{ id: 'e1', type: 'T', data: { a: 1, b: 'x' }, metadata: { occurredAt: 'now' } }]);
    const before = (await rowsOf(store.readCanonicalPages({}))).rows[0][2];
    const db = new Database(join(dir, 'events.sqlite'));
    db.prepare(`UPDATE events SET data = '{"a": 1,"b":"x"}' WHERE position = 1`).run();
    db.close();
    const after = (await rowsOf(store.readCanonicalPages({}))).rows[0][2];
    expect(after).not.toBe(before);
    expect(after).toContain('{"a": 1,"b":"x"}');
  });
});
