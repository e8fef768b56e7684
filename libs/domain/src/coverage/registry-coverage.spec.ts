import { CoverageFacts, assessRegistryCoverage } from './registry-coverage';

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
