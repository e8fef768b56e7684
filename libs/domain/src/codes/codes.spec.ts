import {
  CodeEntry,
  ContributionStatuses,
  CoverageStatuses,
  ExemptionReasons,
  Genders,
  HouseholdCancellationReasons,
  HouseholdStatuses,
  InsuranceTypes,
  SourceKinds,
  insuranceFamilyOf,
  isContributionStatus,
  isCoverageStatus,
  isGender,
  isInsuranceType,
  isInteractiveSource,
  isSourceKind,
} from '.';

describe('code tables', () => {
  it('lists the eight insurance types of AAE140 with Chinese names', () => {
    expect(InsuranceTypes.codes).toEqual(['110', '120', '170', '210', '310', '390', '410', '510']);
    expect(InsuranceTypes.nameZh('390')).toBe('城乡居民基本医疗保险');
    expect(insuranceFamilyOf('170')).toBe('pension');
    expect(insuranceFamilyOf('310')).toBe('medical');
  });

  it('guards reject unknown values and non-strings', () => {
    expect(isInsuranceType('110')).toBe(true);
    expect(isInsuranceType('111')).toBe(false);
    expect(isInsuranceType(110)).toBe(false);
    expect(isContributionStatus('2')).toBe(true);
    expect(isContributionStatus('4')).toBe(false);
    expect(isGender('9')).toBe(true);
    expect(isGender('3')).toBe(false);
    expect(isCoverageStatus('unresolved')).toBe(true);
    expect(isSourceKind('card-library')).toBe(true);
    expect(isSourceKind('toString')).toBe(false);
  });

  it('names every code in Chinese', () => {
    for (const table of [
      InsuranceTypes,
      ContributionStatuses,
      Genders,
      HouseholdStatuses,
      HouseholdCancellationReasons,
      CoverageStatuses,
      ExemptionReasons,
      SourceKinds,
    ]) {
      for (const entry of Object.values<CodeEntry>(table.entries)) expect(entry.nameZh).toMatch(/\p{Script=Han}/u);
    }
    expect(Genders.nameZh('2')).toBe('女');
    expect(ContributionStatuses.nameZh('3')).toBe('终止参保');
  });

  it('treats operator, self-service and approved survey results as interactive channels', () => {
    expect(isInteractiveSource('operator')).toBe(true);
    expect(isInteractiveSource('self-service')).toBe(true);
    expect(isInteractiveSource('survey')).toBe(true);
    expect(isInteractiveSource('household-registration')).toBe(false);
  });
});
