/**
 * `npm run bench:audit [-- --persons N]` (default 100,000): the audit capability on a
 * generated province imported as the CLI does (household file on one day, enrolment file on
 * the next, the event store's clock set to those days), then:
 * - audit projection catch-up: the chain, segments and quality counters rebuilt alone from
 *   the whole log into a fresh read store (events/s; target 50,000);
 * - verify: the log walked against the recorded chain (events/s; target 200,000), as the CLI
 *   runs it (slices in threads) and in one thread, and its two stages alone (reading the log's
 *   canonical rows, hashing them);
 * - coverage report of the province now and as of the first day, for staff and for a
 *   reporting consumer (small counts suppressed), in ms (target: within 10 s at 1,000,000
 *   persons).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Test } from '@nestjs/testing';
import { EVENT_STORE, SqliteEventStore } from '@registry/event-store';
import { generateProvince } from '@registry/ingest';
import { ProjectionRunner } from '@registry/projections';
import { SqliteReadStore } from '@registry/read-store';
import { personsWanted } from './bench-args';
import { describeMachineReference, machineReference } from './machine-reference';
import { AppModule } from '../apps/registry/src/app.module';
import { AUDIT_BLOCKS, AUDIT_PROJECTION, auditProjection } from '../apps/registry/src/audit/audit.projection';
import { ChainBlockDocument } from '../apps/registry/src/audit/chain/chain-block';
import { blocksInOrder } from '../apps/registry/src/audit/chain/recorded-chain';
import { GENESIS_LINK, LinkHasher } from '../apps/registry/src/audit/chain/event-bytes';
import { VerifyResult, verifyChain } from '../apps/registry/src/audit/chain/verify-chain';
import { verifyInParallel } from '../apps/registry/src/audit/chain/verify-parallel';
import { Principal } from '../apps/registry/src/auth/principal';
import { AppConfig } from '../apps/registry/src/config/app-config';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { deprioritiseImportThread } from '../apps/registry/src/imports/import-priority';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { CoverageService } from '../apps/registry/src/reports/coverage.service';

const int = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const persons = personsWanted(100_000);
  const dir = mkdtempSync(join(tmpdir(), 'registry-audit-bench-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  Object.assign(process.env, { DATA_DIR: dataDir, LOG_FILE: join(dir, 'service.log'), LOG_LEVEL: 'warn', REGISTRY_CLI: '1' });
  process.stdout.write(
    `registry audit bench — ${int(persons)} persons, ${cpus().length} cores, node ${process.version}, files in ${dir}\n\n`,
  );
  const reference = await machineReference();
  try {
    const manifest = await generateProvince({ persons, seed: 'bench', outDir: join(dir, 'province') });
    let now = new Date('2024-03-01T08:00:00.000Z');
    const module = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(EVENT_STORE)
      .useFactory({ factory: () => new SqliteEventStore(join(dataDir, 'events.sqlite'), { synchronous: 'FULL', now: () => now }) })
      .compile();
    const app = module.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    let head = 0;
    try {
      const imports = app.get(ImportService);
      const projections = app.get(ProjectionsService);
      deprioritiseImportThread(app.get(AppConfig).CLI_IMPORT_NICE);
      const caller = new Principal('bench', ['province-admin'], '44');
      for (const [source, day] of [
        ['household-registration', '2024-03-01T08:00:00.000Z'],
        ['insurance-enrollment', '2024-03-02T08:00:00.000Z'],
      ] as const) {
        now = new Date(day);
        const entry = manifest.files.find((f) => f.kind === source)!;
        const started = performance.now();
        const job = await imports.waitFor(
          (await imports.submit({ source, filePath: join(dir, 'province', entry.file), fileName: entry.file, caller, channel: 'cli' }))._id,
        );
        await projections.waitUntilCaughtUp(undefined, 6 * 3_600_000);
        process.stdout.write(
          `${source}: ${int(job.counts.read)} rows, read models caught up in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
        );
      }
      const coverage = app.get(CoverageService);
      const staff = new Principal('bench', ['province-admin'], '44');
      const consumer = new Principal('bench', ['reporting-consumer'], '44');
      process.stdout.write('\ncoverage report of the province (a row per city):\n');
      for (const [who, principal] of [
        ['staff', staff],
        ['reporting consumer (k = 5)', consumer],
      ] as const) {
        for (const asOf of [undefined, '2024-03-01']) {
          const started = performance.now();
          const report = await coverage.report(principal, '44', asOf);
          const ms = performance.now() - started;
          const hidden = report.rows.reduce((n, r) => n + r.suppressed.length, 0);
          process.stdout.write(
            `  ${who.padEnd(27)} ${(asOf ? `as of ${asOf}` : 'now').padEnd(17)} ${ms.toFixed(0).padStart(7)} ms  (${report.rows.length} rows, ${hidden} cells hidden, population ${int(report.rows[0].values.householdPopulation ?? 0)})\n`,
          );
        }
      }
      head = await app.get<SqliteEventStore>(EVENT_STORE).headPosition();
    } finally {
      await app.close();
    }

    // Catch-up alone: the audit projection from the first event into a fresh read store.
    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'), { cacheSizeMiB: 16 });
    const scratch = new SqliteReadStore(join(dir, 'audit-only.sqlite'), { cacheSizeMiB: 128 });
    const runner = new ProjectionRunner({ eventStore: events, readStore: scratch, batchSize: 24_000 });
    let started = performance.now();
    const cpu = process.cpuUsage();
    await runner.start([auditProjection('sm3')]);
    await runner.waitUntilCaughtUp(AUDIT_PROJECTION, 6 * 3_600_000);
    const seconds = (performance.now() - started) / 1000;
    const cpuUsed = process.cpuUsage(cpu);
    process.stdout.write(
      `\naudit projection catch-up (SM3 chain, segments, quality; alone): ${int(head)} events in ${seconds.toFixed(1)} s = ${int(head / seconds)} events/s (CPU ${((cpuUsed.user + cpuUsed.system) / 1e6).toFixed(1)} s)\n`,
    );
    const blocks = await runner.collection<ChainBlockDocument>(AUDIT_PROJECTION, AUDIT_BLOCKS);
    await runner.stop();

    // Verify as the CLI and GET /v1/audit/verification run it (slices in threads on every
    // core, up to 4), then in one thread, then its two stages alone in this thread: reading the
    // log's canonical rows, and hashing them into the chain.
    const recorded: ChainBlockDocument[] = [];
    for await (const b of blocksInOrder(blocks)) recorded.push(b);
    const threads = Math.min(availableParallelism(), 4);
    const verifyRun = async (label: string, run: () => Promise<VerifyResult>) => {
      const at = performance.now();
      const before = process.cpuUsage();
      const result = await run();
      const s = (performance.now() - at) / 1000;
      const used = process.cpuUsage(before);
      process.stdout.write(
        `${label}: ${int(result.eventsChecked)} events in ${s.toFixed(2)} s = ${int(result.eventsChecked / s)} events/s, ${result.ok ? 'OK' : `${result.findings.length} findings`} (CPU ${((used.user + used.system) / 1e6).toFixed(1)} s)\n`,
      );
    };
    await verifyRun(`verify (SM3, ${threads} threads, as the CLI runs it)`, () =>
      verifyInParallel({
        events,
        store: { dataDir, sqliteSynchronous: 'NORMAL' },
        algorithm: 'sm3',
        blocks: recorded,
        anchors: [],
        publicKey: null,
        threads,
      }),
    );
    await verifyRun('verify (SM3, one thread)', () =>
      verifyChain({ events, algorithm: 'sm3', blocks: blocksInOrder(blocks), anchors: [], publicKey: null }),
    );
    started = performance.now();
    const texts: string[] = [];
    for await (const page of events.readCanonicalPages({})) for (const row of page) texts.push(row[2]);
    const readSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const hasher = new LinkHasher('sm3');
    let link = GENESIS_LINK.toString('latin1');
    let bytes = 0;
    for (const text of texts) {
      link = hasher.nextTextLatin1(link, text);
      bytes += Buffer.byteLength(text);
    }
    const hashSeconds = (performance.now() - started) / 1000;
    process.stdout.write(
      `  stages alone, one thread: canonical rows read ${int(texts.length / readSeconds)} events/s; SM3 links ${int(texts.length / hashSeconds)} events/s (${int(bytes / texts.length)} bytes of canonical text per event)\n`,
    );
    await events.close();
    await scratch.close();
    process.stdout.write(`${describeMachineReference(reference, await machineReference())}\n`);
  } finally {
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
