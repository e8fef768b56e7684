import { InsuranceType } from '../codes/insurance-type';
import { Decider, DomainEvent } from '../shared/decider';
import { EmploymentSituation, SelfServiceChannel, UninsuredReason } from './self-service-codes';
import {
  RejectionReasonRequiredError,
  SubmissionAlreadyDecidedError,
  SubmissionAlreadyReceivedError,
  SubmissionNotFoundError,
  UninsuredReasonRequiredError,
} from './self-service-errors';

/**
 * A self-service registration (自助参保登记): what a citizen submitted through a channel
 * client, waiting for the county of their residence to review it. Approval is recorded on
 * the person's own stream by the person's commands (the application sends them); this
 * aggregate keeps the submission, the decision and the reason a citizen can read.
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
export type ApproveRegistration = DomainEvent<
  'ApproveRegistration',
  { readonly reviewer: string; readonly approvedAt: string; readonly personId: string; readonly recorded: readonly string[] }
>;
export type RejectRegistration = DomainEvent<
  'RejectRegistration',
  { readonly reviewer: string; readonly rejectedAt: string; readonly personal: { readonly reason: string } }
>;
export type SubmissionCommand = SubmitRegistration | ApproveRegistration | RejectRegistration;

export type SelfServiceRegistrationSubmitted = DomainEvent<'SelfServiceRegistrationSubmitted', SubmissionFacts>;
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
export type SubmissionEvent = SelfServiceRegistrationSubmitted | SelfServiceRegistrationApproved | SelfServiceRegistrationRejected;

export const SUBMISSION_EVENT_TYPES: readonly SubmissionEvent['type'][] = [
  'SelfServiceRegistrationSubmitted',
  'SelfServiceRegistrationApproved',
  'SelfServiceRegistrationRejected',
];

export type SubmissionState =
  | { readonly status: 'none' }
  | { readonly status: 'pending'; readonly submission: SubmissionFacts }
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
    case 'ApproveRegistration': {
      if (state.status === 'none') throw new SubmissionNotFoundError();
      if (state.status !== 'pending') throw new SubmissionAlreadyDecidedError(state.status);
      const { reviewer, approvedAt, personId, recorded } = command.data;
      return [{ type: 'SelfServiceRegistrationApproved', data: { reviewer, approvedAt, personId, recorded } }];
    }
    case 'RejectRegistration': {
      const reason = command.data.personal.reason.trim();
      if (reason.length === 0) throw new RejectionReasonRequiredError();
      if (state.status === 'none') throw new SubmissionNotFoundError();
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
      return { status: 'pending', submission: event.data };
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
