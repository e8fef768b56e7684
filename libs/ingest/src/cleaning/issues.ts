export type Severity = 'error' | 'warning';

/**
 * Every issue the cleaner can raise, with its default severity. 'error' sends the row
 * to quarantine; 'warning' imports it and keeps the warning with the record.
 * Codes that come from the domain value objects keep the domain's name.
 */
export const ISSUE_CODES = {
  // Row shape (from the reader)
  ROW_COLUMN_COUNT: { severity: 'error', description: 'the row has a different number of columns from the header' },
  ROW_MALFORMED: { severity: 'error', description: 'the row could not be parsed (bad quoting, not a JSON object)' },
  ROW_TOO_LARGE: { severity: 'error', description: 'the row is longer than the record limit (1 MiB): skipped to the next line break' },
  ROW_ENCODING_MISMATCH: { severity: 'error', description: 'the row is in another encoding than the rest of the file' },
  ROW_BOM_INSIDE: { severity: 'error', description: 'the row carries a byte-order mark after the start of the file' },
  DUPLICATE_ROW: { severity: 'error', description: 'an earlier row of the same file had the same normalised content' },
  REQUIRED_FIELD_MISSING: { severity: 'error', description: 'a required field is empty or its column is absent' },
  // Citizen ID (domain CitizenId, plus the missing check character refinement)
  ID_NORMALISED: { severity: 'warning', description: 'full-width digits, lower-case x, spaces or quotes were removed' },
  ID_UPGRADED_FROM_15: { severity: 'warning', description: 'a 15-digit ID was upgraded to 18 digits' },
  ID_UNKNOWN_REGION_PREFIX: { severity: 'warning', description: 'the ID prefix is not a known region (may be older than the tables)' },
  ID_HISTORICAL_REGION_PREFIX: { severity: 'warning', description: 'the ID prefix is an abolished region code (normal for old IDs)' },
  ID_BAD_LENGTH: { severity: 'error', description: 'the ID has neither 18 nor 15 characters' },
  ID_MISSING_CHECK_CHARACTER: { severity: 'error', description: 'the ID has 17 digits: the check character is missing' },
  ID_BAD_CHARACTERS: { severity: 'error', description: 'the ID has characters other than digits and a final X' },
  ID_BAD_CHECK_CHARACTER: { severity: 'error', description: 'the MOD 11-2 check character does not match' },
  ID_BAD_BIRTH_DATE: { severity: 'error', description: 'the birth date inside the ID is not a real date' },
  ID_BIRTH_DATE_IN_FUTURE: { severity: 'error', description: 'the birth date inside the ID is after today' },
  // Cross-field checks: the ID wins
  BIRTH_DATE_MISMATCH: { severity: 'warning', description: 'the birth date column disagrees with the ID; the ID date is kept' },
  GENDER_MISMATCH: { severity: 'warning', description: 'the gender column disagrees with the ID; the ID gender is kept' },
  // Regions (domain RegionCode)
  REGION_BAD_FORMAT: { severity: 'error', description: 'the region code is not 2, 4, 6, 9 or 12 digits' },
  REGION_UNKNOWN: { severity: 'error', description: 'the region code is not in the division table' },
  REGION_HISTORICAL: { severity: 'warning', description: 'the region code was abolished; kept as sent' },
  REGION_HELD_AT_PARENT: {
    severity: 'warning',
    description: 'the township (or village) code is not in the division table; the known county (or township) it lies in is held',
  },
  REGION_TOWNSHIP_UNVERIFIED: { severity: 'warning', description: 'townships not loaded; only the county was checked' },
  REGION_VILLAGE_UNVERIFIED: { severity: 'warning', description: 'villages not loaded; only the township was checked' },
  PROVINCE_UNKNOWN: { severity: 'error', description: 'the province code is not a province' },
  // Names
  NAME_NORMALISED: { severity: 'warning', description: 'spaces or middle-dot variants in the name were normalised' },
  NAME_INVALID: { severity: 'error', description: 'the name contains digits or no letters at all' },
  // Dates and codes
  DATE_INVALID: { severity: 'error', description: 'the date is in no accepted format or is not a real day' },
  DATE_IN_FUTURE: { severity: 'error', description: 'the date is after today' },
  DATE_ORDER: { severity: 'error', description: 'the date of death is before the date of birth' },
  CODE_UNKNOWN: { severity: 'error', description: 'the value is neither in the mapping value list nor a valid code' },
  PHONE_INVALID: { severity: 'warning', description: 'the phone number is not a plausible Chinese number; it was dropped' },
} as const satisfies Record<string, { severity: Severity; description: string }>;

export type IssueCode = keyof typeof ISSUE_CODES;
export const ALL_ISSUE_CODES = Object.keys(ISSUE_CODES) as IssueCode[];

/** Never carries the value itself: messages name fields and rules only (personal data stays out of logs). */
export interface Issue {
  readonly code: IssueCode;
  readonly severity: Severity;
  /** Registry field name (e.g. 'citizenId'), when the issue is about one field. */
  readonly field?: string;
  readonly message: string;
}

export type SeverityOverrides = Partial<Record<IssueCode, Severity>>;

export function makeIssue(code: IssueCode, message: string, field?: string, overrides?: SeverityOverrides): Issue {
  const severity = overrides?.[code] ?? ISSUE_CODES[code].severity;
  return field === undefined ? { code, severity, message } : { code, severity, field, message };
}
