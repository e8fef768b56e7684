import { inspect } from 'node:util';
import { Gender } from '../codes/gender';
import { RegionTable } from '../regions/region-table';
import { isCalendarDate } from '../shared/dates';
import { digitsValue } from '../shared/digits';
import { Issue, ParseResult } from '../shared/result';
import { checkCharacterOfDigits, upgradeFifteenDigitId } from './citizen-id-check';
import { normaliseCitizenIdInput } from './citizen-id-normalise';

export type CitizenIdRejectionCode =
  'ID_EMPTY' | 'ID_BAD_LENGTH' | 'ID_BAD_CHARACTERS' | 'ID_BAD_BIRTH_DATE' | 'ID_BIRTH_DATE_IN_FUTURE' | 'ID_BAD_CHECK_CHARACTER';

export type CitizenIdWarningCode = 'ID_NORMALISED' | 'ID_UPGRADED_FROM_15' | 'ID_UNKNOWN_REGION_PREFIX' | 'ID_HISTORICAL_REGION_PREFIX';

export type CitizenIdRejection = Issue<CitizenIdRejectionCode>;
export type CitizenIdWarning = Issue<CitizenIdWarningCode>;
export type CitizenIdResult = ParseResult<CitizenId, CitizenIdRejection, CitizenIdWarning>;

export interface CitizenIdParseOptions {
  /** When given, the 6-digit prefix is looked up and unknown prefixes are warned about. */
  readonly regions?: RegionTable;
  /**
   * `YYYY-MM-DD` of the day of parsing. The value object has no clock, so the
   * future-birth check runs only when the caller supplies today (cleaning does).
   */
  readonly today?: string;
}

/** Earliest birth year accepted: anything before is a typo, not a living person. */
const MIN_BIRTH_YEAR = 1850;
const EIGHTEEN_CHARACTERS = /^\d{17}[\dX]$/;
const FIFTEEN_DIGITS = /^\d{15}$/;
const NO_OPTIONS: CitizenIdParseOptions = {};

/**
 * An 18-character citizen ID number (GB 11643-1999), normalised and checked.
 *
 * The number is personal information, so every implicit conversion — `toString`,
 * `JSON.stringify`, `util.inspect`/`console.log` — yields the masked form. Code that
 * really needs the number must say so by reading `.value`.
 */
export class CitizenId {
  /**
   * Cached on first read: parsing (the future-birth check), cleaning and registration all
   * ask for it. Private (#), so equality checks and serialisation never see it.
   */
  #birthDate: string | undefined;

  private constructor(
    /** The normalised 18-character number. Personal: never log, never put in a URL. */
    readonly value: string,
  ) {}

  static parse(raw: string, opts: CitizenIdParseOptions = NO_OPTIONS): CitizenIdResult {
    const input = typeof raw === 'string' ? raw : '';
    // Most inputs are already in canonical shape, which normalising cannot change: skip its passes.
    const canonicalShape = EIGHTEEN_CHARACTERS.test(input);
    const normalised = canonicalShape ? input : normaliseCitizenIdInput(input);
    const warnings: CitizenIdWarning[] = [];
    if (normalised === '') return reject([{ code: 'ID_EMPTY', message: 'citizen ID is empty' }]);
    if (normalised !== input) {
      warnings.push({ code: 'ID_NORMALISED', message: 'citizen ID needed normalising (width, case, spaces or quotes)' });
    }
    if (normalised.length !== 18 && normalised.length !== 15) {
      return reject([{ code: 'ID_BAD_LENGTH', message: `citizen ID must have 18 (or 15) characters, got ${normalised.length}` }]);
    }
    if (!canonicalShape && !(normalised.length === 18 ? EIGHTEEN_CHARACTERS : FIFTEEN_DIGITS).test(normalised)) {
      return reject([
        {
          code: 'ID_BAD_CHARACTERS',
          message: 'citizen ID must be digits, with X allowed only as the 18th character',
        },
      ]);
    }

    const upgraded = normalised.length === 15;
    const citizenId = new CitizenId(upgraded ? upgradeFifteenDigitId(normalised) : normalised);
    if (upgraded) warnings.push({ code: 'ID_UPGRADED_FROM_15', message: 'citizen ID was upgraded from 15 to 18 characters' });
    const value = citizenId.value;
    const badCheckCharacter = !upgraded && checkCharacterOfDigits(value) !== value[17];
    const badDate = birthDateRejection(citizenId, opts.today);
    if (badCheckCharacter || badDate) {
      const reasons: CitizenIdRejection[] = [];
      if (badCheckCharacter)
        reasons.push({ code: 'ID_BAD_CHECK_CHARACTER', message: 'citizen ID check character does not match (MOD 11-2)' });
      if (badDate) reasons.push(badDate);
      return reject(reasons);
    }

    if (opts.regions) {
      const warning = prefixWarning(citizenId.regionPrefix, opts.regions);
      if (warning) warnings.push(warning);
    }
    return { ok: true, value: citizenId, warnings };
  }

