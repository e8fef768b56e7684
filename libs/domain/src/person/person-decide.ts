import { insuranceFamilyOf, InsuranceType } from '../codes/insurance-type';
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
import { AnomalyCode, AnomalyDetected, PersonEvent, SourceRef } from './person-events';
import { FieldChange, IDENTITY_FIELDS, IdentityField, IdentityValues, PrecedenceConfig } from './person-fields';
import { Enrollment, PersonState, RegisteredPersonState, sourceRecordKey } from './person-state';
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
      return [{ type: 'RecordLinked', data: { ...ref, recordSource, recordRef, decidedBy, ...(reviewer ? { reviewer } : {}), score, fields } }];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled person command ${(unreachable as { type: string }).type}`);
    }
  }
}

/** Copies exactly the reference fields: spreading command data could carry personal values into clear. */
function sourceRefOf(data: SourceRef): SourceRef {
  return { source: data.source, sourceRecordId: data.sourceRecordId, occurredAt: data.occurredAt };
}

function registered(state: PersonState): RegisteredPersonState {
  if (state.status === 'unregistered') throw new PersonNotRegisteredError();
  return state;
}

function anomaly(ref: SourceRef, code: AnomalyCode, insuranceType?: InsuranceType): AnomalyDetected {
  return { type: 'AnomalyDetected', data: insuranceType ? { ...ref, anomaly: code, insuranceType } : { ...ref, anomaly: code } };
}

function registerPerson(command: RegisterPerson, state: PersonState, ref: SourceRef, config: PersonDeciderConfig): PersonEvent[] {
  const { citizenId } = command.data;
  const reported: IdentityValues = {};
  for (const field of IDENTITY_FIELDS) {
    const value = command.data[field];
    if (value !== undefined) reported[field] = canonicalIdentityValue(field, value, ref.occurredAt);
  }

  if (state.status !== 'unregistered') {
    if (state.person.citizenId !== citizenId.value) throw new CitizenIdMismatchError();
    const fields = Object.keys(reported) as IdentityField[];
    return [{ type: 'PersonDetailsReported', data: { ...ref, fields } }, ...reconcile(state.person, reported, ref, config.precedence)];
  }

  const birthDate = reported.birthDate ?? citizenId.birthDate;
  const gender = (reported.gender as RegisterPerson['data']['gender']) ?? citizenId.gender;
  const personal = {
    citizenId: citizenId.value,
    ...(reported.name !== undefined && { name: reported.name }),
    ...(reported.phone !== undefined && { phone: reported.phone }),
    ...(reported.householdAddress !== undefined && { householdAddress: reported.householdAddress }),
  };
  const events: PersonEvent[] = [
    {
      type: 'PersonRegistered',
      data: {
        ...ref,
        birthDate,
        gender,
        ...(reported.householdRegion !== undefined && { householdRegion: reported.householdRegion }),
        personal,
      },
    },
  ];
  // The ID encodes birth date and gender; a source saying otherwise is a data-quality fact.
  if (birthDate !== citizenId.birthDate) events.push(anomaly(ref, 'BIRTH_DATE_DIFFERS_FROM_ID'));
  if ((gender === '1' || gender === '2') && gender !== citizenId.gender) events.push(anomaly(ref, 'GENDER_DIFFERS_FROM_ID'));
  if (command.data.idRepair === 'check-character') events.push(anomaly(ref, 'CITIZEN_ID_CHECK_CHARACTER_REPAIRED'));
  if (command.data.idRepair === 'birth-date') events.push(anomaly(ref, 'CITIZEN_ID_BIRTH_DATE_REPAIRED'));
  return events;
}

/** Anomalies of a contributing enrolment arriving now; interactive channels are refused instead. */
function contributionAnomalies(state: RegisteredPersonState, ref: SourceRef, type: InsuranceType, provinceCode?: string): AnomalyDetected[] {
  const out: AnomalyDetected[] = [];
  if (state.status === 'deceased') {
    if (isInteractiveSource(ref.source)) throw new PersonDeceasedError();
    if (datePart(ref.occurredAt) > state.death.dateOfDeath) out.push(anomaly(ref, 'CONTRIBUTION_AFTER_DEATH', type));
  } else if (state.person.household.status === 'cancelled') {
    out.push(anomaly(ref, 'ENROLLMENT_AFTER_HOUSEHOLD_CANCELLED', type));
  }
  const contributing = Object.values(state.person.enrollments).filter((e): e is Enrollment => e?.contributionStatus === '1');
  const family = insuranceFamilyOf(type);
  if ((family === 'pension' || family === 'medical') && contributing.some((e) => e.insuranceType !== type && insuranceFamilyOf(e.insuranceType) === family)) {
    out.push(anomaly(ref, 'DUPLICATE_ENROLLMENT', type));
  }
  const same = state.person.enrollments[type];
  if (provinceCode !== undefined && same?.contributionStatus === '1' && same.provinceCode !== provinceCode) {
    out.push(anomaly(ref, 'ENROLLED_IN_TWO_PROVINCES', type));
  }
  return out;
}

function recordEnrollment(command: RecordEnrollment, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { insuranceType, contributionStatus, provinceCode, since } = command.data;
  checkInsuranceType(insuranceType);
  checkContributionStatus(contributionStatus);
  checkProvinceCode('provinceCode', provinceCode);
  checkDate('since', since);
  const anomalies = contributionStatus === '1' ? contributionAnomalies(state, ref, insuranceType, provinceCode) : [];
  return [{ type: 'EnrollmentRecorded', data: { ...ref, insuranceType, contributionStatus, provinceCode, since } }, ...anomalies];
}

function existingEnrollment(state: RegisteredPersonState, type: InsuranceType, effectiveDate: string): Enrollment {
  checkInsuranceType(type);
  checkDate('effectiveDate', effectiveDate);
  const enrollment = state.person.enrollments[type];
  if (!enrollment) throw new EnrollmentNotFoundError(type);
  if (enrollment.contributionStatus === '3') throw new EnrollmentTerminatedError(type);
  return enrollment;
}

function suspendEnrollment(command: SuspendEnrollment, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { insuranceType, effectiveDate } = command.data;
  const enrollment = existingEnrollment(state, insuranceType, effectiveDate);
  if (enrollment.contributionStatus === '2') throw new EnrollmentAlreadySuspendedError(insuranceType);
  return [{ type: 'EnrollmentSuspended', data: { ...ref, insuranceType, effectiveDate } }];
}

function resumeEnrollment(command: ResumeEnrollment, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { insuranceType, effectiveDate } = command.data;
  const enrollment = existingEnrollment(state, insuranceType, effectiveDate);
  if (enrollment.contributionStatus !== '2') throw new EnrollmentNotSuspendedError(insuranceType);
  const anomalies = contributionAnomalies(state, ref, insuranceType);
  return [{ type: 'EnrollmentResumed', data: { ...ref, insuranceType, effectiveDate } }, ...anomalies];
}

function terminateEnrollment(command: TerminateEnrollment, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { insuranceType, effectiveDate } = command.data;
  existingEnrollment(state, insuranceType, effectiveDate);
  return [{ type: 'EnrollmentTerminated', data: { ...ref, insuranceType, effectiveDate } }];
}

function recordDeath(command: RecordDeath, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { dateOfDeath } = command.data;
  checkDate('dateOfDeath', dateOfDeath);
  checkNotAfter('dateOfDeath', dateOfDeath, ref.occurredAt);
  if (state.status === 'living') return [{ type: 'DeathRecorded', data: { ...ref, dateOfDeath, corroborating: false } }];
  // Already deceased: an operator doing it again is a mistake; another source confirming is evidence.
  if (isInteractiveSource(ref.source)) throw new PersonAlreadyDeceasedError();
  const events: PersonEvent[] = [{ type: 'DeathRecorded', data: { ...ref, dateOfDeath, corroborating: true } }];
  if (dateOfDeath !== state.death.dateOfDeath) events.push(anomaly(ref, 'DEATH_DATE_MISMATCH'));
  return events;
}

function recordExemption(command: RecordExemption, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { reason, since, until } = command.data;
  if (!isRecordedExemptionReason(reason)) throw new InvalidFieldValueError('reason', `must be one of ${RECORDED_EXEMPTION_REASONS.join(', ')}`);
  checkDate('since', since);
  if (until !== undefined) {
    checkDate('until', until);
    if (until <= since) throw new InvalidFieldValueError('until', 'must be after since');
  }
  if (state.status === 'deceased' && isInteractiveSource(ref.source)) throw new PersonDeceasedError();
  return [{ type: 'ExemptionRecorded', data: { ...ref, reason, since, ...(until !== undefined && { until }) } }];
}

function moveHousehold(command: MoveHousehold, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { destination } = command.data;
  if (destination.scope === 'within-province') checkRegion('toRegion', destination.toRegion);
  else if (destination.scope === 'out-of-province') checkProvinceCode('toProvince', destination.toProvince);
  else throw new InvalidFieldValueError('destination', 'scope must be within-province or out-of-province');
  if (state.person.household.status === 'cancelled') throw new HouseholdCancelledError();
  if (state.status === 'deceased' && isInteractiveSource(ref.source)) throw new PersonDeceasedError();

  const fromRegion = state.person.fields.householdRegion?.value;
  const events: PersonEvent[] = [
    { type: 'HouseholdMoved', data: { ...ref, ...(fromRegion !== undefined && { fromRegion }), destination: { ...destination } } },
  ];
  if (state.status === 'deceased') events.push(anomaly(ref, 'HOUSEHOLD_MOVED_AFTER_DEATH'));
  return events;
}

function cancelHousehold(command: CancelHousehold, state: RegisteredPersonState, ref: SourceRef): PersonEvent[] {
  const { reason } = command.data;
  checkCancellationReason(reason);
  if (state.person.household.status === 'cancelled') throw new HouseholdAlreadyCancelledError();
  return [{ type: 'HouseholdCancelled', data: { ...ref, reason } }];
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
      data: {
        ...ref,
        source: 'operator',
        operatorId: operatorId.trim(),
        fields,
        changes: split.changes,
        personal: { ...split.personal, reason: reason.trim() },
        resolvedConflictIds,
      },
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
      data: {
        ...ref,
        runId: command.data.runId,
        status: assessment.status,
        ...(assessment.exemptionReason ? { exemptionReason: assessment.exemptionReason } : {}),
        localTypes: assessment.localTypes,
        elsewhereProvinces: assessment.elsewhereProvinces,
        flags: assessment.flags,
        evidence: assessment.evidence,
        ...(previous ? { previousStatus: previous.status } : {}),
      },
    },
  ];
}
