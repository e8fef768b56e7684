import { HttpStatus, Injectable } from '@nestjs/common';
import { REGION_LEVELS, RegionLevel, displayRegionCode, regionLevelOfCode } from '@registry/domain';
import { ReadModelNotReadyError, summaryAsOf } from '@registry/projections';
import type { Collection } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { PERSONS_PROJECTION, REGION_COUNTS_COLLECTION, REGION_COUNTS_DAILY_COLLECTION } from '../persons/projections/persons.projection';
import { RegionCountsDayDocument, RegionCountsDocument, localTypeCounts } from '../persons/projections/region-counts';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import {
  COLUMNS,
  EMPTY_COUNTS,
  RATE_INPUTS,
  RegionCounts,
  TableRow,
  coverageRateOf,
  hiddenColumnsOfRow,
  suppressTable,
  tableRows,
} from './coverage-table';

export interface CoverageRow {
  region: string | null;
  name: string;
  level: string | null;
  kind: TableRow['kind'];
  /** Counts by column key (COLUMNS); null where suppressed. */
  values: Record<string, number | null>;
  coverageRate: number | null;
  /** Column keys hidden in this row (small counts, and the cells that protect them); `coverageRate` is hidden with any of its inputs. */
  suppressed: string[];
  /** With `since`: the change of each count since that date (null where either end is hidden). */
  change?: Record<string, number | null>;
  coverageRateChange?: number | null;
}

export interface CoverageReport {
  region: string;
  name: string;
  level: string | null;
  /** The day the counts are as of (end of that day, UTC, by the registry's recording time); null = now. */
  asOf: string | null;
  since: string | null;
  /** The small-count threshold applied (null: the caller sees unsuppressed counts). */
  minCell: number | null;
  formula: string;
  columns: Array<{ key: string; zh: string }>;
  rows: CoverageRow[];
}

export const COVERAGE_FORMULA =
  '参保率 coverage rate = (insured-local + insured-elsewhere) / (household population − exempt); household population = insured-local + insured-elsewhere + uninsured + exempt + unresolved';

const REMAINDER_NAME = '本级未落到下级区划 (household region at this level only)';

/** The report's source of counts: the current region counts, or the copy of a past day. */
type Source = { kind: 'now' } | { kind: 'day'; day: string };

/**
 * Coverage per region from the region counts the persons projection keeps: now, or as of a
 * past day from the copies it keeps per region and day (what the registry had recorded by the
 * end of that day), and the change since an earlier day. For reporting consumers small counts
 * are suppressed top-down: a region's row is hidden or shown as its parent's table decided,
 * so every report that shows a cell shows it the same way.
 */
@Injectable()
export class CoverageService {
  private readonly cache = new Map<string, { at: number; hidden: Set<number> }>();

  constructor(
    private readonly projections: ProjectionsService,
    private readonly reference: ReferenceData,
    private readonly config: AppConfig,
  ) {}

  suppresses(caller: Principal): boolean {
    return caller.roles.length > 0 && caller.roles.every((r) => r === 'reporting-consumer');
  }

