/**
 * An intruder's ways of working out hidden cells of a published table, independent of the
 * suppression code (which uses linear programming): interval reasoning to a fixpoint, and
 * exact linear algebra over the relations.
 */
import type { CountTable } from '../../apps/registry/src/reports/suppression';

/** Interval propagation to a fixpoint over relations and bounds: the hidden cells it pins to one value. */
export function intervalAttack(table: CountTable, hidden: Set<number>): number[] {
  const lo = new Map<number, number>();
  const hi = new Map<number, number>();
  for (const c of hidden) {
    lo.set(c, 0);
    hi.set(c, Infinity);
  }
  const range = (c: number): [number, number] => (hidden.has(c) ? [lo.get(c)!, hi.get(c)!] : [table.values[c], table.values[c]]);
  for (let round = 0; round < 200; round++) {
    let changed = false;
    for (const r of table.relations) {
      r.cells.forEach((c, i) => {
        if (!hidden.has(c)) return;
        // coef_i · x_c = −Σ_{j≠i} coef_j · x_j
        let min = 0;
        let max = 0;
        r.cells.forEach((d, j) => {
          if (j === i) return;
          const [a, b] = range(d);
          const k = -r.coefs[j] / r.coefs[i];
          min += k > 0 ? k * a : k * b;
          max += k > 0 ? k * b : k * a;
        });
        if (min > lo.get(c)! + 1e-9) {
          lo.set(c, min);
          changed = true;
        }
        if (max < hi.get(c)! - 1e-9) {
          hi.set(c, max);
          changed = true;
        }
      });
    }
    for (const b of table.bounds ?? []) {
      if (hidden.has(b.small) && range(b.large)[1] < hi.get(b.small)!) {
        hi.set(b.small, range(b.large)[1]);
        changed = true;
      }
      if (hidden.has(b.large) && range(b.small)[0] > lo.get(b.large)!) {
        lo.set(b.large, range(b.small)[0]);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return [...hidden].filter((c) => hi.get(c)! - lo.get(c)! < 1);
}

/** Exact linear algebra over the rationals (fractions of bigints): the hidden cells the relations alone determine. */
export function linearAttack(table: CountTable, hidden: Set<number>): number[] {
  const cells = [...hidden];
  const index = new Map(cells.map((c, i) => [c, i]));
  const rows: bigint[][] = table.relations
    .map((r) => {
      const row = cells.map(() => 0n);
      r.cells.forEach((c, i) => {
        if (hidden.has(c)) row[index.get(c)!] += BigInt(r.coefs[i]);
      });
      return row;
    })
    .filter((row) => row.some((x) => x !== 0n));
  // Row-reduce (fraction-free); a hidden cell is determined when a reduced row has it as its only non-zero entry.
  const m = rows.map((r) => [...r]);
  let rank = 0;
  for (let col = 0; col < cells.length && rank < m.length; col++) {
    const pivot = m.findIndex((r, i) => i >= rank && r[col] !== 0n);
    if (pivot < 0) continue;
    [m[rank], m[pivot]] = [m[pivot], m[rank]];
    for (let i = 0; i < m.length; i++) {
      if (i === rank || m[i][col] === 0n) continue;
      const a = m[rank][col];
      const b = m[i][col];
      m[i] = m[i].map((x, j) => x * a - m[rank][j] * b);
    }
    rank++;
  }
  const determined = new Set<number>();
  for (const r of m) {
    const nz = r.map((x, i) => (x !== 0n ? i : -1)).filter((i) => i >= 0);
    if (nz.length === 1) determined.add(cells[nz[0]]);
  }
  return [...determined];
}
