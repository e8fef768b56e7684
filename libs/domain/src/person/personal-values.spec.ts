import { DomainError } from '../shared/domain-error';
import { citizenId, ref } from '../testing/person-fixtures';
import { PersonCommand, PersonCommandType } from './person-commands';
import { createPersonDecider, foldPerson } from './person-decider';
import { PersonEvent } from './person-events';
import { readsPersonalValues, withoutPersonalValues } from './personal-values';

const decider = createPersonDecider();
const at = (day: number) =>
  `2024-${String(1 + Math.floor(day / 28)).padStart(2, '0')}-${String(1 + (day % 28)).padStart(2, '0')}T08:00:00Z`;

/** Decides and returns what a handler would see: the events, or the refusal's code. */
function outcome(command: PersonCommand, events: readonly PersonEvent[]): unknown {
  try {
    return { events: decider.decide(command, foldPerson(events)) };
  } catch (error) {
    if (error instanceof DomainError) return { refused: error.code };
    throw error;
  }
}

/**
 * Histories that set every kind of fact, personal ones included: registration by the top
 * source and reports from others (details changed, conflicts), a correction, enrolments
 * and their transitions, exemptions, a move, a cancellation, a death, verdicts, links.
 * Built by the decider itself from commands, so they are histories decide can produce.
 */
const SCRIPT: Array<(n: number) => PersonCommand> = [
  (n) => ({
    type: 'RegisterPerson',
    data: { ...ref('health', `h-${n}`, at(n)), citizenId: citizenId(), name: '张𬌗', phone: '13800000000', householdRegion: '110101001' },
  }),
  (n) => ({
    type: 'RegisterPerson',
    data: {
      ...ref('household-registration', `hr-${n}`, at(n)),
      citizenId: citizenId(),
      name: '张 河',
      householdAddress: '东华门大街1号',
      householdRegion: '110101002',
    },
  }),
  (n) => ({
    type: 'RegisterPerson',
    data: { ...ref('card-library', `c-${n}`, at(n)), citizenId: citizenId(), name: '张三', phone: '13900000000' },
  }),
  (n) => ({
    type: 'RecordEnrollment',
    data: {
      ...ref('insurance-enrollment', `e-${n}`, at(n)),
      insuranceType: '110',
      contributionStatus: '1',
      provinceCode: '11',
      since: '2020-01-01',
    },
  }),
  (n) => ({
    type: 'RecordEnrollment',
    data: {
      ...ref('insurance-enrollment', `e-${n}`, at(n)),
      insuranceType: '310',
      contributionStatus: '2',
      provinceCode: '31',
      since: '2021-03-01',
    },
  }),
  (n) => ({
    type: 'CorrectRecord',
    data: {
      ...ref('operator', `op-${n}`, at(n)),
      source: 'operator',
      operatorId: 'staff-1',
      reason: '户籍证明核实',
      corrections: { name: '张河', householdRegion: '110101003' },
    },
  }),
  (n) => ({
    type: 'DetermineCoverage',
    data: { ...ref('comparison', `run-${n}`, at(n)), source: 'comparison', runId: `run-${n}`, localProvince: '11' },
  }),
  (n) => ({
    type: 'SuspendEnrollment',
    data: { ...ref('insurance-enrollment', `s-${n}`, at(n)), insuranceType: '110', effectiveDate: at(n).slice(0, 10) },
  }),
  (n) => ({
    type: 'RecordExemption',
    data: { ...ref('civil-affairs', `x-${n}`, at(n)), reason: 'military-service', since: '2024-01-01', until: '2026-01-01' },
  }),
  (n) => ({
    type: 'LinkRecord',
    data: {
      ...ref('comparison', `l-${n}`, at(n)),
      recordSource: 'card-library',
      recordRef: `imp_1:${n}`,
      decidedBy: 'automatic',
      score: 12.5,
      fields: { name: { level: 'exact', weight: 4 } },
    },
  }),
  (n) => ({
    type: 'MoveHousehold',
    data: { ...ref('household-registration', `m-${n}`, at(n)), destination: { scope: 'within-province', toRegion: '110102001' } },
  }),
  (n) => ({
    type: 'ResumeEnrollment',
    data: { ...ref('insurance-enrollment', `r-${n}`, at(n)), insuranceType: '110', effectiveDate: at(n).slice(0, 10) },
  }),
  (n) => ({
    type: 'MoveHousehold',
    data: { ...ref('household-registration', `m-${n}`, at(n)), destination: { scope: 'out-of-province', toProvince: '31' } },
  }),
  (n) => ({
    type: 'DetermineCoverage',
    data: { ...ref('comparison', `run-${n}`, at(n)), source: 'comparison', runId: `run-${n}`, localProvince: '11' },
  }),
  (n) => ({ type: 'CancelHousehold', data: { ...ref('household-registration', `k-${n}`, at(n)), reason: 'emigration' } }),
  // After the cancellation, and a second contributing pension: anomalies.
  (n) => ({
    type: 'RecordEnrollment',
    data: {
      ...ref('insurance-enrollment', `e-${n}`, at(n)),
      insuranceType: '120',
      contributionStatus: '1',
      provinceCode: '11',
      since: '2024-05-01',
    },
  }),
  (n) => ({ type: 'RecordDeath', data: { ...ref('health', `d-${n}`, at(n)), dateOfDeath: at(n - 1).slice(0, 10) } }),
  (n) => ({
    type: 'TerminateEnrollment',
    data: { ...ref('insurance-enrollment', `t-${n}`, at(n)), insuranceType: '310', effectiveDate: at(n).slice(0, 10) },
  }),
];

