/** GB/T 2260 (province, city, county), GB/T 10114 township, statistical village code. */
export type RegionLevel = 'province' | 'city' | 'county' | 'township' | 'village';

/** Length of the canonical (short) code at each level. */
export const REGION_CODE_LENGTH: Readonly<Record<RegionLevel, number>> = {
  province: 2,
  city: 4,
  county: 6,
  township: 9,
  village: 12,
};

export const REGION_LEVELS: readonly RegionLevel[] = ['province', 'city', 'county', 'township', 'village'];

const DIGITS = /^\d+$/;

/** Level of a canonical short code (2/4/6/9/12 digits), or undefined for any other shape. */
export function regionLevelOfCode(code: string): RegionLevel | undefined {
  if (!DIGITS.test(code)) return undefined;
  // A loop, not find(): this guards every region in every command, and find() needs a closure.
  for (const level of REGION_LEVELS) if (REGION_CODE_LENGTH[level] === code.length) return level;
  return undefined;
}

/**
 * Canonical codes of every ancestor, province first. Prefixes are the whole hierarchy:
 * GB/T 2260 and the township/village codes nest by position.
 */
export function ancestorCodes(code: string): string[] {
  return [2, 4, 6, 9].filter((n) => n < code.length).map((n) => code.slice(0, n));
}

/**
 * Whether canonical `code` lies in (or is) canonical `container`. Inclusive, because an
 * operator of a county sees the county itself as well as what lies below it.
 */
export function isWithinRegion(code: string, container: string): boolean {
  return code.startsWith(container);
}

/** The GB/T 2260 six-digit form: 11 → 110000, 1101 → 110100; longer codes are cut to the county. */
export function toSixDigitForm(code: string): string {
  return code.length >= 6 ? code.slice(0, 6) : code.padEnd(6, '0');
}

/**
 * How users write a region: provinces and cities in their six-digit GB/T 2260 form (44 →
 * 440000, 4401 → 440100), counties, townships and villages as they are. Responses name
 * regions so; comparisons use the canonical short code.
 */
export function displayRegionCode(code: string): string {
  return code.length < 6 ? code.padEnd(6, '0') : code;
}
