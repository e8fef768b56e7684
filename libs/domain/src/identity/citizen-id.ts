import { inspect } from 'node:util';
import { Gender } from '../codes/gender';
import { RegionTable } from '../regions/region-table';
import { isCalendarDate } from '../shared/dates';
import { Issue, ParseResult } from '../shared/result';
import { citizenIdCheckCharacter, upgradeFifteenDigitId } from './citizen-id-check';
import { normaliseCitizenIdInput } from './citizen-id-normalise';

export type CitizenIdRejectionCode =
  | 'ID_EMPTY'
  | 'ID_BAD_LENGTH'
  | 'ID_BAD_CHARACTERS'
  | 'ID_BAD_BIRTH_DATE'
  | 'ID_BIRTH_DATE_IN_FUTURE'
  | 'ID_BAD_CHECK_CHARACTER';

export type CitizenIdWarningCode =
  | 'ID_NORMALISED'
  | 'ID_UPGRADED_FROM_15'
  | 'ID_UNKNOWN_REGION_PREFIX'
  | 'ID_HISTORICAL_REGION_PREFIX';

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

/**
 * An 18-character citizen ID number (GB 11643-1999), normalised and checked.
 *
 * The number is personal information, so every implicit conversion — `toString`,
 * `JSON.stringify`, `util.inspect`/`console.log` — yields the masked form. Code that
 * really needs the number must say so by reading `.value`.
 */
export class CitizenId {
  private constructor(
    /** The normalised 18-character number. Personal: never log, never put in a URL. */
    readonly value: string,
  ) {}

  static parse(raw: string, opts: CitizenIdParseOptions = {}): CitizenIdResult {
    const input = typeof raw === 'string' ? raw : '';
    const normalised = normaliseCitizenIdInput(input);
    const warnings: CitizenIdWarning[] = [];
    if (normalised === '') return reject([{ code: 'ID_EMPTY', message: 'citizen ID is empty' }]);
    if (normalised !== input) {
      warnings.push({ code: 'ID_NORMALISED', message: 'citizen ID needed normalising (width, case, spaces or quotes)' });
    }
    if (normalised.length !== 18 && normalised.length !== 15) {
      return reject([{ code: 'ID_BAD_LENGTH', message: `citizen ID must have 18 (or 15) characters, got ${normalised.length}` }]);
    }
    const shape = normalised.length === 18 ? /^\d{17}[\dX]$/ : /^\d{15}$/;
    if (!shape.test(normalised)) {
      return reject([
        {
          code: 'ID_BAD_CHARACTERS',
          message: 'citizen ID must be digits, with X allowed only as the 18th character',
        },
      ]);
    }

    let value = normalised;
    const reasons: CitizenIdRejection[] = [];
    if (normalised.length === 15) {
      value = upgradeFifteenDigitId(normalised);
      warnings.push({ code: 'ID_UPGRADED_FROM_15', message: 'citizen ID was upgraded from 15 to 18 characters' });
    } else if (citizenIdCheckCharacter(value.slice(0, 17)) !== value[17]) {
      reasons.push({ code: 'ID_BAD_CHECK_CHARACTER', message: 'citizen ID check character does not match (MOD 11-2)' });
    }

    const year = Number(value.slice(6, 10));
    const month = Number(value.slice(10, 12));
    const day = Number(value.slice(12, 14));
    if (!isCalendarDate(year, month, day) || year < MIN_BIRTH_YEAR) {
      reasons.push({ code: 'ID_BAD_BIRTH_DATE', message: 'citizen ID birth date is not a real date' });
    } else if (opts.today !== undefined && birthDateOf(value) > opts.today) {
      reasons.push({ code: 'ID_BIRTH_DATE_IN_FUTURE', message: 'citizen ID birth date is after today' });
    }
    if (reasons.length > 0) return reject(reasons);

    if (opts.regions) warnings.push(...prefixWarnings(value.slice(0, 6), opts.regions));
    return { ok: true, value: new CitizenId(value), warnings };
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
    return birthDateOf(this.value);
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

function birthDateOf(value: string): string {
  return `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
}

function prefixWarnings(prefix: string, regions: RegionTable): CitizenIdWarning[] {
  // Offices sometimes issued numbers under a city or province code (e.g. 441900 东莞).
  const known =
    regions.has(prefix) ||
    (prefix.endsWith('0000') ? regions.has(prefix.slice(0, 2)) : prefix.endsWith('00') && regions.has(prefix.slice(0, 4)));
  if (known) return [];
  const old = regions.historical(prefix);
  if (old) {
    return [
      {
        code: 'ID_HISTORICAL_REGION_PREFIX',
        message: `citizen ID region prefix was abolished in ${old.abolished}` + (old.successor ? `; successor ${old.successor}` : ''),
      },
    ];
  }
  return [{ code: 'ID_UNKNOWN_REGION_PREFIX', message: 'citizen ID region prefix is not in the division table' }];
}

function reject(reasons: CitizenIdRejection[]): CitizenIdResult {
  return { ok: false, reasons };
}

/**
 * The display form of an ID-shaped text (first 6 and last 4 kept), for stored or echoed
 * values that are not parsed into a CitizenId: the one masking rule for every response,
 * read model and log line.
 */
export function maskCitizenIdText(value: string): string {
  return value.length >= 10 ? `${value.slice(0, 6)}${'*'.repeat(value.length - 10)}${value.slice(-4)}` : '*'.repeat(value.length);
}
