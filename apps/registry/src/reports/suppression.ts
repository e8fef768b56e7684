import { Constraint, Model, solve } from 'yalps';

/**
 * A table of counts as an intruder sees it: cells, the linear relations between them that
 * anyone knows (a row's statuses add up to its total, children and the remainder add up to
 * their parent), and bounds (persons insured by one type are at most those insured here).
 */
export interface CountTable {
  values: readonly number[];
  /** Each relation: Σ coefs[i] · cell[cells[i]] = 0. */
  relations: ReadonlyArray<{ cells: readonly number[]; coefs: readonly number[] }>;
  /** cell[small] ≤ cell[large]. */
  bounds?: ReadonlyArray<{ small: number; large: number }>;
  /** Cells whose fate another table decided (the parent's row, suppressed or shown there): kept as they are. */
  fixed?: ReadonlyMap<number, boolean>;
  /** Cells that may be hidden to protect others; default every cell not fixed. */
  hideable?: (cell: number) => boolean;
}

export interface Suppression {
  /** Hidden cells: below k (primary) or hidden so that those cannot be worked out (complementary). */
  hidden: Set<number>;
  primary: Set<number>;
}

/**
 * Small-count suppression with complementary suppression. Every cell below `k` is hidden;
 * then, as long as some hidden cell could be worked out from what is shown (its smallest and
 * largest value consistent with the shown cells, the relations, the bounds and non-negative
 * counts are the same: found by linear programming, yalps), another cell of one of its
 * relations is hidden too: the smallest shown one that is not zero, so as little as possible
 * is lost. Ends when no hidden cell can be pinned to one value.
 */
export function suppress(table: CountTable, k: number): Suppression {
  const n = table.values.length;
  const fixed = table.fixed ?? new Map<number, boolean>();
  const hideable = table.hideable ?? (() => true);
  const hidden = new Set<number>();
  const primary = new Set<number>();
  for (let c = 0; c < n; c++) {
    const decided = fixed.get(c);
    if (decided === true || (decided === undefined && table.values[c] < k)) {
      hidden.add(c);
      if (decided === undefined) primary.add(c);
    }
  }
  const relationsOf: number[][] = Array.from({ length: n }, () => []);
  table.relations.forEach((r, i) => r.cells.forEach((c) => relationsOf[c].push(i)));

  for (let guard = 0; guard < n; guard++) {
    const exposed = firstExposed(table, hidden, relationsOf);
    if (exposed === null) break;
    const partner = complement(table, hidden, relationsOf, exposed, fixed, hideable);
    if (partner === null) {
      // Nothing left to hide beside it within this table: hide every shown, hideable cell of its relations.
      let added = false;
      for (const r of relationsOf[exposed]) {
        for (const c of table.relations[r].cells) {
          if (!hidden.has(c) && !fixed.has(c) && hideable(c)) {
            hidden.add(c);
            added = true;
          }
        }
      }
      if (!added) break;
    } else hidden.add(partner);
  }
  return { hidden, primary };
}

/** The range of values a hidden cell can take, given everything shown: [min, max] (max may be Infinity). */
export function feasibleRange(table: CountTable, hidden: ReadonlySet<number>, cell: number): [number, number] {
  const model = lpModel(table, hidden);
  const lo = solve({ ...model, direction: 'minimize', objective: varName(cell) });
  const hi = solve({ ...model, direction: 'maximize', objective: varName(cell) });
  const low = lo.status === 'optimal' ? lo.result : 0;
  const high = hi.status === 'unbounded' ? Infinity : hi.status === 'optimal' ? hi.result : low;
  return [low, high];
}

function firstExposed(table: CountTable, hidden: ReadonlySet<number>, relationsOf: number[][]): number | null {
  const cells = [...hidden].sort((a, b) => a - b);
  // A relation with one hidden cell gives it away at once; no program needed.
  for (const c of cells) {
    for (const r of relationsOf[c]) {
      if (table.relations[r].cells.filter((x) => hidden.has(x)).length === 1) return c;
    }
  }
  for (const c of cells) {
    const [lo, hi] = feasibleRange(table, hidden, c);
    if (hi - lo < 1 - 1e-6) return c;
  }
  return null;
}

function complement(
  table: CountTable,
  hidden: ReadonlySet<number>,
  relationsOf: number[][],
  exposed: number,
  fixed: ReadonlyMap<number, boolean>,
  hideable: (cell: number) => boolean,
): number | null {
  let best: number | null = null;
  const better = (c: number) => {
    if (best === null) return true;
    const v = table.values[c];
    const b = table.values[best];
    // A zero cannot move down: it lends a hidden neighbour no room. Otherwise the smallest.
    if ((v === 0) !== (b === 0)) return b === 0;
    return v < b || (v === b && c < best);
  };
  for (const r of relationsOf[exposed]) {
    for (const c of table.relations[r].cells) {
      if (hidden.has(c) || fixed.has(c) || !hideable(c)) continue;
      if (better(c)) best = c;
    }
  }
  return best;
}

const varName = (cell: number) => `x${cell}`;

function lpModel(table: CountTable, hidden: ReadonlySet<number>): Omit<Model, 'direction' | 'objective'> {
  const constraints: Record<string, Constraint> = {};
  const variables: Record<string, Record<string, number>> = {};
  for (const c of hidden) variables[varName(c)] = { [varName(c)]: 1 };
  table.relations.forEach((r, i) => {
    let shown = 0;
    let any = false;
    r.cells.forEach((c, j) => {
      if (hidden.has(c)) {
        variables[varName(c)][`r${i}`] = (variables[varName(c)][`r${i}`] ?? 0) + r.coefs[j];
        any = true;
      } else shown += r.coefs[j] * table.values[c];
    });
    if (any) constraints[`r${i}`] = { equal: -shown };
  });
  (table.bounds ?? []).forEach((b, i) => {
    const hs = hidden.has(b.small);
    const hl = hidden.has(b.large);
    if (!hs && !hl) return;
    if (hs) variables[varName(b.small)][`b${i}`] = 1;
    if (hl) variables[varName(b.large)][`b${i}`] = -1;
    constraints[`b${i}`] = { max: (hl ? 0 : table.values[b.large]) - (hs ? 0 : table.values[b.small]) };
  });
  return { constraints, variables };
}
