import { COLUMNS, RegionCounts, countTable, suppressTable, tableRows } from './coverage-table';
import { CountTable, suppress } from './suppression';
import { intervalAttack, linearAttack } from '../../../../test/support/suppression-attacks';

/** A small deterministic generator, so a failing table can be reproduced. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

/** A 3×3 table with row, column and grand totals (cells 0..15, row-major, totals last in each row and the last row). */
function marginTable(inner: number[]): CountTable {
  const v = (r: number, c: number) => inner[r * 3 + c];
  const values: number[] = [];
  for (let r = 0; r < 3; r++) values.push(v(r, 0), v(r, 1), v(r, 2), v(r, 0) + v(r, 1) + v(r, 2));
  for (let c = 0; c < 3; c++) values.push(v(0, c) + v(1, c) + v(2, c));
  values.push(inner.reduce((a, b) => a + b, 0));
  const at = (r: number, c: number) => r * 4 + c;
  const relations = [];
  for (let r = 0; r < 4; r++) relations.push({ cells: [at(r, 0), at(r, 1), at(r, 2), at(r, 3)], coefs: [1, 1, 1, -1] });
  for (let c = 0; c < 4; c++) relations.push({ cells: [at(0, c), at(1, c), at(2, c), at(3, c)], coefs: [1, 1, 1, -1] });
  return { values, relations };
}

/**
 * The intruder, by brute force: every assignment of non-negative integers to the hidden cells
 * that agrees with the shown cells and the relations. Returns, per hidden cell, the values seen.
 */
function recoverByEnumeration(table: CountTable, hidden: Set<number>, cap: number): Map<number, Set<number>> {
  const cells = [...hidden].sort((a, b) => a - b);
  const seen = new Map(cells.map((c) => [c, new Set<number>()]));
  const value = new Map<number, number>();
  const consistent = (): boolean => {
    for (const r of table.relations) {
      let sum = 0;
      let open = false;
      r.cells.forEach((c, i) => {
        const x = hidden.has(c) ? value.get(c) : table.values[c];
        if (x === undefined) open = true;
        else sum += r.coefs[i] * x;
      });
      if (!open && sum !== 0) return false;
    }
    return true;
  };
  const walk = (i: number) => {
    if (!consistent()) return;
    if (i === cells.length) {
      for (const c of cells) seen.get(c)!.add(value.get(c)!);
      return;
    }
    for (let x = 0; x <= cap; x++) {
      value.set(cells[i], x);
      walk(i + 1);
    }
    value.delete(cells[i]);
  };
  walk(0);
  return seen;
}

describe('small-count suppression', () => {
  it('hides every cell below k and enough others that no hidden cell can be worked out (brute force over 3×3 tables with totals)', () => {
    const next = rng(7);
    for (let trial = 0; trial < 25; trial++) {
      const inner = Array.from({ length: 9 }, () => next(8));
      const table = marginTable(inner);
      const { hidden, primary } = suppress(table, 3);
      for (let c = 0; c < table.values.length; c++) if (table.values[c] < 3) expect(primary.has(c) && hidden.has(c)).toBe(true);
      const cap = table.values[table.values.length - 1];
      const found = recoverByEnumeration(table, hidden, cap);
      for (const [cell, values] of found) {
        expect({ trial, cell, candidates: values.size > 1 }).toEqual({ trial, cell, candidates: true });
        expect(values.has(table.values[cell])).toBe(true);
      }
    }
  });

  it('would have been recovered without complementary cells: one hidden cell in a row gives itself away', () => {
    const table = marginTable([9, 9, 1, 9, 9, 9, 9, 9, 9]);
    const onlyPrimary = new Set([2]);
    expect([...recoverByEnumeration(table, onlyPrimary, 100).get(2)!]).toEqual([1]);
    const { hidden } = suppress(table, 5);
    expect(hidden.size).toBeGreaterThanOrEqual(4);
    for (const values of recoverByEnumeration(table, hidden, 100).values()) expect(values.size).toBeGreaterThan(1);
  });

  it('protects a coverage table of a county: each hidden cell keeps a range of values by interval reasoning and by linear algebra', () => {
    const next = rng(11);
    const counts = (scale: number): RegionCounts => {
      const local = next(scale);
      const elsewhere = next(4);
      const uninsured = next(scale);
      const deceased = next(3);
      const underAge = next(3);
      const exempt = deceased + underAge;
      const unresolved = next(2);
      return {
        total: local + elsewhere + uninsured + exempt + unresolved,
        coverage: { 'insured-local': local, 'insured-elsewhere': elsewhere, uninsured, exempt, unresolved },
        exempt: { deceased, 'under-age': underAge },
        localTypes: { '390': Math.min(local, next(scale)), '170': Math.min(local, next(scale)) },
      };
    };
    const children = Array.from({ length: 6 }, (_v, i) => ({ region: `44030500${i + 1}`, counts: counts(40) }));
    const sum = (f: (c: RegionCounts) => Record<string, number>) =>
      children.reduce<Record<string, number>>((acc, c) => {
        for (const [k, v] of Object.entries(f(c.counts))) acc[k] = (acc[k] ?? 0) + v;
        return acc;
      }, {});
    const self: RegionCounts = {
      total: children.reduce((n, c) => n + c.counts.total, 0) + 3,
      coverage: { ...sum((c) => c.coverage), uninsured: (sum((c) => c.coverage).uninsured ?? 0) + 3 },
      exempt: sum((c) => c.exempt),
      localTypes: sum((c) => c.localTypes),
    };
    const rows = tableRows({ region: '440305', counts: self }, children);
    const started = Date.now();
    const hidden = suppressTable(rows, 5);
    const elapsed = Date.now() - started;
    const table = countTable(rows);
    expect(table.values.filter((v, c) => v < 5 && !hidden.has(c))).toEqual([]);
    expect(intervalAttack(table, hidden)).toEqual([]);
    expect(linearAttack(table, hidden)).toEqual([]);
    expect(elapsed).toBeLessThan(20_000);
    expect(rows[0].cells).toHaveLength(COLUMNS.length);
  });
});
