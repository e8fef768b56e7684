import { HttpStatus, Inject, Injectable, Logger, BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { isIngestSourceKind } from '@registry/ingest';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { deterministicEventId } from '../common/event-sourcing/command-handling';
import { ProblemException } from '../common/problem';
import { describeUnexpectedError } from '../common/redact';
import { runsInThread, startThread } from '../common/threads';
import { AppConfig, importBatchRows } from '../config/app-config';
import { KeyRing } from '../config/key-ring';
import { MetricsService } from '../metrics/metrics.service';
import { ExecutePersonCommands, CountedPersonOutcome } from '../persons/execute-person-commands';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ReferenceData } from '../reference/reference-data.module';
import { IMPORT_JOBS, IMPORT_REJECTIONS, ImportJob, ImportRejection, emptyCounts } from './import-job';
import { ImportRun, ImportRunSettings } from './import-run';
import type { ImportThreadData, ImportThreadMessage } from './import-thread';

export interface SubmitImport {
  source: string;
  filePath: string;
  fileName: string;
  format?: string;
  encoding?: string;
  caller: Principal;
  channel: 'http' | 'cli';
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Imports department files: read (streamed), clean, quarantine what cannot be used, and
 * apply the rest through the person commands in batches (one append transaction per
 * batch). The import id is derived from the source kind and the file's content hash, so
 * the same file sent again is the same import and changes nothing; event ids derive from
 * the source record, so a restarted import appends nothing twice. One import runs at a
 * time per instance; others wait in order.
 *
 * On the embedded default an import runs in a thread of its own (IMPORT_THREAD, see
 * import-thread.ts), so the thread that answers requests only receives its progress.
 */
@Injectable()
export class ImportService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Imports');
  private queue: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private readonly listeners = new Set<(job: ImportJob) => void>();
  /** Imports queued or running in this instance. */
  private readonly active = new Set<string>();
  /** Asks the running import thread, if any, to stop at its next row. */
  private stopThread?: () => void;

