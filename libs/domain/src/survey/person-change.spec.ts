import { ref } from '../testing/person-fixtures';
import { PersonEvent } from '../person/person-events';
import { surveyRelevantChange } from './person-change';

const at = ref('insurance-enrollment', 'e-1', '2025-03-04T00:00:00Z');
const enrolment = (insuranceType: string, contributionStatus: string): PersonEvent =>
  ({
    type: 'EnrollmentRecorded',
    data: { ...at, insuranceType, contributionStatus, provinceCode: '44', since: '2025-03-01' },
  }) as PersonEvent;

describe('which person changes cancel a survey still waiting for its visit', () => {
  it('cancels for a covering basic enrolment, a resumption, a death, a move and a cancelled household', () => {
    expect(surveyRelevantChange(enrolment('390', '1'))).toEqual({ change: 'enrolled' });
    expect(surveyRelevantChange(enrolment('110', '2'))).toEqual({ change: 'enrolled' });
    expect(surveyRelevantChange({ type: 'EnrollmentResumed', data: { ...at, insuranceType: '170', effectiveDate: '2025-03-01' } })).toEqual(
      { change: 'enrolled' },
    );
    expect(surveyRelevantChange({ type: 'DeathRecorded', data: { ...at, dateOfDeath: '2025-03-01', corroborating: false } })).toEqual({
      change: 'deceased',
    });
    expect(
      surveyRelevantChange({ type: 'HouseholdMoved', data: { ...at, destination: { scope: 'within-province', toRegion: '440106001' } } }),
    ).toEqual({ change: 'moved', toRegion: '440106001' });
    expect(
      surveyRelevantChange({ type: 'HouseholdMoved', data: { ...at, destination: { scope: 'out-of-province', toProvince: '11' } } }),
    ).toEqual({
      change: 'moved',
    });
    expect(surveyRelevantChange({ type: 'HouseholdCancelled', data: { ...at, reason: 'emigration' } })).toEqual({
      change: 'household-cancelled',
    });
  });

  it('leaves the visit worth making for a terminated or non-basic enrolment and for changes of detail', () => {
    expect(surveyRelevantChange(enrolment('390', '3'))).toBeNull();
    expect(surveyRelevantChange(enrolment('410', '1'))).toBeNull();
    expect(
      surveyRelevantChange({ type: 'EnrollmentSuspended', data: { ...at, insuranceType: '390', effectiveDate: '2025-03-01' } }),
    ).toBeNull();
    expect(surveyRelevantChange({ type: 'PersonDetailsReported', data: { ...at, fields: ['phone'] } })).toBeNull();
    expect(surveyRelevantChange({ type: 'AnomalyDetected', data: { ...at, anomaly: 'DUPLICATE_ENROLLMENT' } })).toBeNull();
  });
});
