import { CoverageAssessment, assessRegistryCoverage } from '../coverage/registry-coverage';
import { RegisteredPersonState, conflictsInDoubt } from './person-state';

/** The registry's coverage rules applied to a person's folded state, as of a date (`YYYY-MM-DD`). */
export function assessPersonCoverage(state: RegisteredPersonState, localProvince: string, asOf?: string): CoverageAssessment {
  const p = state.person;
  return assessRegistryCoverage(
    {
      deceased: state.status === 'deceased',
      householdStatus: p.household.status,
      cancellationReason: p.household.cancellationReason,
      enrollments: p.enrollments,
      openConflicts: conflictsInDoubt(p.openConflicts),
      birthDate: p.fields.birthDate?.value,
      exemptions: p.exemptions,
    },
    localProvince,
    asOf,
  );
}
