import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, ensureBuilt } from './support/imports-cli';

/**
 * deprioritiseImportThread in a process of its own (a nice value cannot be lowered again,
 * so this suite's process must not take it): a thread started earlier (the projection
 * thread, in the CLI) keeps its priority, the calling thread gets the new one.
 */
const SCRIPT = `
const { Worker } = require('node:worker_threads');
const { getPriority } = require('node:os');
const { deprioritiseImportThread } = require(process.argv[1]);
const worker = new Worker("const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => { parentPort.postMessage(require('node:os').getPriority(0)); });", { eval: true });
const before = getPriority(0);
const result = deprioritiseImportThread(Number(process.argv[2]));
const again = deprioritiseImportThread(3);
worker.once('message', (other) => { console.log(JSON.stringify({ before, result, again, main: getPriority(0), other })); worker.terminate(); });
worker.postMessage('priority?');
`;

const run = (nice: number) => {
  const child = spawnSync(
    process.execPath,
    ['-e', SCRIPT, join(REPO_ROOT, 'dist/apps/registry/src/imports/import-priority.js'), String(nice)],
    { encoding: 'utf8', timeout: 30_000 },
  );
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout) as { before: number; result?: number; again?: number; main: number; other: number };
};

// Linux applies setpriority(PRIO_PROCESS, 0) to the calling thread only; elsewhere it is per process and there is nothing to show.
const onLinux = process.platform === 'linux';
// On stderr, as test/support/server-suite.ts does: Jest prints no console output of an all-skipped file among several.
if (!onLinux) process.stderr.write(`SKIPPED the import-priority suite: ${process.platform} sets priorities per process, not per thread\n`);

(onLinux ? describe : describe.skip)('the CLI import thread yields the CPU to the projection thread', () => {
  beforeAll(() => ensureBuilt(), 240_000);

  it('lowers the calling thread only, never raises it back, and 0 changes nothing', () => {
    // Relative to the nice value this suite runs at (0 unless the machine runs tests niced).
    const base = run(0).before;
    const lowered = Math.max(base, 10);
    expect(run(10)).toEqual({ before: base, result: lowered, again: lowered, main: lowered, other: base });
    expect(run(0)).toEqual({ before: base, again: Math.max(base, 3), main: Math.max(base, 3), other: base });
  });
});
