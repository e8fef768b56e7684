/**
 * `npm run bench:import [-- --persons N]` (or BENCH_PERSONS=N): data initialisation end
 * to end on the embedded default. Generates a synthetic province, imports the household
 * file and then the enrolment file through ImportService in the service's own module graph
 * (as the CLI does), waits each time until every read model has caught up, and prints the
 * rates against the raw better-sqlite3 insert rate of the same number of rows, measured in
 * the same run on the same disk: the ceiling. `--no-projections` imports with the
 * projection workers off, to tell the import's own cost from the read models' share of
 * the one event loop.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateProvince } from '@registry/ingest';
import { personsWanted } from './bench-args';
import { describeMachineReference, machineReference } from './machine-reference';
import { PeakMemory } from './peak-memory';
import { RawEventRow, rawEventInsertRate } from './raw-events';
import { Principal } from '../apps/registry/src/auth/principal';
import { withAppContext } from '../apps/registry/src/cli/app-context';
import { ImportJob } from '../apps/registry/src/imports/import-job';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { deprioritiseImportThread } from '../apps/registry/src/imports/import-priority';
import { AppConfig } from '../apps/registry/src/config/app-config';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';

const RAW_TRANSACTION_ROWS = 10_000;

interface FileResult {
  file: string;
  rows: number;
  quarantined: number;
  events: number;
  importSeconds: number;
  endToEndSeconds: number;
  /** CPU time of the whole process (every thread) from submit until caught up: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  peakRss: number;
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Raw better-sqlite3 inserts of the events the import stored, in their order (same
 * streams, revisions and payloads, already serialised), into tables shaped like the event
 * store's, in 10k-row transactions: what SQLite alone costs for this import's writes.
 * Rows are read back from the store a page at a time, outside the timed part.
 */
function rawInsertRate(file: string, dataDir: string, synchronous: 'FULL' | 'NORMAL'): { rate: number; rows: number } {
  const source = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
  try {
    const rows = source.prepare("SELECT COUNT(*) FROM event_log WHERE stream LIKE 'person-%'").pluck().get() as number;
    const page = source.prepare(
      "SELECT position, event_id AS eventId, stream, revision, type, data, metadata, recorded_at AS recordedAt FROM event_log WHERE position > ? AND stream LIKE 'person-%' ORDER BY position LIMIT ?",
    );
    let buffered: Array<RawEventRow & { position: number }> = [];
    let next = 0;
    let after = 0;
    const rowAt = (): RawEventRow => {
      if (next === buffered.length) {
        buffered = page.all(after, RAW_TRANSACTION_ROWS) as Array<RawEventRow & { position: number }>;
        next = 0;
        after = buffered[buffered.length - 1].position;
      }
      return buffered[next++];
    };
    return { rate: rawEventInsertRate(file, synchronous, rows, rowAt, RAW_TRANSACTION_ROWS), rows };
  } finally {
    source.close();
  }
}

