import { CitizenId, CitizenIdParseOptions, normaliseCitizenIdInput, normalisePersonName, RegionCode, RegionTable } from '@registry/domain';
import { CODE_DOMAIN_TARGETS, CodeDomain } from '../mapping/field-specs';
import { parseDepartmentDate } from './dates';
import { IssueCode } from './issues';

/**
 * One rule's verdict on one cell. Messages are built from the field label only, never
 * from the value, because they end up in logs and quarantine reports.
 */
export type RuleIssue = { readonly code: IssueCode; readonly message: string };
export type RuleResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly RuleIssue[] }
  | { readonly ok: false; readonly errors: readonly RuleIssue[] };

/** Shared by every clean verdict: most cells raise nothing, and verdicts are never mutated. */
const NO_ISSUES: readonly RuleIssue[] = Object.freeze([]);

const ok = <T>(value: T, warnings: readonly RuleIssue[] = NO_ISSUES): RuleResult<T> => ({ ok: true, value, warnings });
const fail = <T>(code: IssueCode, message: string): RuleResult<T> => ({ ok: false, errors: [{ code, message }] });

export interface ParsedCitizenId {
  readonly value: string;
  readonly birthDate: string;
  readonly gender: '1' | '2';
}

const SEVENTEEN_DIGITS = /^\d{17}$/;

/**
 * Domain CitizenId, with a 17-digit number reported as a missing check character.
 * `options` carries the region table and today; the caller builds it once per file.
 */
export function citizenIdRule(raw: string, options: CitizenIdParseOptions): RuleResult<ParsedCitizenId> {
  const r = CitizenId.parse(raw, options);
  if (r.ok) return ok({ value: r.value.value, birthDate: r.value.birthDate, gender: r.value.gender }, r.warnings);
  const errors: RuleIssue[] = r.reasons.map((reason) =>
    reason.code === 'ID_BAD_LENGTH' && SEVENTEEN_DIGITS.test(normaliseCitizenIdInput(raw))
      ? { code: 'ID_MISSING_CHECK_CHARACTER' as const, message: 'citizen ID has 17 digits: the check character is missing' }
      : { code: reason.code === 'ID_EMPTY' ? ('REQUIRED_FIELD_MISSING' as const) : reason.code, message: reason.message },
  );
  return { ok: false, errors };
}

const HAN = '\\p{Script=Han}';
const SPACE_BETWEEN_HAN = new RegExp(`(?<=${HAN}) (?=${HAN})`, 'gu');
const DECIMAL_DIGIT = /\p{Nd}/u;
const LETTER = /\p{L}/u;

/**
 * True for the common name made only of CJK Unified Ideographs of the original block
 * (U+4E00–U+9FA5, all letters, none changed by NFC) and plain middle dots: every step of
 * the name rule leaves such a name exactly as it is. cleaner.spec.ts pins this.
 */
export function isPlainHanName(name: string): boolean {
  let han = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x4e00 && c <= 0x9fa5) han = true;
    else if (c !== 0x00b7) return false;
  }
  return han;
}

/**
 * Domain normalisation (NFC, whitespace, middle dots), then one step the registry adds
 * for Chinese names: a space between two Han characters is a typing slip (王 小明),
 * while a space between Latin words is kept. Surrogate pairs are never split (u flag).
 */
export function nameRule(raw: string): RuleResult<string> {
  const trimmed = raw.trim();
  if (isPlainHanName(trimmed)) return ok(trimmed);
  const value = normalisePersonName(trimmed).replace(SPACE_BETWEEN_HAN, '');
  if (value === '') return fail('REQUIRED_FIELD_MISSING', 'name is empty');
  if (DECIMAL_DIGIT.test(value) || !LETTER.test(value)) return fail('NAME_INVALID', 'name contains digits or no letters');
  return ok(value, value === trimmed ? NO_ISSUES : [{ code: 'NAME_NORMALISED', message: 'name spaces or middle dots were normalised' }]);
}

export function dateRule(raw: string, today: string, label: string): RuleResult<string> {
  const value = parseDepartmentDate(raw);
  if (value === undefined) return fail('DATE_INVALID', `${label} is not a date in an accepted format, or not a real day`);
  if (value > today) return fail('DATE_IN_FUTURE', `${label} is after today`);
  return ok(value);
}

