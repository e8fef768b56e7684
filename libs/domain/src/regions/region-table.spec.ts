import { loadRegionTable } from './division-tables';

describe('RegionTable.children', () => {
  const table = loadRegionTable();

  it('lists the regions one level below, in code order, from the real division tables', () => {
    const cities = table.children('44');
    expect(cities.length).toBe(21);
    expect(cities[0]).toEqual({ code: '4401', name: '广州市', level: 'city' });
    expect(cities.every((c) => c.level === 'city' && c.code.startsWith('44'))).toBe(true);
    expect(table.children('4403').map((c) => c.name)).toContain('南山区');
    expect(table.children('440305').find((t) => t.code === '440305001')?.name).toBe('南头街道');
  });

  it('keeps a city without districts three levels deep, as the tables write it (东莞市 4419 → 441900 → towns)', () => {
    expect(table.children('4419')).toEqual([{ code: '441900', name: '东莞市', level: 'county' }]);
    const towns = table.children('441900');
    expect(towns.length).toBeGreaterThan(20);
    expect(towns.every((t) => t.level === 'township')).toBe(true);
  });

  it('answers nothing below a township (villages are not loaded) or for an unknown code', () => {
    expect(table.children('440305001')).toEqual([]);
    expect(table.children('99')).toEqual([]);
  });
});