/** Every prefix of the scripted history (the empty one included). */
function histories(): PersonEvent[][] {
  const out: PersonEvent[][] = [[]];
  let events: PersonEvent[] = [];
  SCRIPT.forEach((command, i) => {
    events = [...events, ...decider.decide(command(i), foldPerson(events))];
    out.push(events);
  });
  return out;
}

/** Probes of every command type, each in several shapes (new and known types, before and after facts, repeats of applied records). */
function probes(day: number): PersonCommand[] {
  const d = at(day);
  const date = d.slice(0, 10);
  const out: PersonCommand[] = [];
  for (const [type, status, province] of [
    ['110', '1', '11'],
    ['310', '1', '11'],
    ['390', '1', '44'],
    ['410', '3', '11'],
    ['110', '1', '31'],
  ] as const) {
    out.push({
      type: 'RecordEnrollment',
      data: {
        ...ref('insurance-enrollment', `pe-${type}-${province}`, d),
        insuranceType: type,
        contributionStatus: status,
        provinceCode: province,
        since: '2023-01-01',
      },
    });
    for (const t of ['SuspendEnrollment', 'ResumeEnrollment', 'TerminateEnrollment'] as const) {
      out.push({
        type: t,
        data: { ...ref('insurance-enrollment', `p-${t}-${type}`, d), insuranceType: type, effectiveDate: date },
      } as PersonCommand);
    }
  }
  out.push(
    {
      type: 'RecordEnrollment',
      data: { ...ref('operator', 'pe-op', d), insuranceType: '390', contributionStatus: '1', provinceCode: '11', since: '2023-01-01' },
    },
    // Applied records: idempotence answers from the processed keys alone.
    {
      type: 'RecordEnrollment',
      data: {
        ...ref('insurance-enrollment', 'e-3', at(3)),
        insuranceType: '110',
        contributionStatus: '1',
        provinceCode: '11',
        since: '2020-01-01',
      },
    },
    { type: 'RecordDeath', data: { ...ref('health', 'pd-1', d), dateOfDeath: '2023-12-31' } },
    { type: 'RecordDeath', data: { ...ref('civil-affairs', 'pd-2', d), dateOfDeath: date } },
    { type: 'RecordDeath', data: { ...ref('health', 'pd-3', d), dateOfDeath: '2099-01-01' } },
    { type: 'RecordExemption', data: { ...ref('civil-affairs', 'px-1', d), reason: 'imprisoned', since: '2023-06-01' } },
    {
      type: 'RecordExemption',
      data: { ...ref('civil-affairs', 'px-2', d), reason: 'military-service', since: '2025-01-01', until: '2024-01-01' },
    },
    {
      type: 'MoveHousehold',
      data: { ...ref('household-registration', 'pm-1', d), destination: { scope: 'within-province', toRegion: '110105001' } },
    },
    {
      type: 'MoveHousehold',
      data: { ...ref('household-registration', 'pm-2', d), destination: { scope: 'out-of-province', toProvince: '44' } },
    },
    {
      type: 'MoveHousehold',
      data: { ...ref('household-registration', 'pm-3', d), destination: { scope: 'within-province', toRegion: '999999999' } },
    },
    { type: 'CancelHousehold', data: { ...ref('household-registration', 'pk-1', d), reason: 'death' } },
    { type: 'CancelHousehold', data: { ...ref('household-registration', 'pk-2', d), reason: 'not-a-reason' as never } },
    { type: 'DetermineCoverage', data: { ...ref('comparison', 'prun-1', d), source: 'comparison', runId: 'prun-1', localProvince: '11' } },
    { type: 'DetermineCoverage', data: { ...ref('comparison', 'prun-2', d), source: 'comparison', runId: 'prun-2', localProvince: '31' } },
    {
      type: 'LinkRecord',
      data: {
        ...ref('comparison', 'pl-1', d),
        recordSource: 'health',
        recordRef: 'imp_2:7',
        decidedBy: 'reviewer',
        reviewer: 'staff-2',
        score: 9,
        fields: { birthDate: { level: 'exact', weight: 3 } },
      },
    },
  );
  return out;
}

