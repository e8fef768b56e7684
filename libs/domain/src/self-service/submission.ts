import { InsuranceType } from '../codes/insurance-type';
import { Decider, DomainEvent } from '../shared/decider';
import { EmploymentSituation, SelfServiceChannel, UninsuredReason } from './self-service-codes';
import {
  RejectionReasonRequiredError,
  SubmissionAlreadyDecidedError,
  SubmissionApprovalInProgressError,
  SubmissionApprovalNotStartedError,
  SubmissionAlreadyReceivedError,
  SubmissionNotFoundError,
  UninsuredReasonRequiredError,
} from './self-service-errors';

/**
 * A self-service registration (自助参保登记): what a citizen submitted through a channel
 * client, waiting for the county of their residence to review it. Approval is recorded on
 * the person's own stream by the person's commands (the application sends them); this
 * aggregate keeps the submission, the decision and the reason a citizen can read.
 *
 * Approval spans two streams, so it goes in three steps: `StartApproval` claims the
 * submission (pending → approving; a rejection is refused against the claim with
 * SUBMISSION_APPROVAL_IN_PROGRESS), the application records the person's commands, and
 * `ApproveRegistration` completes it (approving → approved). When the person's commands are
 * refused, `ReleaseApproval` puts the submission back to pending with the refusal's code, so
 * the reviewer may reject it or try again. Claiming a submission already claimed decides
 * nothing: an approval interrupted after its claim is completed by approving again.
 */

/** What identifies the citizen: sealed at rest like every personal value. */
export interface SubmissionPersonal {
  readonly citizenId: string;
  readonly name: string;
  /** The verified mobile number, 11 digits. */
  readonly phone: string;
  readonly residenceAddress?: string;
  /** Free text beside the uninsured reason. */
  readonly uninsuredNote?: string;
}

export interface SubmissionFacts {
  readonly submissionId: string;
  readonly channel: SelfServiceChannel;
  /** The channel client (its token's subject): not personal. */
  readonly client: string;
  readonly clientSubmissionId: string;
  /** Keyed hash of everything the citizen sent: tells a repeat from a different body under the same id. */
  readonly fingerprint: string;
  /** Canonical division code of the residence (county, township or village). */
  readonly residenceRegion: string;
  /** The county whose review queue the submission goes to. */
  readonly county: string;
  /** The person id the citizen ID hashes to (keyed): where approval records the registration. */
  readonly personId: string;
  readonly intendedInsuranceType: InsuranceType;
  readonly employment: EmploymentSituation;
  readonly currentlyInsured: boolean;
  readonly uninsuredReason?: UninsuredReason;
  /** The phone verification whose proof came with the submission. */
  readonly verificationId: string;
  readonly submittedAt: string;
  readonly personal: SubmissionPersonal;
}

export type SubmitRegistration = DomainEvent<'SubmitRegistration', SubmissionFacts>;
export type StartApproval = DomainEvent<
  'StartApproval',
  { readonly reviewer: string; readonly startedAt: string; readonly personId: string }
>;
export type ReleaseApproval = DomainEvent<
  'ReleaseApproval',
  {
    readonly reviewer: string;
    readonly releasedAt: string;
    /** The stable code the person's commands were refused with (PERSON_DECEASED, …). */
    readonly code: string;
  }
>;
/** Completes an approval the submission's claim holds. */
export type ApproveRegistration = DomainEvent<
  'ApproveRegistration',
  { readonly reviewer: string; readonly approvedAt: string; readonly personId: string; readonly recorded: readonly string[] }
>;
export type RejectRegistration = DomainEvent<
  'RejectRegistration',
  { readonly reviewer: string; readonly rejectedAt: string; readonly personal: { readonly reason: string } }
>;
export type SubmissionCommand = SubmitRegistration | StartApproval | ReleaseApproval | ApproveRegistration | RejectRegistration;

export type SelfServiceRegistrationSubmitted = DomainEvent<'SelfServiceRegistrationSubmitted', SubmissionFacts>;
export type SelfServiceApprovalStarted = DomainEvent<
  'SelfServiceApprovalStarted',
  {
    readonly reviewer: string;
    readonly startedAt: string;
    readonly personId: string;
    /** 1 for the first claim, one more for each claim after a release: keeps the events' ids apart. */
    readonly attempt: number;
  }
>;
export type SelfServiceApprovalReleased = DomainEvent<
  'SelfServiceApprovalReleased',
  { readonly reviewer: string; readonly releasedAt: string; readonly attempt: number; readonly code: string }
>;
export type SelfServiceRegistrationApproved = DomainEvent<
  'SelfServiceRegistrationApproved',
  {
    readonly reviewer: string;
    readonly approvedAt: string;
    readonly personId: string;
    /** The person events the approval recorded (types only). */
    readonly recorded: readonly string[];
  }
>;
export type SelfServiceRegistrationRejected = DomainEvent<
  'SelfServiceRegistrationRejected',
  { readonly reviewer: string; readonly rejectedAt: string; readonly personal: { readonly reason: string } }
>;
export type SubmissionEvent =
  | SelfServiceRegistrationSubmitted
  | SelfServiceApprovalStarted
  | SelfServiceApprovalReleased
  | SelfServiceRegistrationApproved
  | SelfServiceRegistrationRejected;

export const SUBMISSION_EVENT_TYPES: readonly SubmissionEvent['type'][] = [
  'SelfServiceRegistrationSubmitted',
  'SelfServiceApprovalStarted',
  'SelfServiceApprovalReleased',
  'SelfServiceRegistrationApproved',
  'SelfServiceRegistrationRejected',
];

