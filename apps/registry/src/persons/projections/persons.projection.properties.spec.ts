/**
 * Properties of the persons projection (person documents and region counts) over generated
 * histories of several persons, decided by the real decider and sealed as stored: applied
 * incrementally in random batch splits, through BatchBuffer and a store that guards writes by
 * position as the read stores do, it ends where a rebuild from scratch ends; and applying any
 * prefix of the history again changes nothing.
 */
import fc from 'fast-check';
import { BatchBuffer } from '@registry/projections';
import type { Document } from '@registry/read-store';
import type { RecordedEvent, NewEvent } from '@registry/event-store';
import { InsuranceType } from '@registry/domain';
import { runs } from '@registry/domain/testing/properties';
import { FakeLog, PersonScript, freshKeys, ref, type Keys } from '../../../../../test/support/person-events';
import { PERSONS_COLLECTION, REGION_COUNTS_COLLECTION, REGION_COUNTS_DAILY_COLLECTION, personsProjection } from './persons.projection';

jest.setTimeout(120_000);

const COLLECTIONS = new Set([PERSONS_COLLECTION, REGION_COUNTS_COLLECTION, REGION_COUNTS_DAILY_COLLECTION]);
const COUNTIES = ['440305', '440303', '440106'];
const TOWNSHIPS = ['440305001', '440305002', '440303001', '440106001', '440106002'];
const TYPES: InsuranceType[] = ['110', '170', '310', '390'];
const NAMES = ['甲', '乙', '丙', '丁戊', '阿依古丽·买买提'];

type Store = Map<string, Map<string, Document>>;

/** One step of a history: which person does what (steps a person's state refuses are dropped). */
const step = fc.record({
  who: fc.integer({ min: 0, max: 3 }),
  what: fc.integer({ min: 0, max: 11 }),
  name: fc.constantFrom(...NAMES),
  township: fc.constantFrom(...TOWNSHIPS),
  type: fc.constantFrom(...TYPES),
  status: fc.constantFrom('1', '1', '2', '3') as fc.Arbitrary<'1' | '2' | '3'>,
  province: fc.constantFrom('44', '44', '11'),
  day: fc.integer({ min: 1, max: 28 }),
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function act(script: PersonScript, s: Step): NewEvent[] {
  const date = `2024-02-${String(s.day).padStart(2, '0')}`;
  switch (s.what) {
    case 0:
    case 1:
      return script.register(s.name, s.township);
    case 2:
      return script.reportName(s.name, 'card-library');
    case 3:
    case 4:
      return script.enrol(s.type, s.status, s.province);
    case 5:
      return script.transition(s.day % 2 ? 'SuspendEnrollment' : 'ResumeEnrollment', s.type, date);
    case 6:
      return script.move(s.day % 3 ? { scope: 'within-province', toRegion: s.township } : { scope: 'out-of-province', toProvince: '11' });
    case 7:
      return script.die(date);
    case 8:
      return script.exempt(s.day % 2 ? 'imprisoned' : 'military-service', date);
    case 9:
      return script.cancel(s.day % 2 ? 'emigration' : 'other');
    case 10:
      return script.correct({ name: s.name, householdRegion: s.township });
    default:
      return script.run({
        type: 'DetermineCoverage',
        data: {
          ...ref('comparison', `2024-03-${String(s.day).padStart(2, '0')}T00:00:00.000Z`),
          source: 'comparison',
          runId: `run-${s.day}`,
          localProvince: '44',
        },
      });
  }
}

describe('persons projection properties', () => {
  let keys: Keys;
  beforeAll(() => (keys = freshKeys()));
  afterAll(() => keys.cleanup());

  /** The events of a generated history, as a store records them. */
  function history(steps: Step[]): RecordedEvent[] {
    const people = COUNTIES.concat('440305').map((county) => new PersonScript(keys, county));
    const log = new FakeLog();
    const events: RecordedEvent[] = [];
    // Most persons are registered first (some only later, some never: their steps are refused).
    const registeredFirst = steps.length % 4;
    people
      .slice(registeredFirst === 0 ? 0 : 1)
      .forEach((script, i) => events.push(...log.record(script.stream, script.register(NAMES[i], TOWNSHIPS[i]))));
    for (const s of steps) {
      const script = people[s.who];
      let made: NewEvent[];
      try {
        made = act(script, s);
      } catch {
        continue; // refused by the decider (not registered, no such enrolment, already cancelled …)
      }
      events.push(...log.record(script.stream, made));
    }
    return events;
  }

  /** One batch as the runner applies it: prefetch, apply each event, then the guarded writes. */
  async function applyBatch(store: Store, events: RecordedEvent[]): Promise<number> {
    const projection = personsProjection(keys.codec, '44');
    const buffer = new BatchBuffer(
      COLLECTIONS,
      async (collection, ids) =>
        new Map(ids.flatMap((id) => (store.get(collection)?.has(id) ? [[id, structuredClone(store.get(collection)!.get(id)!)]] : []))),
      true,
    );
    await buffer.prefetch(events.flatMap((e) => projection.documentIds!(e)));
    for (const event of events) {
      const ctx = buffer.begin(event);
      await projection.apply!(event, ctx);
      await ctx.commit();
    }
    await buffer.finish(projection);
    let written = 0;
    for (const w of buffer.writes()) {
      const byId = store.get(w.collection) ?? new Map<string, Document>();
      store.set(w.collection, byId);
      const stored = byId.get(w.id);
      // The read stores' guard: write only over a document that reflects an earlier position.
      if (stored && (stored._position ?? -1) >= w.position) continue;
      written++;
      if (w.doc === null) byId.delete(w.id);
      else byId.set(w.id, { ...structuredClone(w.doc), _position: w.position });
    }
    return written;
  }

  /** Cuts the events into consecutive batches at the given (sorted, deduplicated) points. */
  function batches(events: RecordedEvent[], cuts: number[]): RecordedEvent[][] {
    const points = [...new Set(cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b);
    const out: RecordedEvent[][] = [];
    let from = 0;
    for (const p of [...points, events.length]) {
      if (p > from) out.push(events.slice(from, p));
      from = Math.max(from, p);
    }
    return out;
  }

  const plain = (store: Store) =>
    Object.fromEntries([...store].map(([c, byId]) => [c, Object.fromEntries([...byId].sort(([a], [b]) => a.localeCompare(b)))]));

  it('incremental application in any batch split equals a rebuild; any prefix applied again changes nothing', async () => {
    let eventsSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 3 }),
        async (steps, cuts, prefixEnd, prefixCuts) => {
          const events = history(steps);
          eventsSeen += events.length;
          const rebuilt: Store = new Map();
          await applyBatch(rebuilt, events);
          const incremental: Store = new Map();
          for (const batch of batches(events, cuts)) await applyBatch(incremental, batch);
          expect(plain(incremental)).toEqual(plain(rebuilt));

          const before = plain(incremental);
          const prefix = events.slice(0, prefixEnd % (events.length + 1));
          let written = 0;
          for (const batch of batches(prefix, prefixCuts)) written += await applyBatch(incremental, batch);
          expect(written).toBe(0);
          expect(plain(incremental)).toEqual(before);
        },
      ),
      runs(120),
    );
    // Histories long enough to mean something: most steps a decider accepts become events.
    expect(eventsSeen).toBeGreaterThan(1000);
  });
});
