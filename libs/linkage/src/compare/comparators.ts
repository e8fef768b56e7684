import { compareCitizenIds, personNamePinyinKey } from '@registry/domain';
import { jaroWinkler } from './jaro-winkler';
import { linkageBirthDate, linkageCitizenId, linkageGender, linkageName, linkageRegion, LinkageValues } from './values';

/** Any comparator answers 'missing' when either side lacks the field: weight 0, no evidence either way. */
export const MISSING = 'missing';
export type Missing = typeof MISSING;

export const CITIZEN_ID_LEVELS = [
  'equal',
  'same-first-17',
  'one-substitution',
  'adjacent-transposition',
  'same-region-year-sequence',
  'same-region-sequence',
  'different',
] as const;
export type CitizenIdLevel = (typeof CITIZEN_ID_LEVELS)[number];

/**
 * ID agreement for linkage, on `linkageCitizenId` digits. A record whose check failed
 * usually differs from the person's number in one keyed digit, in the check character
 * only, or (a date made impossible, usually month and day) in the birth part only; each
 * is its own level because each is far likelier for the same person than for two people.
 */
export function compareLinkageCitizenIds(a: string | undefined, b: string | undefined): CitizenIdLevel | Missing {
  if (a === undefined || b === undefined) return MISSING;
  if (a.length === 18 && a === b) return 'equal';
  const x = a.slice(0, 17);
  const y = b.slice(0, 17);
  if (x === y) return 'same-first-17';
  const similarity = compareCitizenIds(x, y);
  if (similarity === 'one-substitution' || similarity === 'adjacent-transposition') return similarity;
  if (x.slice(0, 6) === y.slice(0, 6) && x.slice(14, 17) === y.slice(14, 17)) {
    return x.slice(6, 10) === y.slice(6, 10) ? 'same-region-year-sequence' : 'same-region-sequence';
  }
  return 'different';
}

/**
 * Whether two IDs at `level` agree in the birth date (digits 7–14) and in the gender digit's
 * parity (digit 17): the fields the ID spells out. Then a record's agreeing birth date and
 * gender say nothing the ID has not said (the cleaner even takes them from the ID).
 */
export function idSpellsOutBirthAndGender(level: string, a: string | undefined, b: string | undefined): boolean {
  if (level === 'equal' || level === 'same-first-17') return true;
  if ((level !== 'one-substitution' && level !== 'adjacent-transposition') || a === undefined || b === undefined) return false;
  return a.slice(6, 14) === b.slice(6, 14) && Number(a[16]) % 2 === Number(b[16]) % 2;
}

export const CITIZEN_ID_GIVEN_BIRTH_LEVELS = [...CITIZEN_ID_LEVELS, 'same-region-sequence-birth-differs'] as const;
export type CitizenIdGivenBirthLevel = (typeof CITIZEN_ID_GIVEN_BIRTH_LEVELS)[number];

/**
 * The ID scored as dependent on the birth date: its digits 7–14 are the birth date. The levels
 * that say the ID agrees except in its birth part (`same-region-year-sequence`,
 * `same-region-sequence`) are strong evidence for a record whose ID had its birth part mangled
 * and whose own birth-date column still gives the person's date. When that column is there and
 * names another day (birth-date level `same-year` or `different`), the two agree only in county,
 * and sequence, which many people share: `same-region-sequence-birth-differs`, weak evidence.
 */
export function compareLinkageCitizenIdsGivenBirth(record: LinkageValues, person: LinkageValues): CitizenIdGivenBirthLevel | Missing {
  const level = compareLinkageCitizenIds(record.citizenId, person.citizenId);
  if (level !== 'same-region-year-sequence' && level !== 'same-region-sequence') return level;
  const birth = compareLinkageBirthDates(record.birthDate, person.birthDate);
  return birth === 'same-year' || birth === 'different' ? 'same-region-sequence-birth-differs' : level;
}

/** Raw-text convenience over `compareLinkageCitizenIds`. */
export function compareCitizenIdsForLinkage(a: string | undefined, b: string | undefined): CitizenIdLevel | Missing {
  return compareLinkageCitizenIds(linkageCitizenId(a), linkageCitizenId(b));
}

