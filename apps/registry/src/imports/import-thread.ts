/**
 * The import thread: runs one import submitted to the service (read, clean, decide, append)
 * beside the main thread on the embedded default, so a department's file does not hold HTTP
 * requests behind its batches. It opens its own connections to the same SQLite files (WAL
 * lets readers carry on while it writes, and appends from any connection take positions in
 * order), applies rows through the same person command path the service uses, and lowers
 * its own CPU priority so that requests and the projection thread get a core first.
 *
 * Messages in: `stop` (store what is committed and return at the next row). Messages out:
 * `progress` (the job, and the events appended by type since the last message), `finished`
 * (the job, completed; absent when it stopped), `failed`, `log`.
 */
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PrecedenceConfig, createPersonDecider, loadRegionTable } from '@registry/domain';
import { SqliteEventStore } from '@registry/event-store/sqlite/sqlite-event-store';
import { SqliteReadStore } from '@registry/read-store/sqlite/sqlite-read-store';
import { handleCommands } from '../common/event-sourcing/command-handling';
import { describeUnexpectedError } from '../common/redact';
import { ThreadMemory, threadMemory } from '../common/threads';
import { KeyRing, KeyRingFile } from '../config/key-ring';
import { personAggregate } from '../persons/person-aggregate';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ImportJob } from './import-job';
import { deprioritiseImportThread } from './import-priority';
import { ImportRun, ImportRunSettings } from './import-run';

/** How long an import batch waits for the event log's write lock before the import fails (resumable). */
const IMPORT_LOCK_WAIT_MS = 120_000;

export interface ImportThreadData {
  dataDir: string;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  keyRing: KeyRingFile;
  provinceCode: string;
  precedence: PrecedenceConfig;
  /** The nice value the thread takes (CLI_IMPORT_NICE); 0 leaves it alone. */
  nice: number;
  settings: ImportRunSettings;
  job: ImportJob;
}

export type ImportThreadMessage =
  | { type: 'progress'; job: ImportJob; appended: Record<string, number>; memory: ThreadMemory }
  | { type: 'finished'; job?: ImportJob }
  | { type: 'failed'; code?: string; message: string }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

async function main(port: NonNullable<typeof parentPort>, data: ImportThreadData): Promise<void> {
  const send = (message: ImportThreadMessage) => port.postMessage(message);
  let stopping = false;
  port.on('message', (message: { type: string }) => {
    if (message.type === 'stop') stopping = true;
  });
  const nice = deprioritiseImportThread(data.nice, { warn: (message: string) => send({ type: 'log', level: 'warn', message }) });
  if (nice !== undefined) send({ type: 'log', level: 'info', message: `Import ${data.job._id} runs in its own thread at nice ${nice}` });
  // The service's appends take the write lock between this thread's batches, many times a
  // second under load, and this thread runs at a low priority: it waits for its turn longer
  // than a request would before calling the store unavailable.
  const events = new SqliteEventStore(join(data.dataDir, 'events.sqlite'), {
    synchronous: data.sqliteSynchronous,
    groupCommit: false,
    busyTimeoutMs: IMPORT_LOCK_WAIT_MS,
  });
  const reads = new SqliteReadStore(join(data.dataDir, 'read.sqlite'));
  let job: ImportJob | undefined;
  try {
    const protector = new PersonalDataProtector(new KeyRing(data.keyRing, '', false));
    const aggregate = personAggregate(createPersonDecider({ precedence: data.precedence }), protector);
    let appended: Record<string, number> = {};
    const run = new ImportRun(data.job, {
      ...data.settings,
      reads,
      protector,
      regions: loadRegionTable(),
      provinceCode: data.provinceCode,
      personIdKey: Buffer.from(data.keyRing.personIdKey, 'base64'),
      execute: async (requests, context) => {
        const outcomes = await handleCommands(events, aggregate, requests, context, { states: false });
        for (const o of outcomes) if (o.status === 'applied') for (const e of o.events) appended[e.type] = (appended[e.type] ?? 0) + 1;
        return outcomes;
      },
      stopping: () => stopping,
      emit: (progress) => {
        send({ type: 'progress', job: progress, appended, memory: threadMemory() });
        appended = {};
      },
    });
    job = await run.run();
  } finally {
    await Promise.allSettled([events.close(), reads.close()]);
  }
  send({ type: 'finished', job });
  port.close();
}

if (parentPort) {
  const port = parentPort;
  main(port, workerData as ImportThreadData).catch((error: unknown) => {
    const code = (error as { code?: unknown }).code;
    // Ingest and mapping errors (a string code) name columns and files, never cell values; of
    // any other error only its name and frames leave the thread, as the service logs them.
    const known = error instanceof Error && typeof code === 'string';
    port.postMessage({
      type: 'failed',
      code: known ? code : undefined,
      message: known ? error.message : describeUnexpectedError(error),
    } satisfies ImportThreadMessage);
    port.close();
  });
}
