import {
  CitizenId,
  Gender,
  IdentityField,
  PersonCommand,
  SourceRef,
  SurveyFinding,
  SurveyReference,
  SurveyResultPersonal,
  EvidenceReference,
} from '@registry/domain';
import { correction, death, enrollment, exemption, householdMove, registrationCommands } from '../persons/person-commands';

/** The approved result, as the approval reads it from the task (personal values opened). */
export interface ApprovedResult {
  taskId: string;
  resultId: string;
  visitedAt: string;
  finding: SurveyFinding;
  evidence: readonly EvidenceReference[];
  personal: SurveyResultPersonal;
}

/** An identity check's row, for registering the person its approved result identified. */
export interface IdentifiedRow {
  householdRegion: string;
  name?: string;
  gender?: Gender;
  birthDate?: string;
  householdAddress?: string;
}

/**
 * The person commands an approved result means, built with the person's own command
 * builders (persons/person-commands.ts): the same commands the HTTP API and department files
 * send, so the person's decider judges them the same way. Every command names the task, the
 * result's outcome and its evidence (SourceRef.survey), with source `survey` and a record id
 * of its own under the task and result (`<task>/<result>#death`), so an approval retried
 * after a lost answer records nothing twice. Outcomes that change nothing about the person
 * (refused, not found, studying or working elsewhere, other) give none: the task keeps them.
 */
export function surveyPersonCommands(result: ApprovedResult, reviewer: string, localProvince: string): PersonCommand[] {
  const survey: SurveyReference = {
    taskId: result.taskId,
    resultId: result.resultId,
    outcome: result.finding.outcome,
    evidence: result.evidence.map((e) => ({ documentId: e.documentId, type: e.type, sha256: e.sha256 })),
  };
  const base = `${result.taskId}/${result.resultId}`;
  const ref = (part: string): SourceRef => ({ source: 'survey', sourceRecordId: `${base}#${part}`, occurredAt: result.visitedAt, survey });
  const commands: PersonCommand[] = [];
  const f = result.finding;
  switch (f.outcome) {
    case 'enrolled-now':
      for (const e of f.enrollments) {
        commands.push(
          enrollment(ref(`enrolment-${e.insuranceType}`), {
            insuranceType: e.insuranceType,
            contributionStatus: '1',
            provinceCode: localProvince,
            since: e.since,
          }),
        );
      }
      break;
    case 'insured-elsewhere':
      for (const e of f.enrollments) {
        commands.push(
          enrollment(ref(`enrolment-${e.insuranceType}`), {
            insuranceType: e.insuranceType,
            contributionStatus: '1',
            provinceCode: e.provinceCode,
            since: e.since,
          }),
        );
      }
      break;
    case 'deceased':
      commands.push(death(ref('death'), f.dateOfDeath));
      break;
    case 'moved-away':
      commands.push(householdMove(ref('move'), f.destination));
      break;
    case 'military-service':
      commands.push(exemption(ref('exemption'), 'military-service', f.since));
      break;
    case 'imprisoned':
      commands.push(exemption(ref('exemption'), 'imprisoned', f.since, f.until));
      break;
    case 'studying-or-working-elsewhere':
    case 'refused':
    case 'not-found':
    case 'identified':
    case 'other':
      break;
    default: {
      const unreachable: never = f;
      return unreachable;
    }
  }
  const corrections = result.personal.corrections as Partial<Record<IdentityField, string>> | undefined;
  if (corrections && Object.keys(corrections).length > 0) {
    // An operator correction (the reviewer approving it is the operator); its reason names the task, not the person.
    commands.unshift(correction(ref('correction'), reviewer, `household survey ${result.taskId}, result ${result.resultId}`, corrections));
  }
  return commands;
}

/** The registration an approved identity check means: the row's person under the ID the surveyor established. */
export function identifiedPersonCommands(result: ApprovedResult, citizenId: CitizenId, row: IdentifiedRow): PersonCommand[] {
  const survey: SurveyReference = {
    taskId: result.taskId,
    resultId: result.resultId,
    outcome: result.finding.outcome,
    evidence: result.evidence.map((e) => ({ documentId: e.documentId, type: e.type, sha256: e.sha256 })),
  };
  const ref: SourceRef = {
    source: 'survey',
    sourceRecordId: `${result.taskId}/${result.resultId}#person`,
    occurredAt: result.visitedAt,
    survey,
  };
  return registrationCommands(ref, {
    citizenId,
    name: row.name,
    gender: row.gender,
    birthDate: row.birthDate,
    householdRegion: row.householdRegion,
    householdAddress: row.householdAddress,
  });
}
