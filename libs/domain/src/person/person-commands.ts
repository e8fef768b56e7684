import { ContributionStatus } from '../codes/contribution-status';
import { Gender } from '../codes/gender';
import { RecordedExemptionReason } from '../codes/coverage-status';
import { HouseholdCancellationReason } from '../codes/household-status';
import { InsuranceType } from '../codes/insurance-type';
import { CitizenId } from '../identity/citizen-id';
import { CitizenIdRepairKind } from '../identity/citizen-id-repair';
import { DomainCommand } from '../shared/decider';
import { HouseholdDestination, LinkEvidence, SourceRef } from './person-events';
import { IdentityField } from './person-fields';

/**
 * Commands carry the source reference and the fields, already parsed into domain types
 * by the application (cleaning). The person they address is the stream; only
 * RegisterPerson repeats the citizen ID, as a value object, to catch routing mistakes.
 */

export type RegisterPerson = DomainCommand<
  'RegisterPerson',
  SourceRef & {
    readonly citizenId: CitizenId;
    readonly name?: string;
    readonly gender?: Gender;
    readonly birthDate?: string;
    readonly householdRegion?: string;
    readonly phone?: string;
    readonly householdAddress?: string;
    /** Set when citizenId was rebuilt from a faulty one (repairCitizenId): recorded as an anomaly at registration. */
    readonly idRepair?: CitizenIdRepairKind;
    /**
     * Only makes sure the person exists (a department record whose point is another fact, an
     * enrolment or a death): a known person gets no report of it, only what its values
     * disagree with (conflicts, changes precedence allows, anomalies against the ID).
     */
    readonly ensure?: boolean;
  }
>;

export type RecordEnrollment = DomainCommand<
  'RecordEnrollment',
  SourceRef & {
    readonly insuranceType: InsuranceType;
    readonly contributionStatus: ContributionStatus;
    readonly provinceCode: string;
    readonly since: string;
  }
>;

type EnrollmentTransition = SourceRef & { readonly insuranceType: InsuranceType; readonly effectiveDate: string };
export type SuspendEnrollment = DomainCommand<'SuspendEnrollment', EnrollmentTransition>;
export type ResumeEnrollment = DomainCommand<'ResumeEnrollment', EnrollmentTransition>;
export type TerminateEnrollment = DomainCommand<'TerminateEnrollment', EnrollmentTransition>;

export type RecordDeath = DomainCommand<'RecordDeath', SourceRef & { readonly dateOfDeath: string }>;

/** An exemption found by a household survey (or reported by a source): in effect from `since` until `until` (exclusive) or open-ended. */
export type RecordExemption = DomainCommand<
  'RecordExemption',
  SourceRef & { readonly reason: RecordedExemptionReason; readonly since: string; readonly until?: string }
>;

export type MoveHousehold = DomainCommand<'MoveHousehold', SourceRef & { readonly destination: HouseholdDestination }>;

export type CancelHousehold = DomainCommand<'CancelHousehold', SourceRef & { readonly reason: HouseholdCancellationReason }>;

export type CorrectRecord = DomainCommand<
  'CorrectRecord',
  SourceRef & {
    readonly source: 'operator';
    readonly operatorId: string;
    readonly reason: string;
    readonly corrections: Readonly<Partial<Record<IdentityField, string>>>;
  }
>;

/** Ask for the person's coverage verdict in a comparison run (`sourceRecordId` = the run id). */
export type DetermineCoverage = DomainCommand<
  'DetermineCoverage',
  SourceRef & { readonly source: 'comparison'; readonly runId: string; readonly localProvince: string }
>;

/** Record that a quarantined department record belongs to this person. */
export type LinkRecord = DomainCommand<'LinkRecord', SourceRef & LinkEvidence>;

export type PersonCommand =
  | RegisterPerson
  | RecordEnrollment
  | SuspendEnrollment
  | ResumeEnrollment
  | TerminateEnrollment
  | RecordDeath
  | RecordExemption
  | MoveHousehold
  | CancelHousehold
  | CorrectRecord
  | DetermineCoverage
  | LinkRecord;

export type PersonCommandType = PersonCommand['type'];
