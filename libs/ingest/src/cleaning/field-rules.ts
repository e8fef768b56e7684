import { CitizenId, normaliseCitizenIdInput, normalisePersonName, RegionCode, RegionTable } from '@registry/domain';
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

const ok = <T>(value: T, warnings: readonly RuleIssue[] = []): RuleResult<T> => ({ ok: true, value, warnings });
const fail = <T>(code: IssueCode, message: string): RuleResult<T> => ({ ok: false, errors: [{ code, message }] });

export interface ParsedCitizenId {
  readonly value: string;
  readonly birthDate: string;
  readonly gender: '1' | '2';
}

/** Domain CitizenId, with a 17-digit number reported as a missing check character. */
export function citizenIdRule(raw: string, regions: RegionTable, today: string): RuleResult<ParsedCitizenId> {
  const r = CitizenId.parse(raw, { regions, today });
  if (r.ok) return ok({ value: r.value.value, birthDate: r.value.birthDate, gender: r.value.gender }, r.warnings);
  const errors: RuleIssue[] = r.reasons.map((reason) =>
    reason.code === 'ID_BAD_LENGTH' && /^\d{17}$/.test(normaliseCitizenIdInput(raw))
      ? { code: 'ID_MISSING_CHECK_CHARACTER' as const, message: 'citizen ID has 17 digits: the check character is missing' }
      : { code: reason.code === 'ID_EMPTY' ? ('REQUIRED_FIELD_MISSING' as const) : reason.code, message: reason.message },
  );
  return { ok: false, errors };
}

const HAN = '\\p{Script=Han}';
const SPACE_BETWEEN_HAN = new RegExp(`(?<=${HAN}) (?=${HAN})`, 'gu');

/**
 * Domain normalisation (NFC, whitespace, middle dots), then one step the registry adds
 * for Chinese names: a space between two Han characters is a typing slip (王 小明),
 * while a space between Latin words is kept. Surrogate pairs are never split (u flag).
 */
export function nameRule(raw: string): RuleResult<string> {
  const trimmed = raw.trim();
  const value = normalisePersonName(trimmed).replace(SPACE_BETWEEN_HAN, '');
  if (value === '') return fail('REQUIRED_FIELD_MISSING', 'name is empty');
  if (/\p{Nd}/u.test(value) || !/\p{L}/u.test(value)) return fail('NAME_INVALID', 'name contains digits or no letters');
  return ok(value, value === trimmed ? [] : [{ code: 'NAME_NORMALISED', message: 'name spaces or middle dots were normalised' }]);
}

export function dateRule(raw: string, today: string, label: string): RuleResult<string> {
  const value = parseDepartmentDate(raw);
  if (value === undefined) return fail('DATE_INVALID', `${label} is not a date in an accepted format, or not a real day`);
  if (value > today) return fail('DATE_IN_FUTURE', `${label} is after today`);
  return ok(value);
}

function halfWidth(s: string): string {
  return s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/**
 * Mapping value list first (exact, trimmed), then the value itself when it already is a
 * valid code, so a province need not list '110' → '110'.
 */
export function codeRule(raw: string, domain: CodeDomain, values: ReadonlyMap<string, string> | undefined, label: string): RuleResult<string> {
  const s = raw.trim();
  const mapped = values?.get(s) ?? values?.get(halfWidth(s));
  if (mapped !== undefined) return ok(mapped);
  const direct = halfWidth(s);
  if (CODE_DOMAIN_TARGETS[domain].includes(direct)) return ok(direct);
  return fail('CODE_UNKNOWN', `${label} is not a known ${domain} code`);
}

export interface ParsedRegion {
  readonly code: string;
  readonly historical: boolean;
}

export function regionRule(raw: string, regions: RegionTable, label: string): RuleResult<ParsedRegion> {
  const r = RegionCode.parse(raw, regions);
  if (!r.ok) {
    const reason = r.reasons[0];
    const code: IssueCode = reason.code === 'REGION_EMPTY' ? 'REQUIRED_FIELD_MISSING' : reason.code;
    return fail(code, `${label}: ${reason.message}`);
  }
  return ok({ code: r.value.code, historical: r.value.historical !== undefined }, r.warnings.map((w) => ({ code: w.code, message: `${label}: ${w.message}` })));
}

/** 参保省份 as 2 digits ('44') or GB/T 2260 six digits ('440000'). */
export function provinceRule(raw: string, regions: RegionTable, label: string): RuleResult<string> {
  const s = halfWidth(raw.trim());
  const m = /^(\d{2})(?:0000)?$/.exec(s);
  if (!m || regions.get(m[1])?.level !== 'province') return fail('PROVINCE_UNKNOWN', `${label} is not a province code`);
  return ok(m[1]);
}

/**
 * Mobile (11 digits starting with 1) or landline (area code + number, 10–12 digits with
 * the leading 0); +86/0086, spaces and hyphens dropped. An implausible number is a
 * warning, not an error: the phone is contact data, not identity.
 */
export function phoneRule(raw: string): RuleResult<string | undefined> {
  const digits = halfWidth(raw.trim()).replace(/[\s\-()（）]/g, '').replace(/^(?:\+86|0086)/, '');
  if (/^1[3-9]\d{9}$/.test(digits) || /^0\d{9,11}$/.test(digits)) return ok(digits);
  return ok(undefined, [{ code: 'PHONE_INVALID', message: 'phone number is not plausible and was dropped' }]);
}
