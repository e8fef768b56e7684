import { isContributionStatus } from '../codes/contribution-status';
import { isGender } from '../codes/gender';
import { isHouseholdCancellationReason } from '../codes/household-status';
import { isInsuranceType } from '../codes/insurance-type';
import { normalisePersonName } from '../identity/person-name';
import { regionLevelOfCode } from '../regions/region-level';
import { datePart, isIsoDate, startsWithIsoDate } from '../shared/dates';
import { SourceRef } from './person-events';
import { IdentityField } from './person-fields';
import { InvalidFieldValueError } from './person-errors';

/**
 * Guards on command fields. The application cleans source data before it becomes a
 * command, so a failure here is a programming or operator error, never data to keep.
 * Messages say what is wrong without echoing the value.
 */

const MAX_NAME_LENGTH = 64;
const PHONE = /^\+?[0-9][0-9 ()-]{4,23}$/;
const PROVINCE_CODE = /^\d{2}$/;
const WHITESPACE_RUNS = /[\s\u3000]+/gu;

export function checkSourceRef(ref: SourceRef): void {
  if (ref.sourceRecordId.trim() === '') throw new InvalidFieldValueError('sourceRecordId', 'must not be empty');
  if (!startsWithIsoDate(ref.occurredAt)) throw new InvalidFieldValueError('occurredAt', 'must be an ISO date or timestamp');
}

export function checkDate(field: string, value: string): void {
  if (!isIsoDate(value)) throw new InvalidFieldValueError(field, 'must be a real YYYY-MM-DD date');
}

export function checkNotAfter(field: string, value: string, occurredAt: string): void {
  if (value > datePart(occurredAt)) throw new InvalidFieldValueError(field, 'must not be after occurredAt');
}

export function checkInsuranceType(value: string): void {
  if (!isInsuranceType(value)) throw new InvalidFieldValueError('insuranceType', 'is not an AAE140 code');
}

export function checkContributionStatus(value: string): void {
  if (!isContributionStatus(value)) throw new InvalidFieldValueError('contributionStatus', 'is not an AAC031 code');
}

export function checkProvinceCode(field: string, value: string): void {
  if (!PROVINCE_CODE.test(value)) throw new InvalidFieldValueError(field, 'must be a two-digit province code');
}

export function checkRegion(field: string, value: string): void {
  if (regionLevelOfCode(value) === undefined) throw new InvalidFieldValueError(field, 'must be a canonical 2/4/6/9/12-digit region code');
}

export function checkCancellationReason(value: string): void {
  if (!isHouseholdCancellationReason(value)) throw new InvalidFieldValueError('reason', 'is not a cancellation reason');
}

/**
 * Checks and canonicalises one identity value; returns the form to store (names are
 * normalised so that look-alike dots and spaces never make two values differ).
 */
export function canonicalIdentityValue(field: IdentityField, value: string, occurredAt: string): string {
  switch (field) {
    case 'name': {
      const name = normalisePersonName(value);
      // The limit counts characters (code points); UTF-16 length is never smaller, so only long names need counting.
      if (name === '' || (name.length > MAX_NAME_LENGTH && [...name].length > MAX_NAME_LENGTH)) {
        throw new InvalidFieldValueError(field, 'must be 1 to 64 characters');
      }
      return name;
    }
    case 'gender':
      if (!isGender(value)) throw new InvalidFieldValueError(field, 'is not a GB/T 2261.1 code');
      return value;
    case 'birthDate':
      checkDate(field, value);
      checkNotAfter(field, value, occurredAt);
      return value;
    case 'householdRegion':
      checkRegion(field, value);
      return value;
    case 'phone': {
      const phone = value.trim();
      if (!PHONE.test(phone)) throw new InvalidFieldValueError(field, 'is not a phone number');
      return phone;
    }
    case 'householdAddress': {
      const address = value.normalize('NFC').replace(WHITESPACE_RUNS, ' ').trim();
      if (address === '') throw new InvalidFieldValueError(field, 'must not be empty');
      return address;
    }
    default: {
      const unreachable: never = field;
      return unreachable;
    }
  }
}
