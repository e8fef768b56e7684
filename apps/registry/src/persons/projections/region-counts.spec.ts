import { BatchBuffer, SUMMARY_PERIOD_FIELD, summaryAsOf } from '@registry/projections';
import type { Document } from '@registry/read-store';
import { FakeLog, PersonScript, freshKeys, type Keys } from '../../../../../test/support/person-events';
import { personsProjection } from './persons.projection';
import type { PersonDocument } from './person-document';
import { Classification, RegionCountsDocument, countPerson, emptyRegionCounts, localTypeCounts, regionCounts } from './region-counts';

const uninsured: Classification = { status: 'uninsured', localTypes: [], flags: [] };
const local: Classification = { status: 'insured-local', localTypes: ['110', '390'], flags: ['LAPSED_CONTRIBUTION'] };

describe('countPerson', () => {
  it('is pure: never changes the counts it is given, however deep', () => {
    const stored = emptyRegionCounts('440305001');
    stored.total = 3;
    stored.coverage = { uninsured: 3 };
    const frozen = structuredClone(stored);
    deepFreeze(frozen);
    const next = countPerson(countPerson(frozen, '440305001', uninsured, -1), '440305001', local, 1);
    expect(frozen).toEqual(stored);
    expect(next).toMatchObject({ total: 3, coverage: { uninsured: 2, 'insured-local': 1 }, flags: { LAPSED_CONTRIBUTION: 1 } });
    expect(localTypeCounts(next)).toMatchObject({ '110': 1, '390': 1, '310': 0 });
  });

  it('starts the counts of a region nobody counted in yet, at the region’s level', () => {
    expect(countPerson(null, '4403', uninsured, 1)).toMatchObject({ _id: '4403', level: 'city', total: 1, coverage: { uninsured: 1 } });
  });

  it('counts a person in their region and every region above it, and nowhere without a region', () => {
    const spec = regionCounts('44');
    const doc = {
      householdRegion: '440305001',
      coverageStatus: 'uninsured',
      enrollments: [],
      coverageFlags: [],
    } as unknown as PersonDocument;
    expect(spec.contribution(doc)).toEqual({ ids: ['44', '4403', '440305', '440305001'], value: uninsured });
    expect(spec.contribution({ ...doc, householdRegion: null })).toBeNull();
  });
});

describe('persons projection counters in one batch', () => {
  let keys: Keys;
  beforeEach(() => (keys = freshKeys()));
  afterEach(() => keys.cleanup());

  /** Applies events in the given order to one batch buffer, as the runner does, and returns its pending writes. */
  async function applyInOrder(events: ReturnType<FakeLog['record']>, stored: Map<string, Document> = new Map()) {
    const projection = personsProjection(keys.codec, '44');
    const buffer = new BatchBuffer(
      new Set(projection.collections.map((c) => c.name)),
      async (_c, ids) => new Map(ids.flatMap((id) => (stored.has(id) ? [[id, structuredClone(stored.get(id)!)]] : []))),
      true,
    );
    await buffer.prefetch(events.flatMap((e) => projection.documentIds!(e)));
    for (const event of events) {
      const ctx = buffer.begin(event);
      await projection.apply!(event, ctx);
      await ctx.commit();
    }
    await buffer.finish(projection);
    return new Map(buffer.writes().map((w) => [w.id, w.doc as RegionCountsDocument]));
  }

  it('counts each registration once in every region above the person', async () => {
    const log = new FakeLog();
    const a = new PersonScript(keys, '440305');
    const b = new PersonScript(keys, '440305');
    const events = [...log.record(a.stream, a.register('甲', '440305001')), ...log.record(b.stream, b.register('乙', '440305001'))];
    const writes = await applyInOrder(events);
    for (const code of ['44', '4403', '440305', '440305001'])
      expect(writes.get(code)).toMatchObject({ total: 2, coverage: { uninsured: 2 } });
  });

  it('an event older than the counters it would move (parked events re-applied out of order) changes nothing there', async () => {
    const log = new FakeLog();
    const a = new PersonScript(keys, '440305');
    const b = new PersonScript(keys, '440305');
    const older = log.record(b.stream, b.register('乙', '440305001'));
    const newer = log.record(a.stream, a.register('甲', '440305001'));
    // The newer event first, then the older one, within one batch.
    const writes = await applyInOrder([...newer, ...older]);
    expect(writes.get('440305001')).toMatchObject({ total: 1, coverage: { uninsured: 1 }, _position: newer[0].position });
    expect(writes.get('44')).toMatchObject({ total: 1 });
    // The older person's own document is still written: only counters it was already behind are skipped.
    expect(writes.get(b.personId)).toBeTruthy();
  });

  it('keeps a copy of each region’s counts per day: the counts at the end of that day, written when a later day first moves them', async () => {
    const log = new FakeLog();
    const a = new PersonScript(keys, '440305');
    const b = new PersonScript(keys, '440305');
    const first = log.record(a.stream, a.register('甲', '440305001'));
    const second = log.record(b.stream, b.register('乙', '440305001')).map((e) => ({ ...e, recordedAt: '2024-06-02T08:00:00.000Z' }));
    const third = log.record(a.stream, a.enrol('390')).map((e) => ({ ...e, recordedAt: '2024-06-02T09:00:00.000Z' }));
    const firstDayOnly = await applyInOrder(first);
    expect(firstDayOnly.get('440305')).toMatchObject({ total: 1, [SUMMARY_PERIOD_FIELD]: '2024-06-01' });
    expect(firstDayOnly.has('440305@2024-06-01')).toBe(false);

    const writes = await applyInOrder([...first, ...second, ...third]);
    expect(writes.get('440305@2024-06-01')).toMatchObject({
      summary: '440305',
      period: '2024-06-01',
      total: 1,
      coverage: { uninsured: 1 },
    });
    expect(writes.get('440305@2024-06-01')).not.toHaveProperty(SUMMARY_PERIOD_FIELD);
    // The last day moved is the counts themselves, not a copy.
    expect(writes.has('440305@2024-06-02')).toBe(false);
    expect(writes.get('440305')).toMatchObject({ total: 2, [SUMMARY_PERIOD_FIELD]: '2024-06-02' });
    expect(writes.get('440305')!.coverage).toEqual({ uninsured: 1, 'insured-local': 1 });

    const copies = new Map([...writes].filter(([id]) => id.includes('@')));
    const asOf = (id: string, day: string) =>
      summaryAsOf(writes.get(id) ?? null, day, async () => {
        const candidates = [...copies.values()].filter((c) => c.summary === id && (c.period as string) <= day);
        return candidates.sort((x, y) => ((x.period as string) < (y.period as string) ? 1 : -1))[0] ?? null;
      });
    expect(await asOf('440305', '2024-05-31')).toBeNull();
    expect((await asOf('440305', '2024-06-01'))!.coverage).toEqual({ uninsured: 1 });
    expect((await asOf('440305', '2024-06-02'))!.coverage).toEqual({ uninsured: 1, 'insured-local': 1 });
    expect((await asOf('44', '2024-06-09'))!.coverage).toEqual(writes.get('44')!.coverage);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