  async report(caller: Principal, region: string, asOf?: string, since?: string): Promise<CoverageReport> {
    if (!caller.covers(region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
    }
    if (asOf && since && since > asOf) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'SINCE_AFTER_AS_OF', 'since must be on or before asOf.');
    }
    const k = this.suppresses(caller) ? this.config.REPORT_MIN_CELL : null;
    const at: Source = asOf ? { kind: 'day', day: asOf } : { kind: 'now' };
    const rows = await this.rows(region, at);
    const hidden = k === null ? new Set<number>() : await this.hiddenCells(region, at, rows, k);
    const earlier = since ? await this.rows(region, { kind: 'day', day: since }) : null;
    const earlierHidden =
      since && k !== null ? await this.hiddenCells(region, { kind: 'day', day: since }, earlier!, k) : new Set<number>();
    const nameOf = (code: string | null) => (code === null ? REMAINDER_NAME : (this.reference.regions.get(code)?.name ?? code));
    const out: CoverageRow[] = rows.map((row, i) => {
      const cols = hiddenColumnsOfRow(hidden, i);
      const rateHidden = RATE_INPUTS.some((c) => cols.has(c));
      const values = Object.fromEntries(COLUMNS.map((c, j) => [c.key, cols.has(j) ? null : row.cells[j]]));
      const result: CoverageRow = {
        region: row.region && displayRegionCode(row.region),
        name: nameOf(row.region),
        level: row.region ? (regionLevelOfCode(row.region) ?? null) : null,
        kind: row.kind,
        values,
        coverageRate: rateHidden ? null : coverageRateOf(row.cells),
        suppressed: [...cols].map((j) => COLUMNS[j].key).concat(rateHidden ? ['coverageRate'] : []),
      };
      if (earlier) {
        // The same region's row then; a region new since has none (it counts from zero).
        const e = earlier.findIndex((r) => r.region === row.region && r.kind === row.kind);
        const before = e >= 0 ? earlier[e].cells : COLUMNS.map(() => 0);
        const beforeHidden = e >= 0 ? hiddenColumnsOfRow(earlierHidden, e) : new Set<number>();
        result.change = Object.fromEntries(
          COLUMNS.map((c, j) => [c.key, cols.has(j) || beforeHidden.has(j) ? null : row.cells[j] - before[j]]),
        );
        const then = coverageRateOf(before);
        const thenHidden = RATE_INPUTS.some((c) => beforeHidden.has(c));
        result.coverageRateChange =
          rateHidden || thenHidden || result.coverageRate === null || then === null
            ? null
            : Math.round((result.coverageRate - then) * 10000) / 10000;
      }
      return result;
    });
    return {
      region: displayRegionCode(region),
      name: nameOf(region),
      level: regionLevelOfCode(region) ?? null,
      asOf: asOf ?? null,
      since: since ?? null,
      minCell: k,
      formula: COVERAGE_FORMULA,
      columns: COLUMNS.map((c) => ({ key: c.key, zh: c.zh })),
      rows: out,
    };
  }

  /** The table of a region: its row, its children's rows (one level below), the remainder. */
  async rows(region: string, at: Source): Promise<TableRow[]> {
    const level = regionLevelOfCode(region);
    const childLevel: RegionLevel | undefined = level ? REGION_LEVELS[REGION_LEVELS.indexOf(level) + 1] : undefined;
    const current = await this.collection<RegionCountsDocument>(REGION_COUNTS_COLLECTION);
    const children: string[] = [];
    if (current && childLevel && childLevel !== 'village') {
      let cursor: string | undefined;
      do {
        const page = await current.find(
          { _id: { prefix: region }, level: childLevel },
          { sort: [['_id', 1]], limit: 1000, fields: ['_id'], cursor },
        );
        children.push(...page.items.map((d) => d._id));
        cursor = page.nextCursor;
      } while (cursor);
    }
    const counts = async (code: string): Promise<RegionCounts> => {
      const doc = at.kind === 'now' ? await current?.get(code) : await this.dayCopy(current, code, at.day);
      return doc ? toCounts(doc) : EMPTY_COUNTS;
    };
    const self = { region, counts: await counts(region) };
    const kids = [];
    for (const code of children) kids.push({ region: code, counts: await counts(code) });
    return tableRows(self, kids);
  }

  /**
   * The hidden cells of a region's table. Its own row is as the parent's table left it, so the
   * tables from the province down to this region's parent are worked out first (and cached
   * briefly: reports of one region and its neighbours share them).
   */
  private async hiddenCells(region: string, at: Source, rows: TableRow[], k: number): Promise<Set<number>> {
    const chain: string[] = [];
    for (let code = parentOf(region); code !== null && code.length >= this.reference.provinceCode.length; code = parentOf(code))
      chain.unshift(code);
    let parentRow: Set<number> | undefined;
    for (const ancestor of chain) {
      const ancestorRows = await this.rows(ancestor, at);
      const hidden = this.cached(ancestor, at, ancestorRows, k, parentRow);
      const index = ancestorRows.findIndex((r) => r.region === (chain[chain.indexOf(ancestor) + 1] ?? region));
      parentRow = index >= 0 ? hiddenColumnsOfRow(hidden, index) : new Set();
    }
    return this.cached(region, at, rows, k, parentRow);
  }

  private cached(region: string, at: Source, rows: TableRow[], k: number, parentRow?: Set<number>): Set<number> {
    const key = JSON.stringify([region, at.kind === 'day' ? at.day : 'now', k, [...(parentRow ?? [])], rows.map((r) => r.cells)]);
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < 60_000) return hit.hidden;
    const hidden = suppressTable(rows, k, parentRow);
    if (this.cache.size > 500) this.cache.clear();
    this.cache.set(key, { at: Date.now(), hidden });
    return hidden;
  }

  /**
   * A region's counts at the end of a day: the counts themselves when nothing moved them after
   * that day, otherwise their latest daily copy up to it (a copy is written when a later day
   * first moves them).
   */
  private async dayCopy(current: Collection<RegionCountsDocument> | null, code: string, day: string): Promise<RegionCountsDocument | null> {
    return summaryAsOf((await current?.get(code)) ?? null, day, async () => {
      const daily = await this.collection<RegionCountsDayDocument>(REGION_COUNTS_DAILY_COLLECTION);
      if (!daily) return null;
      const page = await daily.find({ summary: code, period: { lte: day } }, { sort: [['period', -1]], limit: 1 });
      return page.items[0] ?? null;
    });
  }

  private async collection<T extends RegionCountsDocument>(logical: string): Promise<Collection<T> | null> {
    try {
      return await this.projections.collection<T>(PERSONS_PROJECTION, logical);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return null;
      throw error;
    }
  }
}

function toCounts(doc: RegionCountsDocument): RegionCounts {
  return { total: doc.total, coverage: doc.coverage, exempt: doc.exempt, localTypes: localTypeCounts(doc) };
}

/** The region one level up (canonical codes: 2, 4, 6, 9 digits), or null above a province. */
function parentOf(code: string): string | null {
  if (code.length === 9) return code.slice(0, 6);
  if (code.length === 6) return code.slice(0, 4);
  if (code.length === 4) return code.slice(0, 2);
  return null;
}