  constructor(
    @Inject(READ_STORE) private readonly reads: ReadStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly commands: CommandBus,
    private readonly protector: PersonalDataProtector,
    private readonly reference: ReferenceData,
    private readonly keys: KeyRing,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Whether imports run in a thread of their own: on the embedded stores (which another
   * connection can share), in the service (the CLI runs the one import it was asked for).
   */
  get threaded(): boolean {
    return process.env.REGISTRY_CLI !== '1' && runsInThread(this.config.IMPORT_THREAD, [this.events, this.reads]);
  }

  private get jobs() {
    return this.reads.collection<ImportJob>(IMPORT_JOBS);
  }

  onProgress(listener: (job: ImportJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Imports interrupted by a stop or crash resume when the service starts again. */
  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.ensureIndexes([{ name: 'state', fields: [['state', 1]] }]);
    await this.reads.collection(IMPORT_REJECTIONS).ensureIndexes([
      {
        name: 'import_row',
        fields: [
          ['importId', 1],
          ['rowNumber', 1],
        ],
      },
    ]);
    if (process.env.REGISTRY_CLI === '1') return; // the CLI runs the imports it is asked to, not leftovers
    await this.sweepUploads();
    const pending = await this.jobs.find({ state: { in: ['queued', 'running'] } }, { sort: [['createdAt', 1]], limit: 100 });
    for (const job of pending.items) {
      this.logger.log(`Resuming import ${job._id} from row ${job.committedRow}`);
      this.enqueue(job._id);
    }
  }

  /**
   * Uploads no unfinished import refers to (a request refused before its import was
   * registered, a crash between upload and registration) are removed at start.
   */
  private async sweepUploads(): Promise<void> {
    const dir = join(this.config.DATA_DIR, 'uploads');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    const unfinished = await this.jobs.find({ state: { in: ['queued', 'running', 'failed'] } }, { limit: 1000, fields: ['filePath'] });
    const keep = new Set(unfinished.items.map((j) => j.filePath));
    for (const name of names) {
      const path = join(dir, name);
      if (!keep.has(path)) await rm(path, { force: true });
    }
  }

  /**
   * On a stop, the running import stores what its committed batches did and returns at the next
   * row (the rows read since resume at the next start); the stores close only after that, or
   * after SHUTDOWN_GRACE_MS.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.stopThread?.();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.SHUTDOWN_GRACE_MS)));
    await Promise.race([this.queue.catch(() => undefined), grace]);
    clearTimeout(timer);
  }

  /** Registers an import (or finds the same file's earlier one) and queues it. */
  async submit(input: SubmitImport): Promise<ImportJob> {
    if (!isIngestSourceKind(input.source)) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'IMPORT_UNKNOWN_SOURCE',
        'source must be one of the source kinds listed in the README.',
      );
    }
    if (input.format && !['csv', 'xlsx', 'ndjson'].includes(input.format)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'IMPORT_UNKNOWN_FORMAT', 'format must be csv, xlsx or ndjson.');
    }
    if (input.encoding && !['utf-8', 'gb18030', 'gbk'].includes(input.encoding)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'IMPORT_UNKNOWN_ENCODING', 'encoding must be utf-8, gb18030 or gbk.');
    }
    const fileHash = await hashFile(input.filePath);
    // The submitter's region is part of the id: the same file sent from another region is that region's own import
    // (its rows are applied within that region), never the earlier import of a region the caller may not see.
    const id = `imp_${createHash('sha256').update(`${input.source}|${input.caller.regionPrefix}|${fileHash}`).digest('hex').slice(0, 24)}`;
    const existing = await this.jobs.get(id);
    if (existing) {
      if (existing.state === 'failed') {
        // Queued again: the failed run's error and end time no longer describe it (a patch cannot remove fields).
        const { error: _error, finishedAt: _finishedAt, ...retry } = existing;
        await this.jobs.upsert({ ...retry, state: 'queued', filePath: input.filePath });
        this.enqueue(id);
        return (await this.jobs.get(id))!;
      }
      if ((existing.state === 'queued' || existing.state === 'running') && !this.active.has(id)) {
        // Left unfinished by a process that stopped (a killed CLI, a crash): go on from its committed row here.
        await this.jobs.patch(id, { filePath: input.filePath });
        this.enqueue(id);
        return (await this.jobs.get(id))!;
      }
      return existing;
    }
    const job: ImportJob = {
      _id: id,
      source: input.source,
      fileName: input.fileName.slice(0, 200),
      filePath: input.filePath,
      fileHash,
      fileBytes: statSync(input.filePath).size,
      requestedFormat: input.format,
      requestedEncoding: input.encoding,
      state: 'queued',
      submittedBy: {
        operator: input.caller.subject,
        role: input.caller.roles.join(','),
        region: input.caller.region,
        channel: input.channel,
      },
      createdAt: new Date().toISOString(),
      committedRow: 0,
      counts: emptyCounts(),
      progress: { bytesRead: 0, totalBytes: statSync(input.filePath).size, fraction: 0, rowsPerSecond: 0 },
      reasonsByCode: {},
      warningsByCode: {},
    };
    await this.jobs.upsert(job);
    this.enqueue(id);
    return job;
  }

  async get(id: string): Promise<ImportJob | null> {
    return /^imp_[0-9a-f]{24}$/.test(id) ? this.jobs.get(id) : null;
  }

  /** Resolves when the import has finished (completed or failed). */
  async waitFor(id: string): Promise<ImportJob> {
    await this.queue;
    const job = await this.jobs.get(id);
    if (!job) throw new Error(`import ${id} not found`);
    if (job.state === 'queued' || job.state === 'running') {
      // Running elsewhere: poll, instead of re-reading in a loop that never yields to I/O.
      if (!this.active.has(id)) await new Promise((resolve) => setTimeout(resolve, 250));
      return this.waitFor(id);
    }
    return job;
  }

  private enqueue(id: string): void {
    if (this.active.has(id)) return;
    this.active.add(id);
    this.queue = this.queue
      .then(() => this.run(id))
      .catch((error: unknown) => {
        this.logger.error(`Import ${id} failed: ${describeUnexpectedError(error)}`);
      })
      .finally(() => this.active.delete(id));
  }

  private async run(id: string): Promise<void> {
    const job = await this.jobs.get(id);
    if (!job || job.state === 'completed' || this.stopping) return;
    try {
      await this.execute(job);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const failed: ImportJob = {
        ...(await this.jobs.get(id))!,
        state: 'failed',
        finishedAt: new Date().toISOString(),
        error: {
          code: typeof code === 'string' ? code : 'IMPORT_FAILED',
          // Messages of the ingest and mapping errors name columns and files, never cell values.
          message:
            error instanceof Error && typeof code === 'string'
              ? error.message
              : 'The import stopped on an unexpected error; it resumes where it stopped when submitted again.',
        },
      };
      await this.jobs.upsert(failed);
      this.emit(failed);
      this.logger.warn(`Import ${id} failed at row ${failed.committedRow}: ${failed.error!.code}`);
      if (typeof code !== 'string') throw error;
    }
  }

  private emit(job: ImportJob): void {
    for (const listener of this.listeners) listener(job);
  }

  private get settings(): ImportRunSettings {
    return {
      batchRows: importBatchRows(this.config),
      progressIntervalMs: this.config.IMPORT_PROGRESS_INTERVAL_MS,
      readLimits: {
        maxRecordBytes: this.config.IMPORT_MAX_ROW_BYTES,
        maxColumns: this.config.IMPORT_MAX_COLUMNS,
        xlsxMaxInflatedBytes: this.config.IMPORT_XLSX_MAX_INFLATED_BYTES,
      },
    };
  }

  /** Runs the import in this thread, its batches through the CommandBus. */
  private runHere(initial: ImportJob): Promise<ImportJob | undefined> {
    return new ImportRun(initial, {
      ...this.settings,
      execute: (requests, context) =>
        this.commands.execute<ExecutePersonCommands<number, undefined>, CountedPersonOutcome<number>[]>(
          ExecutePersonCommands.counted(requests, context),
        ),
      reads: this.reads,
      protector: this.protector,
      regions: this.reference.regions,
      provinceCode: this.reference.provinceCode,
      personIdKey: this.keys.personIdKey,
      stopping: () => this.stopping,
      emit: (job) => this.emit(job),
    }).run();
  }

  /**
   * Runs the import in a thread of its own and relays its progress. Resolves with the
   * completed job, or undefined when it stopped for a shutdown; rejects as the run would.
   */
  private runInThread(initial: ImportJob): Promise<ImportJob | undefined> {
    const data: ImportThreadData = {
      dataDir: this.config.DATA_DIR,
      sqliteSynchronous: this.config.SQLITE_SYNCHRONOUS,
      keyRing: this.keys.file,
      provinceCode: this.reference.provinceCode,
      precedence: this.reference.precedence,
      nice: this.config.CLI_IMPORT_NICE,
      settings: this.settings,
      job: initial,
    };
    const worker = startThread(resolve(__dirname, `import-thread${extname(__filename)}`), data);
    this.stopThread = () => worker.postMessage({ type: 'stop' });
    if (this.stopping) this.stopThread();
    // A promise settles once: an 'exit' after 'finished' or 'failed' changes nothing.
    return new Promise<ImportJob | undefined>((resolveRun, rejectRun) => {
      worker.on('message', (message: ImportThreadMessage) => {
        switch (message.type) {
          case 'progress':
            for (const [type, count] of Object.entries(message.appended)) this.metrics.eventsAppended.inc({ type }, count);
            this.metrics.reportThreadMemory('import', message.memory);
            this.emit(message.job);
            break;
          case 'finished':
            resolveRun(message.job);
            break;
          case 'failed':
            if (!message.code) this.logger.error(`Import ${initial._id}: the import thread failed: ${message.message}`);
            rejectRun(Object.assign(new Error(message.message), { code: message.code }));
            break;
          case 'log':
            if (message.level === 'warn') this.logger.warn(message.message);
            else this.logger.log(message.message);
            break;
        }
      });
      worker.on('error', rejectRun);
      worker.on('exit', (code) => rejectRun(new Error(`The import thread exited with code ${code} before it finished`)));
    }).finally(() => {
      this.stopThread = undefined;
      this.metrics.reportThreadMemory('import', undefined);
    });
  }

  private async execute(initial: ImportJob): Promise<void> {
    const job = this.threaded ? await this.runInThread(initial) : await this.runHere(initial);
    if (!job) return;
    // An uploaded copy holds a department's personal data in clear: once its rows are
    // events (sealed) and rejections (sealed), it goes. Files named on the CLI are the user's.
    if (job.submittedBy.channel === 'http') {
      await rm(job.filePath, { force: true });
      job.fileRemoved = true;
    }
    await this.jobs.upsert(job);
    this.emit(job);
    await this.events.appendToStream(`import-${job._id}`, [
      {
        id: deterministicEventId('import-completed', job._id),
        type: 'ImportCompleted',
        data: {
          importId: job._id,
          source: job.source,
          fileHash: job.fileHash,
          counts: job.counts,
          reasonsByCode: job.reasonsByCode,
          warningsByCode: job.warningsByCode,
          fieldsPresent: job.fieldsPresent ?? {},
          fieldsMissing: job.fieldsMissing ?? [],
        },
        metadata: {
          operator: job.submittedBy.operator,
          role: job.submittedBy.role,
          region: job.submittedBy.region,
          channel: 'import',
          sourceSystem: job.source,
          correlationId: job._id,
          occurredAt: job.finishedAt!,
        },
      },
    ]);
    this.logger.log(
      `Import ${job._id} completed: ${job.counts.read} read, ${job.counts.imported} imported, ${job.counts.quarantined} quarantined`,
    );
  }

  /** Quarantined rows of an import, opened for download. */
  async *rejections(id: string): AsyncGenerator<{ rowNumber: number; codes: string; messages: string; raw: string }> {
    let cursor: string | undefined;
    const collection = this.reads.collection<ImportRejection>(IMPORT_REJECTIONS);
    do {
      const page = await collection.find({ importId: id }, { sort: [['rowNumber', 1]], limit: 1000, cursor });
      for (const r of page.items) {
        const raw = this.protector.openFromDocument<{ raw: string }>(r._id, r.raw)?.raw ?? '';
        yield {
          rowNumber: r.rowNumber,
          codes: r.reasons.map((x) => x.code).join(' '),
          messages: r.reasons.map((x) => x.message).join('; '),
          raw,
        };
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
}
