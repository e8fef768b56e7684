/**
 * `npm run bench:list-query -- --reuse DIR` (DIR kept by `npm run bench:load -- --keep`): the
 * persons list's page query on that loaded read store, in this thread, as the service runs it
 * (the persons projection's indexes ensured first, the list's order): per filter, the
 * median, min and max of 12 runs, the second page, and SQLite's plan (EXPLAIN QUERY PLAN).
 * Filters are picked from the store: the county × coverage status pairs with the most, a
 * middling and the fewest persons, a city, a county alone, a status alone.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteReadStore, type Filter } from '@registry/read-store';
import type { PersonDocument, PersonDocumentCodec } from '../apps/registry/src/persons/projections/person-document';
import { PERSONS_COLLECTION, personsProjection } from '../apps/registry/src/persons/projections/persons.projection';
import { LIST_ORDER } from '../apps/registry/src/persons/persons.service';

const RUNS = 12;

async function main(): Promise<void> {
  const i = process.argv.indexOf('--reuse');
  const file = i < 0 ? '' : join(process.argv[i + 1] ?? '', 'data', 'read.sqlite');
  if (!existsSync(file)) throw new Error('--reuse takes a directory that `npm run bench:load -- --keep` kept');
  const store = new SqliteReadStore(file);
  const db = (store as unknown as { db: import('better-sqlite3').Database }).db;
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'c_persons_v%_persons' ORDER BY name DESC`)
    .pluck()
    .all() as string[];
  if (tables.length === 0) throw new Error('no persons collection in that read store');
  const collection = tables[0].slice(2);
  const spec = personsProjection({} as PersonDocumentCodec, '44').collections.find((c) => c.name === PERSONS_COLLECTION);
  let started = performance.now();
  await store.collection(collection).ensureIndexes(spec?.indexes ?? []);
  const persons = store.collection<PersonDocument>(collection);
  process.stdout.write(
    `persons list query on ${file} (${collection}), indexes ensured in ${(performance.now() - started).toFixed(0)} ms, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}\n`,
  );
  const pairs = db
    .prepare(
      `SELECT substr("k:householdRegion", 1, 6) AS county, "k:coverageStatus" AS status, count(*) AS n FROM "${tables[0]}" ` +
        `WHERE "k:householdRegion" IS NOT NULL GROUP BY 1, 2 ORDER BY n DESC`,
    )
    .all() as Array<{ county: string; status: string; n: number }>;
  const picked = [pairs[0], pairs[Math.floor(pairs.length / 2)], pairs[pairs.length - 1]];
  const cases: Array<[string, Filter]> = [
    ...picked.map((p): [string, Filter] => [
      `county ${p.county} + ${p.status} (${p.n})`,
      { householdRegion: { prefix: p.county }, coverageStatus: p.status },
    ]),
    [
      `city ${pairs[0].county.slice(0, 4)} + ${pairs[0].status}`,
      { householdRegion: { prefix: pairs[0].county.slice(0, 4) }, coverageStatus: pairs[0].status },
    ],
    [`county ${pairs[0].county} alone`, { householdRegion: { prefix: pairs[0].county } }],
    ['uninsured alone', { coverageStatus: 'uninsured' }],
  ];
  // The page query's SQL and parameters, as the store prepares them, for its plan.
  let last: { sql: string; params: unknown[] } | undefined;
  const prepare = store.prepare.bind(store);
  store.prepare = (sql: string) => {
    const statement = prepare(sql);
    if (!sql.startsWith('SELECT doc FROM')) return statement;
    return Object.assign(Object.create(statement) as typeof statement, {
      all: (...params: unknown[]) => {
        last = { sql, params };
        return statement.all(...params);
      },
    });
  };
  for (const [label, filter] of cases) {
    const times: number[] = [];
    let page = await persons.find(filter, { sort: LIST_ORDER, limit: 50 });
    for (let run = 0; run < RUNS; run++) {
      started = performance.now();
      page = await persons.find(filter, { sort: LIST_ORDER, limit: 50 });
      times.push(performance.now() - started);
    }
    const query = last!;
    const plan = (prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as Array<{ detail: string }>).map((r) => r.detail);
    started = performance.now();
    if (page.nextCursor) await persons.find(filter, { sort: LIST_ORDER, limit: 50, cursor: page.nextCursor });
    const second = performance.now() - started;
    times.sort((a, b) => a - b);
    process.stdout.write(
      `${label}: median ${times[RUNS / 2].toFixed(2)} ms (${times[0].toFixed(2)}–${times[RUNS - 1].toFixed(2)}), ` +
        `page 2 ${page.nextCursor ? `${second.toFixed(2)} ms` : '—'}, ${page.items.length} items\n    plan: ${plan.join(' | ')}\n`,
    );
  }
  await store.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
