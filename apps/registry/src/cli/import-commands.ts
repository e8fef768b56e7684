import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { resolve } from 'node:path';
import { IMPORT_JOBS, ImportJob } from '../imports/import-job';
import { ImportService } from '../imports/import.service';
import { Principal } from '../auth/principal';
import { ProjectionsService } from '../projections/projections.service';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { INGEST_SOURCE_KINDS, generateProvince } from '@registry/ingest';
import { AppConfig } from '../config/app-config';
import { cliRegion, withAppContext } from './app-context';
import { ReferenceData } from '../reference/reference-data.module';
import { deprioritiseImportThread } from '../imports/import-priority';

function bar(): SingleBar {
  return new SingleBar({
    format: ' {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted} | quarantined {quarantined}',
    hideCursor: true,
    etaBuffer: 50,
    stream: process.stderr,
  });
}

function report(job: ImportJob): string {
  const c = job.counts;
  const lines = [
    `import ${job._id} (${job.source}, ${job.format ?? '?'}, ${job.encoding ?? '?'}): ${job.state}`,
    `  rows read        ${c.read}`,
    `  imported         ${c.imported}  (unchanged ${c.unchanged}, with warnings ${c.withWarnings})`,
    `  quarantined      ${c.quarantined}`,
    `  reconciled       ${c.read === c.imported + c.quarantined ? 'yes' : 'NO'} (read = imported + quarantined)`,
    `  events appended  ${c.events}`,
  ];
  const codes = (title: string, m: Record<string, number>) => {
    const entries = Object.entries(m).sort((a, b) => b[1] - a[1]);
    if (entries.length) lines.push(`  ${title}:`, ...entries.map(([k, v]) => `    ${k.padEnd(28)} ${v}`));
  };
  codes('quarantine reasons', job.reasonsByCode);
  codes('warnings', job.warningsByCode);
  if (job.error) lines.push(`  error ${job.error.code}: ${job.error.message}`);
  if (job.startedAt && job.finishedAt) {
    const s = (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000;
    lines.push(`  time             ${s.toFixed(1)} s (${Math.round(c.read / Math.max(s, 0.001))} rows/s)`);
  }
  return lines.join('\n') + '\n';
}

function follow(job: ImportJob, progress: SingleBar): void {
  const total = Math.max(job.progress.totalBytes, 1);
  progress.setTotal(total);
  progress.update(Math.round(job.progress.fraction * total), {
    rows: job.counts.read,
    rate: job.progress.rowsPerSecond,
    quarantined: job.counts.quarantined,
  });
}

export function registerImportCommands(program: Command): void {
  program
    .command('import')
    .description('Import a department file (or --follow an import started over HTTP)')
    .option('--source <kind>', `source kind: ${INGEST_SOURCE_KINDS.join(', ')}`)
    .option('--file <path>', 'the file to import (CSV, XLSX or NDJSON)')
    .option('--format <format>', 'csv, xlsx or ndjson (detected when absent)')
    .option('--encoding <encoding>', 'utf-8, gb18030 or gbk (detected when absent)')
    .option('--region <code>', 'the importer’s region (rows outside it are quarantined)', '')
    .option('--operator <name>', 'who runs the import (recorded in every event)', 'cli')
    .option('--follow <importId>', 'show the progress of an import started elsewhere until it ends')
    .option('--no-wait-projections', 'do not wait for the read models to catch up before reporting')
    .action(
      async (options: {
        source?: string;
        file?: string;
        format?: string;
        encoding?: string;
        region: string;
        operator: string;
        follow?: string;
        waitProjections: boolean;
      }) => {
        if (options.follow) {
          await withAppContext(async (app) => {
            const jobs = app.get<ReadStore>(READ_STORE).collection<ImportJob>(IMPORT_JOBS);
            const progress = bar();
            progress.start(1, 0, { rows: 0, rate: 0, quarantined: 0 });
            for (;;) {
              const job = await jobs.get(options.follow!);
              if (!job) throw new Error(`no import ${options.follow}`);
              follow(job, progress);
              if (job.state === 'completed' || job.state === 'failed') {
                progress.stop();
                process.stdout.write(report(job));
                if (job.state === 'failed') process.exitCode = 1;
                return;
              }
              await new Promise((r) => setTimeout(r, 500));
            }
          });
          return;
        }
        if (!options.source || !options.file) throw new Error('import needs --source and --file (or --follow <importId>)');
        await withAppContext(
          async (app) => {
            const imports = app.get(ImportService);
            const region = options.region ? cliRegion(app.get(ReferenceData), options.region) : app.get(AppConfig).PROVINCE_CODE;
            const caller = new Principal(options.operator, ['province-admin'], region);
            const progress = bar();
            progress.start(1, 0, { rows: 0, rate: 0, quarantined: 0 });
            const unsubscribe = imports.onProgress((job) => follow(job, progress));
            deprioritiseImportThread(app.get(AppConfig).CLI_IMPORT_NICE);
            const started = Date.now();
            const submitted = await imports.submit({
              source: options.source!,
              filePath: resolve(options.file!),
              fileName: options.file!,
              format: options.format,
              encoding: options.encoding,
              caller,
              channel: 'cli',
            });
            const job = await imports.waitFor(submitted._id);
            unsubscribe();
            progress.stop();
            process.stdout.write(report(job));
            if (options.waitProjections && job.state === 'completed') {
              const t = Date.now();
              await app.get(ProjectionsService).waitUntilCaughtUp(undefined, 3_600_000);
              const total = (Date.now() - started) / 1000;
              process.stdout.write(
                `  read models caught up in ${((Date.now() - t) / 1000).toFixed(1)} s; end to end ${total.toFixed(1)} s (${Math.round(job.counts.read / total)} rows/s)\n`,
              );
            }
            if (job.state === 'failed') process.exitCode = 1;
          },
          { projections: options.waitProjections },
        );
      },
    );

  program
    .command('generate')
    .description('Write a synthetic province: one file per source kind plus the ground truth')
    .requiredOption('--persons <n>', 'number of persons')
    .option('--seed <s>', 'random seed (same seed, same files)', '1')
    .requiredOption('--out <dir>', 'output directory')
    .option('--province <code>', '2-digit province code', '44')
    .action(async (options: { persons: string; seed: string; out: string; province: string }) => {
      const persons = Number(options.persons);
      if (!Number.isInteger(persons) || persons <= 0) throw new Error('--persons must be a positive whole number');
      const started = Date.now();
      const manifest = await generateProvince({ persons, seed: options.seed, outDir: resolve(options.out), province: options.province });
      process.stdout.write(
        `generated ${manifest.persons} persons of ${manifest.provinceName} (seed ${manifest.seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
      for (const f of manifest.files)
        process.stdout.write(
          `  ${f.file.padEnd(34)} ${String(f.rows).padStart(9)} rows  ${f.format} ${f.encoding}${f.bom ? ' (BOM)' : ''}\n`,
        );
      process.stdout.write(`  ground truth: ${manifest.truth.persons}, ${manifest.truth.records}\n`);
    });
}
