/**
 * `npm run bench:compare [-- --persons N]` (or BENCH_PERSONS=N; default 100,000): the
 * information comparison on the embedded default. Generates a synthetic province, starts
 * the ministry simulator seeded from its truth in a process of its own (the peak RSS and CPU
 * printed are the registry's alone; the simulator's peak is printed beside them), imports the household, enrolment and
 * card-library files, then times a full comparison run (ministry inquiry, record linkage,
 * determination of every household-registered person) and prints persons/s, peak memory
 * and the quality figures of `score` against the ground truth.
 *
 * BENCH_SNAPSHOT=<dir> keeps the generated province and the imported data under <dir> and,
 * when they are there already, starts from a copy of them (generation and import skipped):
 * for repeated runs of the comparison alone. After the full run, BENCH_CHANGES persons (default
 * one in a hundred) get a day's changes (day-of-changes.ts), then a run on changes and a full
 * run are timed: the full run after it should record nothing. BENCH_SEED picks the generator's seed (default
 * `bench`; a held-out seed checks the linker on data it was not tuned on). BENCH_CPU_PROF=<file> writes a CPU profile of
 * the comparison run (open it in Chrome's DevTools or speedscope). BENCH_DISAGREEMENTS=<file> writes every in-scope
 * person whose coverage status differs from the truth, one JSON line each (the truth's person id, both statuses and
 * what the registry's verdict rested on; no personal data), and <file>.misses every hard record linkage did not
 * attribute to its person (the row, its quarantine reasons, the decision's outcome and score), for diagnosis. BENCH_CHANGES=0 skips the day's changes.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { parsePersonId } from '@registry/domain';
import { generateProvince } from '@registry/ingest';
import { CommandContext } from '../apps/registry/src/common/event-sourcing/command-context';
import { ExecutePersonCommands, PersonCommandRequest } from '../apps/registry/src/persons/execute-person-commands';
import { PersonDocument } from '../apps/registry/src/persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../apps/registry/src/persons/projections/persons.projection';
import { personsWanted } from './bench-args';
import { describeMachineReference, machineReference } from './machine-reference';
import { PeakMemory } from './peak-memory';
import { applyDayOfChanges } from './day-of-changes';
import { startMinistrySimProcess } from './ministry-sim-process';
import { Principal } from '../apps/registry/src/auth/principal';
import { withAppContext } from '../apps/registry/src/cli/app-context';
import { ComparisonService } from '../apps/registry/src/comparison/comparison.service';
import { ScoreService } from '../apps/registry/src/comparison/score.service';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
/** Four places: the targets sit at 0.999 and 0.9999. */
const pct4 = (x: number) => `${(x * 100).toFixed(4)}%`;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

/**
 * BENCH_VERIFY: every household-registered person of the province through the command path as
 * the determination once sent them all (DetermineCoverage under a new run id, dated like the
 * run): the verdicts it records are ones the run should have recorded and did not.
 */
async function verdictsMissed(app: INestApplicationContext, occurredAt: string): Promise<number> {
  const persons = await app.get(ProjectionsService).collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
  const bus = app.get(CommandBus);
  const runId = `run_${randomUUID()}`;
  const context: CommandContext = { operator: 'bench', role: 'province-admin', region: '44', channel: 'comparison', correlationId: runId };
  const data = { source: 'comparison' as const, sourceRecordId: runId, occurredAt, runId, localProvince: '44' };
  let missed = 0;
  let batch: PersonCommandRequest<string>[] = [];
  const flush = async () => {
    for (const o of await bus.execute(new ExecutePersonCommands(batch, context)))
      if (o.status === 'applied' && o.events.length > 0) missed++;
    batch = [];
  };
  for await (const doc of persons.scan()) {
    if (!doc.householdRegion?.startsWith('44')) continue;
    const id = parsePersonId(doc._id);
    if (!id) continue;
    batch.push({ key: doc._id, id, command: { type: 'DetermineCoverage', data } });
    if (batch.length >= 2000) await flush();
  }
  await flush();
  return missed;
}

const IMPORTS = [
  ['household-registration', 'household-registration.csv'],
  ['insurance-enrollment', 'insurance-enrollment.csv'],
  ['card-library', 'card-library.xlsx'],
] as const;

