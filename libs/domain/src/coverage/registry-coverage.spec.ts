import fc from 'fast-check';
import { ContributionStatuses } from '../codes/contribution-status';
import { ExemptionReason, RECORDED_EXEMPTION_REASONS } from '../codes/coverage-status';
import { HouseholdCancellationReasons, HouseholdStatuses } from '../codes/household-status';
import { InsuranceTypes, insuranceFamilyOf } from '../codes/insurance-type';
import { CoverageAssessment, CoverageFacts, NEWBORN_ENROLMENT_DAYS, assessRegistryCoverage } from './registry-coverage';

/** The rules as first written, list by list: what the one-pass assessRegistryCoverage must equal. */
function rulesAsWritten(facts: CoverageFacts, localProvince: string, asOf?: string): CoverageAssessment {
  const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
  const active = facts.enrollments.filter((e) => e.contributionStatus === '1' || e.contributionStatus === '2');
  const basic = active.filter((e) => ['pension', 'medical'].includes(insuranceFamilyOf(e.insuranceType)));
  const local = basic.filter((e) => e.provinceCode.slice(0, 2) === localProvince);
  const elsewhere = basic.filter((e) => e.provinceCode.slice(0, 2) !== localProvince);
  const types = new Set(active.map((e) => e.insuranceType));
  const flags: CoverageAssessment['flags'][number][] = [];
  if (active.some((e) => e.contributionStatus === '2')) flags.push('LAPSED_CONTRIBUTION');
  if (types.has('310') && types.has('390')) flags.push('DUPLICATE_MEDICAL_ENROLLMENT');
  if ([types.has('110'), types.has('120'), types.has('170')].filter(Boolean).length > 1) flags.push('DUPLICATE_PENSION_ENROLLMENT');
  if (new Set(active.map((e) => e.provinceCode.slice(0, 2))).size > 1) flags.push('INSURED_IN_TWO_PROVINCES');
  const localTypes = [...new Set(local.map((e) => e.insuranceType))].sort();
  const elsewhereProvinces = [...new Set(elsewhere.map((e) => e.provinceCode.slice(0, 2)))].sort();
  const base = { localTypes, elsewhereProvinces, flags };
  const exempt = (exemptionReason: ExemptionReason, evidence: string): CoverageAssessment => ({ ...base, status: 'exempt', exemptionReason, evidence: [evidence] });
  if (facts.deceased) return exempt('deceased', 'DEATH_RECORDED');
  if (facts.householdStatus === 'cancelled') {
    const r = facts.cancellationReason;
    return exempt(r === 'death' ? 'deceased' : r === 'military-service' ? 'military-service' : 'household-cancelled', 'HOUSEHOLD_CANCELLED');
  }
  if (facts.householdStatus === 'moved-out') return exempt('household-cancelled', 'HOUSEHOLD_MOVED_OUT');
  if (local.length > 0) return { ...base, status: 'insured-local', evidence: localTypes.map((t) => `ENROLLED_${t}`) };
  if (elsewhere.length > 0) return { ...base, status: 'insured-elsewhere', evidence: elsewhereProvinces.map((p) => `ENROLLED_IN_${p}`) };
  if (asOf !== undefined) {
    const inEffect = RECORDED_EXEMPTION_REASONS.find((reason) => {
      const e = facts.exemptions?.[reason];
      return e !== undefined && e.since <= asOf && (e.until === undefined || asOf < e.until);
    });
    if (inEffect) return exempt(inEffect, `EXEMPTION_RECORDED_${inEffect.toUpperCase().replace(/-/g, '_')}`);
    if (facts.birthDate !== undefined && dayNumber(asOf) - dayNumber(facts.birthDate) < NEWBORN_ENROLMENT_DAYS) return exempt('under-age', 'UNDER_ENROLMENT_AGE');
  }
  if (facts.openConflicts > 0) return { ...base, status: 'unresolved', evidence: ['OPEN_IDENTITY_CONFLICT'] };
  return { ...base, status: 'uninsured', evidence: ['NO_ACTIVE_BASIC_ENROLLMENT'] };
}