export const NAME_LEVELS = ['exact', 'pinyin', 'similar', 'different'] as const;
export type NameLevel = (typeof NAME_LEVELS)[number];

export interface NameComparisonOptions {
  /** Jaro–Winkler on characters at or above which unequal names count as `similar`. */
  readonly similarThreshold: number;
}
export const DEFAULT_NAME_OPTIONS: NameComparisonOptions = { similarThreshold: 0.8 };

/** Equal after `linkageName` (NFC, spacing, middle-dot look-alikes). */
export function namesExactlyEqual(a: string, b: string): boolean {
  const x = linkageName(a);
  return x !== undefined && x === linkageName(b);
}

/** Same toneless pinyin: 张明 and 张名 are one spoken name typed by two clerks. */
export function namesPinyinEqual(a: string, b: string): boolean {
  const x = personNamePinyinKey(a);
  return x !== '' && x === personNamePinyinKey(b);
}

/** Graded name agreement on prepared values (normalised name and its pinyin key). */
export function compareLinkageNames(
  a: { readonly name?: string; readonly namePinyin?: string },
  b: { readonly name?: string; readonly namePinyin?: string },
  options: NameComparisonOptions = DEFAULT_NAME_OPTIONS,
): NameLevel | Missing {
  if (a.name === undefined || b.name === undefined) return MISSING;
  if (a.name === b.name) return 'exact';
  if (a.namePinyin !== undefined && a.namePinyin === b.namePinyin) return 'pinyin';
  return jaroWinkler(a.name, b.name) >= options.similarThreshold ? 'similar' : 'different';
}

/** Raw-text convenience over `compareLinkageNames`. */
export function compareNames(
  a: string | undefined,
  b: string | undefined,
  options: NameComparisonOptions = DEFAULT_NAME_OPTIONS,
): NameLevel | Missing {
  const prep = (s: string | undefined): { name?: string; namePinyin?: string } => {
    const name = linkageName(s);
    return name === undefined ? {} : { name, namePinyin: personNamePinyinKey(name) || undefined };
  };
  return compareLinkageNames(prep(a), prep(b), options);
}

export const BIRTH_DATE_LEVELS = ['exact', 'one-digit', 'day-month-swapped', 'same-year', 'different'] as const;
export type BirthDateLevel = (typeof BIRTH_DATE_LEVELS)[number];

/**
 * On 8-digit YYYYMMDD. One keyed digit and a day/month swap (a clerk reading 03-04 as
 * 04-03) are typing slips; the same year alone is weak but not nothing.
 */
export function compareLinkageBirthDates(a: string | undefined, b: string | undefined): BirthDateLevel | Missing {
  if (a === undefined || b === undefined) return MISSING;
  if (a === b) return 'exact';
  let diffs = 0;
  for (let i = 0; i < 8; i++) if (a[i] !== b[i]) diffs++;
  if (diffs === 1) return 'one-digit';
  const sameYear = a.slice(0, 4) === b.slice(0, 4);
  if (sameYear && a.slice(4, 6) === b.slice(6, 8) && a.slice(6, 8) === b.slice(4, 6)) return 'day-month-swapped';
  return sameYear ? 'same-year' : 'different';
}

/** Raw-text convenience: `YYYY-MM-DD` or `YYYYMMDD`. */
export function compareBirthDates(a: string | undefined, b: string | undefined): BirthDateLevel | Missing {
  return compareLinkageBirthDates(linkageBirthDate(a), linkageBirthDate(b));
}

export const GENDER_LEVELS = ['equal', 'different'] as const;
export type GenderLevel = (typeof GENDER_LEVELS)[number];

export function compareGenders(a: string | undefined, b: string | undefined): GenderLevel | Missing {
  const x = linkageGender(a);
  const y = linkageGender(b);
  if (x === undefined || y === undefined) return MISSING;
  return x === y ? 'equal' : 'different';
}

