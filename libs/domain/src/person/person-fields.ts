import { SourceKind } from '../codes/source-kind';

/**
 * Identity fields of a person that sources report and may disagree on. The citizen ID
 * is not among them: it is the identity (it keys the stream) and cannot change here.
 */
export type IdentityField = 'name' | 'gender' | 'birthDate' | 'householdRegion' | 'phone' | 'householdAddress';
export const IDENTITY_FIELDS: readonly IdentityField[] = ['name', 'gender', 'birthDate', 'householdRegion', 'phone', 'householdAddress'];

/**
 * Fields that identify a person directly. In events their values live only under
 * `data.personal`, which the storage codec encrypts (and can crypto-shred).
 */
export type PersonalField = 'name' | 'phone' | 'householdAddress';
/**
 * Fields kept in clear: statistics (coverage by region, age band, gender) must be
 * computable by projections without decrypting anything. Birth date and gender are
 * weak identifiers on their own; the region is a county/township/village code.
 */
export type StatisticalField = 'gender' | 'birthDate' | 'householdRegion';

export function isPersonalField(field: IdentityField): field is PersonalField {
  return field === 'name' || field === 'phone' || field === 'householdAddress';
}

export type IdentityValues = Partial<Record<IdentityField, string>>;

/** A field value before and after. `from` is absent when the field was unknown. */
export interface FieldChange {
  readonly from?: string;
  readonly to: string;
}

/**
 * Which source wins each field, highest first. Configuration, not code: provinces
 * differ. Sources not listed for a field rank below every listed one (and equal to
 * each other). Operator corrections are outside this ranking: they always win, and a
 * corrected value is only ever replaced by another correction.
 */
export type PrecedenceConfig = Readonly<Record<IdentityField, readonly SourceKind[]>>;

const IDENTITY_AUTHORITIES: readonly SourceKind[] = [
  'household-registration',
  'card-library',
  'insurance-enrollment',
  'health',
  'civil-affairs',
  'disability',
  'ministry',
  'operator',
  'self-service',
];

/** A sensible default: public security is authoritative for identity (domain.md). */
export const DEFAULT_PRECEDENCE: PrecedenceConfig = {
  name: IDENTITY_AUTHORITIES,
  gender: IDENTITY_AUTHORITIES,
  birthDate: IDENTITY_AUTHORITIES,
  householdRegion: IDENTITY_AUTHORITIES,
  householdAddress: IDENTITY_AUTHORITIES,
  // The person themselves knows their current phone number best.
  phone: [
    'self-service',
    'operator',
    'card-library',
    'insurance-enrollment',
    'household-registration',
    'health',
    'civil-affairs',
    'disability',
  ],
};
