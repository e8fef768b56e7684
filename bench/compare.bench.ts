/**
 * `npm run bench:compare [-- --persons N]` (or BENCH_PERSONS=N; default 100,000): the
 * information comparison on the embedded default. Generates a synthetic province, starts
 * the ministry simulator seeded from its truth, imports the household, enrolment and
 * card-library files, then times a full comparison run (ministry inquiry, record linkage,
 * determination of every household-registered person) and prints persons/s, peak memory
 * and the quality figures of `score` against the ground truth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateProvince } from '@registry/ingest';
import { personsWanted } from './bench-args';
import { createMinistrySim } from '../apps/ministry-sim/src/ministry-sim';
import { Principal } from '../apps/registry/src/auth/principal';
import { withAppContext } from '../apps/registry/src/cli/app-context';
import { ComparisonService } from '../apps/registry/src/comparison/comparison.service';
import { ScoreService } from '../apps/registry/src/comparison/score.service';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

async function main(): Promise<void> {
  const persons = personsWanted(100_000);
  const dir = mkdtempSync(join(tmpdir(), 'registry-compare-bench-'));
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  sampler.unref();
  process.stdout.write(`comparison bench — ${persons} persons, ${cpus().length} cores, node ${process.version}, files in ${dir}\n`);
  try {
    const out = join(dir, 'province');
    let t = performance.now();
    await generateProvince({ persons, seed: 'bench', outDir: out });
    process.stdout.write(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

    const sim = await createMinistrySim({ token: 'bench-token', truthDir: out });
    const url = await sim.listen(0);
    Object.assign(process.env, {
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'warn',
      MINISTRY_URL: url,
      MINISTRY_TOKEN: 'bench-token',
      MINISTRY_UPLOAD_INTERVAL_MS: '0',
      MINISTRY_DOWNLOAD_INTERVAL_MS: '0',
    });
    try {
      await withAppContext(
        async (app) => {
          const imports = app.get(ImportService);
          const caller = new Principal('bench', ['province-admin'], '44');
          t = performance.now();
          let rows = 0;
          for (const [source, file] of [
            ['household-registration', 'household-registration.csv'],
            ['insurance-enrollment', 'insurance-enrollment.csv'],
            ['card-library', 'card-library.xlsx'],
          ] as const) {
            const job = await imports.submit({ source, filePath: join(out, file), fileName: file, caller, channel: 'cli' });
            const done = await imports.waitFor(job._id);
            rows += done.counts.read;
          }
          await app.get(ProjectionsService).waitUntilCaughtUp(undefined, 3_600_000);
          process.stdout.write(`imported ${rows} rows in ${((performance.now() - t) / 1000).toFixed(1)} s (read models caught up)\n`);

          const before = peak;
          peak = process.memoryUsage().rss;
          const comparison = app.get(ComparisonService);
          t = performance.now();
          const run = await comparison.start(caller, 'cli');
          const done = await comparison.waitFor(run._id);
          const seconds = (performance.now() - t) / 1000;
          const c = done.counts;
          process.stdout.write(
            [
              `comparison ${done.state} in ${seconds.toFixed(1)} s: ${c.persons} household-registered persons, ${Math.round(c.persons / seconds)} persons/s`,
              `  ministry inquiry: ${c.inquired} asked, ${c.insuredElsewhereFound} records; linkage: ${c.recordsConsidered} rows, ${c.linked} linked (${c.repaired ?? 0} by ID repair), ${c.possibleLinks} to review`,
              `  peak RSS during the run ${mb(peak)} (before it ${mb(before)})`,
            ].join('\n') + '\n',
          );
          const score = await app.get(ScoreService).score(out);
          const l = score.linkage;
          process.stdout.write(
            [
              `linkage: precision ${pct(l.precision)}, recall ${pct(l.recall)}, F1 ${pct(l.f1)}`,
              `  records without an exact ID: ${l.hardRecords}, recall ${pct(l.hardRecall)}; carrying more than a name: ${l.hardRecordsBeyondName}, recall ${pct(l.hardRecallBeyondName)}; waiting for review ${l.pendingReview}; rows without an ID whose person no row identifies (not counted): ${l.unplaceable}, recall counting them as misses ${pct(l.hardRecallCountingUnplaceable)}`,
              `  hard misses by the row's quarantine reason: ${JSON.stringify(l.hardMissesByKind)}`,
              `coverage status agreement with the truth: ${pct(score.coverage.agreement)} of ${score.coverage.persons} in-scope persons`,
              `  disagreements (truth→registry): ${JSON.stringify(score.coverage.confusion)}`,
              `peak RSS overall ${mb(peak)}`,
            ].join('\n') + '\n',
          );
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