const FULL_WIDTH_ASCII = /[\uFF01-\uFF5E]/g;

function halfWidth(s: string): string {
  return s.replace(FULL_WIDTH_ASCII, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/**
 * Mapping value list first (exact, trimmed), then the value itself when it already is a
 * valid code, so a province need not list '110' → '110'.
 */
export function codeRule(
  raw: string,
  domain: CodeDomain,
  values: ReadonlyMap<string, string> | undefined,
  label: string,
): RuleResult<string> {
  const s = raw.trim();
  const mapped = values?.get(s) ?? values?.get(halfWidth(s));
  if (mapped !== undefined) return ok(mapped);
  const direct = halfWidth(s);
  if (CODE_DOMAIN_TARGETS[domain].includes(direct)) return ok(direct);
  return fail('CODE_UNKNOWN', `${label} is not a known ${domain} code`);
}

/**
 * The canonical short code; a historical code is accepted with a REGION_HISTORICAL warning.
 * A township (or village) code that is not in the division table under a county (or township)
 * that is is held at that nearest known level, with REGION_HELD_AT_PARENT: the register still
 * places the person in that county, and the lost digits are a keying fault to show, not a reason
 * to lose the row.
 */
export function regionRule(raw: string, regions: RegionTable, label: string): RuleResult<string> {
  const r = RegionCode.parse(raw, regions);
  if (!r.ok) {
    const reason = r.reasons[0];
    const digits = halfWidth(raw).replace(/\s/g, '');
    if (reason.code === 'REGION_UNKNOWN' && /^\d+$/.test(digits)) {
      for (const length of [9, 6]) {
        if (digits.length <= length) continue;
        const parent = RegionCode.parse(digits.slice(0, length), regions);
        if (parent.ok && parent.value.code.length === length) {
          return ok(parent.value.code, [
            {
              code: 'REGION_HELD_AT_PARENT',
              message: `${label}: the ${digits.length === 12 ? 'village' : 'township'} is not in the division table; the ${length === 9 ? 'township' : 'county'} it lies in is held`,
            },
            ...parent.warnings.map((w) => ({ code: w.code, message: `${label}: ${w.message}` })),
          ]);
        }
      }
    }
    const code: IssueCode = reason.code === 'REGION_EMPTY' ? 'REQUIRED_FIELD_MISSING' : reason.code;
    return fail(code, `${label}: ${reason.message}`);
  }
  return ok(
    r.value.code,
    r.warnings.map((w) => ({ code: w.code, message: `${label}: ${w.message}` })),
  );
}

const PROVINCE_CODE = /^(\d{2})(?:0000)?$/;

/** 参保省份 as 2 digits ('44') or GB/T 2260 six digits ('440000'). */
export function provinceRule(raw: string, regions: RegionTable, label: string): RuleResult<string> {
  const s = halfWidth(raw.trim());
  const m = PROVINCE_CODE.exec(s);
  if (!m || regions.get(m[1])?.level !== 'province') return fail('PROVINCE_UNKNOWN', `${label} is not a province code`);
  return ok(m[1]);
}

const MOBILE = /^1[3-9]\d{9}$/;
const LANDLINE = /^0\d{9,11}$/;
const PHONE_PUNCTUATION = /[\s\-()（）]/g;
const COUNTRY_CODE = /^(?:\+86|0086)/;

/**
 * Mobile (11 digits starting with 1) or landline (area code + number, 10–12 digits with
 * the leading 0); +86/0086, spaces and hyphens dropped. An implausible number is a
 * warning, not an error: the phone is contact data, not identity.
 */
export function phoneRule(raw: string): RuleResult<string | undefined> {
  const s = raw.trim();
  // Most cells are a bare mobile number, which nothing below would change.
  if (MOBILE.test(s)) return ok(s);
  const digits = halfWidth(s).replace(PHONE_PUNCTUATION, '').replace(COUNTRY_CODE, '');
  if (MOBILE.test(digits) || LANDLINE.test(digits)) return ok(digits);
  return ok(undefined, [{ code: 'PHONE_INVALID', message: 'phone number is not plausible and was dropped' }]);
}
