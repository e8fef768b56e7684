/**
 * The determination judges from the read model and sends to the command path only persons
 * whose verdict changes. That is only right if, for every history and every run date, the
 * read-model verdict says "unchanged" exactly when the decider records nothing, and names the
 * status the decider records otherwise. Histories are decided by the real decider and folded
 * into documents by the real projection evolve. And a verdict stands, with no new fact, until the
 * date nextVerdictDate names (a run on changes judges the person again on that date).
 */
import fc from 'fast-check';
import { CitizenId, InsuranceType, citizenIdCheckCharacter } from '@registry/domain';
import { runs } from '@registry/domain/testing/properties';
import type { NewEvent } from '@registry/event-store';
import { FakeLog, PersonScript, freshKeys, ref, type Keys } from '../../../../test/support/person-events';
import { PersonDocument, evolvePersonDocument } from '../persons/projections/person-document';
import { nextVerdictDate, readModelVerdict, sameAsLastVerdict } from './verdict';

jest.setTimeout(120_000);

const TOWNSHIPS = ['440305001', '440303001', '440106002'];
const TYPES: InsuranceType[] = ['110', '170', '310', '390'];
/** Dates after a run's, to hold its verdict to until its next verdict date. */
const LATER_DAYS = [
  '2024-05-01',
  '2024-06-15',
  '2024-08-17',
  '2024-08-18',
  '2024-08-19',
  '2024-09-30',
  '2024-10-01',
  '2024-12-31',
  '2025-06-01',
];
const MONTHS = ['2024-01', '2024-03', '2024-05', '2024-06', '2024-07', '2024-08', '2024-09', '2024-11', '2025-02'];

/** A valid ID with the given birth date (YYYYMMDD): newborns make the date-dependent rules bite. */
function idBornOn(birth: string, serial: number): CitizenId {
  const first17 = `440305${birth}${String(100 + serial).slice(-3)}`;
  const parsed = CitizenId.parse(first17 + citizenIdCheckCharacter(first17));
  if (!parsed.ok) throw new Error('bad test ID');
  return parsed.value;
}

const step = fc.record({
  who: fc.integer({ min: 0, max: 2 }),
  what: fc.integer({ min: 0, max: 9 }),
  township: fc.constantFrom(...TOWNSHIPS),
  type: fc.constantFrom(...TYPES),
  status: fc.constantFrom('1', '2', '3') as fc.Arbitrary<'1' | '2' | '3'>,
  province: fc.constantFrom('44', '44', '11'),
  month: fc.constantFrom(...MONTHS),
  day: fc.integer({ min: 1, max: 28 }),
});

describe('the read-model verdict', () => {
  let keys: Keys;
  beforeAll(() => (keys = freshKeys()));
  afterAll(() => keys.cleanup());

  it('is unchanged exactly when the decider records nothing, and otherwise is the verdict it records', () => {
    let decided = 0;
    let recorded = 0;
    let heldUntilNext = 0;
    let datedVerdicts = 0;
    let serial = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        // An adult, a newborn of May 2024 and a child born the year before.
        const people = ['19800101', '20240520', '20230610'].map(
          (birth) => new PersonScript(keys, '440305', '1', idBornOn(birth, serial++ % 900)),
        );
        const log = new FakeLog();
        const docs = new Map<string, PersonDocument | null>();
        const apply = (script: PersonScript, events: NewEvent[]) => {
          let doc = docs.get(script.stream) ?? null;
          for (const e of log.record(script.stream, events)) doc = evolvePersonDocument(doc, e, keys.codec, '44');
          docs.set(script.stream, doc);
        };
        people.forEach((p, i) => apply(p, p.register('甲乙', TOWNSHIPS[i])));
        for (const s of steps) {
          const script = people[s.who];
          const date = `${s.month}-${String(s.day).padStart(2, '0')}`;
          const act = (): NewEvent[] => {
            switch (s.what) {
              case 0:
              case 1:
                return script.enrol(s.type, s.status, s.province);
              case 2:
                return script.transition(s.day % 2 ? 'SuspendEnrollment' : 'TerminateEnrollment', s.type, date);
              case 3:
                return script.exempt(s.day % 2 ? 'imprisoned' : 'military-service', date, s.day % 3 ? undefined : '2024-10-01');
              case 4:
                return script.move(
                  s.day % 3 ? { scope: 'within-province', toRegion: s.township } : { scope: 'out-of-province', toProvince: '11' },
                );
              case 5:
                return s.day % 4 ? [] : script.die(date);
              default:
                return [];
            }
          };
          try {
            apply(script, act());
          } catch {
            // refused by the decider (no such enrolment, moved out …): nothing recorded
          }
          if (s.what < 5) continue;
          // A run on this date: what the read model says, then what the decider records.
          const occurredAt = `${date}T09:00:00.000Z`;
          const doc = docs.get(script.stream)!;
          const verdict = readModelVerdict(doc, '44', occurredAt);
          const same = sameAsLastVerdict(doc, verdict);
          // Until the date nextVerdictDate names, the calendar alone changes nothing.
          const next = nextVerdictDate(doc, verdict, date);
          for (const later of LATER_DAYS) {
            if (later <= date || (next !== undefined && later >= next)) continue;
            const then = readModelVerdict(doc, '44', `${later}T09:00:00.000Z`);
            expect({ status: then.status, evidence: then.evidence }).toEqual({ status: verdict.status, evidence: verdict.evidence });
            heldUntilNext++;
          }
          if (next !== undefined) {
            expect(next > date).toBe(true);
            // On that date something may change; the day before, nothing did.
            datedVerdicts++;
          }
          const events = script.run({
            type: 'DetermineCoverage',
            data: { ...ref('comparison', occurredAt), source: 'comparison', runId: `run-${decided}`, localProvince: '44' },
          });
          decided++;
          expect(events.length === 0).toBe(same);
          if (events.length > 0) {
            recorded++;
            expect(events[0].data).toMatchObject({
              status: verdict.status,
              evidence: verdict.evidence,
              flags: verdict.flags,
            });
            expect((events[0].data as { exemptionReason?: string }).exemptionReason).toBe(verdict.exemptionReason);
          }
          apply(script, events);
        }
      }),
      runs(150),
    );
    // Both answers occurred many times: the property was tested, not skipped.
    expect(decided - recorded).toBeGreaterThan(100);
    expect(recorded).toBeGreaterThan(100);
    expect(heldUntilNext).toBeGreaterThan(100);
    expect(datedVerdicts).toBeGreaterThan(50);
  });
});