const living: CoverageFacts = { deceased: false, householdStatus: 'active', enrollments: [], openConflicts: 0 };

describe('assessRegistryCoverage', () => {
  it('is uninsured with no enrolment', () => {
    expect(assessRegistryCoverage(living, '44')).toMatchObject({ status: 'uninsured', evidence: ['NO_ACTIVE_BASIC_ENROLLMENT'] });
  });

  it('is insured locally by a contributing pension or medical enrolment in the province', () => {
    const a = assessRegistryCoverage({ ...living, enrollments: [{ insuranceType: '390', contributionStatus: '1', provinceCode: '44' }] }, '44');
    expect(a).toMatchObject({ status: 'insured-local', localTypes: ['390'] });
  });

  it('counts a suspended enrolment as coverage and flags the lapse', () => {
    const a = assessRegistryCoverage({ ...living, enrollments: [{ insuranceType: '110', contributionStatus: '2', provinceCode: '440000' }] }, '44');
    expect(a.status).toBe('insured-local');
    expect(a.flags).toContain('LAPSED_CONTRIBUTION');
  });

  it('does not count terminated enrolments or non-basic types', () => {
    const a = assessRegistryCoverage(
      {
        ...living,
        enrollments: [
          { insuranceType: '110', contributionStatus: '3', provinceCode: '44' },
          { insuranceType: '410', contributionStatus: '1', provinceCode: '44' },
        ],
      },
      '44',
    );
    expect(a.status).toBe('uninsured');
  });

  it('is exempt while a recorded exemption is in effect on the assessment date, and only then', () => {
    const imprisoned: CoverageFacts = { ...living, exemptions: { imprisoned: { since: '2023-01-01', until: '2025-01-01' } } };
    expect(assessRegistryCoverage(imprisoned, '44', '2024-06-30')).toMatchObject({
      status: 'exempt',
      exemptionReason: 'imprisoned',
      evidence: ['EXEMPTION_RECORDED_IMPRISONED'],
    });
    expect(assessRegistryCoverage(imprisoned, '44', '2022-12-31').status).toBe('uninsured');
    // `until` is the first day it no longer applies.
    expect(assessRegistryCoverage(imprisoned, '44', '2025-01-01').status).toBe('uninsured');
    // Without a date the rule cannot be judged.
    expect(assessRegistryCoverage(imprisoned, '44').status).toBe('uninsured');
    const serving: CoverageFacts = { ...living, exemptions: { 'military-service': { since: '2024-03-01' } } };
    expect(assessRegistryCoverage(serving, '44', '2030-01-01')).toMatchObject({ status: 'exempt', exemptionReason: 'military-service', evidence: ['EXEMPTION_RECORDED_MILITARY_SERVICE'] });
    // Coverage wins over an exemption: an insured prisoner is insured.
    const insured = { ...imprisoned, enrollments: [{ insuranceType: '110' as const, contributionStatus: '1' as const, provinceCode: '44' }] };
    expect(assessRegistryCoverage(insured, '44', '2024-06-30').status).toBe('insured-local');
  });

  it('is exempt as under-age within the newborn enrolment window, uninsured after it', () => {
    const newborn: CoverageFacts = { ...living, birthDate: '2024-05-01' };
    expect(NEWBORN_ENROLMENT_DAYS).toBe(90);
    expect(assessRegistryCoverage(newborn, '44', '2024-07-29')).toMatchObject({ status: 'exempt', exemptionReason: 'under-age', evidence: ['UNDER_ENROLMENT_AGE'] });
    expect(assessRegistryCoverage(newborn, '44', '2024-07-30').status).toBe('uninsured');
    // An enrolled newborn is insured.
    const enrolled = { ...newborn, enrollments: [{ insuranceType: '390' as const, contributionStatus: '1' as const, provinceCode: '44' }] };
    expect(assessRegistryCoverage(enrolled, '44', '2024-05-10').status).toBe('insured-local');
  });

  it('is insured elsewhere when only another province covers the person', () => {
    const a = assessRegistryCoverage({ ...living, enrollments: [{ insuranceType: '170', contributionStatus: '1', provinceCode: '32' }] }, '44');
    expect(a).toMatchObject({ status: 'insured-elsewhere', elsewhereProvinces: ['32'] });
  });

  it('flags duplicate medical enrolment and two provinces', () => {
    const a = assessRegistryCoverage(
      {
        ...living,
        enrollments: [
          { insuranceType: '310', contributionStatus: '1', provinceCode: '44' },
          { insuranceType: '390', contributionStatus: '1', provinceCode: '32' },
        ],
      },
      '44',
    );
    expect(a.flags).toEqual(expect.arrayContaining(['DUPLICATE_MEDICAL_ENROLLMENT', 'INSURED_IN_TWO_PROVINCES']));
  });

  it.each([
    [{ deceased: true }, 'deceased'],
    [{ householdStatus: 'cancelled', cancellationReason: 'military-service' }, 'military-service'],
    [{ householdStatus: 'cancelled', cancellationReason: 'emigration' }, 'household-cancelled'],
    [{ householdStatus: 'cancelled', cancellationReason: 'death' }, 'deceased'],
    [{ householdStatus: 'moved-out' }, 'household-cancelled'],
  ] as const)('is exempt when %o', (change, reason) => {
    const a = assessRegistryCoverage({ ...living, enrollments: [{ insuranceType: '390', contributionStatus: '1', provinceCode: '44' }], ...change }, '44');
    expect(a).toMatchObject({ status: 'exempt', exemptionReason: reason });
  });

  it('is unresolved with open conflicts and no coverage', () => {
    expect(assessRegistryCoverage({ ...living, openConflicts: 1 }, '44').status).toBe('unresolved');
  });
});

