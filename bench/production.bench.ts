/**
 * `npm run bench:production [-- --persons N]` (default 200,000): the production shape beside
 * the embedded default on the same files. Generates a province, then for each shape imports
 * its household, enrolment and civil-affairs (deaths) files the way `cli import` does and runs
 * a comparison (ministry simulator included), timing each step until the read models have
 * caught up, and prints both shapes' times side by side with their ratio.
 *
 * The production shape uses POSTGRES_URL and MONGODB_URI when both are set; otherwise it
 * starts the test servers (scripts/test-servers.sh: PostgreSQL, FerretDB on PostgreSQL). It
 * works in a schema and a database of its own and drops them afterwards.
 */
import { execFileSync } from 'node:child_process';
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
import { createMinistrySim } from '../apps/ministry-sim/src/ministry-sim';
import { Principal } from '../apps/registry/src/auth/principal';
import { withAppContext } from '../apps/registry/src/cli/app-context';
import { ComparisonService } from '../apps/registry/src/comparison/comparison.service';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';

const FILES = [
  ['household-registration', 'household-registration.csv'],
  ['insurance-enrollment', 'insurance-enrollment.csv'],
  ['civil-affairs', 'civil-affairs.csv'],
] as const;

interface Step {
  name: string;
  rows: number;
  events: number;
  importSeconds: number;
  seconds: number;
}

