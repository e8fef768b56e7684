import { insuranceFamilyOf } from '../codes/insurance-type';
import { PersonEvent } from '../person/person-events';

/** A change of a person that makes a pending survey visit pointless. */
export interface SurveyRelevantChange {
  readonly change: 'enrolled' | 'deceased' | 'moved' | 'household-cancelled';
  /** For a move within the province. */
  readonly toRegion?: string;
}

/**
 * Which person events cancel a task still waiting for its visit: a basic pension or medical
 * enrolment (here or elsewhere) that covers the person, a death, a household move, a
 * cancelled household. Everything else (a new phone number, a conflict, a suspension) leaves
 * the visit worth making; the reviewer sees it beside the result.
 */
export function surveyRelevantChange(event: PersonEvent): SurveyRelevantChange | null {
  switch (event.type) {
    case 'EnrollmentRecorded': {
      const { insuranceType, contributionStatus } = event.data;
      const basic = insuranceFamilyOf(insuranceType);
      return (basic === 'pension' || basic === 'medical') && contributionStatus !== '3' ? { change: 'enrolled' } : null;
    }
    case 'EnrollmentResumed': {
      const basic = insuranceFamilyOf(event.data.insuranceType);
      return basic === 'pension' || basic === 'medical' ? { change: 'enrolled' } : null;
    }
    case 'DeathRecorded':
      return { change: 'deceased' };
    case 'HouseholdMoved': {
      const d = event.data.destination;
      return d.scope === 'within-province' ? { change: 'moved', toRegion: d.toRegion } : { change: 'moved' };
    }
    case 'HouseholdCancelled':
      return { change: 'household-cancelled' };
    default:
      return null;
  }
}

/** The event types surveyRelevantChange can answer for (what a subscription needs to see). */
export const SURVEY_RELEVANT_PERSON_EVENT_TYPES = [
  'EnrollmentRecorded',
  'EnrollmentResumed',
  'DeathRecorded',
  'HouseholdMoved',
  'HouseholdCancelled',
] as const;
