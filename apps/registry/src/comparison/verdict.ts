import { CoverageAssessment, assessRegistryCoverage, datePart } from '@registry/domain';
import type { PersonDocument } from '../persons/projections/person-document';

/**
 * The verdict the decider would give a person (DetermineCoverage: the registry's coverage
 * rules over the person's facts, as of the run's date), computed from the person's read-model
 * document: the same facts (death, household, enrolments, open conflicts, birth date,
 * recorded exemptions) that the stream's folded state holds once the read model is caught up.
 * A property test (verdict.spec.ts) holds the two to the same answer over generated histories.
 */
export function readModelVerdict(doc: PersonDocument, localProvince: string, occurredAt: string): CoverageAssessment {
  return assessRegistryCoverage(
    {
      deceased: doc.deceased,
      householdStatus: doc.householdStatus,
      cancellationReason: doc.cancellationReason as never,
      enrollments: doc.enrollments,
      openConflicts: doc.openConflicts.length,
      birthDate: doc.birthDate,
      exemptions: doc.exemptions,
    },
    localProvince,
    datePart(occurredAt),
  );
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whether `verdict` is the person's last recorded verdict (the decider's test for recording
 * nothing: status, exemption reason, evidence and flags all equal). A document written before
 * verdicts kept their flags says "changed": the command path then decides, as it always may.
 */
export function sameAsLastVerdict(doc: PersonDocument, verdict: CoverageAssessment): boolean {
  const last = doc.lastDetermination;
  return (
    last !== undefined &&
    last.flags !== undefined &&
    last.status === verdict.status &&
    last.exemptionReason === verdict.exemptionReason &&
    sameList(last.evidence, verdict.evidence) &&
    sameList(last.flags, verdict.flags)
  );
}
