import type { RecordedEvent } from '@registry/event-store';
import type { Document } from '@registry/read-store';
import { BatchBuffer } from './batch';
import { InvalidProjectionError, physicalName, validateProjection } from './naming';
import { documentProjection, type Projection } from './projection';

interface Person extends Document {
  name: string;
  changes: number;
}

const ev = (position: number, type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `e${position}`,
  type,
  data,
  metadata: { occurredAt: '2024-01-01T00:00:00Z' },
  stream: `person-${String(data.id)}`,
  revision: 0,
  position,
  recordedAt: '2024-01-01T00:00:00Z',
});

const persons = documentProjection<Person>({
  name: 'persons',
  version: 1,
  collection: 'persons',
  eventTypes: ['Registered', 'Renamed', 'Removed', 'Other'],
  documentId: (e) => (e.type === 'Other' ? null : String((e.data as { id: string }).id)),
  evolve(doc, e) {
    const data = e.data as { id: string; name?: string };
    switch (e.type) {
      case 'Registered':
        return { _id: data.id, name: data.name!, changes: 0 };
      case 'Renamed':
        return doc && { ...doc, name: data.name!, changes: doc.changes + 1 };
      case 'Removed':
        return null;
      default:
        return doc;
    }
  },
});

/** Applies events through a batch buffer, as the runner does, over documents "stored" in a map. */
async function project(p: Projection, stored: Map<string, Document>, events: RecordedEvent[]): Promise<Map<string, Document>> {
  const buffer = new BatchBuffer(new Set(p.collections.map((c) => c.name)), async (_c, ids) => {
    const found = new Map<string, Document>();
    for (const id of ids) if (stored.has(id)) found.set(id, structuredClone(stored.get(id)!));
    return found;
  });
  await buffer.prefetch(events.flatMap((e) => p.documentIds?.(e) ?? []));
  for (const e of events) {
    const ctx = buffer.begin(e);
    await p.apply!(e, ctx);
    await ctx.commit();
  }
  await buffer.finish(p);
  const after = new Map(stored);
  for (const w of buffer.writes()) {
    // The store's guard: only documents that reflect an older position are replaced.
    const current = after.get(w.id);
    if (current && (current._position ?? -1) >= w.position) continue;
    if (w.doc) after.set(w.id, w.doc);
    else after.delete(w.id);
  }
  return after;
}

const history = [
  ev(1, 'Registered', { id: 'a', name: 'A' }),
  ev(2, 'Registered', { id: 'b', name: 'B' }),
  ev(3, 'Renamed', { id: 'a', name: 'A2' }),
  ev(4, 'Other', { id: 'a' }),
  ev(5, 'Removed', { id: 'b' }),
  ev(6, 'Renamed', { id: 'a', name: 'A3' }),
];

describe('documentProjection', () => {
  it('evolves one document per id, deletes on null, skips events without a document', async () => {
    const docs = await project(persons, new Map(), history);
    expect([...docs.values()]).toEqual([{ _id: 'a', name: 'A3', changes: 2, _position: 6 }]);
  });

  it('applying the same events twice gives the same documents', async () => {
    const once = await project(persons, new Map(), history);
    const twice = await project(persons, once, history);
    expect(twice).toEqual(once);
  });

  it('replaying from the middle (a crash before the checkpoint) changes nothing', async () => {
    const firstHalf = await project(persons, new Map(), history.slice(0, 3));
    const all = await project(persons, new Map(), history);
    const resumed = await project(persons, firstHalf, history.slice(1));
    expect(resumed).toEqual(all);
  });

  it('declares its collection, filter and prefetch', () => {
    expect(persons.collections).toEqual([{ name: 'persons', indexes: undefined }]);
    expect(persons.documentIds!(history[0])).toEqual([{ collection: 'persons', id: 'a' }]);
    expect(persons.documentIds!(history[3])).toEqual([]);
  });

  it('applies synchronously when the document was prefetched', async () => {
    const buffer = new BatchBuffer(new Set(['persons']), async () => new Map());
    await buffer.prefetch(persons.documentIds!(history[0]));
    const result = persons.apply!(history[0], buffer.begin(history[0]));
    expect(result).toBeUndefined();
  });
});

describe('a multi-document projection', () => {
  // Counts per region; needs the person's previous region, even on a replay.
  const byRegion: Projection = {
    name: 'by_region',
    version: 1,
    eventTypes: ['Moved'],
    collections: [{ name: 'persons' }, { name: 'regions' }],
    async apply(e, ctx) {
      const { id, region } = e.data as { id: string; region: string };
      const person = await ctx.get<{ _id: string; region: string }>('persons', id);
      if (person?.region === region) return;
      if (person) {
        const old = await ctx.get<{ _id: string; n: number }>('regions', person.region);
        ctx.put('regions', { _id: person.region, n: (old?.n ?? 0) - 1 });
      }
      const next = await ctx.get<{ _id: string; n: number }>('regions', region);
      ctx.put('regions', { _id: region, n: (next?.n ?? 0) + 1 });
      ctx.put('persons', { _id: id, region });
    },
  };
  const moves = [
    ev(1, 'Moved', { id: 'p', region: 'X' }),
    ev(2, 'Moved', { id: 'q', region: 'X' }),
    ev(3, 'Moved', { id: 'p', region: 'Y' }),
  ];

  it('counts once even when the events are applied twice', async () => {
    const once = await project(byRegion, new Map(), moves);
    const twice = await project(byRegion, once, moves);
    expect(twice).toEqual(once);
    expect(once.get('X')).toMatchObject({ n: 1 });
    expect(once.get('Y')).toMatchObject({ n: 1 });
  });
});

describe('projection names', () => {
  const base: Projection = { name: 'enrollment', version: 1, eventTypes: ['A'], collections: [{ name: 'persons' }], apply() {} };

  it('builds physical names within the read store rule', () => {
    expect(physicalName('enrollment', 2, 3, 'persons')).toBe('enrollment_v2_g3_persons');
    expect(() => validateProjection(base)).not.toThrow();
  });

  it.each([
    ['a dash in the name', { ...base, name: 'enroll-ment' }],
    ['a leading digit', { ...base, name: '1x' }],
    ['version 0', { ...base, version: 0 }],
    ['no event types', { ...base, eventTypes: [] }],
    ['a duplicate collection', { ...base, collections: [{ name: 'a' }, { name: 'a' }] }],
    ['names too long', { ...base, name: 'n'.repeat(30), collections: [{ name: 'c'.repeat(20) }] }],
  ])('refuses %s', (_what, p) => {
    expect(() => validateProjection(p as Projection)).toThrow(InvalidProjectionError);
  });
});
