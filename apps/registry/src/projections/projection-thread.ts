/**
 * The projection thread: runs the registry's projections beside the service's main thread on
 * the embedded default, so reading events and writing read models use a core of their own
 * while the main thread answers HTTP and appends events. It opens its own connections to the
 * same SQLite files (WAL lets one writer and many readers share them), takes the projections'
 * leases like any instance would, and reports its status to the main thread.
 *
 * Messages in: `stop`. Messages out: `started` (projection names and versions), `status`
 * (every 250 ms), `log`, `stopped`, `failed`.
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '@registry/event-store/sqlite/sqlite-event-store';
import { SqliteReadStore } from '@registry/read-store/sqlite/sqlite-read-store';
import { ProjectionRunner, ReadModels } from '@registry/projections';
import { KeyRing, KeyRingFile } from '../config/key-ring';
import { PersonalDataProtector } from '../privacy/personal-data';
import type { ChainAlgorithm } from '../audit/chain/event-bytes';
import { registryProjections } from './catalogue';
import { ThreadMemory, threadMemory } from '../common/threads';

/** Page cache of the projection thread's read-store connection, in MiB. */
const PROJECTION_READ_CACHE_MIB = 128;

/**
 * Page cache of the projection thread's event-store connection, in MiB. The projections read
 * the log forward by position, so a page is read once and a large cache only holds memory.
 */
const PROJECTION_EVENT_CACHE_MIB = 16;

export interface ProjectionThreadData {
  dataDir: string;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  keyRing: KeyRingFile;
  provinceCode: string;
  instanceId: string;
  /** LEASE_MS. */
  leaseMs: number;
  /** PROJECTION_BATCH_EVENTS. */
  batchSize: number;
  /** AUDIT_HASH_ALGORITHM. */
  chainAlgorithm: ChainAlgorithm;
  /** Checkpoint both files' WALs: the main thread's connections leave it to this thread. */
  checkpointForMain: boolean;
}

/**
 * How often the thread checkpoints the WALs when it has taken that over from the main thread.
 * Its read-store connection also checkpoints after its own large commits, as every connection does.
 */
const CHECKPOINT_INTERVAL_MS = 1000;

export type ProjectionThreadMessage =
  | { type: 'started'; projections: Array<{ name: string; version: number }> }
  | { type: 'status'; status: ReturnType<ProjectionRunner['status']>; memory: ThreadMemory }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

async function main(port: NonNullable<typeof parentPort>, data: ProjectionThreadData): Promise<void> {
  const send = (message: ProjectionThreadMessage) => port.postMessage(message);
  const log =
    (level: 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void =>
      send({ type: 'log', level, message: fields ? `${message} ${JSON.stringify(fields)}` : message });
  // Appends come from the main thread, which this connection does not hear: poll often.
  const events = new SqliteEventStore(join(data.dataDir, 'events.sqlite'), {
    synchronous: data.sqliteSynchronous,
    pollIntervalMs: 50,
    cacheSizeMiB: PROJECTION_EVENT_CACHE_MIB,
  });
  // The projections write every read model through this connection: a page cache large
  // enough for a province's person-id index (measured at 1,000,000 persons: 12.0k → 13.9k
  // rows/s end to end on the household file with 128 MiB instead of 32; 256 gained nothing).
  const reads = new SqliteReadStore(join(data.dataDir, 'read.sqlite'), { cacheSizeMiB: PROJECTION_READ_CACHE_MIB });
  const protector = new PersonalDataProtector(new KeyRing(data.keyRing, '', false));
  const projections = registryProjections(protector, data.provinceCode, data.chainAlgorithm);
  const runner = new ProjectionRunner({
    eventStore: events,
    readStore: reads,
    readModels: new ReadModels(reads),
    instanceId: data.instanceId,
    leaseTtlMs: data.leaseMs,
    batchSize: data.batchSize,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  });
  await runner.start(projections);
  const sendStatus = () => send({ type: 'status', status: runner.status(), memory: threadMemory() });
  const timer = setInterval(sendStatus, 250);
  const checkpoints = data.checkpointForMain
    ? setInterval(() => {
        try {
          events.checkpoint();
          reads.checkpoint();
        } catch (error) {
          log('warn')(`Checkpoint failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }, CHECKPOINT_INTERVAL_MS)
    : undefined;
  send({ type: 'started', projections: projections.map((p) => ({ name: p.name, version: p.version })) });
  sendStatus();
  port.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    clearInterval(timer);
    clearInterval(checkpoints);
    void (async () => {
      await runner.stop();
      await Promise.allSettled([events.close(), reads.close()]);
      send({ type: 'stopped' });
      port.close();
    })();
  });
}

if (parentPort) {
  const port = parentPort;
  main(port, workerData as ProjectionThreadData).catch((error: unknown) => {
    port.postMessage({
      type: 'failed',
      message: error instanceof Error ? `${error.name}: ${error.message}` : 'projection thread failed',
    } satisfies ProjectionThreadMessage);
  });
}
