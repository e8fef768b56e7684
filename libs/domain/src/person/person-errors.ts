import { DomainError } from '../shared/domain-error';

/**
 * Rejections. Thrown for operator mistakes and for commands that contradict the same
 * authority's own history (an enrolment transition that does not fit the enrolment);
 * contradictions between different sources are recorded as anomalies instead.
 * Messages never contain personal data.
 */

export class PersonNotRegisteredError extends DomainError {
  readonly code = 'PERSON_NOT_REGISTERED';
  constructor() {
    super('person is not registered');
  }
}

export class CitizenIdMismatchError extends DomainError {
  readonly code = 'CITIZEN_ID_MISMATCH';
  constructor() {
    super('command citizen ID does not belong to this person stream');
  }
}

export class InvalidFieldValueError extends DomainError {
  readonly code = 'INVALID_FIELD_VALUE';
  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`field ${field} is invalid: ${why}`);
  }
}

export class EnrollmentNotFoundError extends DomainError {
  readonly code = 'ENROLLMENT_NOT_FOUND';
  constructor(readonly insuranceType: string) {
    super(`no enrolment for insurance type ${insuranceType}`);
  }
}

export class EnrollmentAlreadySuspendedError extends DomainError {
  readonly code = 'ENROLLMENT_ALREADY_SUSPENDED';
  constructor(readonly insuranceType: string) {
    super(`enrolment for insurance type ${insuranceType} is already suspended`);
  }
}

export class EnrollmentNotSuspendedError extends DomainError {
  readonly code = 'ENROLLMENT_NOT_SUSPENDED';
  constructor(readonly insuranceType: string) {
    super(`enrolment for insurance type ${insuranceType} is not suspended`);
  }
}

export class EnrollmentTerminatedError extends DomainError {
  readonly code = 'ENROLLMENT_TERMINATED';
  constructor(readonly insuranceType: string) {
    super(`enrolment for insurance type ${insuranceType} is terminated`);
  }
}

export class PersonDeceasedError extends DomainError {
  readonly code = 'PERSON_DECEASED';
  constructor() {
    super('person is recorded as deceased');
  }
}

export class PersonAlreadyDeceasedError extends DomainError {
  readonly code = 'PERSON_ALREADY_DECEASED';
  constructor() {
    super('person is already recorded as deceased');
  }
}

export class HouseholdCancelledError extends DomainError {
  readonly code = 'HOUSEHOLD_CANCELLED';
  constructor() {
    super('household registration is cancelled');
  }
}

export class HouseholdAlreadyCancelledError extends DomainError {
  readonly code = 'HOUSEHOLD_ALREADY_CANCELLED';
  constructor() {
    super('household registration is already cancelled');
  }
}

export class CorrectionReasonRequiredError extends DomainError {
  readonly code = 'CORRECTION_REASON_REQUIRED';
  constructor() {
    super('a correction needs a non-empty reason');
  }
}

export class CorrectionNoChangeError extends DomainError {
  readonly code = 'CORRECTION_NO_CHANGE';
  constructor() {
    super('the correction changes nothing and resolves no conflict');
  }
}

export const PERSON_ERROR_CODES = [
  'PERSON_NOT_REGISTERED',
  'CITIZEN_ID_MISMATCH',
  'INVALID_FIELD_VALUE',
  'ENROLLMENT_NOT_FOUND',
  'ENROLLMENT_ALREADY_SUSPENDED',
  'ENROLLMENT_NOT_SUSPENDED',
  'ENROLLMENT_TERMINATED',
  'PERSON_DECEASED',
  'PERSON_ALREADY_DECEASED',
  'HOUSEHOLD_CANCELLED',
  'HOUSEHOLD_ALREADY_CANCELLED',
  'CORRECTION_REASON_REQUIRED',
  'CORRECTION_NO_CHANGE',
] as const;
export type PersonErrorCode = (typeof PERSON_ERROR_CODES)[number];