/** Why the last approval was released: shown beside a submission back in the queue. */
export interface ApprovalRefusal {
  readonly code: string;
  readonly reviewer: string;
  readonly releasedAt: string;
}

export type SubmissionState =
  | { readonly status: 'none' }
  | {
      readonly status: 'pending';
      readonly submission: SubmissionFacts;
      /** Approvals claimed (and released) so far. */
      readonly attempts: number;
      readonly lastRefusal?: ApprovalRefusal;
    }
  | {
      readonly status: 'approving';
      readonly submission: SubmissionFacts;
      readonly attempt: number;
      readonly reviewer: string;
      /** When the claim was taken: the person's commands are dated by it, so a retry sends the same ones. */
      readonly startedAt: string;
      readonly personId: string;
    }
  | { readonly status: 'approved'; readonly submission: SubmissionFacts; readonly approvedAt: string; readonly reviewer: string }
  | {
      readonly status: 'rejected';
      readonly submission: SubmissionFacts;
      readonly rejectedAt: string;
      readonly reviewer: string;
      /** Absent when the stream was read with its sealed parts withheld. */
      readonly reason?: string;
    };

export function decideSubmission(command: SubmissionCommand, state: SubmissionState): SubmissionEvent[] {
  switch (command.type) {
    case 'SubmitRegistration': {
      if (state.status !== 'none') {
        // The same body again is the client retrying: nothing new.
        if (state.submission.fingerprint === command.data.fingerprint) return [];
        throw new SubmissionAlreadyReceivedError();
      }
      const facts = command.data;
      if (!facts.currentlyInsured && facts.uninsuredReason === undefined) throw new UninsuredReasonRequiredError();
      return [{ type: 'SelfServiceRegistrationSubmitted', data: facts }];
    }
    case 'StartApproval': {
      if (state.status === 'none') throw new SubmissionNotFoundError();
      // Claimed already: an approval resuming one that was interrupted, or racing it; both go on.
      if (state.status === 'approving') return [];
      if (state.status !== 'pending') throw new SubmissionAlreadyDecidedError(state.status);
      const { reviewer, startedAt, personId } = command.data;
      return [{ type: 'SelfServiceApprovalStarted', data: { reviewer, startedAt, personId, attempt: state.attempts + 1 } }];
    }
    case 'ReleaseApproval': {
      if (state.status === 'none') throw new SubmissionNotFoundError();
      if (state.status === 'pending') throw new SubmissionApprovalNotStartedError();
      if (state.status !== 'approving') throw new SubmissionAlreadyDecidedError(state.status);
      const { reviewer, releasedAt, code } = command.data;
      return [{ type: 'SelfServiceApprovalReleased', data: { reviewer, releasedAt, attempt: state.attempt, code } }];
    }
    case 'ApproveRegistration': {
      if (state.status === 'none') throw new SubmissionNotFoundError();
      if (state.status === 'pending') throw new SubmissionApprovalNotStartedError();
      // Completed by an approval that ran beside this one: the same outcome, nothing new.
      if (state.status === 'approved') return [];
      if (state.status !== 'approving') throw new SubmissionAlreadyDecidedError(state.status);
      const { reviewer, approvedAt, personId, recorded } = command.data;
      return [{ type: 'SelfServiceRegistrationApproved', data: { reviewer, approvedAt, personId, recorded } }];
    }
    case 'RejectRegistration': {
      const reason = command.data.personal.reason.trim();
      if (reason.length === 0) throw new RejectionReasonRequiredError();
      if (state.status === 'none') throw new SubmissionNotFoundError();
      if (state.status === 'approving') throw new SubmissionApprovalInProgressError();
      if (state.status !== 'pending') throw new SubmissionAlreadyDecidedError(state.status);
      return [
        {
          type: 'SelfServiceRegistrationRejected',
          data: { reviewer: command.data.reviewer, rejectedAt: command.data.rejectedAt, personal: { reason } },
        },
      ];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled submission command ${(unreachable as { type: string }).type}`);
    }
  }
}

export function evolveSubmission(state: SubmissionState, event: SubmissionEvent): SubmissionState {
  switch (event.type) {
    case 'SelfServiceRegistrationSubmitted':
      return { status: 'pending', submission: event.data, attempts: 0 };
    case 'SelfServiceApprovalStarted':
      if (state.status === 'none') return state;
      return {
        status: 'approving',
        submission: state.submission,
        attempt: event.data.attempt,
        reviewer: event.data.reviewer,
        startedAt: event.data.startedAt,
        personId: event.data.personId,
      };
    case 'SelfServiceApprovalReleased':
      if (state.status === 'none') return state;
      return {
        status: 'pending',
        submission: state.submission,
        attempts: event.data.attempt,
        lastRefusal: { code: event.data.code, reviewer: event.data.reviewer, releasedAt: event.data.releasedAt },
      };
    case 'SelfServiceRegistrationApproved':
      if (state.status === 'none') return state;
      return { status: 'approved', submission: state.submission, approvedAt: event.data.approvedAt, reviewer: event.data.reviewer };
    case 'SelfServiceRegistrationRejected':
      if (state.status === 'none') return state;
      return {
        status: 'rejected',
        submission: state.submission,
        rejectedAt: event.data.rejectedAt,
        reviewer: event.data.reviewer,
        reason: event.data.personal?.reason,
      };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export const submissionDecider: Decider<SubmissionCommand, SubmissionState, SubmissionEvent> = {
  decide: decideSubmission,
  evolve: evolveSubmission,
  initialState: () => ({ status: 'none' }),
};
