import { SurveyResultFacts, SurveyTaskEvent } from './survey-events';
import { SurveyResultRecord, SurveyTask, SurveyTaskState } from './survey-state';

function record(facts: SurveyResultFacts, setAside?: 'task-final' | 'reassigned'): SurveyResultRecord {
  return {
    resultId: facts.resultId,
    surveyor: facts.surveyor,
    visitedAt: facts.visitedAt,
    receivedAt: facts.occurredAt,
    finding: facts.finding,
    evidence: facts.evidence,
    ...(setAside && { setAside }),
  };
}

/** Folds one event into the task. Total: a stored event never throws; one that cannot apply leaves the state. */
export function evolveSurveyTask(state: SurveyTaskState, event: SurveyTaskEvent): SurveyTaskState {
  if (event.type === 'SurveyTaskIssued') {
    if (state.status !== 'unissued') return state;
    const d = event.data;
    const task: SurveyTask = {
      taskId: d.taskId,
      round: d.round,
      subject: d.subject,
      region: d.region,
      batchId: d.batchId,
      origin: d.origin,
      ...(d.household !== undefined && { household: d.household }),
      dueDate: d.dueDate,
      issuedAt: d.occurredAt,
      issuedBy: d.issuedBy,
      basis: d.basis,
      ...(d.surveyor !== undefined && { surveyor: d.surveyor }),
      assignments: d.surveyor === undefined ? [] : [{ surveyor: d.surveyor, assignedBy: d.issuedBy, at: d.occurredAt, dueDate: d.dueDate }],
      results: [],
      returns: [],
    };
    return { status: d.surveyor === undefined ? 'open' : 'assigned', task };
  }
  if (state.status === 'unissued') return state;
  const task = state.task;
  switch (event.type) {
    case 'SurveyTaskAssigned': {
      const d = event.data;
      const assignment = { surveyor: d.surveyor, assignedBy: d.assignedBy, at: d.occurredAt, dueDate: d.dueDate };
      const next = { ...task, surveyor: d.surveyor, dueDate: d.dueDate, assignments: [...task.assignments, assignment] };
      return { status: state.status === 'open' ? 'assigned' : state.status, task: next };
    }
    case 'SurveyResultSubmitted':
      return {
        status: 'submitted',
        task: { ...task, results: [...task.results, record(event.data)], pendingResultId: event.data.resultId },
      };
    case 'SurveyResultSetAside':
      return { status: state.status, task: { ...task, results: [...task.results, record(event.data, event.data.why)] } };
    case 'SurveyResultReturned': {
      const d = event.data;
      const { pendingResultId: _pending, approvalClaim: _claim, ...rest } = task;
      return {
        status: 'returned',
        task: { ...rest, returns: [...task.returns, { resultId: d.resultId, returnedBy: d.returnedBy, at: d.occurredAt }] },
      };
    }
    case 'SurveyApprovalStarted': {
      const d = event.data;
      if (state.status !== 'submitted') return state;
      return {
        status: state.status,
        task: {
          ...task,
          approvalClaim: { resultId: d.resultId, approvedBy: d.approvedBy, at: d.occurredAt, attempt: d.attempt },
          approvalAttempts: d.attempt,
        },
      };
    }
    case 'SurveyApprovalReleased': {
      const d = event.data;
      const { approvalClaim: _claim, ...rest } = task;
      return {
        status: state.status,
        task: { ...rest, approvalRefusal: { resultId: d.resultId, code: d.code, releasedBy: d.releasedBy, at: d.occurredAt } },
      };
    }
    case 'SurveyResultApproved': {
      const d = event.data;
      const { pendingResultId: _pending, approvalClaim: _claim, ...rest } = task;
      return {
        status: 'approved',
        task: { ...rest, approval: { resultId: d.resultId, approvedBy: d.approvedBy, outcome: d.outcome, at: d.occurredAt } },
      };
    }
    case 'SurveyTaskCancelled': {
      const d = event.data;
      const cancellation = {
        cause: d.cause,
        cancelledBy: d.cancelledBy,
        at: d.occurredAt,
        ...(d.personEvent && { personEvent: d.personEvent }),
      };
      return { status: 'cancelled', task: { ...task, cancellation } };
    }
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
