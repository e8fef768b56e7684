import { hash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/**
 * How fast this machine computes at the moment, apart from the registry's code: SM3 digests of
 * 300-byte values a second (the audit chain's own work; about 500,000 on one core when the
 * audit's verify target was set), on one core alone and on two at once. A bench prints both
 * beside its figures, before and after the run, so runs on machines of different speed, or on
 * one shared machine at different hours, can be told apart from changes in the code. Two
 * cores at once is what the import and its projection thread get: on a machine whose two
 * virtual cores share one physical core, each runs at about two thirds of its speed alone.
 */
export interface MachineReference {
  /** Digests a second on one core, nothing else running. */
  oneCore: number;
  /** Digests a second on two cores together (this thread and a worker at once). */
  twoCores: number;
}

const ROUND_MS = 200;
const ROUNDS = 5;
/** What the worker of machineReference is told it is. */
const WORKER_ROLE = 'machine-reference';

/** Digests a second, the best of a few short rounds: a round the scheduler interrupts only lowers its own figure. */
function digestRate(): number {
  const values = Array.from({ length: 256 }, () => randomBytes(300));
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let n = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < ROUND_MS) {
      for (let i = 0; i < 1000; i++) hash('sm3', values[(n + i) & 255], 'buffer');
      n += 1000;
      elapsed = performance.now() - started;
    }
    best = Math.max(best, (n * 1000) / elapsed);
  }
  return best;
}

export async function machineReference(): Promise<MachineReference> {
  const oneCore = digestRate();
  // This module, loaded again as the worker (see the end of the file): the same loop on the other core.
  const worker = new Worker(__filename, { workerData: WORKER_ROLE });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    const other = new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    worker.postMessage('go');
    const mine = digestRate();
    return { oneCore, twoCores: mine + (await other) };
  } finally {
    await worker.terminate();
  }
}

/** The references taken before and after a run, as a line of a bench's report. */
export function describeMachineReference(before: MachineReference, after: MachineReference): string {
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  return (
    `machine reference, SM3 digests of 300-byte values a second (before / after the run): ` +
    `one core ${int(before.oneCore)} / ${int(after.oneCore)}, two cores together ${int(before.twoCores)} / ${int(after.twoCores)}`
  );
}

// Loaded as machineReference's worker: measures once the main thread says go, so both run at once.
if (!isMainThread && workerData === WORKER_ROLE) {
  parentPort!.once('message', () => parentPort!.postMessage(digestRate()));
}
