import { ContributionStatus } from '../codes/contribution-status';
import { HouseholdCancellationReason, HouseholdStatus } from '../codes/household-status';
import { InsuranceType } from '../codes/insurance-type';
import { SourceKind } from '../codes/source-kind';
import { CoverageStatus, ExemptionReason, RecordedExemptionReason } from '../codes/coverage-status';
import { IdentityField } from './person-fields';
import { ProcessedKeys } from './processed-keys';

/** A field's current value and where it came from, so precedence can be applied. */
export interface HeldValue {
  readonly value: string;
  readonly source: SourceKind;
  readonly setAt: string;
  /** Set by an operator correction: only another correction may replace it. */
  readonly corrected: boolean;
}

export interface Enrollment {
  readonly insuranceType: InsuranceType;
  readonly contributionStatus: ContributionStatus;
  readonly provinceCode: string;
  readonly since: string;
  readonly lastChangedAt: string;
  readonly source: SourceKind;
}

/** The entry of `type` in an enrolment list, if there is one. */
export function enrollmentOf<E extends { readonly insuranceType: string }>(list: readonly E[], type: string): E | undefined {
  for (const e of list) if (e.insuranceType === type) return e;
  return undefined;
}

/** The list with `entry` in place of the entry of its type, or inserted in code order. */
export function withEnrollment<E extends { readonly insuranceType: string }>(list: readonly E[], entry: E): E[] {
  const out: E[] = [];
  let placed = false;
  for (const e of list) {
    if (!placed && e.insuranceType >= entry.insuranceType) {
      out.push(entry);
      placed = true;
      if (e.insuranceType === entry.insuranceType) continue;
    }
    out.push(e);
  }
  if (!placed) out.push(entry);
  return out;
}

export interface OpenConflict {
  readonly conflictId: string;
  readonly field: IdentityField;
  readonly currentSource: SourceKind;
  readonly reportedSource: SourceKind;
  readonly detectedAt: string;
  /** See IdentityConflictDetected.heldValueStands. */
  readonly heldValueStands?: true;
}

/** Open conflicts that leave the person in doubt (the coverage rules' count): those whose held value does not stand by rule. */
export function conflictsInDoubt(conflicts: ReadonlyArray<{ readonly heldValueStands?: true }>): number {
  let n = 0;
  for (const c of conflicts) if (!c.heldValueStands) n++;
  return n;
}

export interface Household {
  readonly status: HouseholdStatus;
  readonly cancellationReason?: HouseholdCancellationReason;
  /** Set while moved out of the province. */
  readonly toProvince?: string;
}

export interface Death {
  readonly dateOfDeath: string;
  readonly source: SourceKind;
  /** Every source that has reported the death (the first one included). */
  readonly sources: readonly SourceKind[];
}

export interface RecordedExemption {
  readonly since: string;
  readonly until?: string;
  readonly source: SourceKind;
}

export interface PersonRecord {
  /** Normalised 18-character number (personal; held in memory only while deciding). */
  readonly citizenId: string;
  readonly fields: Readonly<Partial<Record<IdentityField, HeldValue>>>;
  readonly household: Household;
  /**
   * One entry per insurance type, in code order (withEnrollment). A list, not an object keyed
   * by type: type codes ('110', '510') are array indices to JavaScript, so every copy of such
   * an object carried a backing array as long as the largest code (about 4 KB per enrolment
   * event folded, most of a fold's garbage).
   */
  readonly enrollments: readonly Enrollment[];
  readonly openConflicts: readonly OpenConflict[];
  /** Recorded exemptions (imprisoned, military service), the latest record of each reason. */
  readonly exemptions: Readonly<Partial<Record<RecordedExemptionReason, RecordedExemption>>>;
  /** Which sources hold this person: evidence for the comparison. */
  readonly reportedBy: readonly SourceKind[];
  /** The latest comparison verdict, if any run has judged this person. */
  readonly coverage?: {
    readonly status: CoverageStatus;
    readonly exemptionReason?: ExemptionReason;
    readonly evidence: readonly string[];
    readonly flags: readonly string[];
    readonly runId: string;
  };
  /** `sourceRecordKey`s already applied: re-sent records change nothing. */
  readonly processed: ProcessedKeys;
}

export type PersonState =
  | { readonly status: 'unregistered' }
  | { readonly status: 'living'; readonly person: PersonRecord }
  | { readonly status: 'deceased'; readonly person: PersonRecord; readonly death: Death };

export type RegisteredPersonState = Exclude<PersonState, { status: 'unregistered' }>;

export function initialPersonState(): PersonState {
  return { status: 'unregistered' };
}

/** The idempotence key of a source record. Source codes contain no ':', so it is unambiguous. */
export function sourceRecordKey(source: SourceKind, sourceRecordId: string): string {
  return `${source}:${sourceRecordId}`;
}
