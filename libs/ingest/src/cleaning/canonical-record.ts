import type { ContributionStatus, Gender, HouseholdCancellationReason, HouseholdStatus, InsuranceType } from '@registry/domain';
import type { IngestSourceKind } from '../source-kinds';

/**
 * One cleaned row, in registry vocabulary. Dates are `YYYY-MM-DD`; citizenId is the
 * normalised 18-character number (personal: the type is a plain string so records can
 * be serialised, so callers must mask it themselves before logging); regions are the
 * canonical short code (2/4/6/9/12 digits).
 */
export interface HouseholdRegistrationRecord {
  readonly kind: 'household-registration';
  readonly sourceRecordId: string;
  readonly citizenId: string;
  readonly name: string;
  readonly gender: Gender;
  readonly birthDate: string;
  readonly householdRegion: string;
  readonly householdAddress?: string;
  /** 'active' when the file has no status column or the cell is empty. */
  readonly householdStatus: HouseholdStatus;
  readonly cancellationReason?: HouseholdCancellationReason;
  readonly phone?: string;
}

export interface InsuranceEnrollmentRecord {
  readonly kind: 'insurance-enrollment';
  readonly sourceRecordId: string;
  readonly citizenId: string;
  readonly name?: string;
  readonly insuranceType: InsuranceType;
  readonly contributionStatus: ContributionStatus;
  /** 2-digit province code. */
  readonly provinceCode: string;
  readonly since?: string;
  /** When the file carries them (checked against the ID like other sources). */
  readonly gender?: Gender;
  readonly birthDate?: string;
}

export interface CardLibraryRecord {
  readonly kind: 'card-library';
  readonly sourceRecordId: string;
  readonly citizenId: string;
  readonly name: string;
  readonly gender: Gender;
  readonly birthDate: string;
  /** 发卡地区: where the card was issued, not necessarily the household region. */
  readonly region?: string;
}

export interface HealthRecord {
  readonly kind: 'health';
  readonly sourceRecordId: string;
  readonly event: 'birth' | 'death';
  /** Newborns often have no number yet. */
  readonly citizenId?: string;
  readonly name: string;
  readonly gender?: Gender;
  readonly birthDate?: string;
  readonly dateOfDeath?: string;
  readonly region?: string;
}

export interface CivilAffairsRecord {
  readonly kind: 'civil-affairs';
  readonly sourceRecordId: string;
  readonly event: 'death' | 'cremation' | 'minimum-living-allowance';
  readonly citizenId: string;
  readonly name?: string;
  readonly dateOfDeath?: string;
  /** Start of the minimum-living allowance. */
  readonly since?: string;
  readonly region?: string;
}

export interface DisabilityRecord {
  readonly kind: 'disability';
  readonly sourceRecordId: string;
  readonly citizenId: string;
  readonly name?: string;
  readonly certificateNo: string;
  readonly grade: '1' | '2' | '3' | '4';
  readonly region?: string;
  /** Date the certificate was issued. */
  readonly since?: string;
}

export type CanonicalRecord =
  HouseholdRegistrationRecord | InsuranceEnrollmentRecord | CardLibraryRecord | HealthRecord | CivilAffairsRecord | DisabilityRecord;

export type CanonicalRecordOf<K extends IngestSourceKind> = Extract<CanonicalRecord, { kind: K }>;
