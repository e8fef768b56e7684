import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { resolve } from 'node:path';
import { Principal } from '../auth/principal';
import { ComparisonService } from '../comparison/comparison.service';
import { ScoreService } from '../comparison/score.service';
import { AppConfig } from '../config/app-config';
import { ProjectionsService } from '../projections/projections.service';
import { withAppContext } from './app-context';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function registerComparisonCommands(program: Command): void {
  program
    .command('compare')
    .description('Run a comparison: ministry inquiry, record linkage, coverage status of every household-registered person')
    .option('--operator <name>', 'who starts the run (recorded in every event)', 'cli')
    .option('--changes', 'only what changed since the last completed run (the same verdicts a full run would give)')
    .action(async (options: { operator: string; changes?: boolean }) => {
      await withAppContext(
        async (app) => {
          const config = app.get(AppConfig);
          const comparison = app.get(ComparisonService);
          const projections = app.get(ProjectionsService);
          await projections.waitUntilCaughtUp(undefined, 3_600_000);
          const started = Date.now();
          const run = await comparison.start(new Principal(options.operator, ['province-admin'], config.PROVINCE_CODE), 'cli', {
            scope: options.changes ? 'changes' : 'full',
          });
          const bar = new SingleBar({ format: ' {phase} {bar} {value}/{total}', hideCursor: true, stream: process.stderr });
          bar.start(1, 0, { phase: 'starting'.padEnd(16) });
          const timer = setInterval(async () => {
            const current = await comparison.get(run._id);
            if (current) {
              bar.setTotal(Math.max(current.progress.total, 1));
              bar.update(current.progress.done, { phase: current.phase.padEnd(16) });
            }
          }, 500);
          const done = await comparison.waitFor(run._id);
          clearInterval(timer);
          bar.stop();
          const seconds = (Date.now() - started) / 1000;
          const c = done.counts;
          process.stdout.write(
            [
              `comparison ${done._id}: ${done.state} in ${seconds.toFixed(1)} s (${Math.round(c.persons / Math.max(seconds, 0.001))} persons/s)`,
              `  household-registered persons  ${c.persons}`,
              `  status changes recorded       ${c.statusChanges}`,
              `  by status                     ${Object.entries(c.byStatus)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')}`,
              `  ministry inquiry              ${c.inquired} asked, ${c.insuredElsewhereFound} insured-elsewhere records`,
              `  record linkage                ${c.recordsConsidered} rows: ${c.linked} linked (${c.repaired ?? 0} by repairing their ID), ${c.possibleLinks} to review, ${c.notLinked} not linked`,
              ...(done.error ? [`  error ${done.error.code}: ${done.error.message}`] : []),
            ].join('\n') + '\n',
          );
          if (done.state !== 'completed') process.exitCode = 1;
        },
        { projections: true },
      );
    });

  program
    .command('score')
    .description('Score linkage and coverage status against a synthetic province’s ground truth')
    .requiredOption('--truth <dir>', 'the directory written by `generate` (holding truth/)')
    .action(async (options: { truth: string }) => {
      await withAppContext(
        async (app) => {
          await app.get(ProjectionsService).waitUntilCaughtUp(undefined, 3_600_000);
          const report = await app.get(ScoreService).score(resolve(options.truth));
          const l = report.linkage;
          process.stdout.write(
            [
              `files scored: ${report.files.map((f) => `${f.file} (${f.rows} rows)`).join(', ')}`,
              'linkage',
              `  records with a true person     ${l.records}  (exact duplicates excluded: ${l.excludedDuplicates})`,
              `  links made                     ${l.predictedLinks}  (true ${l.truePositives}, false ${l.falsePositives})`,
              `  precision                      ${pct(l.precision)}`,
              `  recall                         ${pct(l.recall)}`,
              `  F1                             ${pct(l.f1)}`,
              `  records without an exact ID    ${l.hardRecords}, linked correctly ${l.hardTruePositives}`,
              `  recall on those                ${pct(l.hardRecall)}`,
              `  of which carry more than a name ${l.hardRecordsBeyondName}, recall ${pct(l.hardRecallBeyondName)} (name-only rows go to review)`,
              `  waiting for review             ${l.pendingReview}`,
              `  rows without an ID whose person no row identifies (nothing to link to, not counted) ${l.unplaceable}; counted as misses, recall ${pct(l.hardRecallCountingUnplaceable)}`,
              ...Object.entries(l.hardMissesByKind)
                .sort((a, b) => b[1] - a[1])
                .slice(0, 8)
                .map(([k, v]) => `    missed: ${k.padEnd(40)} ${v}`),
              ...Object.entries(l.falsePositivesByKind)
                .sort((a, b) => b[1] - a[1])
                .slice(0, 5)
                .map(([k, v]) => `    wrong:  ${k.padEnd(40)} ${v}`),
              'coverage status',
              `  in-scope persons               ${report.coverage.persons}`,
              `  agreement with the truth       ${pct(report.coverage.agreement)}`,
              ...Object.entries(report.coverage.confusion)
                .sort((a, b) => b[1] - a[1])
                .slice(0, 10)
                .map(([k, v]) => `    ${k.padEnd(36)} ${v}`),
            ].join('\n') + '\n',
          );
        },
        { projections: true },
      );
    });
}