async function main(): Promise<void> {
  const persons = personsWanted(1_000_000);
  const projectionsOn = !process.argv.includes('--no-projections');
  const dir = mkdtempSync(join(tmpdir(), 'registry-import-bench-'));
  const provinceDir = join(dir, 'province');
  const dataDir = join(dir, 'data');
  Object.assign(process.env, {
    DATA_DIR: dataDir,
    LOG_FILE: join(dir, 'service.log'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    PROJECTIONS_ENABLED: String(projectionsOn),
  });
  const synchronous: 'FULL' | 'NORMAL' = process.env.SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL';
  process.stdout.write(
    `registry import bench — ${int(persons)} persons, ${cpus().length} cores, node ${process.version}, SQLite synchronous=${synchronous}, projections ${projectionsOn ? 'on' : 'OFF'}, files in ${dir}\n\n`,
  );
  const reference = await machineReference();
  const memory = new PeakMemory();
  try {
    let started = performance.now();
    const manifest = await generateProvince({ persons, seed: 'bench', outDir: provinceDir });
    const generateSeconds = (performance.now() - started) / 1000;
    process.stdout.write(`generated in ${generateSeconds.toFixed(1)} s (peak RSS ${mb(memory.phase().rss)})\n`);

    const files = ['household-registration', 'insurance-enrollment'] as const;
    const results: FileResult[] = [];
    await withAppContext(
      async (app) => {
        const imports = app.get(ImportService);
        const projections = app.get(ProjectionsService);
        memory.watch(() => ({ 'projection thread': projections.threadMemory() }));
        const caller = new Principal('bench', ['province-admin'], '44');
        // As `cli import` does (CLI_IMPORT_NICE): the projection thread gets a core first.
        const nice = deprioritiseImportThread(app.get(AppConfig).CLI_IMPORT_NICE);
        process.stdout.write(`import thread nice value: ${nice ?? 'unchanged'} (CLI_IMPORT_NICE)\n`);
        for (const source of files) {
          const entry = manifest.files.find((f) => f.kind === source)!;
          const path = join(provinceDir, entry.file);
          memory.phase();
          started = performance.now();
          const cpuBefore = process.cpuUsage();
          const submitted = await imports.submit({ source, filePath: path, fileName: entry.file, caller, channel: 'cli' });
          const job: ImportJob = await imports.waitFor(submitted._id);
          const importSeconds = (performance.now() - started) / 1000;
          if (job.state !== 'completed')
            throw new Error(`import of ${entry.file} ended ${job.state}: ${job.error?.code} ${job.error?.message}`);
          if (projectionsOn) await projections.waitUntilCaughtUp(undefined, 6 * 3_600_000);
          const endToEndSeconds = (performance.now() - started) / 1000;
          const cpu = process.cpuUsage(cpuBefore);
          results.push({
            cpuSeconds: (cpu.user + cpu.system) / 1e6,
            file: `${entry.file} (${(statSync(path).size / 1024 / 1024).toFixed(1)} MB, ${entry.encoding})`,
            rows: job.counts.read,
            quarantined: job.counts.quarantined,
            events: job.counts.events,
            importSeconds,
            endToEndSeconds,
            peakRss: memory.phase().rss,
          });
          process.stdout.write(
            `${source}: ${int(job.counts.read)} rows imported in ${importSeconds.toFixed(1)} s, read models caught up at ${endToEndSeconds.toFixed(1)} s\n`,
          );
        }
      },
      { projections: projectionsOn },
    );

    const totalRows = results.reduce((n, r) => n + r.rows, 0);
    const total: FileResult = {
      file: 'total',
      rows: totalRows,
      quarantined: results.reduce((n, r) => n + r.quarantined, 0),
      events: results.reduce((n, r) => n + r.events, 0),
      importSeconds: results.reduce((n, r) => n + r.importSeconds, 0),
      endToEndSeconds: results.reduce((n, r) => n + r.endToEndSeconds, 0),
      cpuSeconds: results.reduce((n, r) => n + r.cpuSeconds, 0),
      peakRss: memory.peak.rss,
    };
    const raw = rawInsertRate(join(dir, 'raw.sqlite'), dataDir, synchronous);
    const ceiling = raw.rate;

    const rows = [...results, total];
    const width = Math.max(...rows.map((r) => r.file.length));
    const head = ['rows', 'quarantined', 'events', 'import s', 'import rows/s', 'e2e s', 'e2e rows/s', '× ceiling', 'CPU s', 'peak RSS'];
    const widths = [10, 11, 10, 8, 13, 7, 11, 9, 7, 9];
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
    process.stdout.write(`\n${''.padEnd(width)}  ${line(head)}\n`);
    for (const r of rows) {
      const e2eRate = r.rows / r.endToEndSeconds;
      process.stdout.write(
        `${r.file.padEnd(width)}  ${line([
          int(r.rows),
          int(r.quarantined),
          int(r.events),
          r.importSeconds.toFixed(1),
          int(r.rows / r.importSeconds),
          r.endToEndSeconds.toFixed(1),
          int(e2eRate),
          (e2eRate / ceiling).toFixed(3),
          r.cpuSeconds.toFixed(1),
          mb(r.peakRss),
        ])}\n`,
      );
    }
    process.stdout.write(
      `\nceiling: ${int(ceiling)} rows/s — raw better-sqlite3 insert of the ${int(raw.rows)} person events the import stored, in their order, ` +
        `into the event store's tables, ${int(RAW_TRANSACTION_ROWS)}-row transactions, synchronous=${synchronous}\n` +
        `end to end = submit until every read model has caught up${projectionsOn ? '' : ' (projections off: same as import only)'}; import only = submit until the import completed\n` +
        `CPU s = user + system time of the whole process, both threads, from submit until caught up\n` +
        `peak RSS of the whole process (generation included): ${PeakMemory.describe(memory.peak)}\n` +
        `${describeMachineReference(reference, await machineReference())}\n`,
    );
  } finally {
    memory.stop();
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
