import { DomainError } from '../shared/domain-error';

/**
 * Refusals of self-service submissions and phone verifications. Messages never carry
 * personal data. HTTP statuses follow the codes (see the problem filter): _NOT_FOUND 404,
 * _ALREADY_ and _IN_PROGRESS / _NOT_STARTED 409, _REQUIRED 400; the throttling ones (`CODE_RESEND_TOO_SOON`,
 * `VERIFICATION_FROZEN`, `*_LIMIT_REACHED`) are answered 429 with Retry-After.
 */

export class SubmissionNotFoundError extends DomainError {
  readonly code = 'SUBMISSION_NOT_FOUND';
  constructor() {
    super('no self-service submission with this id');
  }
}

export class SubmissionAlreadyDecidedError extends DomainError {
  readonly code = 'SUBMISSION_ALREADY_DECIDED';
  constructor(readonly status: string) {
    super(`the submission has already been ${status}`);
  }
}

/** A rejection of a submission an approval has claimed (it is recording the person's commands). */
export class SubmissionApprovalInProgressError extends DomainError {
  readonly code = 'SUBMISSION_APPROVAL_IN_PROGRESS';
  constructor() {
    super('an approval of this submission is under way; it completes or is released back to pending');
  }
}

/** Completing or releasing an approval that holds no claim on the submission (another attempt released it). */
export class SubmissionApprovalNotStartedError extends DomainError {
  readonly code = 'SUBMISSION_APPROVAL_NOT_STARTED';
  constructor() {
    super('no approval of this submission is under way');
  }
}

/** The client sent another body under a submission id it already used. */
export class SubmissionAlreadyReceivedError extends DomainError {
  readonly code = 'SUBMISSION_ALREADY_RECEIVED';
  constructor() {
    super('this client already sent a different submission under the same clientSubmissionId');
  }
}

export class UninsuredReasonRequiredError extends DomainError {
  readonly code = 'UNINSURED_REASON_REQUIRED';
  constructor() {
    super('a citizen who is not insured says why (uninsuredReason)');
  }
}

export class RejectionReasonRequiredError extends DomainError {
  readonly code = 'REJECTION_REASON_REQUIRED';
  constructor() {
    super('a rejection needs a reason the citizen can read');
  }
}

export class VerificationNotFoundError extends DomainError {
  readonly code = 'VERIFICATION_NOT_FOUND';
  constructor() {
    super('no code with this verification id is waiting for this phone (a newer code replaces an older one)');
  }
}

export class VerificationCodeExpiredError extends DomainError {
  readonly code = 'VERIFICATION_CODE_EXPIRED';
  constructor() {
    super('the code has expired; ask for a new one');
  }
}

/** Thrown only for a code that was already used up; a wrong try on a live code is recorded instead (VerificationCodeRejected). */
export class VerificationCodeInvalidError extends DomainError {
  readonly code = 'VERIFICATION_CODE_INVALID';
  constructor() {
    super('the code does not match');
  }
}

/** Waits that end: the application answers 429 with Retry-After. */
export abstract class RetryLaterError extends DomainError {
  constructor(
    message: string,
    /** When asking again can succeed (ISO timestamp). */
    readonly retryAt: string,
  ) {
    super(message);
  }
}

export class VerificationFrozenError extends RetryLaterError {
  readonly code = 'VERIFICATION_FROZEN';
  constructor(until: string) {
    super('too many wrong codes for this phone; codes are refused for a while', until);
  }
}

export class CodeResendTooSoonError extends RetryLaterError {
  readonly code = 'CODE_RESEND_TOO_SOON';
  constructor(retryAt: string) {
    super('a code was sent to this phone moments ago', retryAt);
  }
}

export class PhoneCodeLimitReachedError extends RetryLaterError {
  readonly code = 'PHONE_CODE_LIMIT_REACHED';
  constructor(retryAt: string) {
    super('this phone has received as many codes as a day allows', retryAt);
  }
}
