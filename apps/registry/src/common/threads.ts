import { availableParallelism } from 'node:os';
import { extname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Whether work with a thread setting (PROJECTION_THREAD, IMPORT_THREAD) runs in a thread of its
 * own: never with `off`; only on the embedded stores, which another connection can share;
 * with `auto`, only when the machine has more than one core.
 */
export function runsInThread(setting: 'auto' | 'on' | 'off', stores: ReadonlyArray<{ capabilities: { embedded?: boolean } }>): boolean {
  if (setting === 'off' || !stores.every((store) => store.capabilities.embedded === true)) return false;
  return setting === 'on' || availableParallelism() > 1;
}

/**
 * The most a thread's young generation may hold: two semi-spaces of SEMI_SPACE_MIB and as much
 * again for new large objects, V8's layout. The projection and import threads allocate a great
 * deal that lives for one batch; with V8's default semi-space (16 MiB) much of it outlives two
 * scavenges, is copied into the old generation and collected there later. Measured at 200,000
 * persons (bench/RESULTS.md): `bench:import` 15 % less CPU with 64 MiB, the peak 170 MB higher.
 * The main thread keeps V8's default: at 1,000,000 persons the same setting there made a
 * comparison run 3 % faster and raised its peak by 477 MiB, and the import did not gain. V8
 * sizes a thread's heap when it starts, so this is a constant, not a setting read later.
 */
export const SEMI_SPACE_MIB = 64;
export const THREAD_YOUNG_GENERATION_MIB = 3 * SEMI_SPACE_MIB;

/**
 * A thread's own memory, in bytes: its V8 heap (committed and in use) and the array buffers it
 * allocated, as `process.memoryUsage()` reports them inside the thread. The resident set is the
 * process's and is left out. The projection and import threads send theirs with their status,
 * so the service can say which thread holds what (`registry_thread_memory_bytes`).
 */
export interface ThreadMemory {
  heapTotal: number;
  heapUsed: number;
  arrayBuffers: number;
}

export function threadMemory(): ThreadMemory {
  const { heapTotal, heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapTotal, heapUsed, arrayBuffers };
}

/**
 * Starts a worker thread on one of the registry's modules (`entry`: its absolute path, .ts
 * under the test suite, .js under dist/), with `data` as its workerData. A thread shares no
 * module hooks with its parent, so the bootstrap registers the @registry/* paths again and,
 * when running from TypeScript sources, transpiles .ts files on load with the project's compiler.
 */
export function startThread(entry: string, data: object): Worker {
  const source = extname(entry) === '.ts';
  // This file is apps/registry/src/common/ under the repository (sources) or under dist/.
  const base = resolve(__dirname, '../../../..');
  const boot = { entry, base, root: source ? base : resolve(base, '..'), source };
  return new Worker(THREAD_BOOTSTRAP, {
    eval: true,
    workerData: { ...data, boot },
    resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MIB },
  });
}

const THREAD_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { entry, base, root, source } = workerData.boot;
const from = (name) => require(require.resolve(name, { paths: [root] }));
if (source) {
  const ts = from('typescript');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, experimentalDecorators: true, emitDecoratorMetadata: true, resolveJsonModule: true };
  require.extensions['.ts'] = (module, filename) => module._compile(ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename }).outputText, filename);
}
const paths = JSON.parse(readFileSync(root + '/tsconfig.json', 'utf8')).compilerOptions.paths;
from('tsconfig-paths').register({ baseUrl: base, paths });
require(entry);
`;
