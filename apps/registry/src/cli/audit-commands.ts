import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { ProjectionsService } from '../projections/projections.service';
import { AnchorService } from '../audit/anchor.service';
import { AUDIT_PROJECTION } from '../audit/audit.projection';
import { AuditService } from '../audit/audit.service';
import { parseAnchorFile } from '../audit/chain/anchor';
import type { VerifyResult } from '../audit/chain/verify-chain';
import { withAppContext } from './app-context';

/** How long the CLI waits for the read models to reach the log's head before it checks them. */
const CATCH_UP_MS = 6 * 3_600_000;

function printVerification(result: VerifyResult): void {
  const out = process.stdout;
  out.write(
    `${result.algorithm} chain, from position ${result.fromPosition}: ${result.eventsChecked.toLocaleString('en-US')} events checked ` +
      `(chained up to ${result.chainedTo}), ${result.anchorsChecked} anchors, ${result.eventsPerSecond.toLocaleString('en-US')} events/s\n`,
  );
  if (result.ok) {
    out.write('OK: no event was altered, missing, inserted or reordered\n');
    return;
  }
  out.write(`FOUND ${result.findings.length} finding(s); the first: ${result.first!.kind} at position ${result.first!.position}\n`);
  for (const f of result.findings)
    out.write(
      `  ${f.kind.padEnd(16)} position ${String(f.position).padStart(10)}  ${f.detail}${f.eventId ? ` (event ${f.eventId})` : ''}\n`,
    );
}

/** verify, replay, anchors: the auditor's commands. */
export function registerAuditCommands(program: Command): void {
  program
    .command('verify')
    .description(
      'Walk the event log against the hash chain and the signed anchors; exit 1 when an event was altered, missing, inserted or reordered',
    )
    .option(
      '--from-anchor <file>',
      'an exported anchor file kept elsewhere: start from its first anchor, check all of its anchors with its key',
    )
    .action(async (options: { fromAnchor?: string }) => {
      const file = options.fromAnchor ? parseAnchorFile(readFileSync(options.fromAnchor, 'utf8')) : undefined;
      await withAppContext(
        async (app) => {
          await app.get(ProjectionsService).waitUntilCaughtUp(AUDIT_PROJECTION, CATCH_UP_MS);
          const audit = app.get(AuditService);
          const result = file ? await audit.verifyFromFile(file) : await audit.verify();
          printVerification(result);
          if (!result.ok) process.exitCode = 1;
        },
        { projections: true },
      );
    });

  program
    .command('replay')
    .description(
      'Rebuild a read model into a shadow beside the live one and compare: prints "0 differences" or the differing documents; exit 1 on differences',
    )
    .requiredOption('--read-model <name>', 'the read model (projection): persons, audit')
    .action(async (options: { readModel: string }) => {
      await withAppContext(
        async (app) => {
          await app.get(ProjectionsService).waitUntilCaughtUp(undefined, CATCH_UP_MS);
          const result = await app.get(AuditService).replay(options.readModel);
          process.stdout.write(
            `${result.projection} v${result.version}, replayed up to position ${result.upTo} in ${(result.durationMs / 1000).toFixed(1)} s\n`,
          );
          for (const c of result.collections) {
            process.stdout.write(`  ${c.collection}: ${c.compared} compared, ${c.newer} moved on since, ${c.differences} differences\n`);
            for (const id of c.differingIds) process.stdout.write(`    ${id}\n`);
          }
          process.stdout.write(`${result.differences} differences\n`);
          if (result.differences > 0) process.exitCode = 1;
        },
        { projections: true },
      );
    });

  program
    .command('anchors')
    .description('Export the signed anchors of the hash chain (with the public key that checks them) to a file to keep elsewhere')
    .requiredOption('--out <file>', 'where to write the anchor file (JSON)')
    .option('--now', 'anchor the chain as it stands first')
    .action(async (options: { out: string; now?: boolean }) => {
      await withAppContext(
        async (app) => {
          const anchors = app.get(AnchorService);
          if (options.now) {
            await app.get(ProjectionsService).waitUntilCaughtUp(AUDIT_PROJECTION, CATCH_UP_MS);
            const made = await anchors.anchorNow();
            process.stdout.write(
              made ? `anchored at position ${made.position} (${made.count} events)\n` : 'the chain is anchored at its head already\n',
            );
          }
          const file = await anchors.exportFile();
          writeFileSync(options.out, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o644 });
          const last = file.anchors[file.anchors.length - 1];
          process.stdout.write(
            `${file.anchors.length} anchor(s) written to ${options.out}${last ? `; the latest at position ${last.position}` : ''}\n`,
          );
        },
        { projections: options.now === true },
      );
    });
}