describe('personal values withheld from the fold', () => {
  const all = histories();

  it('the scripted history reaches every kind of fact', () => {
    const types = new Set(all[all.length - 1].map((e) => e.type));
    for (const t of [
      'PersonRegistered',
      'PersonDetailsReported',
      'PersonDetailsChanged',
      'IdentityConflictDetected',
      'RecordCorrected',
      'EnrollmentRecorded',
      'EnrollmentSuspended',
      'EnrollmentResumed',
      'EnrollmentTerminated',
      'ExemptionRecorded',
      'RecordLinked',
      'HouseholdMoved',
      'HouseholdCancelled',
      'DeathRecorded',
      'CoverageStatusDetermined',
      'AnomalyDetected',
    ]) {
      expect(types).toContain(t);
    }
  });

  it('a withheld fold holds no personal value at all', () => {
    const state = foldPerson(all[all.length - 1].map(withoutPersonalValues));
    expect(state.status).toBe('deceased');
    const text = JSON.stringify(state);
    for (const value of [citizenId().value, '张𬌗', '张河', '张 河', '张三', '13800000000', '13900000000', '东华门大街1号'])
      expect(text).not.toContain(value);
  });

  it('events without a personal part are passed through unchanged', () => {
    for (const event of all[all.length - 1]) {
      if ((event.data as { personal?: unknown }).personal === undefined) expect(withoutPersonalValues(event)).toBe(event);
      else expect(withoutPersonalValues(event)).not.toBe(event);
    }
  });

  it('every command declared not to read personal values decides the same from the withheld fold, after every prefix of the history', () => {
    let compared = 0;
    const seen = new Set<PersonCommandType>();
    all.forEach((history, i) => {
      const withheld = history.map(withoutPersonalValues);
      for (const command of probes(SCRIPT.length + i)) {
        expect(readsPersonalValues(command)).toBe(false);
        expect({ command: command.type, at: i, ...(outcome(command, withheld) as object) }).toEqual({
          command: command.type,
          at: i,
          ...(outcome(command, history) as object),
        });
        seen.add(command.type);
        compared++;
      }
    });
    expect(seen.size).toBe(10);
    expect(compared).toBeGreaterThan(500);
  });

  it('the commands declared to read personal values do decide differently from a withheld fold', () => {
    const history = all[3]; // registered by health, reported by household registration and the card library
    const report: PersonCommand = {
      type: 'RegisterPerson',
      data: { ...ref('household-registration', 'hr-new', at(60)), citizenId: citizenId(), name: '张四' },
    };
    const correct: PersonCommand = {
      type: 'CorrectRecord',
      data: {
        ...ref('operator', 'op-new', at(60)),
        source: 'operator',
        operatorId: 'staff-1',
        reason: '核实',
        corrections: { name: '张五' },
      },
    };
    for (const command of [report, correct]) {
      expect(readsPersonalValues(command)).toBe(true);
      expect(outcome(command, history.map(withoutPersonalValues))).not.toEqual(outcome(command, history));
    }
    expect(outcome(report, history.map(withoutPersonalValues))).toEqual({ refused: 'CITIZEN_ID_MISMATCH' });
  });
});
