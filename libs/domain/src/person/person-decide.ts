import { InsuranceFamily, insuranceFamilyOf, InsuranceType } from '../codes/insurance-type';
import { RECORDED_EXEMPTION_REASONS, isRecordedExemptionReason } from '../codes/coverage-status';
import { isInteractiveSource } from '../codes/source-kind';
import { datePart } from '../shared/dates';
import {
  CancelHousehold,
  CorrectRecord,
  DetermineCoverage,
  MoveHousehold,
  PersonCommand,
  RecordDeath,
  RecordEnrollment,
  RecordExemption,
  RegisterPerson,
  ResumeEnrollment,
  SuspendEnrollment,
  TerminateEnrollment,
} from './person-commands';
import {
  CitizenIdMismatchError,
  CorrectionNoChangeError,
  CorrectionReasonRequiredError,
  EnrollmentAlreadySuspendedError,
  EnrollmentNotFoundError,
  EnrollmentNotSuspendedError,
  EnrollmentTerminatedError,
  HouseholdAlreadyCancelledError,
  HouseholdCancelledError,
  InvalidFieldValueError,
  PersonAlreadyDeceasedError,
  PersonDeceasedError,
  PersonNotRegisteredError,
} from './person-errors';
import { sourced } from './sourced';
import { AnomalyCode, AnomalyDetected, PersonEvent, PersonalIdentity, SourceRef } from './person-events';
import { FieldChange, IDENTITY_FIELDS, IdentityField, IdentityValues, PrecedenceConfig } from './person-fields';
import { Enrollment, PersonRecord, PersonState, RegisteredPersonState, enrollmentOf, sourceRecordKey } from './person-state';
import { change, reconcile, splitChanges } from './identity-reconciliation';
import { assessPersonCoverage } from './person-coverage';
import {
  canonicalIdentityValue,
  checkCancellationReason,
  checkContributionStatus,
  checkDate,
  checkInsuranceType,
  checkNotAfter,
  checkProvinceCode,
  checkRegion,
  checkSourceRef,
} from './person-validation';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface PersonDeciderConfig {
  readonly precedence: PrecedenceConfig;
}

/**
 * Decides what a command means for one person. Pure: no clock (time comes in
 * `occurredAt`), no lookups (precedence is configuration). A source record already
 * applied yields no events, whatever it would otherwise do.
 */