export const REGION_LEVELS = ['same-township', 'same-county', 'same-city', 'different'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/**
 * At the finest level both codes have: a card issued by a county says nothing about the
 * township, so a county-level agreement is all it can show. A province-only code is no
 * evidence inside one province and counts as missing.
 */
export function compareLinkageRegions(a: string | undefined, b: string | undefined): RegionLevel | Missing {
  if (a === undefined || b === undefined) return MISSING;
  const depth = Math.min(a.length, b.length);
  if (depth < 4) return MISSING;
  if (depth >= 9 && a.slice(0, 9) === b.slice(0, 9)) return 'same-township';
  if (depth >= 6 && a.slice(0, 6) === b.slice(0, 6)) return 'same-county';
  if (a.slice(0, 4) === b.slice(0, 4)) return 'same-city';
  return 'different';
}

/** Raw-text convenience (accepts padded 6-digit city/province codes). */
export function compareRegions(a: string | undefined, b: string | undefined): RegionLevel | Missing {
  return compareLinkageRegions(linkageRegion(a), linkageRegion(b));
}

/** A named comparison a province can pick in configuration. */
export interface ComparatorDefinition {
  readonly name: string;
  readonly levels: readonly string[];
  /** Option keys with a validator returning an error text, or undefined when fine. */
  readonly options?: Readonly<Record<string, (v: unknown) => string | undefined>>;
  compare(record: LinkageValues, person: LinkageValues, options: Readonly<Record<string, unknown>>): string;
  /**
   * Comparators whose agreement this level already implies (a dependent comparison): a field
   * using one of them that agrees at its best level adds no weight beside this one.
   */
  implies?(level: string, record: LinkageValues, person: LinkageValues): readonly string[];
}

const threshold = (v: unknown): string | undefined => (typeof v === 'number' && v > 0 && v <= 1 ? undefined : 'must be a number in (0, 1]');
const nameOptions = (o: Readonly<Record<string, unknown>>): NameComparisonOptions => ({
  similarThreshold: typeof o.similarThreshold === 'number' ? o.similarThreshold : DEFAULT_NAME_OPTIONS.similarThreshold,
});

const BIRTH_AND_GENDER: readonly string[] = ['birth-date', 'gender'];
const NOTHING: readonly string[] = [];

/** Comparators by configuration name. */
export const COMPARATORS: Readonly<Record<string, ComparatorDefinition>> = {
  'citizen-id': { name: 'citizen-id', levels: CITIZEN_ID_LEVELS, compare: (r, p) => compareLinkageCitizenIds(r.citizenId, p.citizenId) },
  'citizen-id-given-birth': {
    name: 'citizen-id-given-birth',
    levels: CITIZEN_ID_GIVEN_BIRTH_LEVELS,
    compare: (r, p) => compareLinkageCitizenIdsGivenBirth(r, p),
    implies: (level, r, p) => (idSpellsOutBirthAndGender(level, r.citizenId, p.citizenId) ? BIRTH_AND_GENDER : NOTHING),
  },
  name: {
    name: 'name',
    levels: NAME_LEVELS,
    options: { similarThreshold: threshold },
    compare: (r, p, o) => compareLinkageNames(r, p, nameOptions(o)),
  },
  'name-exact': {
    name: 'name-exact',
    levels: ['exact', 'different'],
    compare: (r, p) => (r.name === undefined || p.name === undefined ? MISSING : r.name === p.name ? 'exact' : 'different'),
  },
  'name-pinyin': {
    name: 'name-pinyin',
    levels: ['equal', 'different'],
    compare: (r, p) =>
      r.namePinyin === undefined || p.namePinyin === undefined ? MISSING : r.namePinyin === p.namePinyin ? 'equal' : 'different',
  },
  'name-jaro-winkler': {
    name: 'name-jaro-winkler',
    levels: ['similar', 'different'],
    options: { similarThreshold: threshold },
    compare: (r, p, o) =>
      r.name === undefined || p.name === undefined
        ? MISSING
        : jaroWinkler(r.name, p.name) >= nameOptions(o).similarThreshold
          ? 'similar'
          : 'different',
  },
  'birth-date': { name: 'birth-date', levels: BIRTH_DATE_LEVELS, compare: (r, p) => compareLinkageBirthDates(r.birthDate, p.birthDate) },
  gender: {
    name: 'gender',
    levels: GENDER_LEVELS,
    compare: (r, p) => (r.gender === undefined || p.gender === undefined ? MISSING : r.gender === p.gender ? 'equal' : 'different'),
  },
  region: { name: 'region', levels: REGION_LEVELS, compare: (r, p) => compareLinkageRegions(r.region, p.region) },
};
