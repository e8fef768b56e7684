import { CoverageFacts, NEWBORN_ENROLMENT_DAYS, assessRegistryCoverage } from './registry-coverage';

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
