import { CoverageAssessment, NEWBORN_ENROLMENT_DAYS, assessRegistryCoverage, datePart } from '@registry/domain';
import { PersonDocument, coverageFactsOf } from '../persons/projections/person-document';

/**
 * The verdict the decider would give a person (DetermineCoverage: the registry's coverage
 * rules over the person's facts, as of the run's date), computed from the person's read-model
 * document: the same facts (death, household, enrolments, open conflicts, birth date,
 * recorded exemptions) that the stream's folded state holds once the read model is caught up.
 * A property test (verdict.spec.ts) holds the two to the same answer over generated histories.
 */
export function readModelVerdict(doc: PersonDocument, localProvince: string, occurredAt: string): CoverageAssessment {
  return assessRegistryCoverage(coverageFactsOf(doc), localProvince, datePart(occurredAt));
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

const DAY_MS = 86_400_000;

/**
 * The first date after `asOf` on which the verdict could change with no new fact: a newborn
 * leaving the enrolment window, a recorded exemption starting or ending. Undefined when the
 * verdict rests on facts alone (death, household, enrolments): only a new fact changes it, and
 * a new fact puts the person among the changed ones. A run on changes judges the persons whose
 * date has come (see runDetermination's VERDICT_DATES).
 */
export function nextVerdictDate(doc: PersonDocument, verdict: CoverageAssessment, asOf: string): string | undefined {
  const dated =
    verdict.status === 'uninsured' ||
    verdict.status === 'unresolved' ||
    (verdict.status === 'exempt' && verdict.evidence[0] !== 'DEATH_RECORDED' && !verdict.evidence[0].startsWith('HOUSEHOLD_'));
  if (!dated) return undefined;
  const dates: string[] = [];
  if (/^\d{4}-\d{2}-\d{2}$/.test(doc.birthDate ?? '')) {
    dates.push(new Date(Date.parse(`${doc.birthDate}T00:00:00Z`) + NEWBORN_ENROLMENT_DAYS * DAY_MS).toISOString().slice(0, 10));
  }
  for (const e of Object.values(doc.exemptions ?? {})) {
    if (!e) continue;
    dates.push(e.since);
    if (e.until !== undefined) dates.push(e.until);
  }
  const day = datePart(asOf);
  let next: string | undefined;
  for (const d of dates) if (d > day && (next === undefined || d < next)) next = d;
  return next;
}
