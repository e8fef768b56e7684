import { DomainCommand } from '../shared/decider';
import { IdentityField } from '../person/person-fields';
import { SurveyTaskStatus } from './survey-codes';
import { SurveyBasis, SurveyFinding } from './survey-events';
import { EvidenceReference } from './survey-reference';
import { SurveySubject } from './survey-stream';

/**
 * Commands on one survey task. Time comes in `occurredAt` (when the registry received the
 * command); who acts comes as a staff id. The application checks who may act on which task
 * (region, role, assignment) before a command gets here; the decider checks what the task's
 * history allows.
 */

export type IssueSurveyTask = DomainCommand<
  'IssueSurveyTask',
  {
    readonly taskId: string;
    readonly round: number;
    readonly subject: SurveySubject;
    readonly region: string;
    readonly batchId: string;
    readonly origin: 'worklist' | 'list';
    readonly household?: string;
    readonly dueDate: string;
    readonly issuedBy: string;
    readonly basis: SurveyBasis;
    /** The subject's task of the round before, as the issuer read it (null for round 1). */
    readonly previous: { readonly taskId: string; readonly status: SurveyTaskStatus } | null;
    /** Assign at once (a batch that shares a township's worklist among its surveyors). */
    readonly surveyor?: string;
    readonly occurredAt: string;
  }
>;

export type AssignSurveyTask = DomainCommand<
  'AssignSurveyTask',
  { readonly surveyor: string; readonly assignedBy: string; readonly dueDate?: string; readonly occurredAt: string }
>;

export type SubmitSurveyResult = DomainCommand<
  'SubmitSurveyResult',
  {
    readonly resultId: string;
    /** The authenticated surveyor sending it. */
    readonly surveyor: string;
    readonly visitedAt: string;
    readonly finding: SurveyFinding;
    readonly evidence: readonly EvidenceReference[];
    readonly note?: string;
    readonly corrections?: Readonly<Partial<Record<IdentityField, string>>>;
    /** Identity checks: the ID established at the door, already normalised by the application. */
    readonly citizenId?: string;
    readonly occurredAt: string;
  }
>;

export type ReturnSurveyResult = DomainCommand<
  'ReturnSurveyResult',
  { readonly resultId?: string; readonly returnedBy: string; readonly reason: string; readonly occurredAt: string }
>;

/**
 * Claims the pending result for an approval before the person's commands are sent: while the
 * claim holds, a return or an operator's cancellation is refused (SURVEY_APPROVAL_IN_PROGRESS).
 */
export type StartSurveyApproval = DomainCommand<
  'StartSurveyApproval',
  { readonly resultId: string; readonly approvedBy: string; readonly occurredAt: string }
>;

/** Gives the claim back when the person's commands were refused, with the refusal's stable code. */
export type ReleaseSurveyApproval = DomainCommand<
  'ReleaseSurveyApproval',
  { readonly resultId: string; readonly releasedBy: string; readonly code: string; readonly occurredAt: string }
>;

/** Completes the approval the claim holds. */
export type ApproveSurveyResult = DomainCommand<
  'ApproveSurveyResult',
  { readonly resultId: string; readonly approvedBy: string; readonly recorded: readonly string[]; readonly occurredAt: string }
>;

export type CancelSurveyTask = DomainCommand<
  'CancelSurveyTask',
  { readonly cancelledBy: string; readonly reason: string; readonly occurredAt: string }
>;

/** The registry's own cancellation: the person changed in a way that makes the visit pointless. */
export type CancelSurveyTaskForPersonChange = DomainCommand<
  'CancelSurveyTaskForPersonChange',
  {
    readonly change: 'enrolled' | 'deceased' | 'moved' | 'household-cancelled';
    /** For a move within the province: where to (a move inside the task's township cancels nothing). */
    readonly toRegion?: string;
    readonly personEvent: { readonly id: string; readonly type: string; readonly revision: number };
    readonly occurredAt: string;
  }
>;

export type SurveyTaskCommand =
  | IssueSurveyTask
  | AssignSurveyTask
  | SubmitSurveyResult
  | ReturnSurveyResult
  | StartSurveyApproval
  | ReleaseSurveyApproval
  | ApproveSurveyResult
  | CancelSurveyTask
  | CancelSurveyTaskForPersonChange;

export type SurveyTaskCommandType = SurveyTaskCommand['type'];
