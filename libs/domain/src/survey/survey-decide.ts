import { isIsoDate, startsWithIsoDate } from '../shared/dates';
import { regionLevelOfCode } from '../regions/region-level';
import { isFinalTaskStatus } from './survey-codes';
import {
  ApproveSurveyResult,
  AssignSurveyTask,
  CancelSurveyTask,
  CancelSurveyTaskForPersonChange,
  IssueSurveyTask,
  ReleaseSurveyApproval,
  ReturnSurveyResult,
  StartSurveyApproval,
  SubmitSurveyResult,
  SurveyTaskCommand,
} from './survey-commands';
import {
  InvalidSurveyFieldError,
  SurveyApprovalInProgressError,
  SurveyApprovalNotStartedError,
  SurveyReasonRequiredError,
  SurveyResultAlreadySubmittedError,
  SurveyResultNotPendingError,
  SurveyResultNotSubmittedError,
  SurveyTaskAlreadyFinalError,
  SurveyTaskAlreadyIssuedError,
  SurveyTaskAlreadyOpenError,
  SurveyTaskNotAssignedError,
  SurveyTaskNotFoundError,
  SurveyTaskUnderReviewError,
} from './survey-errors';
import { SurveyResultFacts, SurveyTaskAssigned, SurveyTaskEvent } from './survey-events';
import { checkResult, checkStaffId } from './survey-result';
import { IssuedSurveyTaskState, SurveyTaskState } from './survey-state';
import { isSurveyTaskId, isValidSubject, surveyTaskIdFor } from './survey-stream';

export interface SurveyDeciderConfig {
  /** The province this registry serves (two digits): where "here" and "elsewhere" begin. */
  readonly localProvince: string;
}

const MAX_REASON = 2000;
const BATCH_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Decides what a command means for one survey task. Pure: time comes in `occurredAt`, the
 * province in the configuration. Repeats are no-ops where a client or the registry may send
 * the same thing twice (the same batch, the same result id, the same approval, a person's
 * change seen again after a restart); an operator's contradictory command is refused.
 */
