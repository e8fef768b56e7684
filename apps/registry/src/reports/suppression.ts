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

  // Hiding more cells only widens what the hidden ones could be: a cell found protected stays protected.
  const protectedCells = new Set<number>();
  for (let round = 0; round < n; round++) {
    const exposed = exposedCells(table, hidden, relationsOf, protectedCells);
    if (exposed.length === 0) break;
    let added = false;
    // A partner for each exposed cell at once (one whose relation got a new hidden cell this round may be safe already: checked next round).
    const touched = new Set<number>();
    for (const cell of exposed) {
      if (relationsOf[cell].some((r) => touched.has(r))) continue;
      const partner = complement(table, hidden, relationsOf, cell, fixed, hideable);
      const extra = partner === null ? fallback(table, hidden, relationsOf, cell, fixed, hideable) : [partner];
      for (const c of extra) {
        hidden.add(c);
        added = true;
        for (const r of relationsOf[c]) touched.add(r);
      }
    }
    if (!added) break;
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

/** The hidden cells that could be worked out from what is shown (those not proven safe before). */
function exposedCells(table: CountTable, hidden: ReadonlySet<number>, relationsOf: number[][], protectedCells: Set<number>): number[] {
  const cells = [...hidden].filter((c) => !protectedCells.has(c)).sort((a, b) => a - b);
  // A relation with one hidden cell gives it away at once; no program needed.
  const alone = cells.filter((c) => relationsOf[c].some((r) => table.relations[r].cells.filter((x) => hidden.has(x)).length === 1));
  if (alone.length > 0) return alone;
  // Bounds propagated through the relations pin some cells outright (a sound, cheap proof that they are exposed).
  const pinned = pinnedByIntervals(table, hidden).filter((c) => !protectedCells.has(c));
  if (pinned.length > 0) return pinned;
  // A few solutions of the whole system first: a cell that takes two values among them is protected, without a program of its own.
  sampleSolutions(table, hidden, cells, protectedCells);
  const exposed: number[] = [];
  for (const c of cells) {
    if (protectedCells.has(c)) continue;
    const [lo, hi] = feasibleRange(table, componentOf(table, hidden, relationsOf, c), c);
    if (hi - lo < 1 - 1e-6) exposed.push(c);
    else protectedCells.add(c);
  }
  return exposed;
}

/** When no single partner is left: every shown, hideable cell of the exposed cell's relations. */
function fallback(
  table: CountTable,
  hidden: ReadonlySet<number>,
  relationsOf: number[][],
  exposed: number,
  fixed: ReadonlyMap<number, boolean>,
  hideable: (cell: number) => boolean,
): number[] {
  const out = new Set<number>();
  for (const r of relationsOf[exposed])
    for (const c of table.relations[r].cells) if (!hidden.has(c) && !fixed.has(c) && hideable(c)) out.add(c);
  return [...out];
}

/**
 * Solves for a few objectives and marks the cells whose value differed between solutions:
 * the sum and its opposite, pseudo-random weights, then the sum of the cells not yet marked
 * (up and down) while that still marks some.
 */
function sampleSolutions(table: CountTable, hidden: ReadonlySet<number>, cells: readonly number[], protectedCells: Set<number>): void {
  if (cells.length === 0) return;
  const base = lpModel(table, hidden);
  const lows = new Map<number, number>();
  const highs = new Map<number, number>();
  let seed = 12345;
  const open = () => cells.filter((c) => (highs.get(c) ?? 0) - (lows.get(c) ?? 0) < 1 - 1e-6);
  let before = Infinity;
  for (let round = 0; round < 200; round++) {
    // Six broad samples, then the cells still unmarked pushed up (and every fourth round down) while that marks more.
    const remaining = round >= 6 ? open() : null;
    if (remaining && (remaining.length === 0 || (round % 2 === 0 && remaining.length >= before))) break;
    if (remaining && round % 2 === 0) before = remaining.length;
    const targets = remaining ? new Set(remaining.map(varName)) : null;
    const down = round >= 6 && round % 4 === 3;
    const variables: Record<string, Record<string, number>> = {};
    for (const [name, coefs] of Object.entries(base.variables as Record<string, Record<string, number>>)) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      let weight: number;
      if (targets) weight = targets.has(name) ? (down ? -1 : 1) + (seed % 3) / 10 : 0;
      else weight = round === 0 ? 1 : round === 1 ? -1 : (seed % 7) - 3;
      variables[name] = { ...coefs, objective: weight };
    }
    const solution = solve({ ...base, variables, direction: 'maximize', objective: 'objective' });
    if (solution.status !== 'optimal') continue;
    const values = new Map(solution.variables);
    for (const c of cells) {
      const v = values.get(varName(c)) ?? 0;
      lows.set(c, Math.min(lows.get(c) ?? Infinity, v));
      highs.set(c, Math.max(highs.get(c) ?? -Infinity, v));
    }
  }
  for (const c of cells) if ((highs.get(c) ?? 0) - (lows.get(c) ?? 0) >= 1 - 1e-6) protectedCells.add(c);
}

/**
 * The hidden cells linked to `cell` through relations and bounds that hold hidden cells: the
 * only ones its range depends on. The program then solves over those alone.
 */
function componentOf(table: CountTable, hidden: ReadonlySet<number>, relationsOf: number[][], cell: number): Set<number> {
  const boundsOf = new Map<number, number[]>();
  for (const b of table.bounds ?? []) {
    if (hidden.has(b.small) && hidden.has(b.large)) {
      boundsOf.set(b.small, [...(boundsOf.get(b.small) ?? []), b.large]);
      boundsOf.set(b.large, [...(boundsOf.get(b.large) ?? []), b.small]);
    }
  }
  const seen = new Set<number>([cell]);
  const queue = [cell];
  while (queue.length > 0) {
    const c = queue.pop()!;
    const next = [...relationsOf[c].flatMap((r) => table.relations[r].cells), ...(boundsOf.get(c) ?? [])];
    for (const d of next) {
      if (hidden.has(d) && !seen.has(d)) {
        seen.add(d);
        queue.push(d);
      }
    }
  }
  return seen;
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

/** Interval reasoning over relations and bounds to a fixpoint: the hidden cells it pins to one value. */
function pinnedByIntervals(table: CountTable, hidden: ReadonlySet<number>): number[] {
  const lo = new Map<number, number>();
  const hi = new Map<number, number>();
  for (const c of hidden) {
    lo.set(c, 0);
    hi.set(c, Infinity);
  }
  const range = (c: number): [number, number] => (hidden.has(c) ? [lo.get(c)!, hi.get(c)!] : [table.values[c], table.values[c]]);
  for (let round = 0; round < 50; round++) {
    let changed = false;
    for (const r of table.relations) {
      r.cells.forEach((c, i) => {
        if (!hidden.has(c)) return;
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
      if (hidden.has(b.small) && range(b.large)[1] < hi.get(b.small)! - 1e-9) {
        hi.set(b.small, range(b.large)[1]);
        changed = true;
      }
      if (hidden.has(b.large) && range(b.small)[0] > lo.get(b.large)! + 1e-9) {
        lo.set(b.large, range(b.small)[0]);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return [...hidden].filter((c) => hi.get(c)! - lo.get(c)! < 1 - 1e-6);
}

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
