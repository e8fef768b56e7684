import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { extname, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { EVENT_STORE, EventStore, SqliteEventStore } from '@registry/event-store';
import { Projection, ProjectionRunner, ProjectionStatus, ReadModels, waitForProjections } from '@registry/projections';
import { READ_STORE, Collection, Document, ReadStore, SqliteReadStore } from '@registry/read-store';
import { AppConfig } from '../config/app-config';
import { instanceName } from '../common/leased-runs';
import { ThreadMemory, runsInThread, startThread } from '../common/threads';
import { KeyRing } from '../config/key-ring';
import { MetricsService } from '../metrics/metrics.service';
import { ReferenceData } from '../reference/reference-data.module';
import type { ProjectionThreadData, ProjectionThreadMessage } from './projection-thread';

/**
 * Hosts the projection runner for this instance. Capabilities register their projections
 * while modules initialise; the runner starts once the application has bootstrapped, so
 * every projection is known before the first lease is taken. Instances with
 * PROJECTIONS_ENABLED=false (and CLI commands that do not need them) only read.
 *
 * On the embedded default with more than one core the runner works in a thread of its own
 * (PROJECTION_THREAD=auto; see projection-thread.ts), so building read models does not take
 * turns with imports and HTTP on one event loop. Waiting for the read models reads the
 * checkpoints from the store, which works the same from either side.
 */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projections');
  private readonly projections: Projection[] = [];
  readonly readModels: ReadModels;
  private runner?: ProjectionRunner;
  private thread?: { worker: Worker; status: ProjectionStatus[]; memory?: ThreadMemory; stopped: Promise<void> };
  private metricsTimer?: NodeJS.Timeout;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly keys: KeyRing,
    private readonly reference: ReferenceData,
  ) {
    this.readModels = new ReadModels(reads);
  }

  register(projection: Projection): void {
    if (this.runner || this.thread) throw new Error(`Projection ${projection.name} registered after start`);
    this.projections.push(projection);
  }

  get registered(): readonly Projection[] {
    return this.projections;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.PROJECTIONS_ENABLED) {
      this.logger.log('Projection workers disabled in this instance');
      return;
    }
    if (this.threaded) {
      await this.startThread();
    } else {
      const log = this.logger;
      this.runner = new ProjectionRunner({
        eventStore: this.events,
        readStore: this.reads,
        readModels: this.readModels,
        instanceId: this.instanceId,
        leaseTtlMs: this.config.LEASE_MS,
        batchSize: this.config.PROJECTION_BATCH_EVENTS,
        logger: {
          info: (message: string, fields?: Record<string, unknown>) => log.log(withFields(message, fields)),
          warn: (message: string, fields?: Record<string, unknown>) => log.warn(withFields(message, fields)),
          error: (message: string, fields?: Record<string, unknown>) => log.error(withFields(message, fields)),
        },
      });
      await this.runner.start(this.projections);
    }
    this.metricsTimer = setInterval(() => this.publishMetrics(), 2000);
    this.metricsTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    await this.runner?.stop();
    if (this.thread) {
      const { worker, stopped } = this.thread;
      worker.postMessage({ type: 'stop' });
      const timeout = new Promise<void>((r) => setTimeout(r, 10_000).unref());
      await Promise.race([stopped, timeout]);
      await worker.terminate();
      this.thread = undefined;
    }
  }

  private get instanceId(): string {
    return instanceName(this.config);
  }

  /** Whether the runner works in a thread of its own (see the class comment). */
  get threaded(): boolean {
    return runsInThread(this.config.PROJECTION_THREAD, [this.events, this.reads]);
  }

  /**
   * In the service, the projection thread checkpoints the WALs of both SQLite files, and the
   * main thread's connections never do after their commits (see `checkpointsAfterCommit`):
   * a checkpoint copies up to 64 MiB back and fsyncs, 100–200 ms that would otherwise fall
   * on whichever request's commit crossed the threshold, most often during an import. `cli
   * import` keeps them in its own appending thread, where the projection thread is the slower.
   */
  private get handsOverCheckpoints(): boolean {
    return this.events instanceof SqliteEventStore && this.reads instanceof SqliteReadStore && process.env.REGISTRY_CLI !== '1';
  }

  private checkpointsAfterCommit(on: boolean): void {
    if (!this.handsOverCheckpoints) return;
    (this.events as SqliteEventStore).checkpointsAfterCommit(on);
    (this.reads as SqliteReadStore).checkpointsAfterCommit(on);
  }

  private async startThread(): Promise<void> {
    const data: ProjectionThreadData = {
      dataDir: this.config.DATA_DIR,
      sqliteSynchronous: this.config.SQLITE_SYNCHRONOUS,
      keyRing: this.keys.file,
      provinceCode: this.reference.provinceCode,
      instanceId: this.instanceId,
      leaseMs: this.config.LEASE_MS,
      batchSize: this.config.PROJECTION_BATCH_EVENTS,
      chainAlgorithm: this.config.AUDIT_HASH_ALGORITHM,
      checkpointForMain: this.handsOverCheckpoints,
    };
    const worker = startThread(resolve(__dirname, `projection-thread${extname(__filename)}`), data);
    let stoppedResolve!: () => void;
    const stopped = new Promise<void>((r) => (stoppedResolve = r));
    const thread: NonNullable<ProjectionsService['thread']> = { worker, status: [], stopped };
    this.thread = thread;
    await new Promise<void>((resolveStart, rejectStart) => {
      worker.on('message', (message: ProjectionThreadMessage) => {
        switch (message.type) {
          case 'started': {
            const expected = this.projections.map((p) => `${p.name}@${p.version}`).join(',');
            const actual = message.projections.map((p) => `${p.name}@${p.version}`).join(',');
            if (expected !== actual) this.logger.error(`Projection thread runs ${actual}, the service registered ${expected}`);
            this.logger.log(`Projection workers running in their own thread: ${actual}`);
            this.checkpointsAfterCommit(false);
            resolveStart();
            break;
          }
          case 'status':
            thread.status = message.status;
            thread.memory = message.memory;
            break;
          case 'log':
            if (message.level === 'error') this.logger.error(message.message);
            else if (message.level === 'warn') this.logger.warn(message.message);
            else this.logger.log(message.message);
            break;
          case 'stopped':
            stoppedResolve();
            break;
          case 'failed':
            this.logger.error(`Projection thread failed: ${message.message}`);
            rejectStart(new Error(`Projection thread failed to start: ${message.message}`));
            break;
        }
      });
      worker.on('error', (error) => {
        this.logger.error(`Projection thread stopped with an error: ${error.name}: ${error.message}`);
        rejectStart(error);
      });
      worker.on('exit', () => {
        thread.memory = undefined;
        this.metrics.reportThreadMemory('projections', undefined);
        // Nobody else checkpoints the event log now.
        this.checkpointsAfterCommit(true);
        stoppedResolve();
      });
    });
  }

  status(): ProjectionStatus[] {
    return this.thread?.status ?? this.runner?.status() ?? [];
  }

  /** The projection thread's heap and buffers as it last reported them (about every 250 ms); undefined without a thread. */
  threadMemory(): ThreadMemory | undefined {
    return this.thread?.memory;
  }

  get running(): boolean {
    return this.runner !== undefined || this.thread !== undefined;
  }

  collection<T extends Document>(projection: string, logical: string): Promise<Collection<T>> {
    return this.readModels.collection<T>(projection, logical);
  }

  /** For tests, the CLI and commands that answer "after the read model caught up". */
  async waitUntilCaughtUp(name?: string, timeoutMs = 30_000): Promise<void> {
    if (!this.running) throw new Error('Projection workers are not running in this instance');
    const projections = name === undefined ? this.projections : this.projections.filter((p) => p.name === name);
    if (projections.length === 0) throw new Error(`Unknown projection ${name}`);
    await waitForProjections(this.events, this.reads, projections, timeoutMs);
  }

  publishMetrics(): void {
    if (this.thread?.memory) this.metrics.reportThreadMemory('projections', this.thread.memory);
    for (const s of this.status()) {
      this.metrics.projectionLag.set({ projection: s.name }, s.lag);
      this.metrics.projectionCheckpoint.set({ projection: s.name }, s.checkpoint);
      this.metrics.projectionParked.set({ projection: s.name }, s.parked);
    }
  }
}

/** Runner log fields are names, positions and error texts (never event data). */
function withFields(message: string, fields?: Record<string, unknown>): string {
  return fields ? `${message} ${JSON.stringify(fields)}` : message;
}