interface ShapeResult {
  steps: Step[];
  personDocuments: number;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const SETTINGS = ['DATA_DIR', 'POSTGRES_URL', 'POSTGRES_SCHEMA', 'MONGODB_URI', 'MONGODB_DATABASE', 'EVENTSTORE_CONNECTION_STRING'];

async function runShape(
  label: string,
  env: Record<string, string | undefined>,
  provinceDir: string,
  ministryUrl: string,
): Promise<ShapeResult> {
  for (const key of SETTINGS) delete process.env[key];
  Object.assign(process.env, {
    LOG_LEVEL: 'warn',
    MINISTRY_URL: ministryUrl,
    MINISTRY_TOKEN: 'bench-token',
    MINISTRY_UPLOAD_INTERVAL_MS: '0',
    MINISTRY_DOWNLOAD_INTERVAL_MS: '0',
  });
  for (const [key, value] of Object.entries(env)) if (value !== undefined) process.env[key] = value;
  process.stdout.write(`\n== ${label}\n`);
  return withAppContext(
    async (app) => {
      const imports = app.get(ImportService);
      const projections = app.get(ProjectionsService);
      const caller = new Principal('bench', ['province-admin'], '44');
      const steps: Step[] = [];
      for (const [source, file] of FILES) {
        const started = performance.now();
        const job = await imports.submit({ source, filePath: join(provinceDir, file), fileName: file, caller, channel: 'cli' });
        const done = await imports.waitFor(job._id);
        if (done.state !== 'completed') throw new Error(`import of ${file} ended ${done.state}: ${done.error?.code}`);
        const importSeconds = (performance.now() - started) / 1000;
        await projections.waitUntilCaughtUp(undefined, 6 * 3_600_000);
        const seconds = (performance.now() - started) / 1000;
        steps.push({ name: file, rows: done.counts.read, events: done.counts.events, importSeconds, seconds });
        process.stdout.write(
          `${file}: ${int(done.counts.read)} rows, ${int(done.counts.events)} events; imported in ${importSeconds.toFixed(1)} s, read models caught up at ${seconds.toFixed(1)} s\n`,
        );
      }
      const personDocuments = await countPersons(app.get<ReadStore>(READ_STORE));
      const started = performance.now();
      const comparison = app.get(ComparisonService);
      const run = await comparison.start(caller, 'cli');
      const done = await comparison.waitFor(run._id);
      await projections.waitUntilCaughtUp(undefined, 6 * 3_600_000);
      const seconds = (performance.now() - started) / 1000;
      steps.push({ name: 'comparison run', rows: done.counts.persons, events: 0, importSeconds: seconds, seconds });
      process.stdout.write(
        `comparison ${done.state}: ${int(done.counts.persons)} persons in ${seconds.toFixed(1)} s; steps (ms): ${JSON.stringify(done.timings ?? {})}\n`,
      );
      return { steps, personDocuments };
    },
    { projections: true },
  );
}

/** Documents of the persons read model (its serving collection), whatever generation serves. */
async function countPersons(store: ReadStore): Promise<number> {
  const names = (await store.listCollections()).filter((name) => /^persons_v\d+_g\d+_persons$/.test(name));
  let total = 0;
  for (const name of names) total = Math.max(total, await store.collection(name).count());
  return total;
}

/** POSTGRES_URL and MONGODB_URI from the environment, or from the test servers started here. */
function productionServers(): { postgresUrl: string; mongoUri: string } {
  if (process.env.POSTGRES_URL && process.env.MONGODB_URI)
    return { postgresUrl: process.env.POSTGRES_URL, mongoUri: process.env.MONGODB_URI };
  const script = join(__dirname, '..', '..', 'scripts', 'test-servers.sh');
  const exports = execFileSync(script, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const value = (name: string) => new RegExp(`^export ${name}=(.+)$`, 'm').exec(exports)?.[1];
  const postgresUrl = value('POSTGRES_URL');
  const mongoUri = value('MONGODB_URI');
  if (!postgresUrl || !mongoUri) throw new Error('scripts/test-servers.sh start printed no POSTGRES_URL or MONGODB_URI');
  return { postgresUrl, mongoUri };
}

async function main(): Promise<void> {
  const persons = personsWanted(200_000);
  const servers = productionServers();
  const dir = mkdtempSync(join(tmpdir(), 'registry-production-bench-'));
  const tag = `bench_${process.pid}_${randomBytes(2).toString('hex')}`;
  process.stdout.write(
    `production-shape bench — ${int(persons)} persons, ${cpus().length} cores, node ${process.version}, files in ${dir}\n`,
  );
  const provinceDir = join(dir, 'province');
  let sim: Awaited<ReturnType<typeof createMinistrySim>> | undefined;
  try {
    let t = performance.now();
    await generateProvince({ persons, seed: 'bench', outDir: provinceDir });
    process.stdout.write(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    sim = await createMinistrySim({ token: 'bench-token', truthDir: provinceDir });
    const ministryUrl = await sim.listen(0);

    t = performance.now();
    const embedded = await runShape('embedded default (SQLite files)', { DATA_DIR: join(dir, 'embedded') }, provinceDir, ministryUrl);
    const embeddedSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const production = await runShape(
      `production shape (PostgreSQL events, MongoDB wire read models at ${servers.mongoUri})`,
      {
        DATA_DIR: join(dir, 'production'),
        POSTGRES_URL: servers.postgresUrl,
        POSTGRES_SCHEMA: tag,
        MONGODB_URI: servers.mongoUri,
        MONGODB_DATABASE: tag,
      },
      provinceDir,
      ministryUrl,
    );
    const productionSeconds = (performance.now() - t) / 1000;

    const width = Math.max(...embedded.steps.map((s) => s.name.length), 'whole run'.length);
    process.stdout.write(
      `\n${'step'.padEnd(width)}  ${'rows'.padStart(9)}  ${'embedded s'.padStart(10)}  ${'production s'.padStart(12)}  ${'ratio'.padStart(6)}\n`,
    );
    embedded.steps.forEach((e, i) => {
      const p = production.steps[i];
      process.stdout.write(
        `${e.name.padEnd(width)}  ${int(e.rows).padStart(9)}  ${e.seconds.toFixed(1).padStart(10)}  ${p.seconds.toFixed(1).padStart(12)}  ${(p.seconds / e.seconds).toFixed(2).padStart(6)}\n`,
      );
    });
    process.stdout.write(
      `${'whole run'.padEnd(width)}  ${''.padStart(9)}  ${embeddedSeconds.toFixed(1).padStart(10)}  ${productionSeconds.toFixed(1).padStart(12)}  ${(productionSeconds / embeddedSeconds).toFixed(2).padStart(6)}\n`,
    );
    const household = production.steps[0];
    process.stdout.write(
      `\nproduction shape, household file: ${int(production.personDocuments)} person documents in the MongoDB read store; ` +
        `${int(household.events / household.seconds)} events/s projected end to end (${int(production.personDocuments / household.seconds)} person documents/s)\n`,
    );
    process.stdout.write(`times are from submitting a file (or starting the run) until every read model has caught up\n`);
  } finally {
    await sim?.close();
    await dropProductionData(servers, tag).catch((error: unknown) => process.stderr.write(`cleanup failed: ${String(error)}\n`));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function dropProductionData(servers: { postgresUrl: string; mongoUri: string }, tag: string): Promise<void> {
  const pg = new Client({ connectionString: servers.postgresUrl });
  await pg.connect();
  try {
    await pg.query(`DROP SCHEMA IF EXISTS "${tag}" CASCADE`);
  } finally {
    await pg.end();
  }
  const mongo = await MongoClient.connect(servers.mongoUri);
  try {
    await mongo.db(tag).dropDatabase();
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
