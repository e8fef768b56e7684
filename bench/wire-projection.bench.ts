/**
 * `npm run bench:wire-projection [-- --persons N] [--runs R]` (default 200,000 persons, 1 run):
 * how fast the read models catch up in the production shape, apart from the import. Generates
 * a province, imports its household and enrolment files into the PostgreSQL event store with
 * the projections off, then starts the service's projections against an empty database on the
 * MongoDB wire server and times them from start until every read model has caught up, R times
 * (a fresh database each time, the same events), printing person documents per second and
 * events per second. This is the rate issue 21's target names (5,000 documents/s at 200,000
 * persons on FerretDB/PostgreSQL); `bench:production` times the same work end to end.
 *
 * Uses POSTGRES_URL and MONGODB_URI (eval "$(scripts/test-servers.sh start)"); works in a
 * schema and databases of its own and drops them afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { generateProvince } from '@registry/ingest';
import { READ_STORE, type ReadStore } from '@registry/read-store';
import { personsWanted } from './bench-args';
import { Principal } from '../apps/registry/src/auth/principal';
import { withAppContext } from '../apps/registry/src/cli/app-context';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';

const FILES = [
  ['household-registration', 'household-registration.csv'],
  ['insurance-enrollment', 'insurance-enrollment.csv'],
] as const;

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function runsWanted(): number {
  const i = process.argv.indexOf('--runs');
  const n = i >= 0 ? Number(process.argv[i + 1]) : 1;
  if (!Number.isInteger(n) || n < 1) throw new Error('--runs must be a positive whole number');
  return n;
}

async function main(): Promise<void> {
  const postgresUrl = process.env.POSTGRES_URL;
  const mongoUri = process.env.MONGODB_URI;
  if (!postgresUrl || !mongoUri) throw new Error('set POSTGRES_URL and MONGODB_URI: eval "$(scripts/test-servers.sh start)"');
  const persons = personsWanted(200_000);
  const runs = runsWanted();
  const dir = mkdtempSync(join(tmpdir(), 'registry-wire-projection-bench-'));
  const tag = `bench_${process.pid}_${randomBytes(2).toString('hex')}`;
  const databases: string[] = [];
  process.stdout.write(`wire-projection bench — ${int(persons)} persons, ${cpus().length} cores, node ${process.version}\n`);
  Object.assign(process.env, { LOG_LEVEL: 'warn', DATA_DIR: join(dir, 'data'), POSTGRES_SCHEMA: tag });
  try {
    let t = performance.now();
    await generateProvince({ persons, seed: 'bench', outDir: join(dir, 'province') });
    process.stdout.write(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

    // The import keeps its jobs in the read store: a database of their own, so each run
    // below starts from an empty one.
    process.env.MONGODB_DATABASE = `${tag}_load`;
    databases.push(process.env.MONGODB_DATABASE);
    let events = 0;
    await withAppContext(async (app) => {
      const imports = app.get(ImportService);
      const caller = new Principal('bench', ['province-admin'], '44');
      for (const [source, file] of FILES) {
        t = performance.now();
        const job = await imports.submit({ source, filePath: join(dir, 'province', file), fileName: file, caller, channel: 'cli' });
        const done = await imports.waitFor(job._id);
        if (done.state !== 'completed') throw new Error(`import of ${file} ended ${done.state}: ${done.error?.code}`);
        events += done.counts.events;
        process.stdout.write(
          `${file}: ${int(done.counts.read)} rows, ${int(done.counts.events)} events appended in ${((performance.now() - t) / 1000).toFixed(1)} s (projections off)\n`,
        );
      }
    });

    delete process.env.PROJECTIONS_ENABLED; // withAppContext turned them off for the load
    for (let run = 1; run <= runs; run++) {
      process.env.MONGODB_DATABASE = `${tag}_p${run}`;
      databases.push(process.env.MONGODB_DATABASE);
      // From before the service starts: its projection workers begin while it starts.
      t = performance.now();
      await withAppContext(
        async (app) => {
          await app.get(ProjectionsService).waitUntilCaughtUp(undefined, 6 * 3_600_000);
          const seconds = (performance.now() - t) / 1000;
          const docs = await countPersons(app.get<ReadStore>(READ_STORE));
          process.stdout.write(
            `run ${run}: caught up in ${seconds.toFixed(1)} s: ${int(docs)} person documents, ` +
              `${int(docs / seconds)} person documents/s, ${int(events / seconds)} events/s\n`,
          );
        },
        { projections: true },
      );
    }
  } finally {
    await dropData(postgresUrl, mongoUri, tag, databases).catch((error: unknown) =>
      process.stderr.write(`cleanup failed: ${String(error)}\n`),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Documents of the persons read model (its serving collection), whatever generation serves. */
async function countPersons(store: ReadStore): Promise<number> {
  const names = (await store.listCollections()).filter((name) => /^persons_v\d+_g\d+_persons$/.test(name));
  let total = 0;
  for (const name of names) total = Math.max(total, await store.collection(name).count());
  return total;
}

async function dropData(postgresUrl: string, mongoUri: string, tag: string, databases: string[]): Promise<void> {
  const pg = new Client({ connectionString: postgresUrl });
  await pg.connect();
  try {
    await pg.query(`DROP SCHEMA IF EXISTS "${tag}" CASCADE`);
  } finally {
    await pg.end();
  }
  const mongo = await MongoClient.connect(mongoUri);
  try {
    for (const name of databases) await mongo.db(name).dropDatabase();
  } finally {
    await mongo.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
