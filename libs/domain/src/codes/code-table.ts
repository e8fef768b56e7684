/**
 * A closed code list with Chinese (and English) names. Every table in this folder is
 * built with it so that guards, name lookups and the list of codes cannot drift apart.
 */
export interface CodeEntry {
  readonly nameZh: string;
  readonly nameEn: string;
}

export interface CodeTable<C extends string> {
  readonly codes: readonly C[];
  readonly entries: Readonly<Record<C, CodeEntry>>;
  is(value: unknown): value is C;
  nameZh(code: C): string;
  nameEn(code: C): string;
}

export function defineCodeTable<C extends string>(entries: Record<C, CodeEntry>): CodeTable<C> {
  const frozen = Object.freeze({ ...entries });
  const codes = Object.freeze(Object.keys(frozen) as C[]);
  const known = new Set<string>(codes);
  return Object.freeze({
    codes,
    entries: frozen,
    is: (value: unknown): value is C => typeof value === 'string' && known.has(value),
    nameZh: (code: C) => frozen[code].nameZh,
    nameEn: (code: C) => frozen[code].nameEn,
  });
}
