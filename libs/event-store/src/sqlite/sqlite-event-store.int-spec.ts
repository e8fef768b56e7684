import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrencyError, EventStoreUnavailableError } from '../errors';
import { collect, eventStoreContract, newEvent, nextEvent } from '../testing/event-store.contract';
import { canonicalEventText, type CanonicalRow } from '../shared/canonical-text';
import { StoredTextEvent } from '../shared/stored-text-event';
import { SqliteEventStore } from './sqlite-event-store';

const root = mkdtempSync(join(tmpdir(), 'event-store-'));
let fileCounter = 0;
const freshFile = (): string => join(root, `events-${++fileCounter}.sqlite`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

eventStoreContract('sqlite', async () => new SqliteEventStore(freshFile()));
eventStoreContract('sqlite without group commit', async () => new SqliteEventStore(freshFile(), { groupCommit: false }));

describe('SqliteEventStore group commit', () => {
  const stores: SqliteEventStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
  const open = (file = freshFile(), options?: ConstructorParameters<typeof SqliteEventStore>[1]) => {
    const store = new SqliteEventStore(file, options);
    stores.push(store);
    return store;
  };
  /** Counts the write transactions the store begins: one per group, or one for a call alone. */
  const countTransactions = (store: SqliteEventStore) => {
    const counts = { group: 0, alone: 0 };
    type Transaction = ((...args: unknown[]) => unknown) & { immediate: (...args: unknown[]) => unknown };
    const internals = store as unknown as Record<'groupTransaction' | 'appendTransaction', Transaction>;
    for (const [key, name] of [
      ['groupTransaction', 'group'],
      ['appendTransaction', 'alone'],
    ] as const) {
      const transaction = internals[key];
      internals[key] = Object.assign((...args: unknown[]) => transaction(...args), {
        immediate: (...args: unknown[]) => {
          counts[name]++;
          return transaction.immediate(...args);
        },
      });
    }
    return counts;
  };

  it('appends made together commit in one transaction, in call order, and each is answered with its own result', async () => {
    const store = open();
    await store.appendToStream('warm', [newEvent('W')]);
    const counts = countTransactions(store);
    const calls = Array.from({ length: 8 }, (_, i) =>
      store.appendToStream(`s-${i}`, [newEvent('A'), newEvent('B')], { expectedRevision: 'no_stream' }),
    );
    const results = await Promise.all(calls);
    expect(results.map((r) => r.position)).toEqual([3, 5, 7, 9, 11, 13, 15, 17]);
    expect(results.every((r) => r.nextRevision === 1)).toBe(true);
    expect(counts).toEqual({ group: 1, alone: 0 });
    // A call alone takes no savepoint, and one made after a group has been answered starts a new group.
    await store.appendToStream('later', [newEvent('L')]);
    expect(counts).toEqual({ group: 1, alone: 1 });
  });

  it('without group commit every call is a transaction of its own', async () => {
    const store = open(freshFile(), { groupCommit: false });
    const counts = countTransactions(store);
    await Promise.all(Array.from({ length: 4 }, (_, i) => store.appendToStream(`s-${i}`, [newEvent('A')])));
    expect(counts).toEqual({ group: 0, alone: 4 });
  });

  it('a conflicting append in a group is refused alone; the others commit', async () => {
    const store = open();
    await store.appendToStream('taken', [newEvent('First')]);
    const calls = [
      store.appendToStream('a', [newEvent('A')], { expectedRevision: 'no_stream' }),
      store.appendToStream('taken', [newEvent('Second')], { expectedRevision: 'no_stream' }),
      store.appendToStream('b', [newEvent('B')], { expectedRevision: 'no_stream' }),
    ];
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
    expect((await store.readStream('taken')).map((e) => e.type)).toEqual(['First']);
    expect(await store.readStream('a')).toHaveLength(1);
    expect(await store.readStream('b')).toHaveLength(1);
    // Positions stay dense: the refused call's rolled-back insert left no hole that a reader could skip past.
    expect((await collect(store.readAll())).map((e) => e.position)).toEqual([1, 2, 3]);
  });

  it('two appends to one stream in a group see each other, as one after the other would', async () => {
    const store = open();
    const first = store.appendToStream('s', [newEvent('A')], { expectedRevision: 'no_stream' });
    const second = store.appendToStream('s', [newEvent('B')], { expectedRevision: 0 });
    const stale = store.appendToStream('s', [newEvent('C')], { expectedRevision: 0 });
    const settled = await Promise.allSettled([first, second, stale]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((await store.readStream('s')).map((e) => e.type)).toEqual(['A', 'B']);
  });

  it('close writes the appends already made before the file closes', async () => {
    const file = freshFile();
    const store = new SqliteEventStore(file);
    const pending = [store.appendToStream('x', [newEvent('X')]), store.appendToStream('y', [newEvent('Y')])];
    await store.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(2);
    const again = open(file);
    expect(await collect(again.readAll())).toHaveLength(2);
  });
  describe('while another connection holds the write lock', () => {
    /** Another writer on the same file (an import thread, the projection thread, another process) in a write transaction. */
    const holdLock = (file: string) => {
      const other = new Database(file);
      other.pragma('journal_mode = WAL');
      other.prepare('BEGIN IMMEDIATE').run();
      return {
        release: () => {
          other.prepare('COMMIT').run();
          other.close();
        },
      };
    };
    /** Turns of the event loop every millisecond while `during` runs. */
    const ticksDuring = async <T>(during: () => Promise<T>) => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      try {
        const result = await during();
        return { result, ticks };
      } finally {
        clearInterval(timer);
      }
    };

    it('waits without holding the thread, and commits the calls made meanwhile once the lock is free', async () => {
      const file = freshFile();
      const store = open(file);
      await store.appendToStream('warm', [newEvent('W')]);
      const lock = holdLock(file);
      const { result, ticks } = await ticksDuring(async () => {
        const first = store.appendToStream('a', [newEvent('A')]);
        await new Promise((resolve) => setTimeout(resolve, 40));
        const second = store.appendToStream('b', [newEvent('B')]);
        await new Promise((resolve) => setTimeout(resolve, 40));
        lock.release();
        return Promise.all([first, second]);
      });
      expect(result.map((r) => r.nextRevision)).toEqual([0, 0]);
      // About 80 timer turns ran while the append waited: the thread was free, not in SQLite's busy handler.
      expect(ticks).toBeGreaterThan(20);
      expect((await collect(store.readAll())).map((e) => e.type)).toEqual(['W', 'A', 'B']);
    });

    it('gives up busyTimeoutMs after the call with a store error, appending nothing', async () => {
      const file = freshFile();
      const store = open(file, { busyTimeoutMs: 60 });
      const lock = holdLock(file);
      const started = Date.now();
      const { result: outcome, ticks } = await ticksDuring(() =>
        store.appendToStream('a', [newEvent('A')]).then(
          () => 'appended',
          (error: unknown) => error,
        ),
      );
      const waited = Date.now() - started;
      lock.release();
      expect(outcome).toBeInstanceOf(EventStoreUnavailableError);
      expect((outcome as Error).message).toContain('SQLITE_BUSY');
      expect(waited).toBeGreaterThanOrEqual(55);
      expect(ticks).toBeGreaterThan(10);
      expect(await collect(store.readAll())).toEqual([]);
      // The lock free again, the next call goes through.
      await expect(store.appendToStream('a', [newEvent('A')])).resolves.toMatchObject({ nextRevision: 0 });
    });
  });
});

describe('SqliteEventStore specifics', () => {
  const stores: SqliteEventStore[] = [];
  const open = (file: string, options?: ConstructorParameters<typeof SqliteEventStore>[1]): SqliteEventStore => {
    const store = new SqliteEventStore(file, options);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it("works on ':memory:'", async () => {
    const store = open(':memory:');
    await store.appendToStream('s-1', [newEvent('A')]);
    expect(await store.readStream('s-1')).toHaveLength(1);
  });

  it('a second instance on the same file (another process) sees live appends through polling', async () => {
    const file = freshFile();
    const writer = open(file);
    const reader = open(file, { pollIntervalMs: 50 });
    await writer.appendToStream('s-1', [newEvent('Before')]);
    const subscription = reader.subscribe();
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await nextEvent(iterator)).type).toBe('Before');
    const pending = nextEvent(iterator, 3000);
    await writer.appendToStream('s-1', [newEvent('After')]);
    expect((await pending).type).toBe('After');
    await subscription.close();
  });

  it('in the same instance, live subscribers are woken at once, not on the next poll', async () => {
    const store = open(freshFile(), { pollIntervalMs: 60_000 });
    const iterator = store.subscribe()[Symbol.asyncIterator]();
    const pending = nextEvent(iterator, 1000);
    await store.appendToStream('s-1', [newEvent('A')]);
    expect((await pending).type).toBe('A');
  });

  it('with lazyData, events keep the stored text, which is their canonical text, and parse data on its first read', async () => {
    const store = open(freshFile());
    await store.appendToStream('s-1', [newEvent('A', { name: '李四', n: 2 }), newEvent('B', {})]);
    const iterator = store.subscribe({ lazyData: true })[Symbol.asyncIterator]();
    const events = [await nextEvent(iterator), await nextEvent(iterator)];
    expect(events[0]).toBeInstanceOf(StoredTextEvent);
    expect((events[0] as StoredTextEvent).dataText).toBe(JSON.stringify({ name: '李四', n: 2 }));
    const pages: CanonicalRow[] = [];
    for await (const page of store.readCanonicalPages({})) pages.push(...page);
    expect(events.map((e) => canonicalEventText(e))).toEqual(pages.map(([, , text]) => text));
    expect(events.map((e) => e.data)).toEqual([{ name: '李四', n: 2 }, {}]);
  });

  it('data survives close and reopen, and positions continue', async () => {
    const file = freshFile();
    const first = open(file);
    const written = await first.appendToStream('s-1', [newEvent('A', { n: 1 }), newEvent('B')]);
    await first.close();

    const second = open(file);
    const events = await second.readStream('s-1');
    expect(events.map((event) => event.data)).toEqual([{ n: 1 }, {}]);
    const next = await second.appendToStream('s-1', [newEvent('C')], { expectedRevision: 1 });
    expect(next.position).toBeGreaterThan(written.position);
  });

  it('recordedAt comes from the injected clock', async () => {
    const store = open(freshFile(), { now: () => new Date('2024-05-06T07:08:09.000Z') });
    await store.appendToStream('s-1', [newEvent('A')]);
    expect((await store.readStream('s-1'))[0].recordedAt).toBe('2024-05-06T07:08:09.000Z');
  });

  it('drops already-stored ids even when retried with a newer expected revision', async () => {
    const store = open(freshFile());
    const event = newEvent('A');
    await store.appendToStream('s-1', [event], { expectedRevision: 'no_stream' });
    await store.appendToStream('s-1', [newEvent('B')]);
    await expect(store.appendToStream('s-1', [event], { expectedRevision: 1 })).resolves.toEqual({ nextRevision: 1, position: 2 });
    expect(await store.readStream('s-1')).toHaveLength(2);
  });

  it('appendMany is one transaction: a conflict in the last append rolls back every stream', async () => {
    const store = open(freshFile());
    await store.appendToStream('s-3', [newEvent('A')]);
    await expect(
      store.appendMany([
        { stream: 's-1', events: [newEvent('A')] },
        { stream: 's-2', events: [newEvent('A'), newEvent('B')], expectedRevision: 'no_stream' },
        { stream: 's-3', events: [newEvent('B')], expectedRevision: 5 },
      ]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.headPosition()).toBe(1);
    // Rolled-back rows were never visible, so readers see no hole whatever position comes next.
    const next = await store.appendToStream('s-1', [newEvent('A')]);
    expect(next.position).toBeGreaterThan(1);
    expect((await collect(store.readAll())).map((event) => event.stream)).toEqual(['s-3', 's-1']);
  });

  it('a large appendMany (heads looked up at once) checks revisions per stream and sees its own appends', async () => {
    const store = open(freshFile());
    await store.appendToStream('big-0', [newEvent('A'), newEvent('B')]);
    const appends = Array.from({ length: 20 }, (_, i) => ({
      stream: `big-${i}`,
      events: [newEvent('C')],
      expectedRevision: i === 0 ? 1 : ('no_stream' as const),
    }));
    appends.push({ stream: 'big-1', events: [newEvent('D')], expectedRevision: 0 as never });
    const results = await store.appendMany(appends);
    expect(results[0].nextRevision).toBe(2);
    expect(results[1].nextRevision).toBe(0);
    expect(results[20].nextRevision).toBe(1);
    expect((await store.readStream('big-1')).map((e) => e.type)).toEqual(['C', 'D']);
    const conflicting = Array.from({ length: 20 }, (_, i) => ({
      stream: `big-${i}`,
      events: [newEvent('E')],
      expectedRevision: 'no_stream' as const,
    }));
    await expect(store.appendMany(conflicting)).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('a large appendMany after readStreams checks revisions against the heads it read while nobody else appended', async () => {
    const file = freshFile();
    const store = open(file);
    const other = open(file);
    const names = Array.from({ length: 20 }, (_, i) => `h-${i}`);
    await store.appendMany(names.slice(0, 10).map((stream) => ({ stream, events: [newEvent('E')] })));
    const lookups = jest.spyOn(
      (store as unknown as { statements: { streamHeads: { all: (...args: unknown[]) => unknown } } }).statements.streamHeads,
      'all',
    );

    const read = await store.readStreams(names);
    const expected = (stream: string) => (read.get(stream)!.length === 0 ? ('no_stream' as const) : read.get(stream)!.length - 1);
    const first = await store.appendMany(names.map((stream) => ({ stream, events: [newEvent('F')], expectedRevision: expected(stream) })));
    expect(first.map((r) => r.nextRevision)).toEqual(names.map((_, i) => (i < 10 ? 1 : 0)));
    // The append kept what it knew current: a second one needs no lookup either.
    const second = await store.appendMany(
      names.map((stream, i) => ({ stream, events: [newEvent('G')], expectedRevision: first[i].nextRevision })),
    );
    expect(second.map((r) => r.nextRevision)).toEqual(names.map((_, i) => (i < 10 ? 2 : 1)));
    expect(lookups).not.toHaveBeenCalled();

    // Another writer moves one stream: the remembered heads are not trusted any more.
    await store.readStreams(names);
    await other.appendToStream('h-3', [newEvent('Elsewhere')]);
    const stale = store.appendMany(
      names.map((stream, i) => ({ stream, events: [newEvent('H')], expectedRevision: second[i].nextRevision })),
    );
    await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
    expect(lookups).toHaveBeenCalled();
    expect((await store.readStream('h-3')).map((e) => e.type)).toEqual(['E', 'F', 'G', 'Elsewhere']);
    expect((await store.readStream('h-4')).map((e) => e.type)).toEqual(['E', 'F', 'G']);
  });

  it('appendMany may touch one stream twice; the second append sees the first', async () => {
    const store = open(freshFile());
    const results = await store.appendMany([
      { stream: 's-1', events: [newEvent('A')], expectedRevision: 'no_stream' },
      { stream: 's-1', events: [newEvent('B')], expectedRevision: 0 },
    ]);
    expect(results.map((result) => result.nextRevision)).toEqual([0, 1]);
  });

  it('stream prefixes match exactly: case-sensitive, no LIKE wildcards, any Unicode', async () => {
    const store = open(freshFile());
    for (const s of ['a%b-1', 'axb-1', 'A%b-1', 'a%b', 'a%c', '参保-1', '参保人-1', '参-1']) await store.appendToStream(s, [newEvent('E')]);
    const streamsWith = async (prefix: string): Promise<string[]> =>
      (await collect(store.readAll({ filter: { streamPrefixes: [prefix] } }))).map((event) => event.stream);
    expect(await streamsWith('a%b')).toEqual(['a%b-1', 'a%b']);
    expect(await streamsWith('参保')).toEqual(['参保-1', '参保人-1']);
    expect(await streamsWith('')).toHaveLength(8);
  });

  it('readAll pages through more rows than one page, with several event types', async () => {
    const store = open(freshFile(), { pageSize: 7 });
    const types = ['A', 'B', 'C'];
    await store.appendMany(Array.from({ length: 50 }, (_, i) => ({ stream: `s-${i}`, events: [newEvent(types[i % 3])] })));
    const read = await collect(store.readAll({ filter: { eventTypes: ['A', 'C'] } }));
    expect(read.map((event) => event.stream)).toEqual(
      Array.from({ length: 50 }, (_, i) => i)
        .filter((i) => i % 3 !== 1)
        .map((i) => `s-${i}`),
    );
    expect(await store.headPosition({ eventTypes: ['A', 'B'] })).toBe(50);
    expect(await store.headPosition({ eventTypes: ['Z'] })).toBe(0);
  });

  it('filtered reads switch between scanning and the type index as the share of matches changes, and miss or repeat nothing', async () => {
    const store = open(freshFile(), { pageSize: 5 });
    // A dense stretch (every event matches), a sparse one (one in 40), then dense again.
    const types = [
      ...Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? 'A' : 'B')),
      ...Array.from({ length: 400 }, (_, i) => (i % 40 === 0 ? 'A' : 'Other')),
      ...Array.from({ length: 60 }, () => 'B'),
    ];
    await store.appendMany(types.map((type, i) => ({ stream: `s-${i}`, events: [newEvent(type)] })));
    const expected = types.flatMap((type, i) => (type === 'A' || type === 'B' ? [i + 1] : []));
    // The plan object is changed after each page: record what each call was asked to do.
    const plans: boolean[] = [];
    const target = store as unknown as { readPage: (...args: unknown[]) => unknown };
    const readPage = target.readPage.bind(store);
    jest.spyOn(target, 'readPage').mockImplementation((...args: unknown[]) => {
      plans.push((args[4] as { scan: boolean }).scan);
      return readPage(...args);
    });
    const filter = { eventTypes: ['A', 'B'] };
    expect((await collect(store.readAll({ filter }))).map((e) => e.position)).toEqual(expected);
    // Scanned at first, the index in the sparse stretch, scanning again at the end.
    expect(plans[0]).toBe(true);
    expect(plans).toContain(false);
    expect(plans[plans.length - 1]).toBe(true);

    const subscription = store.subscribe({ filter, batchSize: 5 });
    const iterator = subscription[Symbol.asyncIterator]();
    const live: number[] = [];
    while (live.length < expected.length) live.push((await nextEvent(iterator)).position);
    expect(live).toEqual(expected);
    await store.appendToStream('late', [newEvent('Other'), newEvent('B')]);
    expect((await nextEvent(iterator)).position).toBe(types.length + 2);
    await subscription.close();
  });

  it('a subscription reads the next page only when the consumer has used up the previous one', async () => {
    const store = open(freshFile());
    await store.appendMany(Array.from({ length: 10 }, (_, i) => ({ stream: `s-${i}`, events: [newEvent('E')] })));
    // readPage is private; spying on it is the most direct evidence of pull-based reading.
    const readPage = jest.spyOn(store as unknown as { readPage: (...args: unknown[]) => unknown }, 'readPage');
    const iterator = store.subscribe({ batchSize: 3 })[Symbol.asyncIterator]();
    expect(readPage).not.toHaveBeenCalled();
    const positions: number[] = [];
    for (let i = 0; i < 3; i++) positions.push((await nextEvent(iterator)).position);
    expect(readPage).toHaveBeenCalledTimes(1);
    positions.push((await nextEvent(iterator)).position);
    expect(readPage).toHaveBeenCalledTimes(2);
    for (let i = 4; i < 10; i++) positions.push((await nextEvent(iterator)).position);
    expect(positions).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('closing the store ends its subscriptions and later calls fail as unavailable', async () => {
    const store = new SqliteEventStore(freshFile());
    const iterator = store.subscribe()[Symbol.asyncIterator]();
    const pending = iterator.next();
    await store.close();
    await expect(pending).resolves.toMatchObject({ done: true });
    await expect(store.ping()).rejects.toMatchObject({ code: 'EVENT_STORE_UNAVAILABLE' });
  });

  it('rejects an invalid expected revision without storing anything', async () => {
    const store = open(freshFile());
    await expect(store.appendToStream('s-1', [newEvent('A')], { expectedRevision: 1.5 })).rejects.toBeInstanceOf(RangeError);
    expect(await store.headPosition()).toBe(0);
  });

  it('stores a stream name and a metadata value once, and shows events as the port does in event_log', async () => {
    const file = freshFile();
    const store = open(file);
    const metadata = { occurredAt: '2024-03-01T08:00:00.000Z', operator: 'op-1', correlationId: 'imp-1' };
    await store.appendMany(
      Array.from({ length: 20 }, (_, i) => ({ stream: `s-${i % 4}`, events: [{ ...newEvent('A', { i }), metadata: { ...metadata } }] })),
    );
    await store.appendToStream('s-0', [newEvent('B')]);
    const db = new Database(file, { readonly: true });
    try {
      const count = (sql: string) => db.prepare(sql).pluck().get();
      expect(count('SELECT COUNT(*) FROM streams')).toBe(4);
      expect(count('SELECT COUNT(*) FROM metadata')).toBe(2);
      expect(count('SELECT COUNT(*) FROM event_log')).toBe(21);
      const read = await collect(store.readAll());
      const viewed = db.prepare('SELECT * FROM event_log ORDER BY position').all() as Array<Record<string, unknown>>;
      expect(viewed.map((row) => [row.position, row.event_id, row.stream, row.revision, JSON.parse(row.metadata as string)])).toEqual(
        read.map((event) => [event.position, event.id, event.stream, event.revision, event.metadata]),
      );
    } finally {
      db.close();
    }
  });

  it('an id is unique within its stream: the same id sent to another stream later is another event there', async () => {
    const store = open(freshFile());
    const event = newEvent('A');
    await store.appendToStream('s-1', [event]);
    await store.appendToStream('s-2', [event]);
    await store.appendToStream('s-1', [event]);
    expect((await store.readStream('s-1')).map((e) => e.id)).toEqual([event.id]);
    expect((await store.readStream('s-2')).map((e) => e.id)).toEqual([event.id]);
  });

  it('metadata rows of a rolled-back append are not reused by the next one', async () => {
    const store = open(freshFile());
    await store.appendToStream('s-2', [newEvent('A')]);
    const fresh = { occurredAt: '2025-01-01T00:00:00.000Z', operator: 'op-new' };
    await expect(
      store.appendMany([
        { stream: 's-1', events: [{ ...newEvent('A'), metadata: fresh }] },
        { stream: 's-2', events: [newEvent('B')], expectedRevision: 7 },
      ]),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    await store.appendToStream('s-3', [newEvent('C')]);
    await store.appendToStream('s-1', [{ ...newEvent('A'), metadata: fresh }]);
    expect((await store.readStream('s-1'))[0].metadata).toEqual(fresh);
    expect((await store.readStream('s-3'))[0].metadata).toMatchObject({ operator: 'op-1' });
  });

  it('opens a file of the first layout, keeps every event, position and id, and goes on after the last position', async () => {
    const file = freshFile();
    const v1 = new Database(file);
    v1.pragma('journal_mode = WAL');
    v1.exec(`CREATE TABLE events (
        position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, revision INTEGER NOT NULL,
        type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream, revision)) STRICT;
      CREATE INDEX events_type ON events (type);`);
    const insert = v1.prepare(
      'INSERT INTO events (position, event_id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const old = [
      [3, 'id-a', 'person-x', 0, 'PersonRegistered', '{"n":1}', '{"occurredAt":"2024-01-01T00:00:00.000Z","operator":"op-1"}'],
      [4, 'id-b', 'person-y', 0, 'PersonRegistered', '{"n":2}', '{"occurredAt":"2024-01-01T00:00:00.000Z","operator":"op-1"}'],
      [9, 'id-c', 'person-x', 1, 'EnrollmentRecorded', '{"n":3}', '{"occurredAt":"2024-01-02T00:00:00.000Z","operator":"op-2"}'],
    ] as const;
    for (const row of old) insert.run(...row, '2024-01-03T00:00:00.000Z');
    // Positions 10 and 11 were taken once and rolled back: AUTOINCREMENT never hands them out again.
    v1.prepare("UPDATE sqlite_sequence SET seq = 11 WHERE name = 'events'").run();
    v1.close();

    const store = open(file);
    const read = await collect(store.readAll());
    expect(read.map((e) => [e.position, e.id, e.stream, e.revision, e.type, e.data, e.metadata.operator])).toEqual(
      old.map(([position, id, stream, revision, type, data, metadata]) => [
        position,
        id,
        stream,
        revision,
        type,
        JSON.parse(data),
        JSON.parse(metadata).operator,
      ]),
    );
    expect((await store.readStream('person-x')).map((e) => e.revision)).toEqual([0, 1]);
    expect(await collect(store.readAll({ filter: { eventTypes: ['EnrollmentRecorded'], streamPrefixes: ['person-'] } }))).toHaveLength(1);
    await expect(store.appendToStream('person-x', [newEvent('C')], { expectedRevision: 0 })).rejects.toBeInstanceOf(ConcurrencyError);
    const next = await store.appendToStream('person-x', [newEvent('C')], { expectedRevision: 1 });
    expect(next).toEqual({ nextRevision: 2, position: 12 });
    await store.close();
    // Opening the migrated file again changes nothing.
    const again = open(file);
    expect((await collect(again.readAll())).map((e) => e.position)).toEqual([3, 4, 9, 12]);
  });

  it('refuses a file written by a newer layout instead of guessing', () => {
    const file = freshFile();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteEventStore(file)).toThrow(/layout 99/);
  });
});
