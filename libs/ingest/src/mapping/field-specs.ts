import { ContributionStatuses, Genders, InsuranceTypes } from '@registry/domain/codes';
import type { IngestSourceKind } from '../source-kinds';

/** How the cleaner interprets a column; fixed in code because the record shape depends on it. */
export type FieldType = 'citizen-id' | 'name' | 'date' | 'code' | 'region' | 'province' | 'text' | 'phone';

/** Closed code lists a `values` map may translate into. */
export type CodeDomain =
  'gender' | 'household-status' | 'insurance-type' | 'contribution-status' | 'health-event' | 'civil-event' | 'disability-grade';

export interface FieldSpec {
  readonly type: FieldType;
  readonly codeDomain?: CodeDomain;
  /** The record cannot exist without it, so a mapping may not declare it optional. */
  readonly mustBeRequired?: boolean;
}

/**
 * Household status values carry an optional cancellation reason after a colon
 * ('cancelled:death'), because the police file names status and reason in one column.
 */
export const HOUSEHOLD_STATUS_TARGETS = [
  'active',
  'moved-out',
  'cancelled',
  'cancelled:death',
  'cancelled:emigration',
  'cancelled:military-service',
  'cancelled:other',
] as const;

export const CODE_DOMAIN_TARGETS: Readonly<Record<CodeDomain, readonly string[]>> = {
  gender: Genders.codes,
  'household-status': HOUSEHOLD_STATUS_TARGETS,
  'insurance-type': InsuranceTypes.codes,
  'contribution-status': ContributionStatuses.codes,
  'health-event': ['birth', 'death'],
  'civil-event': ['death', 'cremation', 'minimum-living-allowance'],
  'disability-grade': ['1', '2', '3', '4'],
};

const recordId: FieldSpec = { type: 'text' };

export const FIELD_SPECS = {
  'household-registration': {
    citizenId: { type: 'citizen-id', mustBeRequired: true },
    name: { type: 'name', mustBeRequired: true },
    gender: { type: 'code', codeDomain: 'gender' },
    birthDate: { type: 'date' },
    householdRegion: { type: 'region', mustBeRequired: true },
    householdAddress: { type: 'text' },
    householdStatus: { type: 'code', codeDomain: 'household-status' },
    phone: { type: 'phone' },
    sourceRecordId: recordId,
  },
  'insurance-enrollment': {
    citizenId: { type: 'citizen-id', mustBeRequired: true },
    name: { type: 'name' },
    gender: { type: 'code', codeDomain: 'gender' },
    birthDate: { type: 'date' },
    insuranceType: { type: 'code', codeDomain: 'insurance-type', mustBeRequired: true },
    contributionStatus: { type: 'code', codeDomain: 'contribution-status', mustBeRequired: true },
    provinceCode: { type: 'province', mustBeRequired: true },
    since: { type: 'date' },
    sourceRecordId: recordId,
  },
  'card-library': {
    citizenId: { type: 'citizen-id', mustBeRequired: true },
    name: { type: 'name', mustBeRequired: true },
    gender: { type: 'code', codeDomain: 'gender' },
    birthDate: { type: 'date' },
    region: { type: 'region' },
    sourceRecordId: recordId,
  },
  health: {
    event: { type: 'code', codeDomain: 'health-event', mustBeRequired: true },
    citizenId: { type: 'citizen-id' },
    name: { type: 'name', mustBeRequired: true },
    gender: { type: 'code', codeDomain: 'gender' },
    birthDate: { type: 'date' },
    dateOfDeath: { type: 'date' },
    region: { type: 'region' },
    sourceRecordId: recordId,
  },
  'civil-affairs': {
    event: { type: 'code', codeDomain: 'civil-event', mustBeRequired: true },
    citizenId: { type: 'citizen-id', mustBeRequired: true },
    name: { type: 'name' },
    dateOfDeath: { type: 'date' },
    since: { type: 'date' },
    region: { type: 'region' },
    sourceRecordId: recordId,
  },
  disability: {
    citizenId: { type: 'citizen-id', mustBeRequired: true },
    name: { type: 'name' },
    certificateNo: { type: 'text', mustBeRequired: true },
    grade: { type: 'code', codeDomain: 'disability-grade', mustBeRequired: true },
    region: { type: 'region' },
    since: { type: 'date' },
    sourceRecordId: recordId,
  },
} as const satisfies Record<IngestSourceKind, Record<string, FieldSpec>>;

export type FieldName<K extends IngestSourceKind = IngestSourceKind> = K extends IngestSourceKind
  ? keyof (typeof FIELD_SPECS)[K] & string
  : never;

export function fieldSpecsOf(kind: IngestSourceKind): Readonly<Record<string, FieldSpec>> {
  return FIELD_SPECS[kind];
}
