import { Issue, ParseResult } from '../shared/result';
import { RegionLevel, ancestorCodes, isWithinRegion, regionLevelOfCode, toSixDigitForm } from './region-level';
import { RegionTable } from './region-table';

export type RegionRejectionCode = 'REGION_EMPTY' | 'REGION_BAD_FORMAT' | 'REGION_UNKNOWN';
export type RegionWarningCode = 'REGION_HISTORICAL' | 'REGION_VILLAGE_UNVERIFIED' | 'REGION_TOWNSHIP_UNVERIFIED';
export type RegionRejection = Issue<RegionRejectionCode>;
export type RegionWarning = Issue<RegionWarningCode>;
export type RegionCodeResult = ParseResult<RegionCode, RegionRejection, RegionWarning>;

export interface RegionChainLink {
  readonly code: string;
  readonly level: RegionLevel;
  /** Undefined where the table does not know the ancestor (only possible for unverified levels). */
  readonly name?: string;
}

const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;

/** Strips what spreadsheets and full-width input methods add around a code. */
function clean(raw: string): string {
  return raw
    .replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[\s\u3000\u200B\uFEFF]/g, '')
    .replace(/^['‘’"“”]+|['‘’"“”]+$/g, '');
}

/**
 * Reduces any accepted spelling to the canonical short code by dropping zero padding:
 * 110000 → 11, 110100 → 1101, 110101000000 → 110101. Township and village serials
 * start at 001, so a trailing `000` is always padding. A six-digit `xxxx00` is a county
 * when the table lists it as one: 东莞 441900 and 儋州 460400 are counties with no city
 * districts, and townships hang directly below them.
 */
function canonical(digits: string, table: RegionTable): string {
  let code = digits;
  if (code.length === 12 && code.endsWith('000')) code = code.slice(0, 9);
  if (code.length === 9 && code.endsWith('000')) code = code.slice(0, 6);
  if (code.length === 6 && code.endsWith('00') && !table.has(code) && table.historical(code) === undefined) {
    code = code.slice(0, 4);
  }
  if (code.length === 4 && code.endsWith('00')) code = code.slice(0, 2);
  return code;
}

/**
 * A validated administrative region (GB/T 2260 province/city/county, township, village).
 * Immutable; carries its resolved ancestor chain so callers never need the table again.
 */
export class RegionCode {
  private constructor(
    /** Canonical short code: 2, 4, 6, 9 or 12 digits. */
    readonly code: string,
    readonly level: RegionLevel,
    readonly name: string | undefined,
    /** Ancestors, province first, each with its name from the table. */
    readonly ancestors: readonly RegionChainLink[],
    /** Set when the code was abolished: the successor, when one is known. */
    readonly historical: { readonly abolished: number; readonly successor?: string } | undefined,
  ) {}

  static parse(raw: string, table: RegionTable): RegionCodeResult {
    const digits = clean(raw ?? '');
    if (digits === '') return fail('REGION_EMPTY', 'region code is empty');
    if (!/^\d+$/.test(digits) || regionLevelOfCode(digits) === undefined) {
      return fail('REGION_BAD_FORMAT', 'region code must be 2, 4, 6, 9 or 12 digits');
    }
    const code = canonical(digits, table);
    const level = regionLevelOfCode(code) as RegionLevel;
    const ancestors = ancestorCodes(code).map((c): RegionChainLink => {
      const entry = table.get(c);
      return { code: c, level: regionLevelOfCode(c) as RegionLevel, name: entry?.name ?? table.historical(c)?.name };
    });
    const warnings: RegionWarning[] = [];

    const entry = table.get(code);
    if (entry) return { ok: true, value: new RegionCode(code, level, entry.name, ancestors, undefined), warnings };

    const old = table.historical(code);
    if (old) {
      warnings.push({
        code: 'REGION_HISTORICAL',
        message: `region code was abolished in ${old.abolished}` + (old.successor ? `; successor ${old.successor}` : ''),
      });
      const historical = { abolished: old.abolished, successor: old.successor };
      return { ok: true, value: new RegionCode(code, level, old.name, ancestors, historical), warnings };
    }

    // Below the loaded depth we can check only that the parent exists.
    const unverified = (level === 'village' && !table.includesVillages) || (level === 'township' && !table.includesTownships);
    const checkable = level === 'village' && table.includesTownships ? code.slice(0, 9) : code.slice(0, 6);
    if (unverified && table.has(checkable)) {
      const warning: RegionWarningCode = level === 'village' ? 'REGION_VILLAGE_UNVERIFIED' : 'REGION_TOWNSHIP_UNVERIFIED';
      warnings.push({ code: warning, message: `the ${level} level is not loaded; only the parent was checked` });
      return { ok: true, value: new RegionCode(code, level, undefined, ancestors, undefined), warnings };
    }
    return fail('REGION_UNKNOWN', `region code is not in the division table at ${level} level`);
  }

  /** Inclusive: a region is within itself. */
  within(other: RegionCode | string): boolean {
    return isWithinRegion(this.code, typeof other === 'string' ? other : other.code);
  }

  get provinceCode(): string {
    return this.code.slice(0, 2);
  }

  /** Canonical code of the parent, or undefined for a province. */
  get parentCode(): string | undefined {
    return this.ancestors[this.ancestors.length - 1]?.code;
  }

  /** GB/T 2260 six-digit form (province 110000, city 110100; below county: the county). */
  get sixDigit(): string {
    return toSixDigitForm(this.code);
  }

  /**
   * Human-readable path, skipping the placeholder city levels of municipalities and
   * province-administered counties (市辖区, 县, 省直辖县级行政区划).
   */
  get fullName(): string {
    const names = [...this.ancestors.map((a) => a.name), this.name].filter(
      (n): n is string => n !== undefined && !PLACEHOLDER_NAMES.has(n),
    );
    return names.join('');
  }

  equals(other: RegionCode): boolean {
    return this.code === other.code;
  }

  toString(): string {
    return this.code;
  }

  toJSON(): string {
    return this.code;
  }
}

const PLACEHOLDER_NAMES = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);

function fail(code: RegionRejectionCode, message: string): RegionCodeResult {
  return { ok: false, reasons: [{ code, message }] };
}
