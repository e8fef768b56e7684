import { citizenIdCheckCharacter } from '@registry/domain';
import { Rng } from './prng';

/**
 * Default noise rates, per generated row (or per person where it says so). Chosen so
 * a 2 000-person province shows every kind a few times while most rows stay clean.
 */
export const DEFAULT_NOISE_RATES = {
  /** Non-household sources: a given-name character typed as a homophone (undetectable by cleaning). */
  nameHomophone: 0.03,
  /** Non-household sources: a given-name character replaced by another (undetectable). */
  nameTypo: 0.005,
  /** Space or U+3000 inside a name → NAME_NORMALISED. */
  nameSpacing: 0.01,
  /** Non-household sources: share of minority names typed with a look-alike dot → NAME_NORMALISED. */
  dotVariant: 0.7,
  /** Per person: minority name with a middle dot. */
  minorityName: 0.01,
  /** Per person: a rare character outside the BMP in the given name. */
  rareCharacter: 0.01,
  /** 15-digit ID (only for persons born 1900–1999) → ID_UPGRADED_FROM_15. */
  fifteenDigitId: 0.01,
  badCheckCharacter: 0.005,
  missingCheckCharacter: 0.002,
  /** Birth date inside the ID made impossible, check character recomputed → ID_BAD_BIRTH_DATE. */
  badIdBirthDate: 0.002,
  missingId: 0.003,
  /** A required column other than the ID left empty → REQUIRED_FIELD_MISSING. */
  missingField: 0.005,
  fullWidthDigits: 0.005,
  /** Share of IDs ending in X written with x. */
  lowerCaseX: 0.3,
  leadingApostrophe: 0.01,
  idSpaces: 0.003,
  /** A date written in another department format than the file's usual one (no issue). */
  dateFormat: 0.05,
  duplicateRow: 0.005,
  birthDateMismatch: 0.003,
  /**
   * Enrolment rows: the birth date column with day and month swapped (seen in real enrolment
   * files): an impossible date (DATE_INVALID, a warning beside a valid ID) when the day is
   * above 12, otherwise a real but different one (BIRTH_DATE_MISMATCH).
   */
  birthDateSwap: 0.006,
  genderMismatch: 0.003,
  /** Household rows: an abolished county code of the province → REGION_HISTORICAL. */
  historicalRegion: 0.003,
  /** Household rows: a township code that does not exist (under the person's real county) → REGION_HELD_AT_PARENT. */
  unknownRegion: 0.002,
  /** Per person: a card and an enrolment row for someone who is not in the province (truePersonId null). */
  orphanRow: 0.002,
};
export type NoiseRates = typeof DEFAULT_NOISE_RATES;

export type DateStyle = 'iso' | 'slash' | 'compact' | 'chinese' | 'dot' | 'serial';
const TEXT_STYLES: readonly DateStyle[] = ['iso', 'slash', 'compact', 'chinese', 'dot'];

const DAY_MS = 86_400_000;
export const isoToDay = (iso: string): number =>
  Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / DAY_MS;
export const dayToIso = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** Excel 1900-system serial of a day (valid from 1900-03-01). */
const EXCEL_EPOCH_DAY = Date.UTC(1899, 11, 30) / DAY_MS;

export function renderDate(iso: string, style: DateStyle): string | number {
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  switch (style) {
    case 'iso':
      return iso;
    case 'slash':
      return `${y}/${Number(m)}/${Number(d)}`;
    case 'compact':
      return `${y}${m}${d}`;
    case 'chinese':
      return `${y}年${Number(m)}月${Number(d)}日`;
    case 'dot':
      return `${y}.${m}.${d}`;
    case 'serial':
      return isoToDay(iso) - EXCEL_EPOCH_DAY;
  }
}

/** The file's usual style, or with probability `rate` another text style (noted as noise). */
export function dateIn(rng: Rng, iso: string, usual: DateStyle, rate: number, noise: string[]): string | number {
  if (!rng.chance(rate)) return renderDate(iso, usual);
  const other = rng.pick(TEXT_STYLES.filter((s) => s !== usual));
  noise.push('date-format');
  return renderDate(iso, other);
}

/**
 * The ID as a department would have typed it. At most one structural fault (it decides
 * the cleaning outcome), then independent cosmetic ones the cleaner must undo.
 */
export function renderCitizenId(rng: Rng, id: string, rates: NoiseRates, noise: string[], allowMissing = true): string {
  let text = id;
  const r = rng.next();
  let acc = 0;
  const hit = (p: number): boolean => {
    acc += p;
    return r < acc;
  };
  const year = Number(id.slice(6, 10));
  if (allowMissing && hit(rates.missingId)) {
    noise.push('missing-id');
    return '';
  } else if (hit(rates.badCheckCharacter)) {
    const wrong = '10X98765432'.split('').filter((c) => c !== id[17]);
    text = id.slice(0, 17) + rng.pick(wrong);
    noise.push('bad-check-character');
  } else if (hit(rates.missingCheckCharacter)) {
    text = id.slice(0, 17);
    noise.push('missing-check-character');
  } else if (hit(rates.badIdBirthDate)) {
    const first17 = id.slice(0, 10) + rng.pick(['0230', '1301', '0431', '0000']) + id.slice(14, 17);
    text = first17 + citizenIdCheckCharacter(first17);
    noise.push('bad-id-birth-date');
  } else if (year >= 1900 && year <= 1999 && hit(rates.fifteenDigitId)) {
    text = id.slice(0, 6) + id.slice(8, 17);
    noise.push('fifteen-digit-id');
  }
  if (text.endsWith('X') && rng.chance(rates.lowerCaseX)) {
    text = text.slice(0, -1) + 'x';
    noise.push('lower-case-x');
  }
  if (rng.chance(rates.fullWidthDigits)) {
    text = text.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    noise.push('full-width-digits');
  }
  if (rng.chance(rates.idSpaces)) {
    text = `${text.slice(0, 6)} ${text.slice(6, 14)} ${text.slice(14)}`;
    noise.push('id-spaces');
  }
  if (rng.chance(rates.leadingApostrophe)) {
    text = `'${text}`;
    noise.push('leading-apostrophe');
  }
  return text;
}
