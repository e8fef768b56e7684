/**
 * `npm run bench:store`: event-store and projection throughput on the embedded default
 * (SQLite files in a temporary directory), every figure measured in this one run and
 * shown against the raw better-sqlite3 insert rate of the same rows, the ceiling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEventStore } from './event-store.bench-part';
import { benchProjection } from './projection.bench-part';

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(10);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-bench-'));
  process.stdout.write(`registry store bench — ${cpus().length} cores, node ${process.version}, files in ${dir}\n\n`);
  try {
    const store = await benchEventStore(join(dir, 'events'));
    const ceiling = store.find((r) => /raw/i.test(r.name))?.eventsPerSec ?? NaN;
    const projection = await benchProjection(join(dir, 'projection'));
    const rows = [...store, ...projection];
    const width = Math.max(...rows.map((r) => r.name.length));
    process.stdout.write(`${'measurement'.padEnd(width)}  ${'events/s'.padStart(10)}  ${'× ceiling'.padStart(9)}  note\n`);
    for (const r of rows) {
      const ratio = Number.isFinite(ceiling) ? (r.eventsPerSec / ceiling).toFixed(2) : 'n/a';
      process.stdout.write(`${r.name.padEnd(width)}  ${fmt(r.eventsPerSec)}  ${ratio.padStart(9)}  ${r.note ?? ''}\n`);
    }
    process.stdout.write(`\nceiling: ${fmt(ceiling).trim()} rows/s (raw better-sqlite3 insert of the same rows)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
