import { CoverageStatuses, ExemptionReasons, InsuranceTypes } from '@registry/domain';
import { CountTable, suppress } from './suppression';

/** The counts of one region as a report row needs them. */
export interface RegionCounts {
  total: number;
  coverage: Record<string, number>;
  exempt: Record<string, number>;
  /** Persons insured here, by local insurance type code. */
  localTypes: Record<string, number>;
}

export const EMPTY_COUNTS: RegionCounts = { total: 0, coverage: {}, exempt: {}, localTypes: {} };

export interface CoverageColumn {
  key: string;
  /** Header in Chinese, as exports and charts show it. */
  zh: string;
}

/**
 * The report's columns. Each row: household population = the five statuses; exempt = its
 * reasons (and `other` for an exemption without one); insured here by type (a person insured
 * by two types counts in both, each at most `insured-local`).
 */
export const COLUMNS: readonly CoverageColumn[] = [
  { key: 'householdPopulation', zh: '户籍人口' },
  ...CoverageStatuses.codes.map((c) => ({ key: c, zh: CoverageStatuses.nameZh(c) })),
  ...ExemptionReasons.codes.map((r) => ({ key: `exempt:${r}`, zh: `免于参保-${ExemptionReasons.nameZh(r)}` })),
  { key: 'exempt:other', zh: '免于参保-其他' },
  ...InsuranceTypes.codes.map((t) => ({ key: `local:${t}`, zh: `本省参保-${InsuranceTypes.nameZh(t)}` })),
];

const COL = new Map(COLUMNS.map((c, i) => [c.key, i]));
const STATUS_COLS = CoverageStatuses.codes.map((c) => COL.get(c)!);
const REASON_COLS = [...ExemptionReasons.codes.map((r) => COL.get(`exempt:${r}`)!), COL.get('exempt:other')!];
const TYPE_COLS = InsuranceTypes.codes.map((t) => COL.get(`local:${t}`)!);
const TOTAL = COL.get('householdPopulation')!;
const EXEMPT = COL.get('exempt')!;
const LOCAL = COL.get('insured-local')!;
const ELSEWHERE = COL.get('insured-elsewhere')!;

/** One row's cells in COLUMNS order. */
export function cellsOf(c: RegionCounts): number[] {
  const reasons = ExemptionReasons.codes.map((r) => c.exempt[r] ?? 0);
  const exempt = c.coverage.exempt ?? 0;
  return [
    c.total,
    ...CoverageStatuses.codes.map((s) => c.coverage[s] ?? 0),
    ...reasons,
    Math.max(0, exempt - reasons.reduce((a, b) => a + b, 0)),
    ...InsuranceTypes.codes.map((t) => c.localTypes[t] ?? 0),
  ];
}

/**
 * 参保率, the coverage rate: persons insured (here or in another province) divided by the
 * household population less the exempt. Null without anyone to cover.
 */
export function coverageRateOf(cells: readonly number[]): number | null {
  const expected = cells[TOTAL] - cells[EXEMPT];
  return expected > 0 ? Math.round(((cells[LOCAL] + cells[ELSEWHERE]) / expected) * 10000) / 10000 : null;
}

export const RATE_INPUTS = [TOTAL, EXEMPT, LOCAL, ELSEWHERE];

export interface TableRow {
  region: string | null;
  kind: 'region' | 'child' | 'remainder';
  cells: number[];
}

/**
 * A region's table: its own row, a row per region one level below, and the remainder (persons
 * whose household region is the region itself, not one below it), which anyone could compute
 * from the others and so is part of what suppression protects.
 */
export function tableRows(
  self: { region: string; counts: RegionCounts },
  children: Array<{ region: string; counts: RegionCounts }>,
): TableRow[] {
  const parent = cellsOf(self.counts);
  const rows: TableRow[] = [{ region: self.region, kind: 'region', cells: parent }];
  for (const c of children) rows.push({ region: c.region, kind: 'child', cells: cellsOf(c.counts) });
  if (children.length > 0) {
    const rest = parent.map((v, i) => Math.max(0, v - children.reduce((n, c) => n + cellsOf(c.counts)[i], 0)));
    rows.push({ region: null, kind: 'remainder', cells: rest });
  }
  return rows;
}

/** The table as relations over its cells, for suppression. Cell index = row · columns + column. */
export function countTable(rows: readonly TableRow[], parentHidden?: ReadonlySet<number>): CountTable {
  const width = COLUMNS.length;
  const values = rows.flatMap((r) => r.cells);
  const relations: Array<{ cells: number[]; coefs: number[] }> = [];
  const bounds: Array<{ small: number; large: number }> = [];
  rows.forEach((_r, i) => {
    const at = (col: number) => i * width + col;
    relations.push({ cells: [at(TOTAL), ...STATUS_COLS.map(at)], coefs: [1, ...STATUS_COLS.map(() => -1)] });
    relations.push({ cells: [at(EXEMPT), ...REASON_COLS.map(at)], coefs: [1, ...REASON_COLS.map(() => -1)] });
    for (const t of TYPE_COLS) bounds.push({ small: at(t), large: at(LOCAL) });
  });
  if (rows.length > 1) {
    for (let col = 0; col < width; col++) {
      relations.push({ cells: rows.map((_r, i) => i * width + col), coefs: rows.map((_r, i) => (i === 0 ? 1 : -1)) });
    }
  }
  // The parent's row was decided in the table one level up, where it is a child: kept as decided there.
  const fixed = new Map<number, boolean>();
  if (parentHidden) for (let col = 0; col < width; col++) fixed.set(col, parentHidden.has(col));
  return { values, relations, bounds, fixed };
}

/** Hidden cells of a table (indices as in countTable), for callers who see only protected aggregates. */
export function suppressTable(rows: readonly TableRow[], k: number, parentHidden?: ReadonlySet<number>): Set<number> {
  return suppress(countTable(rows, parentHidden), k).hidden;
}

/** The columns of one row (0-based) among a table's hidden cells. */
export function hiddenColumnsOfRow(hidden: ReadonlySet<number>, row: number): Set<number> {
  const out = new Set<number>();
  for (let col = 0; col < COLUMNS.length; col++) if (hidden.has(row * COLUMNS.length + col)) out.add(col);
  return out;
}
