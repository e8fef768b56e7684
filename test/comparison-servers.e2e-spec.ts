/**
 * The comparison in the production shape (events in PostgreSQL, read models on a MongoDB wire
 * server) records what it records on the embedded default: the same province imported into
 * both, with the same keys (so the same person ids), then a full run in each. Every person's
 * verdict, every link decision and the run's counts must be equal. The comparison reads the
 * persons read model in whole-collection scans and writes through the one command path; this
 * is where a store difference in either (order, paging, a refused document) would show.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { generateProvince } from '@registry/ingest';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { createMinistrySim, MinistrySim } from '../apps/ministry-sim/src/ministry-sim';
import { Principal } from '../apps/registry/src/auth/principal';
import { ComparisonRun, LINK_DECISIONS, LinkDecisionDoc } from '../apps/registry/src/comparison/comparison-run';
import { ComparisonService } from '../apps/registry/src/comparison/comparison.service';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { PersonDocument } from '../apps/registry/src/persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../apps/registry/src/persons/projections/persons.projection';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { startApp, TestApp } from './support/app';
import { describeWithServer } from './support/server-suite';

jest.setTimeout(600_000);

const HOW_TO = 'Start the test servers with `eval "$(scripts/test-servers.sh start)"`.';
/** Small: the wire server writes a few hundred documents a second (bench/RESULTS.md). */
const PERSONS = 1000;
const caller = new Principal('servers-admin', ['province-admin'], '44');

interface Outcome {
  run: Pick<ComparisonRun, 'state' | 'counts'>;
  verdicts: Record<string, unknown>;
  links: Record<string, unknown>;
}

/** Imports the province's files, runs a full comparison and reads back what it recorded. */
async function importAndCompare(t: TestApp, province: string): Promise<Outcome> {
  const projections = t.app.get(ProjectionsService);
  const caughtUp = () => projections.waitUntilCaughtUp(undefined, 300_000);
  const imports = t.app.get(ImportService);
  for (const [source, file] of [
    ['household-registration', 'household-registration.csv'],
    ['insurance-enrollment', 'insurance-enrollment.csv'],
    ['card-library', 'card-library.xlsx'],
  ] as const) {
    const job = await imports.submit({ source, filePath: join(province, file), fileName: file, caller, channel: 'cli' });
    expect((await imports.waitFor(job._id)).state).toBe('completed');
  }
  await caughtUp();
  const comparison = t.app.get(ComparisonService);
  const started = await comparison.start(caller, 'cli', { scope: 'full' });
  const done = await comparison.waitFor(started._id);
  await caughtUp();
  const persons = await projections.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
  const verdicts: Record<string, unknown> = {};
  for await (const doc of persons.scan()) {
    const d = doc.lastDetermination;
    verdicts[doc._id] = d && { status: d.status, exemptionReason: d.exemptionReason, evidence: d.evidence, flags: d.flags };
  }
  const links: Record<string, unknown> = {};
  for await (const d of t.app.get<ReadStore>(READ_STORE).collection<LinkDecisionDoc>(LINK_DECISIONS).scan()) {
    // Import ids differ between the two registries; a row is its file's source and row number.
    links[`${d.source}:${d.rowNumber}`] = { outcome: d.outcome, personId: d.personId };
  }
  return { run: { state: done.state, counts: done.counts }, verdicts, links };
}

describeWithServer(
  { title: 'comparison in the production shape', variable: 'POSTGRES_URL', howTo: HOW_TO, requiredInCi: true },
  (postgresUrl) => {
    describeWithServer({ title: 'on a MongoDB wire server', variable: 'MONGODB_URI', howTo: HOW_TO, requiredInCi: true }, (mongoUri) => {
      const tag = `cmp_${process.pid}_${randomBytes(3).toString('hex')}`;
      let dir: string;
      let sim: MinistrySim;
      let embedded: TestApp | undefined;
      let production: TestApp | undefined;
      let productionDir: string;

      beforeAll(async () => {
        dir = mkdtempSync(join(tmpdir(), 'registry-comparison-servers-'));
        await generateProvince({ persons: PERSONS, seed: 'comparison-servers', outDir: join(dir, 'province') });
        sim = await createMinistrySim({ token: 'servers-sim-token', truthDir: join(dir, 'province') });
        productionDir = mkdtempSync(join(tmpdir(), 'registry-comparison-prod-'));
      });

      afterAll(async () => {
        await embedded?.close();
        await production?.close();
        await sim?.close();
        rmSync(dir, { recursive: true, force: true });
        rmSync(productionDir, { recursive: true, force: true });
        const pg = new Client({ connectionString: postgresUrl });
        await pg.connect();
        try {
          await pg.query(`DROP SCHEMA IF EXISTS "${tag}" CASCADE`);
        } finally {
          await pg.end();
        }
        const mongo = new MongoClient(mongoUri);
        try {
          await mongo.db(tag).dropDatabase();
        } finally {
          await mongo.close();
        }
      });

      it('records the verdicts, links and counts it records on the embedded default', async () => {
        const ministry = {
          MINISTRY_URL: await sim.listen(0),
          MINISTRY_TOKEN: 'servers-sim-token',
          MINISTRY_UPLOAD_INTERVAL_MS: '0',
          MINISTRY_DOWNLOAD_INTERVAL_MS: '0',
        };
        embedded = await startApp(ministry);
        const onEmbedded = await importAndCompare(embedded, join(dir, 'province'));
        // The same keys: person ids are keyed digests of the citizen ID.
        copyFileSync(join(embedded.dataDir, 'keys.json'), join(productionDir, 'keys.json'));
        await embedded.close();
        embedded = undefined;

        production = await startApp(
          { ...ministry, POSTGRES_URL: postgresUrl, POSTGRES_SCHEMA: tag, MONGODB_URI: mongoUri, MONGODB_DATABASE: tag },
          { dataDir: productionDir },
        );
        const onServers = await importAndCompare(production, join(dir, 'province'));

        expect(onEmbedded.run.state).toBe('completed');
        expect(onEmbedded.run.counts.persons).toBeGreaterThan(PERSONS * 0.9);
        expect(onEmbedded.run.counts.linked).toBeGreaterThan(0);
        expect(onEmbedded.run.counts.repaired).toBeGreaterThan(0);
        expect(Object.keys(onEmbedded.links).length).toBeGreaterThan(0);
        expect(Object.values(onEmbedded.verdicts).filter(Boolean).length).toBeGreaterThanOrEqual(onEmbedded.run.counts.persons);
        process.stdout.write(`comparison on both shapes: ${JSON.stringify(onEmbedded.run.counts)}\n`);
        expect(onServers.run).toEqual(onEmbedded.run);
        expect(Object.keys(onServers.verdicts)).toHaveLength(Object.keys(onEmbedded.verdicts).length);
        expect(onServers.verdicts).toEqual(onEmbedded.verdicts);
        expect(onServers.links).toEqual(onEmbedded.links);
      });
    });
  },
);
