import { DomainError } from '../shared/domain-error';

/**
 * Refusals of survey task commands. Codes map to HTTP statuses by their shape (see the
 * problem filter): `_NOT_FOUND` 404, `_ALREADY_` 409, `INVALID_`/`_REQUIRED` 400, else 422.
 * Messages never carry personal data.
 */

export class SurveyTaskNotFoundError extends DomainError {
  readonly code = 'SURVEY_TASK_NOT_FOUND';
  constructor() {
    super('no survey task with this id is visible to the caller');
  }
}

export class SurveyTaskAlreadyIssuedError extends DomainError {
  readonly code = 'SURVEY_TASK_ALREADY_ISSUED';
  constructor() {
    super('this round of the subject has a task from another batch');
  }
}

export class SurveyTaskAlreadyOpenError extends DomainError {
  readonly code = 'SURVEY_TASK_ALREADY_OPEN';
  constructor() {
    super('the subject has a survey task that is neither approved nor cancelled');
  }
}

export class SurveyTaskAlreadyFinalError extends DomainError {
  readonly code = 'SURVEY_TASK_ALREADY_FINAL';
  constructor(readonly status: string) {
    super(`the survey task is already ${status}`);
  }
}

export class SurveyResultAlreadySubmittedError extends DomainError {
  readonly code = 'SURVEY_RESULT_ALREADY_SUBMITTED';
  constructor() {
    super('another result of this task is waiting for review; it must be returned before a new one is sent');
  }
}

export class SurveyTaskUnderReviewError extends DomainError {
  readonly code = 'SURVEY_TASK_UNDER_REVIEW';
  constructor() {
    super('the task has a result waiting for review; approve or return it first');
  }
}

export class SurveyResultNotSubmittedError extends DomainError {
  readonly code = 'SURVEY_RESULT_NOT_SUBMITTED';
  constructor() {
    super('the task has no result waiting for review');
  }
}

export class SurveyResultNotPendingError extends DomainError {
  readonly code = 'SURVEY_RESULT_NOT_PENDING';
  constructor() {
    super('the result named is not the one waiting for review');
  }
}

export class SurveyTaskNotAssignedError extends DomainError {
  readonly code = 'SURVEY_TASK_NOT_ASSIGNED';
  constructor() {
    super('the surveyor has never been assigned this task');
  }
}

export class SurveyReasonRequiredError extends DomainError {
  readonly code = 'SURVEY_REASON_REQUIRED';
  constructor(what: string) {
    super(`${what} needs a reason`);
  }
}

export class SurveyNoteRequiredError extends DomainError {
  readonly code = 'SURVEY_NOTE_REQUIRED';
  constructor() {
    super('the outcome other needs a note');
  }
}

export class InvalidSurveyFieldError extends DomainError {
  readonly code = 'INVALID_SURVEY_FIELD';
  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`field ${field} is invalid: ${why}`);
  }
}

export class SurveyApprovalInProgressError extends DomainError {
  readonly code = 'SURVEY_APPROVAL_IN_PROGRESS';
  constructor() {
    super('an approval of the pending result is under way; approve it again to complete it');
  }
}

export class SurveyApprovalNotStartedError extends DomainError {
  readonly code = 'SURVEY_APPROVAL_NOT_STARTED';
  constructor() {
    super('no approval holds a claim on the pending result');
  }
}