export function decideSurveyTask(command: SurveyTaskCommand, state: SurveyTaskState, config: SurveyDeciderConfig): SurveyTaskEvent[] {
  checkOccurredAt(command.data.occurredAt);
  switch (command.type) {
    case 'IssueSurveyTask':
      return issue(command, state);
    case 'AssignSurveyTask':
      return assign(command, issued(state));
    case 'SubmitSurveyResult':
      return submit(command, issued(state), config);
    case 'ReturnSurveyResult':
      return returnResult(command, issued(state));
    case 'StartSurveyApproval':
      return startApproval(command, issued(state));
    case 'ReleaseSurveyApproval':
      return releaseApproval(command, issued(state));
    case 'ApproveSurveyResult':
      return approve(command, issued(state));
    case 'CancelSurveyTask':
      return cancel(command, issued(state));
    case 'CancelSurveyTaskForPersonChange':
      return state.status === 'unissued' ? [] : cancelForPersonChange(command, state);
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled survey command ${(unreachable as { type: string }).type}`);
    }
  }
}

function checkOccurredAt(occurredAt: string): void {
  if (typeof occurredAt !== 'string' || !startsWithIsoDate(occurredAt) || Number.isNaN(Date.parse(occurredAt))) {
    throw new InvalidSurveyFieldError('occurredAt', 'must be an ISO timestamp');
  }
}

function issued(state: SurveyTaskState): IssuedSurveyTaskState {
  if (state.status === 'unissued') throw new SurveyTaskNotFoundError();
  return state;
}

function notFinal(state: IssuedSurveyTaskState): void {
  if (isFinalTaskStatus(state.status)) throw new SurveyTaskAlreadyFinalError(state.status);
}

function reasonOf(what: string, reason: unknown): string {
  if (typeof reason !== 'string' || reason.trim() === '') throw new SurveyReasonRequiredError(what);
  if (reason.length > MAX_REASON) throw new InvalidSurveyFieldError('reason', `must be at most ${MAX_REASON} characters`);
  return reason.trim();
}

function issue(command: IssueSurveyTask, state: SurveyTaskState): SurveyTaskEvent[] {
  const d = command.data;
  if (state.status !== 'unissued') {
    // The same batch sent again: the task it issued is this one.
    if (state.task.batchId === d.batchId) return [];
    throw new SurveyTaskAlreadyIssuedError();
  }
  if (!isValidSubject(d.subject)) throw new InvalidSurveyFieldError('subject', 'must name a person id or an identity check');
  if (!Number.isInteger(d.round) || d.round < 1) throw new InvalidSurveyFieldError('round', 'must be a whole number from 1');
  if (!isSurveyTaskId(d.taskId) || d.taskId !== surveyTaskIdFor(d.subject, d.round)) {
    throw new InvalidSurveyFieldError('taskId', "must be the id of the subject's round");
  }
  if (regionLevelOfCode(d.region) !== 'township') throw new InvalidSurveyFieldError('region', 'must be a township (9 digits)');
  if (typeof d.batchId !== 'string' || !BATCH_ID.test(d.batchId))
    throw new InvalidSurveyFieldError('batchId', 'must be 1-128 printable ASCII characters');
  if (!isIsoDate(d.dueDate)) throw new InvalidSurveyFieldError('dueDate', 'must be a real YYYY-MM-DD date');
  if (d.dueDate < d.occurredAt.slice(0, 10)) throw new InvalidSurveyFieldError('dueDate', 'must not be before the day of issue');
  checkStaffId('issuedBy', d.issuedBy);
  // Rounds follow each other: round n+1 only once round n is final, so a subject never has two tasks in progress.
  if (d.round === 1) {
    if (d.previous !== null) throw new InvalidSurveyFieldError('previous', 'round 1 has no previous task');
  } else {
    if (d.previous === null || d.previous.taskId !== surveyTaskIdFor(d.subject, d.round - 1)) {
      throw new InvalidSurveyFieldError('previous', "must be the subject's task of the round before");
    }
    if (!isFinalTaskStatus(d.previous.status)) throw new SurveyTaskAlreadyOpenError();
  }
  // One event for an issue assigned at once: a township's worklist is tens of thousands of tasks in one append.
  return [
    {
      type: 'SurveyTaskIssued',
      data: {
        taskId: d.taskId,
        round: d.round,
        subject:
          d.subject.kind === 'person'
            ? { kind: 'person', personId: d.subject.personId }
            : { kind: 'identity-check', recordRef: d.subject.recordRef },
        region: d.region,
        batchId: d.batchId,
        origin: d.origin === 'list' ? 'list' : 'worklist',
        ...(d.household !== undefined && { household: checkStaffId('household', d.household) }),
        dueDate: d.dueDate,
        issuedBy: d.issuedBy,
        basis: {
          ...(d.basis.personRevision !== undefined && { personRevision: d.basis.personRevision }),
          ...(d.basis.coverageStatus !== undefined && { coverageStatus: d.basis.coverageStatus }),
        },
        ...(d.surveyor !== undefined && { surveyor: checkStaffId('surveyor', d.surveyor) }),
        occurredAt: d.occurredAt,
      },
    },
  ];
}

function assign(command: AssignSurveyTask, state: IssuedSurveyTaskState): SurveyTaskEvent[] {
  notFinal(state);
  if (state.status === 'submitted') throw new SurveyTaskUnderReviewError();
  const d = command.data;
  const surveyor = checkStaffId('surveyor', d.surveyor);
  checkStaffId('assignedBy', d.assignedBy);
  const dueDate = d.dueDate ?? state.task.dueDate;
  if (!isIsoDate(dueDate)) throw new InvalidSurveyFieldError('dueDate', 'must be a real YYYY-MM-DD date');
  if (d.dueDate !== undefined && d.dueDate < d.occurredAt.slice(0, 10)) {
    throw new InvalidSurveyFieldError('dueDate', 'must not be before today');
  }
  // Assigning the holder again with the same due date changes nothing.
  if (state.task.surveyor === surveyor && dueDate === state.task.dueDate) return [];
  const data: SurveyTaskAssigned['data'] = {
    surveyor,
    assignedBy: d.assignedBy,
    ...(state.task.surveyor !== undefined && { previousSurveyor: state.task.surveyor }),
    dueDate,
    occurredAt: d.occurredAt,
  };
  return [{ type: 'SurveyTaskAssigned', data }];
}

function submit(command: SubmitSurveyResult, state: IssuedSurveyTaskState, config: SurveyDeciderConfig): SurveyTaskEvent[] {
  const d = command.data;
  const task = state.task;
  // The same result sent again by an offline client: already recorded, whatever became of it.
  if (task.results.some((r) => r.resultId === d.resultId)) return [];
  const everAssigned = task.assignments.some((a) => a.surveyor === d.surveyor);
  if (!everAssigned) throw new SurveyTaskNotAssignedError();
  const checked = checkResult(command, task, config.localProvince);
  const facts: SurveyResultFacts = {
    resultId: d.resultId,
    surveyor: d.surveyor,
    visitedAt: d.visitedAt,
    finding: checked.finding,
    evidence: checked.evidence,
    personalFields: Object.keys(checked.personal) as SurveyResultFacts['personalFields'],
    occurredAt: d.occurredAt,
    personal: checked.personal,
  };
  // Field work that can no longer be the task's result is kept beside it, never dropped.
  if (isFinalTaskStatus(state.status)) return [{ type: 'SurveyResultSetAside', data: { ...facts, why: 'task-final' } }];
  if (task.surveyor !== d.surveyor) return [{ type: 'SurveyResultSetAside', data: { ...facts, why: 'reassigned' } }];
  if (state.status === 'submitted') throw new SurveyResultAlreadySubmittedError();
  return [{ type: 'SurveyResultSubmitted', data: facts }];
}

function pendingResult(state: IssuedSurveyTaskState, resultId: string | undefined): string {
  notFinal(state);
  if (state.status !== 'submitted' || state.task.pendingResultId === undefined) throw new SurveyResultNotSubmittedError();
  if (resultId !== undefined && resultId !== state.task.pendingResultId) throw new SurveyResultNotPendingError();
  return state.task.pendingResultId;
}

function returnResult(command: ReturnSurveyResult, state: IssuedSurveyTaskState): SurveyTaskEvent[] {
  const d = command.data;
  const resultId = pendingResult(state, d.resultId);
  // An approval claimed the result and may have recorded the person's facts already: it is the approval's to finish.
  if (state.task.approvalClaim !== undefined) throw new SurveyApprovalInProgressError();
  checkStaffId('returnedBy', d.returnedBy);
  const reason = reasonOf('returning a result', d.reason);
  return [{ type: 'SurveyResultReturned', data: { resultId, returnedBy: d.returnedBy, occurredAt: d.occurredAt, personal: { reason } } }];
}

const CODE = /^[A-Z][A-Z0-9_]{0,99}$/;

/**
 * An approval spans the task and the person, so it goes in three steps: the claim
 * (StartSurveyApproval), the person's commands (sent by the application), the completion
 * (ApproveSurveyResult). Claiming a result already claimed decides nothing: an approval
 * interrupted after its claim is completed by approving again.
 */
function startApproval(command: StartSurveyApproval, state: IssuedSurveyTaskState): SurveyTaskEvent[] {
  const d = command.data;
  // The approved result claimed again (a retry after a lost answer): the completion answers, nothing to claim.
  if (state.status === 'approved' && state.task.approval?.resultId === d.resultId) return [];
  const resultId = pendingResult(state, d.resultId);
  checkStaffId('approvedBy', d.approvedBy);
  if (state.task.approvalClaim !== undefined) return [];
  const attempt = (state.task.approvalAttempts ?? 0) + 1;
  return [{ type: 'SurveyApprovalStarted', data: { resultId, approvedBy: d.approvedBy, attempt, occurredAt: d.occurredAt } }];
}

/** The person's commands were refused: the result waits for review again, with the refusal's code shown. */
function releaseApproval(command: ReleaseSurveyApproval, state: IssuedSurveyTaskState): SurveyTaskEvent[] {
  const d = command.data;
  notFinal(state);
  const claim = state.task.approvalClaim;
  if (claim === undefined || claim.resultId !== d.resultId) throw new SurveyApprovalNotStartedError();
  checkStaffId('releasedBy', d.releasedBy);
  if (typeof d.code !== 'string' || !CODE.test(d.code)) throw new InvalidSurveyFieldError('code', 'must be a stable error code');
  return [
    {
      type: 'SurveyApprovalReleased',
      data: { resultId: claim.resultId, releasedBy: d.releasedBy, attempt: claim.attempt, code: d.code, occurredAt: d.occurredAt },
    },
  ];
}

function approve(command: ApproveSurveyResult, state: IssuedSurveyTaskState): SurveyTaskEvent[] {
  const d = command.data;
  // Approving the approved result again (a retry after a lost answer, or an approval that ran beside this one) records nothing.
  if (state.status === 'approved' && state.task.approval?.resultId === d.resultId) return [];
  const resultId = pendingResult(state, d.resultId);
  if (state.task.approvalClaim?.resultId !== resultId) throw new SurveyApprovalNotStartedError();
  checkStaffId('approvedBy', d.approvedBy);
  const result = state.task.results.find((r) => r.resultId === resultId)!;
  return [
    {
      type: 'SurveyResultApproved',
      data: { resultId, approvedBy: d.approvedBy, outcome: result.finding.outcome, recorded: [...d.recorded], occurredAt: d.occurredAt },
    },
  ];
}

function cancel(command: CancelSurveyTask, state: IssuedSurveyTaskState): SurveyTaskEvent[] {
  notFinal(state);
  if (state.task.approvalClaim !== undefined) throw new SurveyApprovalInProgressError();
  const d = command.data;
  checkStaffId('cancelledBy', d.cancelledBy);
  const reason = reasonOf('cancelling a task', d.reason);
  return [
    {
      type: 'SurveyTaskCancelled',
      data: { cause: 'operator', cancelledBy: d.cancelledBy, occurredAt: d.occurredAt, personal: { reason } },
    },
  ];
}

const CAUSES = {
  enrolled: 'person-enrolled',
  deceased: 'person-deceased',
  moved: 'person-moved',
  'household-cancelled': 'household-cancelled',
} as const;

/**
 * Only before the visit's result: a task waiting for review is the reviewer's to judge (the
 * review shows what changed), and a final one stays as it is. So an approval's claim (held
 * only while a result waits for review) never meets this cancellation: the approval's own
 * person events reach the reaction with the task submitted or approved, and leave it alone. Seeing the same change again
 * (a restart of the reaction) finds the task cancelled and records nothing.
 */
function cancelForPersonChange(command: CancelSurveyTaskForPersonChange, state: IssuedSurveyTaskState): SurveyTaskEvent[] {
  if (state.status !== 'open' && state.status !== 'assigned' && state.status !== 'returned') return [];
  const d = command.data;
  const cause = CAUSES[d.change];
  if (cause === undefined) throw new InvalidSurveyFieldError('change', 'is not a change that cancels a survey');
  // A move inside the task's own township leaves the household where the surveyor goes.
  if (d.change === 'moved' && d.toRegion !== undefined && d.toRegion.startsWith(state.task.region)) return [];
  const personEvent = { id: d.personEvent.id, type: d.personEvent.type, revision: d.personEvent.revision };
  return [{ type: 'SurveyTaskCancelled', data: { cause, cancelledBy: 'registry', personEvent, occurredAt: d.occurredAt } }];
}
