import { ContributionStatus } from '../codes/contribution-status';
import { Gender } from '../codes/gender';
import { HouseholdCancellationReason } from '../codes/household-status';
import { InsuranceType } from '../codes/insurance-type';
import { SourceKind } from '../codes/source-kind';
import { CoverageStatus, ExemptionReason, RecordedExemptionReason } from '../codes/coverage-status';
import { DomainEvent } from '../shared/decider';
import type { SurveyReference } from '../survey/survey-reference';
import { FieldChange, IdentityField } from './person-fields';

/**
 * Person events. Rule for every data shape: values that identify the person (citizen
 * ID, name, phone, address, free text an operator typed, conflicting values) appear
 * ONLY under `personal`; everything else is safe to read in clear.
 */

/** Where a fact came from. `sourceRecordId` identifies the source's record version. */
export interface SourceRef {
  readonly source: SourceKind;
  readonly sourceRecordId: string;
  /** When it happened according to the source (ISO timestamp or date). */
  readonly occurredAt: string;
  /** Set when the fact comes from an approved household-survey result: the task, outcome and evidence. */
  readonly survey?: SurveyReference;
}

export interface PersonalIdentity {
  /** Normalised 18-character number. */
  readonly citizenId: string;
  readonly name?: string;
  readonly phone?: string;
  readonly householdAddress?: string;
}

export type PersonRegistered = DomainEvent<
  'PersonRegistered',
  SourceRef & {
    /** From the source, or derived from the ID when the source gave none. */
    readonly birthDate: string;
    readonly gender: Gender;
    readonly householdRegion?: string;
    readonly personal: PersonalIdentity;
  }
>;

/** A later source report about a known person: evidence that the source holds them. */
export type PersonDetailsReported = DomainEvent<'PersonDetailsReported', SourceRef & { readonly fields: readonly IdentityField[] }>;

export interface StatisticalChanges {
  readonly gender?: FieldChange;
  readonly birthDate?: FieldChange;
  readonly householdRegion?: FieldChange;
}

export interface PersonalChanges {
  readonly name?: FieldChange;
  readonly phone?: FieldChange;
  readonly householdAddress?: FieldChange;
}

/** A report that changed fields, because it outranks (or is newer from the same source as) what was held. */
export type PersonDetailsChanged = DomainEvent<
  'PersonDetailsChanged',
  SourceRef & {
    readonly fields: readonly IdentityField[];
    /** The source that had set each changed field before, where one had. */
    readonly previousSources: Readonly<Partial<Record<IdentityField, SourceKind>>>;
    readonly changes: StatisticalChanges;
    readonly personal: PersonalChanges;
  }
>;

/** A report that disagrees with the held value and may not replace it. Never overwrites. */
export type IdentityConflictDetected = DomainEvent<
  'IdentityConflictDetected',
  SourceRef & {
    /** Deterministic: `${field}:${source}:${sourceRecordId}`. */
    readonly conflictId: string;
    readonly field: IdentityField;
    readonly currentSource: SourceKind;
    /**
     * The held value stands by rule (heldValueStands: an operator's correction, a source ranked
     * above the reporter, the same source's newer record): the conflict is the reporter's to
     * correct and is kept open for review, but it leaves no doubt about the person, so it does
     * not make their coverage unresolved. Absent on events recorded before this was decided.
     */
    readonly heldValueStands?: true;
    /** Values are personal even for statistical fields: a conflict pairs two of them. */
    readonly personal: { readonly current: string; readonly reported: string };
  }
>;

export type HouseholdDestination =
  { readonly scope: 'within-province'; readonly toRegion: string } | { readonly scope: 'out-of-province'; readonly toProvince: string };

export type HouseholdMoved = DomainEvent<
  'HouseholdMoved',
  SourceRef & { readonly fromRegion?: string; readonly destination: HouseholdDestination }
>;

export type HouseholdCancelled = DomainEvent<'HouseholdCancelled', SourceRef & { readonly reason: HouseholdCancellationReason }>;

export type EnrollmentRecorded = DomainEvent<
  'EnrollmentRecorded',
  SourceRef & {
    readonly insuranceType: InsuranceType;
    readonly contributionStatus: ContributionStatus;
    /** Two-digit province of enrolment (another province for ministry reports). */
    readonly provinceCode: string;
    /** `YYYY-MM-DD` the enrolment (in this status) began. */
    readonly since: string;
  }
>;

type EnrollmentTransitionData = SourceRef & { readonly insuranceType: InsuranceType; readonly effectiveDate: string };
export type EnrollmentSuspended = DomainEvent<'EnrollmentSuspended', EnrollmentTransitionData>;
export type EnrollmentResumed = DomainEvent<'EnrollmentResumed', EnrollmentTransitionData>;
export type EnrollmentTerminated = DomainEvent<'EnrollmentTerminated', EnrollmentTransitionData>;

