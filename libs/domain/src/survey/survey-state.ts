import { SurveyCancellationCause, SurveyOutcome, SurveyTaskStatus } from './survey-codes';
import { SurveyBasis, SurveyFinding } from './survey-events';
import { EvidenceReference } from './survey-reference';
import { SurveySubject } from './survey-stream';

export interface SurveyAssignment {
  readonly surveyor: string;
  readonly assignedBy: string;
  readonly at: string;
  readonly dueDate: string;
}

/** A result as the task keeps it; its personal values stay in the event (the state need not hold them). */
export interface SurveyResultRecord {
  readonly resultId: string;
  readonly surveyor: string;
  readonly visitedAt: string;
  readonly receivedAt: string;
  readonly finding: SurveyFinding;
  readonly evidence: readonly EvidenceReference[];
  /** Set when the result could not become the task's result (see SurveyResultSetAside). */
  readonly setAside?: 'task-final' | 'reassigned';
}

export interface SurveyTask {
  readonly taskId: string;
  readonly round: number;
  readonly subject: SurveySubject;
  readonly region: string;
  readonly batchId: string;
  readonly origin: 'worklist' | 'list';
  readonly household?: string;
  readonly dueDate: string;
  readonly issuedAt: string;
  readonly issuedBy: string;
  readonly basis: SurveyBasis;
  /** Who holds the task now. */
  readonly surveyor?: string;
  /** Every assignment, the first included: the reassignment history. */
  readonly assignments: readonly SurveyAssignment[];
  /** Every result received, in order, set-aside ones included. */
  readonly results: readonly SurveyResultRecord[];
  /** The result waiting for review (state submitted). */
  readonly pendingResultId?: string;
  readonly returns: readonly { readonly resultId: string; readonly returnedBy: string; readonly at: string }[];
  /** An approval under way: it claimed the pending result and is recording the person's facts. */
  readonly approvalClaim?: { readonly resultId: string; readonly approvedBy: string; readonly at: string; readonly attempt: number };
  /** Approvals claimed so far (released ones included). */
  readonly approvalAttempts?: number;
  /** The last claim given back because the person's commands were refused. */
  readonly approvalRefusal?: { readonly resultId: string; readonly code: string; readonly releasedBy: string; readonly at: string };
  readonly approval?: { readonly resultId: string; readonly approvedBy: string; readonly outcome: SurveyOutcome; readonly at: string };
  readonly cancellation?: {
    readonly cause: SurveyCancellationCause;
    readonly cancelledBy: string;
    readonly at: string;
    readonly personEvent?: { readonly id: string; readonly type: string; readonly revision: number };
  };
}

export type SurveyTaskState = { readonly status: 'unissued' } | { readonly status: SurveyTaskStatus; readonly task: SurveyTask };
export type IssuedSurveyTaskState = Exclude<SurveyTaskState, { status: 'unissued' }>;

export function initialSurveyTaskState(): SurveyTaskState {
  return { status: 'unissued' };
}