describe('assessRegistryCoverage in one pass', () => {
  const day = fc.constantFrom('2022', '2023', '2024', '2025').chain((y) =>
    fc.constantFrom('01', '04', '07', '12').chain((m) => fc.constantFrom('01', '15', '28').map((d) => `${y}-${m}-${d}`)),
  );
  const facts: fc.Arbitrary<CoverageFacts> = fc.record({
    // Mostly living persons of an active household, so the later rules are reached too.
    deceased: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
    householdStatus: fc.oneof({ arbitrary: fc.constant('active' as const), weight: 6 }, { arbitrary: fc.constantFrom(...HouseholdStatuses.codes), weight: 1 }),
    cancellationReason: fc.option(fc.constantFrom(...HouseholdCancellationReasons.codes), { nil: undefined }),
    enrollments: fc.array(
      fc.record({
        insuranceType: fc.constantFrom(...InsuranceTypes.codes),
        contributionStatus: fc.constantFrom(...ContributionStatuses.codes),
        provinceCode: fc.constantFrom('44', '440000', '32', '320100', '11', '4'),
      }),
      { maxLength: 5 },
    ),
    openConflicts: fc.constantFrom(0, 0, 1),
    birthDate: fc.option(day, { nil: undefined }),
    exemptions: fc.option(
      fc.dictionary(fc.constantFrom(...RECORDED_EXEMPTION_REASONS), fc.record({ since: day, until: fc.option(day, { nil: undefined }) }, { requiredKeys: ['since'] })),
      { nil: undefined },
    ),
  });

  it('gives what the rules as first written give, field for field and in the same order', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(facts, fc.option(day, { nil: undefined }), (f, asOf) => {
        const fast = assessRegistryCoverage(f, '44', asOf);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(rulesAsWritten(f, '44', asOf)));
        for (const what of [fast.status, ...fast.flags]) seen.set(what, (seen.get(what) ?? 0) + 1);
      }),
      { numRuns: 20_000, seed: 20261207 },
    );
    // Every status and every flag came up often enough to be compared.
    const flags = ['LAPSED_CONTRIBUTION', 'DUPLICATE_MEDICAL_ENROLLMENT', 'DUPLICATE_PENSION_ENROLLMENT', 'INSURED_IN_TWO_PROVINCES'];
    for (const what of ['insured-local', 'insured-elsewhere', 'uninsured', 'exempt', 'unresolved', ...flags]) expect(seen.get(what)).toBeGreaterThan(100);
  });
});