export type DeathRecorded = DomainEvent<
  'DeathRecorded',
  SourceRef & {
    readonly dateOfDeath: string;
    /** True when the person was already recorded deceased: a second source confirming. */
    readonly corroborating: boolean;
  }
>;

/** An exemption in effect from `since` until `until` (exclusive; open-ended without it). The latest record of a reason replaces earlier ones. */
export type ExemptionRecorded = DomainEvent<
  'ExemptionRecorded',
  SourceRef & { readonly reason: RecordedExemptionReason; readonly since: string; readonly until?: string }
>;

export type AnomalyCode =
  | 'CONTRIBUTION_AFTER_DEATH'
  | 'ENROLLMENT_AFTER_HOUSEHOLD_CANCELLED'
  | 'DUPLICATE_ENROLLMENT'
  | 'ENROLLED_IN_TWO_PROVINCES'
  | 'DEATH_DATE_MISMATCH'
  | 'HOUSEHOLD_MOVED_AFTER_DEATH'
  | 'BIRTH_DATE_DIFFERS_FROM_ID'
  | 'GENDER_DIFFERS_FROM_ID'
  /** Registered under an ID rebuilt from a faulty one (see repairCitizenId): for the issuing department to confirm. */
  | 'CITIZEN_ID_CHECK_CHARACTER_REPAIRED'
  | 'CITIZEN_ID_BIRTH_DATE_REPAIRED';

/** A source fact that contradicts the registry: recorded next to the fact, never refused. */
export type AnomalyDetected = DomainEvent<
  'AnomalyDetected',
  SourceRef & { readonly anomaly: AnomalyCode; readonly insuranceType?: InsuranceType }
>;

export type RecordCorrected = DomainEvent<
  'RecordCorrected',
  SourceRef & {
    readonly source: 'operator';
    /** Staff identifier, not the citizen's: kept in clear for the audit trail. */
    readonly operatorId: string;
    /** Every field the operator set, including ones confirmed unchanged (that pins them). */
    readonly fields: readonly IdentityField[];
    readonly changes: StatisticalChanges;
    /** `reason` is free text an operator typed, so it may name people: personal. */
    readonly personal: PersonalChanges & { readonly reason: string };
    readonly resolvedConflictIds: readonly string[];
  }
>;

/**
 * A comparison run's verdict on the person's coverage, with the evidence it rests on.
 * Recorded only when it differs from the previous verdict, so a run with nothing new
 * records nothing.
 */
export type CoverageStatusDetermined = DomainEvent<
  'CoverageStatusDetermined',
  SourceRef & {
    readonly runId: string;
    readonly status: CoverageStatus;
    readonly exemptionReason?: ExemptionReason;
    readonly localTypes: readonly InsuranceType[];
    readonly elsewhereProvinces: readonly string[];
    readonly flags: readonly string[];
    readonly evidence: readonly string[];
    /** The verdict before this one, if any. */
    readonly previousStatus?: CoverageStatus;
  }
>;

/**
 * A department record that could not be routed by its citizen ID (bad check character,
 * mistyped, missing) was linked to this person, automatically or by a reviewer, with the
 * score and the field comparisons that drove the decision.
 */
export interface LinkEvidence {
  readonly recordSource: SourceKind;
  /** `${importId}:${rowNumber}` of a quarantined row, or `person:${personId}` of a person created from a mistyped ID. */
  readonly recordRef: string;
  readonly decidedBy: 'automatic' | 'reviewer';
  readonly reviewer?: string;
  readonly score: number;
  readonly fields: Readonly<Record<string, { readonly level: string; readonly weight: number }>>;
}

export type RecordLinked = DomainEvent<'RecordLinked', SourceRef & LinkEvidence>;

export type PersonEvent =
  | PersonRegistered
  | PersonDetailsReported
  | PersonDetailsChanged
  | IdentityConflictDetected
  | HouseholdMoved
  | HouseholdCancelled
  | EnrollmentRecorded
  | EnrollmentSuspended
  | EnrollmentResumed
  | EnrollmentTerminated
  | DeathRecorded
  | AnomalyDetected
  | ExemptionRecorded
  | RecordCorrected
  | CoverageStatusDetermined
  | RecordLinked;

export type PersonEventType = PersonEvent['type'];

export const PERSON_EVENT_TYPES: readonly PersonEventType[] = [
  'PersonRegistered',
  'PersonDetailsReported',
  'PersonDetailsChanged',
  'IdentityConflictDetected',
  'HouseholdMoved',
  'HouseholdCancelled',
  'EnrollmentRecorded',
  'EnrollmentSuspended',
  'EnrollmentResumed',
  'EnrollmentTerminated',
  'DeathRecorded',
  'AnomalyDetected',
  'ExemptionRecorded',
  'RecordCorrected',
  'CoverageStatusDetermined',
  'RecordLinked',
];

export function isPersonEvent(event: { type: string }): event is PersonEvent {
  return (PERSON_EVENT_TYPES as readonly string[]).includes(event.type);
}