  /** First 6 and last 4 kept: 110101********123X. Safe to log and display. */
  get masked(): string {
    return maskCitizenIdText(this.value);
  }

  /** The address code of first registration (may be an abolished code). */
  get regionPrefix(): string {
    return this.value.slice(0, 6);
  }

  /** `YYYY-MM-DD`. */
  get birthDate(): string {
    return (this.#birthDate ??= birthDateOf(this.value));
  }

  /** GB/T 2261.1 code: odd sequence → '1' male, even → '2' female. */
  get gender(): Extract<Gender, '1' | '2'> {
    return Number(this.value[16]) % 2 === 1 ? '1' : '2';
  }

  equals(other: CitizenId): boolean {
    return this.value === other.value;
  }

  /** Masked: string interpolation must never leak the number. */
  toString(): string {
    return this.masked;
  }

  /** Masked: accidental serialisation must never leak the number. */
  toJSON(): string {
    return this.masked;
  }

  [inspect.custom](): string {
    return `CitizenId(${this.masked})`;
  }
}

/** What is wrong with the birth date the number encodes, if anything: one reading of its digits. */
function birthDateRejection(citizenId: CitizenId, today: string | undefined): CitizenIdRejection | undefined {
  const value = citizenId.value;
  const year = digitsValue(value, 6, 10);
  if (!isCalendarDate(year, digitsValue(value, 10, 12), digitsValue(value, 12, 14)) || year < MIN_BIRTH_YEAR) {
    return { code: 'ID_BAD_BIRTH_DATE', message: 'citizen ID birth date is not a real date' };
  }
  if (today !== undefined && citizenId.birthDate > today) {
    return { code: 'ID_BIRTH_DATE_IN_FUTURE', message: 'citizen ID birth date is after today' };
  }
  return undefined;
}

function birthDateOf(value: string): string {
  return `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
}

function prefixWarning(prefix: string, regions: RegionTable): CitizenIdWarning | undefined {
  // Offices sometimes issued numbers under a city or province code (e.g. 441900 东莞).
  const known =
    regions.has(prefix) ||
    (prefix.endsWith('0000') ? regions.has(prefix.slice(0, 2)) : prefix.endsWith('00') && regions.has(prefix.slice(0, 4)));
  if (known) return undefined;
  const old = regions.historical(prefix);
  if (old) {
    return {
      code: 'ID_HISTORICAL_REGION_PREFIX',
      message: `citizen ID region prefix was abolished in ${old.abolished}` + (old.successor ? `; successor ${old.successor}` : ''),
    };
  }
  return { code: 'ID_UNKNOWN_REGION_PREFIX', message: 'citizen ID region prefix is not in the division table' };
}

function reject(reasons: CitizenIdRejection[]): CitizenIdResult {
  return { ok: false, reasons };
}

/**
 * The display form of an ID-shaped text: the first 6 and the last `keepLast` characters
 * kept (4 by default, the convention; 2 where a full birth date is shown beside it would
 * otherwise give the hidden digits away, see the README's masking rules). The one masking
 * rule for every response, read model and log line.
 */
export function maskCitizenIdText(value: string, keepLast: 2 | 4 = 4): string {
  const kept = 6 + keepLast;
  return value.length >= kept
    ? `${value.slice(0, 6)}${'*'.repeat(value.length - kept)}${value.slice(-keepLast)}`
    : '*'.repeat(value.length);
}