export function decidePerson(command: PersonCommand, state: PersonState, config: PersonDeciderConfig): PersonEvent[] {
  const ref = sourceRefOf(command.data);
  checkSourceRef(ref);
  if (state.status !== 'unregistered' && state.person.processed.has(sourceRecordKey(ref.source, ref.sourceRecordId))) {
    return [];
  }

  switch (command.type) {
    case 'RegisterPerson':
      return registerPerson(command, state, ref, config);
    case 'RecordEnrollment':
      return recordEnrollment(command, registered(state), ref);
    case 'SuspendEnrollment':
      return suspendEnrollment(command, registered(state), ref);
    case 'ResumeEnrollment':
      return resumeEnrollment(command, registered(state), ref);
    case 'TerminateEnrollment':
      return terminateEnrollment(command, registered(state), ref);
    case 'RecordDeath':
      return recordDeath(command, registered(state), ref);
    case 'RecordExemption':
      return recordExemption(command, registered(state), ref);
    case 'MoveHousehold':
      return moveHousehold(command, registered(state), ref);
    case 'CancelHousehold':
      return cancelHousehold(command, registered(state), ref);
    case 'CorrectRecord':
      return correctRecord(command, registered(state), ref);
    case 'DetermineCoverage':
      return determineCoverage(command, registered(state), ref);
    case 'LinkRecord': {
      registered(state);
      const { recordSource, recordRef, decidedBy, reviewer, score, fields } = command.data;
      return [
        {
          type: 'RecordLinked',
          data: sourced(ref, { recordSource, recordRef, decidedBy, ...(reviewer ? { reviewer } : {}), score, fields }),
        },
      ];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled person command ${(unreachable as { type: string }).type}`);
    }
  }
}

/** Copies exactly the reference fields: spreading command data could carry personal values into clear. */
function sourceRefOf(data: SourceRef): SourceRef {
  if (data.survey === undefined) return { source: data.source, sourceRecordId: data.sourceRecordId, occurredAt: data.occurredAt };
  const { taskId, resultId, outcome, evidence } = data.survey;
  const survey = {
    taskId,
    resultId,
    outcome,
    evidence: evidence.map((e) => ({ documentId: e.documentId, type: e.type, sha256: e.sha256 })),
  };
  return { source: data.source, sourceRecordId: data.sourceRecordId, occurredAt: data.occurredAt, survey };
}

function registered(state: PersonState): RegisteredPersonState {
  if (state.status === 'unregistered') throw new PersonNotRegisteredError();
  return state;
}

function anomaly(ref: SourceRef, code: AnomalyCode, insuranceType?: InsuranceType): AnomalyDetected {
  return { type: 'AnomalyDetected', data: sourced(ref, insuranceType ? { anomaly: code, insuranceType } : { anomaly: code }) };
}

function registerPerson(command: RegisterPerson, state: PersonState, ref: SourceRef, config: PersonDeciderConfig): PersonEvent[] {
  const { citizenId } = command.data;
  const reported: IdentityValues = {};
  for (const field of IDENTITY_FIELDS) {
    const value = command.data[field];
    if (value !== undefined) reported[field] = canonicalIdentityValue(field, value, ref.occurredAt);
  }
  // The ID is check-digit protected and encodes birth date and gender: a source saying
  // otherwise is a data-quality fact to show, never the value held (nor a conflict to review).
  const anomalies: PersonEvent[] = [];
  if (reported.birthDate !== undefined && reported.birthDate !== citizenId.birthDate) {
    anomalies.push(anomaly(ref, 'BIRTH_DATE_DIFFERS_FROM_ID'));
  }
  if ((reported.gender === '1' || reported.gender === '2') && reported.gender !== citizenId.gender) {
    anomalies.push(anomaly(ref, 'GENDER_DIFFERS_FROM_ID'));
  }
  if (reported.birthDate !== undefined) reported.birthDate = citizenId.birthDate;
  if (reported.gender !== undefined) reported.gender = citizenId.gender;

  if (state.status !== 'unregistered') {
    if (state.person.citizenId !== citizenId.value) throw new CitizenIdMismatchError();
    const reconciled = reconcile(state.person, reported, ref, config.precedence);
    if (command.data.ensure) return [...reconciled, ...anomalies];
    const fields = Object.keys(reported) as IdentityField[];
    return [{ type: 'PersonDetailsReported', data: sourced(ref, { fields }) }, ...reconciled, ...anomalies];
  }

  const birthDate = citizenId.birthDate;
  const gender = citizenId.gender;
  const personal: Mutable<PersonalIdentity> = { citizenId: citizenId.value };
  if (reported.name !== undefined) personal.name = reported.name;
  if (reported.phone !== undefined) personal.phone = reported.phone;
  if (reported.householdAddress !== undefined) personal.householdAddress = reported.householdAddress;
  const events: PersonEvent[] = [
    { type: 'PersonRegistered', data: sourced(ref, { birthDate, gender, householdRegion: reported.householdRegion, personal }) },
    ...anomalies,
  ];
  if (command.data.idRepair === 'check-character') events.push(anomaly(ref, 'CITIZEN_ID_CHECK_CHARACTER_REPAIRED'));
  if (command.data.idRepair === 'birth-date') events.push(anomaly(ref, 'CITIZEN_ID_BIRTH_DATE_REPAIRED'));
  return events;
}

/**
 * Appends the anomalies of a contributing enrolment arriving now; interactive channels are
 * refused instead. Appends rather than returns: most commands have none to add.
 */
function addContributionAnomalies(
  events: PersonEvent[],
  state: RegisteredPersonState,
  ref: SourceRef,
  type: InsuranceType,
  provinceCode?: string,
): void {
  if (state.status === 'deceased') {
    if (isInteractiveSource(ref.source)) throw new PersonDeceasedError();
    if (datePart(ref.occurredAt) > state.death.dateOfDeath) events.push(anomaly(ref, 'CONTRIBUTION_AFTER_DEATH', type));
  } else if (state.person.household.status === 'cancelled') {
    events.push(anomaly(ref, 'ENROLLMENT_AFTER_HOUSEHOLD_CANCELLED', type));
  }
  const enrollments = state.person.enrollments;
  const family = insuranceFamilyOf(type);
  if ((family === 'pension' || family === 'medical') && contributesToOtherOfFamily(enrollments, type, family)) {
    events.push(anomaly(ref, 'DUPLICATE_ENROLLMENT', type));
  }
  const same = enrollmentOf(enrollments, type);
  if (provinceCode !== undefined && same?.contributionStatus === '1' && same.provinceCode !== provinceCode) {
    events.push(anomaly(ref, 'ENROLLED_IN_TWO_PROVINCES', type));
  }
}

/** Whether another type of the family (pension, medical) is contributing. */
function contributesToOtherOfFamily(enrollments: PersonRecord['enrollments'], type: InsuranceType, family: InsuranceFamily): boolean {
  return enrollments.some((e) => e.insuranceType !== type && insuranceFamilyOf(e.insuranceType) === family && e.contributionStatus === '1');
}

function recordEnrollment(command: RecordEnrollment, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { insuranceType, contributionStatus, provinceCode, since } = command.data;
  checkInsuranceType(insuranceType);
  checkContributionStatus(contributionStatus);
  checkProvinceCode('provinceCode', provinceCode);
  checkDate('since', since);
  const events: PersonEvent[] = [
    { type: 'EnrollmentRecorded', data: sourced(ref, { insuranceType, contributionStatus, provinceCode, since }) },
  ];
  if (contributionStatus === '1') addContributionAnomalies(events, state, ref, insuranceType, provinceCode);
  return events;
}

function existingEnrollment(state: RegisteredPersonState, type: InsuranceType, effectiveDate: string): Enrollment {
  checkInsuranceType(type);
  checkDate('effectiveDate', effectiveDate);
  const enrollment = enrollmentOf(state.person.enrollments, type);
  if (!enrollment) throw new EnrollmentNotFoundError(type);
  if (enrollment.contributionStatus === '3') throw new EnrollmentTerminatedError(type);
  return enrollment;
}

function suspendEnrollment(command: SuspendEnrollment, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { insuranceType, effectiveDate } = command.data;
  const enrollment = existingEnrollment(state, insuranceType, effectiveDate);
  if (enrollment.contributionStatus === '2') throw new EnrollmentAlreadySuspendedError(insuranceType);
  return [{ type: 'EnrollmentSuspended', data: sourced(ref, { insuranceType, effectiveDate }) }];
}

function resumeEnrollment(command: ResumeEnrollment, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { insuranceType, effectiveDate } = command.data;
  const enrollment = existingEnrollment(state, insuranceType, effectiveDate);
  if (enrollment.contributionStatus !== '2') throw new EnrollmentNotSuspendedError(insuranceType);
  const events: PersonEvent[] = [{ type: 'EnrollmentResumed', data: sourced(ref, { insuranceType, effectiveDate }) }];
  addContributionAnomalies(events, state, ref, insuranceType);
  return events;
}

function terminateEnrollment(command: TerminateEnrollment, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { insuranceType, effectiveDate } = command.data;
  existingEnrollment(state, insuranceType, effectiveDate);
  return [{ type: 'EnrollmentTerminated', data: sourced(ref, { insuranceType, effectiveDate }) }];
}

function recordDeath(command: RecordDeath, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { dateOfDeath } = command.data;
  checkDate('dateOfDeath', dateOfDeath);
  checkNotAfter('dateOfDeath', dateOfDeath, ref.occurredAt);
  if (state.status === 'living') return [{ type: 'DeathRecorded', data: sourced(ref, { dateOfDeath, corroborating: false }) }];
  // Already deceased: an operator doing it again is a mistake; another source confirming is evidence.
  if (isInteractiveSource(ref.source)) throw new PersonAlreadyDeceasedError();
  const events: PersonEvent[] = [{ type: 'DeathRecorded', data: sourced(ref, { dateOfDeath, corroborating: true }) }];
  if (dateOfDeath !== state.death.dateOfDeath) events.push(anomaly(ref, 'DEATH_DATE_MISMATCH'));
  return events;
}

function recordExemption(command: RecordExemption, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { reason, since, until } = command.data;
  if (!isRecordedExemptionReason(reason))
    throw new InvalidFieldValueError('reason', `must be one of ${RECORDED_EXEMPTION_REASONS.join(', ')}`);
  checkDate('since', since);
  if (until !== undefined) {
    checkDate('until', until);
    if (until <= since) throw new InvalidFieldValueError('until', 'must be after since');
  }
  if (state.status === 'deceased' && isInteractiveSource(ref.source)) throw new PersonDeceasedError();
  return [{ type: 'ExemptionRecorded', data: sourced(ref, { reason, since, ...(until !== undefined && { until }) }) }];
}

function moveHousehold(command: MoveHousehold, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { destination } = command.data;
  if (destination.scope === 'within-province') checkRegion('toRegion', destination.toRegion);
  else if (destination.scope === 'out-of-province') checkProvinceCode('toProvince', destination.toProvince);
  else throw new InvalidFieldValueError('destination', 'scope must be within-province or out-of-province');
  if (state.person.household.status === 'cancelled') throw new HouseholdCancelledError();
  if (state.status === 'deceased' && isInteractiveSource(ref.source)) throw new PersonDeceasedError();

  const fromRegion = state.person.fields.householdRegion?.value;
  const moved = { ...destination };
  const events: PersonEvent[] = [
    {
      type: 'HouseholdMoved',
      data: sourced(ref, fromRegion !== undefined ? { fromRegion, destination: moved } : { destination: moved }),
    },
  ];
  if (state.status === 'deceased') events.push(anomaly(ref, 'HOUSEHOLD_MOVED_AFTER_DEATH'));
  return events;
}

function cancelHousehold(command: CancelHousehold, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { reason } = command.data;
  checkCancellationReason(reason);
  if (state.person.household.status === 'cancelled') throw new HouseholdAlreadyCancelledError();
  return [{ type: 'HouseholdCancelled', data: sourced(ref, { reason }) }];
}

function correctRecord(command: CorrectRecord, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { operatorId, reason, corrections } = command.data;
  if (ref.source !== 'operator') throw new InvalidFieldValueError('source', 'corrections come from operators only');
  if (typeof reason !== 'string' || reason.trim() === '') throw new CorrectionReasonRequiredError();
  if (typeof operatorId !== 'string' || operatorId.trim() === '') throw new InvalidFieldValueError('operatorId', 'must not be empty');

  const changes: Partial<Record<IdentityField, FieldChange>> = {};
  const fields: IdentityField[] = [];
  let changesSomething = false;
  for (const field of IDENTITY_FIELDS) {
    const raw = corrections[field];
    if (raw === undefined) continue;
    const value = canonicalIdentityValue(field, raw, ref.occurredAt);
    const held = state.person.fields[field];
    fields.push(field);
    changes[field] = change(held?.value, value);
    if (held?.value !== value) changesSomething = true;
  }
  const resolvedConflictIds = state.person.openConflicts.filter((c) => fields.includes(c.field)).map((c) => c.conflictId);
  if (!changesSomething && resolvedConflictIds.length === 0) throw new CorrectionNoChangeError();

  const split = splitChanges(changes);
  return [
    {
      type: 'RecordCorrected',
      data: sourced(ref, {
        source: 'operator' as const,
        operatorId: operatorId.trim(),
        fields,
        changes: split.changes,
        personal: { ...split.personal, reason: reason.trim() },
        resolvedConflictIds,
      }),
    },
  ];
}

/**
 * The verdict follows the registry's coverage rules (coverage/registry-coverage.ts) over the
 * person's current facts; it is recorded only when it differs from the last verdict.
 */
function determineCoverage(command: DetermineCoverage, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const p = state.person;
  const assessment = assessPersonCoverage(state, command.data.localProvince, datePart(ref.occurredAt));
  const previous = p.coverage;
  const same =
    previous !== undefined &&
    previous.status === assessment.status &&
    previous.exemptionReason === assessment.exemptionReason &&
    previous.evidence.join(',') === assessment.evidence.join(',') &&
    previous.flags.join(',') === assessment.flags.join(',');
  if (same) return [];
  return [
    {
      type: 'CoverageStatusDetermined',
      data: sourced(ref, {
        runId: command.data.runId,
        status: assessment.status,
        ...(assessment.exemptionReason ? { exemptionReason: assessment.exemptionReason } : {}),
        localTypes: assessment.localTypes,
        elsewhereProvinces: assessment.elsewhereProvinces,
        flags: assessment.flags,
        evidence: assessment.evidence,
        ...(previous ? { previousStatus: previous.status } : {}),
      }),
    },
  ];
}
