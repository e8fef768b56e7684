import { DomainEvent } from '../shared/decider';
import { InsuranceType } from '../codes/insurance-type';
import { HouseholdDestination } from '../person/person-events';
import { IdentityField } from '../person/person-fields';
import { SurveyCancellationCause, SurveyOutcome } from './survey-codes';
import { EvidenceReference } from './survey-reference';
import { SurveySubject } from './survey-stream';

/**
 * Survey task events. As for persons, anything a person typed or that identifies someone
 * (a surveyor's note, a reviewer's reason, corrected identity values, a citizen ID found
 * at the door) lives only under `personal`, which the application seals at rest. Staff ids
 * (surveyors, operators) are not the citizen's data and stay in clear for the audit trail.
 */

/** What the registry held about the subject when the task was issued. */
export interface SurveyBasis {
  /** Revision of the person's stream the issuer read; later events are changes since the issue. */
  readonly personRevision?: number;
  readonly coverageStatus?: string;
}

export type SurveyTaskIssued = DomainEvent<
  'SurveyTaskIssued',
  {
    readonly taskId: string;
    readonly round: number;
    readonly subject: SurveySubject;
    /** The township (9 digits) the task belongs to. */
    readonly region: string;
    /** The request that created it: sending the same batch again issues nothing new. */
    readonly batchId: string;
    readonly origin: 'worklist' | 'list';
    /** Tasks of one household share this key, so they are listed, assigned and visited together. */
    readonly household?: string;
    readonly dueDate: string;
    readonly issuedBy: string;
    readonly basis: SurveyBasis;
    /** Assigned at once (a batch sharing a worklist among surveyors): the first entry of the assignment history. */
    readonly surveyor?: string;
    readonly occurredAt: string;
  }
>;

export type SurveyTaskAssigned = DomainEvent<
  'SurveyTaskAssigned',
  {
    readonly surveyor: string;
    readonly assignedBy: string;
    /** Set on a reassignment: who held the task before. */
    readonly previousSurveyor?: string;
    readonly dueDate: string;
    readonly occurredAt: string;
  }
>;

export interface LocalEnrollmentFound {
  readonly insuranceType: InsuranceType;
  readonly since: string;
  /** Where in this province: the county or township of the agency that enrolled the person. */
  readonly region: string;
}

export interface ElsewhereEnrollmentFound {
  readonly insuranceType: InsuranceType;
  readonly since: string;
  /** The other province (two digits). */
  readonly provinceCode: string;
}

/** The non-personal part of a result: the outcome code and the facts it needs. */
export type SurveyFinding =
  | { readonly outcome: 'enrolled-now'; readonly enrollments: readonly LocalEnrollmentFound[] }
  | { readonly outcome: 'insured-elsewhere'; readonly enrollments: readonly ElsewhereEnrollmentFound[] }
  | { readonly outcome: 'deceased'; readonly dateOfDeath: string }
  | { readonly outcome: 'moved-away'; readonly destination: HouseholdDestination }
  | { readonly outcome: 'military-service'; readonly since: string }
  | { readonly outcome: 'imprisoned'; readonly since: string; readonly until?: string }
  | { readonly outcome: 'studying-or-working-elsewhere'; readonly region?: string; readonly provinceCode?: string }
  | { readonly outcome: 'refused' }
  | { readonly outcome: 'not-found'; readonly visitDates: readonly string[] }
  | { readonly outcome: 'identified' }
  | { readonly outcome: 'other' };

/** Values of a result that identify someone or were typed freely: sealed at rest. */
export interface SurveyResultPersonal {
  readonly note?: string;
  /** Identity values the surveyor found wrong, as they should read (an approval corrects them). */
  readonly corrections?: Readonly<Partial<Record<IdentityField, string>>>;
  /** For identity checks: the citizen ID the surveyor established (normalised). */
  readonly citizenId?: string;
}

export interface SurveyResultFacts {
  /** The survey client's own id for this result: the same id sent again changes nothing. */
  readonly resultId: string;
  readonly surveyor: string;
  readonly visitedAt: string;
  readonly finding: SurveyFinding;
  readonly evidence: readonly EvidenceReference[];
  /** Which personal values the result carries (names only, so lists need not open them). */
  readonly personalFields: readonly (keyof SurveyResultPersonal)[];
  readonly occurredAt: string;
  readonly personal: SurveyResultPersonal;
}

export type SurveyResultSubmitted = DomainEvent<'SurveyResultSubmitted', SurveyResultFacts>;

/**
 * A result that arrived when it could no longer be the task's result: the task was final
 * (an offline client sending hours after the person enrolled and the registry cancelled the
 * task), or the surveyor no longer held it (reassigned meanwhile). Kept, shown with the
 * task, acted on by nobody: field work is never silently lost.
 */
export type SurveyResultSetAside = DomainEvent<'SurveyResultSetAside', SurveyResultFacts & { readonly why: 'task-final' | 'reassigned' }>;

export type SurveyResultReturned = DomainEvent<
  'SurveyResultReturned',
  { readonly resultId: string; readonly returnedBy: string; readonly occurredAt: string; readonly personal: { readonly reason: string } }
>;

/** An approval claimed the pending result; the person's commands follow, then SurveyResultApproved. */
export type SurveyApprovalStarted = DomainEvent<
  'SurveyApprovalStarted',
  {
    readonly resultId: string;
    readonly approvedBy: string;
    /** 1 for the task's first claim, one more for each after a release. */
    readonly attempt: number;
    readonly occurredAt: string;
  }
>;

/** The claim given back: the person's commands were refused (the code says why), nothing was recorded on the person. */
export type SurveyApprovalReleased = DomainEvent<
  'SurveyApprovalReleased',
  { readonly resultId: string; readonly releasedBy: string; readonly attempt: number; readonly code: string; readonly occurredAt: string }
>;

export type SurveyResultApproved = DomainEvent<
  'SurveyResultApproved',
  {
    readonly resultId: string;
    readonly approvedBy: string;
    readonly outcome: SurveyOutcome;
    /** Types of the person events the approval recorded (the person's stream holds them, naming this task). */
    readonly recorded: readonly string[];
    readonly occurredAt: string;
  }
>;

export type SurveyTaskCancelled = DomainEvent<
  'SurveyTaskCancelled',
  {
    readonly cause: SurveyCancellationCause;
    /** An operator's id, or `registry` when the person's change cancelled it. */
    readonly cancelledBy: string;
    /** The person event that made the visit pointless (registry cancellations). */
    readonly personEvent?: { readonly id: string; readonly type: string; readonly revision: number };
    readonly occurredAt: string;
    /** An operator's reason (free text). */
    readonly personal?: { readonly reason: string };
  }
>;

export type SurveyTaskEvent =
  | SurveyTaskIssued
  | SurveyTaskAssigned
  | SurveyResultSubmitted
  | SurveyResultSetAside
  | SurveyResultReturned
  | SurveyApprovalStarted
  | SurveyApprovalReleased
  | SurveyResultApproved
  | SurveyTaskCancelled;

export type SurveyTaskEventType = SurveyTaskEvent['type'];

export const SURVEY_TASK_EVENT_TYPES: readonly SurveyTaskEventType[] = [
  'SurveyTaskIssued',
  'SurveyTaskAssigned',
  'SurveyResultSubmitted',
  'SurveyResultSetAside',
  'SurveyResultReturned',
  'SurveyApprovalStarted',
  'SurveyApprovalReleased',
  'SurveyResultApproved',
  'SurveyTaskCancelled',
];
