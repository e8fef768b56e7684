import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ThreadMemory, threadMemory } from '../common/threads';

/**
 * The service's Prometheus registry. Labels are route templates, codes and projection
 * names: never a value from a request, so no personal data can reach a label.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'registry_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly projectionLag = new Gauge({
    name: 'registry_projection_lag_events',
    help: 'Events between the head of the event log and a projection checkpoint',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionCheckpoint = new Gauge({
    name: 'registry_projection_checkpoint_position',
    help: 'Global position a projection has processed up to',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly projectionParked = new Gauge({
    name: 'registry_projection_parked_events',
    help: 'Events a projection could not handle and parked',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly eventsAppended = new Counter({
    name: 'registry_events_appended_total',
    help: 'Events appended by command handlers, by event type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  /**
   * Each thread's heap and array buffers (`main`, `projections`, `import`): the process's
   * resident set less these is mostly SQLite's page caches, code and stacks. A thread that
   * stopped has no series.
   */
  readonly threadMemory = new Gauge({
    name: 'registry_thread_memory_bytes',
    help: "A thread's V8 heap (committed and used) and array buffers, by thread",
    labelNames: ['thread', 'kind'] as const,
    registers: [this.registry],
    // The main thread's own figures are read when scraped; the other threads send theirs.
    collect: () => this.reportThreadMemory('main', threadMemory()),
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'registry_' });
  }

  /** Sets a thread's series from what it reported, or removes them (undefined: the thread stopped). */
  reportThreadMemory(thread: 'main' | 'projections' | 'import', memory: ThreadMemory | undefined): void {
    for (const [kind, key] of THREAD_MEMORY_KINDS) {
      if (memory) this.threadMemory.set({ thread, kind }, memory[key]);
      else this.threadMemory.remove({ thread, kind });
    }
  }
}

const THREAD_MEMORY_KINDS = [
  ['heap_total', 'heapTotal'],
  ['heap_used', 'heapUsed'],
  ['array_buffers', 'arrayBuffers'],
] as const;