async function main(): Promise<void> {
  const persons = personsWanted(100_000);
  const dir = mkdtempSync(join(tmpdir(), 'registry-compare-bench-'));
  const snapshot = process.env.BENCH_SNAPSHOT;
  const memory = new PeakMemory();
  process.stdout.write(`comparison bench — ${persons} persons, ${cpus().length} cores, node ${process.version}, files in ${dir}\n`);
  try {
    const out = snapshot ? join(snapshot, 'province') : join(dir, 'province');
    const dataDir = join(dir, 'data');
    const ready = snapshot !== undefined && existsSync(join(snapshot, 'ready'));
    let t = performance.now();
    if (ready) {
      cpSync(join(snapshot, 'data'), dataDir, { recursive: true });
      process.stdout.write(`started from the snapshot in ${snapshot} (generation and import skipped)\n`);
    } else {
      await generateProvince({ persons, seed: process.env.BENCH_SEED ?? 'bench', outDir: out });
      process.stdout.write(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    }

    const sim = await startMinistrySimProcess(out, 'bench-token');
    const { url } = sim;
    Object.assign(process.env, {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MINISTRY_URL: url,
      MINISTRY_TOKEN: 'bench-token',
      MINISTRY_UPLOAD_INTERVAL_MS: '0',
      MINISTRY_DOWNLOAD_INTERVAL_MS: '0',
    });
    const caller = new Principal('bench', ['province-admin'], '44');
    try {
      if (!ready) {
        await withAppContext(
          async (app) => {
            const imports = app.get(ImportService);
            t = performance.now();
            let rows = 0;
            for (const [source, file] of IMPORTS) {
              const job = await imports.submit({ source, filePath: join(out, file), fileName: file, caller, channel: 'cli' });
              const done = await imports.waitFor(job._id);
              rows += done.counts.read;
            }
            await app.get(ProjectionsService).waitUntilCaughtUp(undefined, 3_600_000);
            process.stdout.write(`imported ${rows} rows in ${((performance.now() - t) / 1000).toFixed(1)} s (read models caught up)\n`);
          },
          { projections: true },
        );
        if (snapshot) {
          cpSync(dataDir, join(snapshot, 'data'), { recursive: true });
          writeFileSync(join(snapshot, 'ready'), `${persons}\n`);
          process.stdout.write(`snapshot kept in ${snapshot}\n`);
        }
      }
      await withAppContext(
        async (app) => {
          const projections = app.get(ProjectionsService);
          memory.watch(() => ({ 'projection thread': projections.threadMemory() }));
          await projections.waitUntilCaughtUp(undefined, 3_600_000);
          // Just before the run, not before generation and import: the line says before and after the run.
          const reference = await machineReference();
          const before = memory.phase();
          const comparison = app.get(ComparisonService);
          const profile = process.env.BENCH_CPU_PROF;
          const session = profile ? new Session() : undefined;
          if (session) {
            session.connect();
            await session.post('Profiler.enable');
            // Every sample is a signal, and a signal cuts short SQLite's busy wait (see the
            // SQLite read store's withWriteLock): sampled every 1 ms, a writer waiting for
            // the projection thread gave up after some 60 ms. Every 10 ms is enough here.
            await session.post('Profiler.setSamplingInterval', { interval: 10_000 });
            await session.post('Profiler.start');
          }
          const cpu = process.cpuUsage();
          t = performance.now();
          const run = await comparison.start(caller, 'cli');
          const done = await comparison.waitFor(run._id);
          const seconds = (performance.now() - t) / 1000;
          const used = process.cpuUsage(cpu);
          const during = memory.phase();
          if (session && profile) {
            const { profile: written } = await session.post('Profiler.stop');
            writeFileSync(profile, JSON.stringify(written));
            session.disconnect();
          }
          const c = done.counts;
          const caughtUpAt = performance.now();
          await projections.waitUntilCaughtUp(undefined, 3_600_000);
          const lag = (performance.now() - caughtUpAt) / 1000;
          process.stdout.write(
            [
              `comparison ${done.state} in ${seconds.toFixed(1)} s (process CPU ${((used.user + used.system) / 1e6).toFixed(1)} s: user ${(used.user / 1e6).toFixed(1)}, system ${(used.system / 1e6).toFixed(1)}): ${c.persons} household-registered persons, ${Math.round(c.persons / seconds)} persons/s`,
              `  ministry inquiry: ${c.inquired} asked, ${c.insuredElsewhereFound} records; linkage: ${c.recordsConsidered} rows, ${c.linked} linked (${c.repaired ?? 0} by ID repair), ${c.possibleLinks} to review; determination: ${c.statusChanges} status changes`,
              `  steps (ms): ${JSON.stringify(done.timings ?? {})}; read models caught up ${lag.toFixed(1)} s after the run ended`,
              `  peak RSS during the run ${PeakMemory.describe(during)} at ${((during.at - t) / 1000).toFixed(1)} s (before it ${mb(before.rss)}); the ministry simulator's process, so far: ${mb(sim.peakRss())}`,
              `  ${describeMachineReference(reference, await machineReference())}`,
              ...(done.error ? [`  error: ${done.error.code}: ${done.error.message}`] : []),
            ].join('\n') + '\n',
          );
          // BENCH_SCORE=0 leaves the scoring out (for timing the runs alone).
          if (process.env.BENCH_SCORE !== '0') {
            const disagreementsFile = process.env.BENCH_DISAGREEMENTS;
            const score = await app.get(ScoreService).score(out, { disagreements: disagreementsFile !== undefined });
            if (disagreementsFile) {
              writeFileSync(disagreementsFile, (score.disagreements ?? []).map((d) => JSON.stringify(d)).join('\n') + '\n');
              writeFileSync(`${disagreementsFile}.misses`, (score.hardMisses ?? []).map((d) => JSON.stringify(d)).join('\n') + '\n');
            }
            const l = score.linkage;
            process.stdout.write(
              [
                `linkage: precision ${pct4(l.precision)}, recall ${pct4(l.recall)}, F1 ${pct4(l.f1)}; ${l.falsePositives} wrong attributions of ${l.predictedLinks} ${JSON.stringify(l.falsePositivesByKind)}`,
                `  records without an exact ID: ${l.hardRecords}, recall ${pct4(l.hardRecall)}; carrying more than a name: ${l.hardRecordsBeyondName}, recall ${pct4(l.hardRecallBeyondName)}; waiting for review ${l.pendingReview}; rows without an ID whose person no row identifies (not counted): ${l.unplaceable}, recall counting them as misses ${pct(l.hardRecallCountingUnplaceable)}`,
                `  hard misses by the row's quarantine reason: ${JSON.stringify(l.hardMissesByKind)}`,
                `coverage status agreement with the truth: ${pct4(score.coverage.agreement)} of ${score.coverage.persons} in-scope persons`,
                `  disagreements (truth→registry): ${JSON.stringify(score.coverage.confusion)}`,
                `peak RSS overall ${mb(memory.peak.rss)}`,
              ].join('\n') + '\n',
            );
          }
          if (process.env.BENCH_VERIFY) {
            const missed = await verdictsMissed(app, done.startedAt);
            process.stdout.write(`verification: every person's verdict decided again on their stream records ${missed} more verdicts\n`);
          }
          const changes = Number(process.env.BENCH_CHANGES ?? Math.round(persons / 100));
          if (changes > 0) {
            t = performance.now();
            const day = await applyDayOfChanges(app, changes);
            await projections.waitUntilCaughtUp(undefined, 3_600_000);
            process.stdout.write(
              `a day's changes: ${day.changed} persons (${day.refused} commands refused), recorded and projected in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
            );
            for (const scope of ['changes', 'full'] as const) {
              memory.phase();
              const cpuAt = process.cpuUsage();
              t = performance.now();
              const started = await comparison.start(caller, 'cli', { scope });
              const ran = await comparison.waitFor(started._id);
              const secs = (performance.now() - t) / 1000;
              const cpuUsed = process.cpuUsage(cpuAt);
              const peak = memory.phase();
              const k = ran.counts;
              process.stdout.write(
                [
                  `run on ${ran.scope}: ${ran.state} in ${secs.toFixed(1)} s (process CPU ${((cpuUsed.user + cpuUsed.system) / 1e6).toFixed(1)} s): ${k.persons} persons judged, ${k.statusChanges} status changes, ${k.inquired} asked, ${k.recordsConsidered} rows and persons linked again, ${k.linked} linked`,
                  `  steps (ms): ${JSON.stringify(ran.timings ?? {})}; peak RSS ${PeakMemory.describe(peak)}`,
                ].join('\n') + '\n',
              );
              await projections.waitUntilCaughtUp(undefined, 3_600_000);
            }
          }
        },
        { projections: true },
      );
    } finally {
      await sim.close();
    }
  } finally {
    if (process.env.BENCH_KEEP) process.stdout.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
