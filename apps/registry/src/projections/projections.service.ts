import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { Projection, ProjectionRunner, ProjectionStatus, ReadModels } from '@registry/projections';
import { READ_STORE, Collection, Document, ReadStore } from '@registry/read-store';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';

/**
 * Hosts the projection runner for this instance. Capabilities register their projections
 * while modules initialise; the runner starts once the application has bootstrapped, so
 * every projection is known before the first lease is taken. Instances with
 * PROJECTIONS_ENABLED=false (and CLI commands that do not need them) only read.
 */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projections');
  private readonly projections: Projection[] = [];
  readonly readModels: ReadModels;
  private runner?: ProjectionRunner;
  private metricsTimer?: NodeJS.Timeout;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.readModels = new ReadModels(reads);
  }

  register(projection: Projection): void {
    if (this.runner) throw new Error(`Projection ${projection.name} registered after start`);
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
    const log = this.logger;
    this.runner = new ProjectionRunner({
      eventStore: this.events,
      readStore: this.reads,
      readModels: this.readModels,
      instanceId: this.config.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
      logger: {
        info: (message: string, fields?: Record<string, unknown>) => log.log(withFields(message, fields)),
        warn: (message: string, fields?: Record<string, unknown>) => log.warn(withFields(message, fields)),
        error: (message: string, fields?: Record<string, unknown>) => log.error(withFields(message, fields)),
      },
    });
    await this.runner.start(this.projections);
    this.metricsTimer = setInterval(() => this.publishMetrics(), 2000);
    this.metricsTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    await this.runner?.stop();
  }

  status(): ProjectionStatus[] {
    return this.runner?.status() ?? [];
  }

  get running(): boolean {
    return this.runner !== undefined;
  }

  collection<T extends Document>(projection: string, logical: string): Promise<Collection<T>> {
    return this.readModels.collection<T>(projection, logical);
  }

  /** For tests, the CLI and commands that answer "after the read model caught up". */
  async waitUntilCaughtUp(name?: string, timeoutMs = 30_000): Promise<void> {
    if (!this.runner) throw new Error('Projection workers are not running in this instance');
    await this.runner.waitUntilCaughtUp(name, timeoutMs);
  }

  rebuild(name: string): Promise<void> {
    if (!this.runner) throw new Error('Projection workers are not running in this instance');
    return this.runner.rebuild(name);
  }

  publishMetrics(): void {
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
