import { CitizenId, CitizenIdRepairKind, PersonCommand, PersonId, SourceKind } from '@registry/domain';
import { CanonicalRecord } from '@registry/ingest';
import { PersonCommandRequest } from '../persons/execute-person-commands';
import { commandsForRecord } from '../persons/person-commands';
import type { ImportRejection } from '../imports/import-job';

/** ID-related reasons: the rows record linkage may still place. */
const LINKABLE_REASONS = new Set([
  'ID_BAD_CHECK_CHARACTER',
  'ID_MISSING_CHECK_CHARACTER',
  'ID_BAD_LENGTH',
  'ID_BAD_CHARACTERS',
  'ID_BAD_BIRTH_DATE',
  'ID_MISSING',
  'ID_BIRTH_DATE_IN_FUTURE',
]);

type Reason = { code: string; field?: string };

/** A missing citizen ID is as linkable as a mistyped one. */
function idReason(reason: Reason): boolean {
  return LINKABLE_REASONS.has(reason.code) || (reason.code === 'REQUIRED_FIELD_MISSING' && reason.field === 'citizenId');
}

/**
 * Rows linkage considers: those quarantined for their ID (and not as a repeat of another
 * row). A row with other faults too (an empty insurance type, say) is still linked, so
 * that the department learns whose row it is; its facts are applied only when its ID was
 * its only fault (`identityOnly`).
 */
export function linkableRow(reasons: readonly Reason[]): boolean {
  return reasons.some(idReason) && !reasons.some((r) => r.code === 'DUPLICATE_ROW');
}

export function identityOnly(reasons: readonly Reason[]): boolean {
  return reasons.length > 0 && reasons.every(idReason);
}

export interface LinkEvidenceInput {
  decidedBy: 'automatic' | 'reviewer';
  reviewer?: string;
  score: number;
  fields: Record<string, { level: string; weight: number }>;
}

/**
 * Every link decision, automatic or a reviewer's, as the command that records it on the
 * person: idempotent per record (`link:<recordRef>`), with its score and the fields that drove it.
 */
export function linkRecordCommand(
  recordRef: string,
  recordSource: SourceKind,
  occurredAt: string,
  decision: LinkEvidenceInput,
): PersonCommand {
  return {
    type: 'LinkRecord',
    data: {
      source: 'comparison',
      sourceRecordId: `link:${recordRef}`,
      occurredAt,
      recordSource,
      recordRef,
      decidedBy: decision.decidedBy,
      ...(decision.reviewer ? { reviewer: decision.reviewer } : {}),
      score: Math.round(decision.score * 1000) / 1000,
      fields: decision.fields,
    },
  };
}

/** The quarantined row as the record it would have been, under `kind`. */
function asRecord(rejectionId: string, kind: string, fields: Record<string, string>): CanonicalRecord {
  return { ...fields, kind, sourceRecordId: fields.sourceRecordId ?? `row:${rejectionId}` } as unknown as CanonicalRecord;
}

/**
 * The link event plus the row's own facts (an enrolment, a death), applied to the linked person.
 * A household row's facts (its region, address, household status, and the name public security
 * holds) are what make the person household-registered here: they are reported under the
 * linked person's own ID (`personCitizenId`), the row's faulty one having named them only by
 * linkage; without that ID the link alone is recorded.
 */
export function linkCommands(
  rejection: Pick<ImportRejection, '_id' | 'reasons'>,
  source: string,
  personId: PersonId,
  occurredAt: string,
  evidence: LinkEvidenceInput,
  recordFields: Record<string, string>,
  personCitizenId?: CitizenId,
): PersonCommandRequest<string>[] {
  const out: PersonCommandRequest<string>[] = [
    { key: rejection._id, id: personId, command: linkRecordCommand(rejection._id, source as SourceKind, occurredAt, evidence) },
  ];
  // Unless the row was faulty beyond its ID: then the link only says whose row it is.
  if (!identityOnly(rejection.reasons)) return out;
  if (source === 'household-registration' && personCitizenId) {
    for (const command of commandsForRecord(asRecord(rejection._id, source, recordFields), personCitizenId, occurredAt)) {
      out.push({ key: rejection._id, id: personId, command });
    }
    return out;
  }
  if (source === 'insurance-enrollment' || source === 'health' || source === 'civil-affairs') {
    // The person exists (that is what the link says): only the row's other facts are applied.
    const placeholder = { value: '', masked: '' } as unknown as CitizenId;
    for (const command of commandsForRecord(asRecord(rejection._id, source, recordFields), placeholder, occurredAt)) {
      if (command.type !== 'RegisterPerson') out.push({ key: rejection._id, id: personId, command });
    }
  }
  return out;
}

export interface IdRepair {
  personId: PersonId;
  citizenId: CitizenId;
  kind: CitizenIdRepairKind;
}

/** A household row registered under its repaired ID (with the anomaly naming the repair), and the link that says so. */
export function repairCommands(
  rejection: Pick<ImportRejection, '_id'>,
  repair: IdRepair,
  occurredAt: string,
  recordFields: Record<string, string>,
): PersonCommandRequest<string>[] {
  const out: PersonCommandRequest<string>[] = [];
  for (const command of commandsForRecord(asRecord(rejection._id, 'household-registration', recordFields), repair.citizenId, occurredAt)) {
    const marked = command.type === 'RegisterPerson' ? { ...command, data: { ...command.data, idRepair: repair.kind } } : command;
    out.push({ key: rejection._id, id: repair.personId, command: marked });
  }
  const level = repair.kind === 'check-character' ? 'repaired-check-character' : 'repaired-birth-date';
  out.push({
    key: rejection._id,
    id: repair.personId,
    command: linkRecordCommand(rejection._id, 'household-registration', occurredAt, {
      decidedBy: 'automatic',
      score: 0,
      fields: { citizenId: { level, weight: 0 } },
    }),
  });
  return out;
}
