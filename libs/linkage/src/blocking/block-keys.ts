import { LinkageValues } from '../compare/values';

/**
 * Blocking keys: a record is compared only with persons sharing at least one key. Each
 * rule must survive the faults the others do not: a bad check character keeps the ID's
 * region, birth and sequence parts; a keyed digit spoils one of the three ID parts but
 * leaves the pair of the other two intact; a missing ID leaves the demographic keys.
 */
export type BlockKeyFunction = (v: LinkageValues) => string | undefined;

/**
 * A rule's key on each side. Usually one function; a rule may look up records only in
 * some cases (see 'namePinyin:nameOnly') while indexing every person.
 */
export interface BlockKeyRule {
  readonly person: BlockKeyFunction;
  readonly record: BlockKeyFunction;
}

const idPart = (v: LinkageValues, parts: readonly (readonly [number, number])[]): string | undefined =>
  v.citizenId === undefined ? undefined : parts.map(([from, to]) => v.citizenId?.slice(from, to)).join('');

const REGION: readonly [number, number] = [0, 6];
const BIRTH: readonly [number, number] = [6, 14];
const SEQUENCE: readonly [number, number] = [14, 17];

const namePinyin: BlockKeyFunction = (v) => v.namePinyin;

const KEY_FUNCTIONS: Readonly<Record<string, BlockKeyFunction>> = {
  'birthDate+gender': (v) => (v.birthDate && v.gender ? `${v.birthDate}${v.gender}` : undefined),
  'namePinyin+birthYear': (v) => (v.namePinyin && v.birthDate ? `${v.namePinyin}|${v.birthDate.slice(0, 4)}` : undefined),
  /** For records without a birth date (a blank column, an impossible date). */
  'namePinyin+county': (v) => (v.namePinyin && v.region && v.region.length >= 6 ? `${v.namePinyin}|${v.region.slice(0, 6)}` : undefined),
  /** Whole body: bad or missing check character. */
  'id:first17': (v) => idPart(v, [[0, 17]]),
  /** A slip in the sequence digits. */
  'id:region+birth': (v) => idPart(v, [REGION, BIRTH]),
  /** A slip in the region code. */
  'id:birth+sequence': (v) => idPart(v, [BIRTH, SEQUENCE]),
  /** A slip in, or an impossible, birth date. */
  'id:region+sequence': (v) => idPart(v, [REGION, SEQUENCE]),
};

/** Rules by configuration name. */
export const BLOCK_KEY_RULES: Readonly<Record<string, BlockKeyRule>> = {
  ...Object.fromEntries(Object.entries(KEY_FUNCTIONS).map(([name, fn]) => [name, { person: fn, record: fn }])),
  /**
   * Records that carry a name and nothing else to block on (an enrolment row without
   * an ID has no birth date or region column). Looked up only for those, because a
   * common name's block is large; such records can at best be proposed for review.
   */
  'namePinyin:nameOnly': {
    person: namePinyin,
    record: (v) => (v.citizenId === undefined && v.birthDate === undefined ? v.namePinyin : undefined),
  },
};

export const BLOCK_KEY_NAMES: readonly string[] = Object.keys(BLOCK_KEY_RULES);
