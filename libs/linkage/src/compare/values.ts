import { normaliseCitizenIdInput, normalisePersonName, personNamePinyinKey } from '@registry/domain';

/** What a caller hands the linker, for a registry person or a department record. */
export interface LinkageInput {
  /** As typed: may be invalid (bad check character, 17 digits, 15 digits, full-width …). */
  readonly citizenId?: string;
  readonly name?: string;
  /** `YYYY-MM-DD` (or `YYYYMMDD`). */
  readonly birthDate?: string;
  /** GB/T 2261.1; only '1' and '2' say anything, '0'/'9' count as missing. */
  readonly gender?: string;
  /** Canonical region code at any level (2/4/6/9/12 digits; padded 6-digit city/province codes accepted). */
  readonly region?: string;
}

/**
 * Inputs in the one shape every comparator and block key reads, computed once per
 * record (pinyin is the expensive part) rather than once per candidate pair.
 */
export interface LinkageValues {
  /**
   * Digits of the ID: the 17-digit body plus the check character when there was one
   * (so 17 or 18 characters); a 15-digit ID becomes its 17-digit body. Absent when the
   * input cannot be an ID body at all (wrong length, letters), since such text says
   * nothing reliable about any position.
   */
  readonly citizenId?: string;
  readonly name?: string;
  readonly namePinyin?: string;
  /** 8 digits, YYYYMMDD. */
  readonly birthDate?: string;
  readonly gender?: '1' | '2';
  readonly region?: string;
}

/** Normalised ID digits for linkage, or undefined when the text is no usable ID body. */
export function linkageCitizenId(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const id = normaliseCitizenIdInput(raw);
  if (/^\d{17}[\dX]?$/.test(id)) return id;
  if (/^\d{15}$/.test(id)) return `${id.slice(0, 6)}19${id.slice(6)}`;
  return undefined;
}

export function linkageBirthDate(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const digits = raw.trim().replace(/-/g, '');
  return /^\d{8}$/.test(digits) ? digits : undefined;
}

export function linkageGender(raw: string | undefined): '1' | '2' | undefined {
  const g = raw?.trim();
  return g === '1' || g === '2' ? g : undefined;
}

/** Canonical short code; GB/T 2260 pads city and province codes to 6 digits with zeros. */
export function linkageRegion(raw: string | undefined): string | undefined {
  const r = raw?.trim();
  if (!r || !/^\d+$/.test(r)) return undefined;
  if (r.length === 6 && r.endsWith('0000')) return r.slice(0, 2);
  if (r.length === 6 && r.endsWith('00')) return r.slice(0, 4);
  return [2, 4, 6, 9, 12].includes(r.length) ? r : undefined;
}

/**
 * `normalisePersonName`, plus what the cleaner also does: a space between two Han
 * characters is a typing habit (张 伟), not part of the name.
 */
export function linkageName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = normalisePersonName(raw).replace(/(\p{Script=Han}) (?=\p{Script=Han})/gu, '$1');
  return name === '' ? undefined : name;
}

export type PinyinOf = (normalisedName: string) => string;

export const defaultPinyinOf: PinyinOf = (name) => personNamePinyinKey(name);

export function prepareValues(input: LinkageInput, pinyinOf: PinyinOf = defaultPinyinOf): LinkageValues {
  const usableName = linkageName(input.name);
  return {
    citizenId: linkageCitizenId(input.citizenId),
    name: usableName,
    namePinyin: usableName === undefined ? undefined : pinyinOf(usableName) || undefined,
    birthDate: linkageBirthDate(input.birthDate),
    gender: linkageGender(input.gender),
    region: linkageRegion(input.region),
  };
}
