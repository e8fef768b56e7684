import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'registry_' });
  }
}
