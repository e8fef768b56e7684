import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { Public } from '../auth/auth.decorators';
import { AppConfig } from '../config/app-config';
import { MinistryExchangeService } from '../ministry/ministry-exchange.service';
import { ProjectionsService } from '../projections/projections.service';

/** How long /health waits for a store's ping. */
const PING_TIMEOUT_MS = 2000;

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly projections: ProjectionsService,
    private readonly config: AppConfig,
    private readonly ministry: MinistryExchangeService,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Store reachability, projection lag and the ministry exchange (no token needed)' })
  check() {
    return this.health.check([
      () => this.ping('eventStore', 'EVENT_STORE_UNAVAILABLE', this.events.engine, () => this.events.ping()),
      () => this.ping('readStore', 'READ_STORE_UNAVAILABLE', this.reads.engine, () => this.reads.ping()),
      () => this.projectionHealth(),
      () => this.ministryHealth(),
    ]);
  }

  /**
   * Each projection's lag (events behind the head), parked events and state. Down when a
   * projection has parked events or lags more than HEALTH_MAX_PROJECTION_LAG: the read
   * models are then stale or incomplete, which callers of list endpoints must know.
   */
  private projectionHealth() {
    const session = this.indicator.check('projections');
    const statuses = this.projections.status();
    const details = Object.fromEntries(
      statuses.map((s) => [
        s.name,
        {
          state: s.state,
          version: s.version,
          checkpoint: s.checkpoint,
          head: s.head,
          lag: s.lag,
          parked: s.parked,
          leaseHeld: s.leaseHeld,
          rebuilding: s.rebuild !== null,
        },
      ]),
    );
    const unhealthy = statuses.filter((s) => s.parked > 0 || s.lag > this.config.HEALTH_MAX_PROJECTION_LAG || s.state === 'failing');
    const summary = { running: this.projections.running, ...details };
    return unhealthy.length > 0 ? session.down(summary) : session.up(summary);
  }

  /**
   * The ministry exchange: 'disabled' (up) without MINISTRY_URL; down after three failed
   * runs in a row or when unacknowledged events wait longer than MINISTRY_MAX_PENDING_AGE_MS.
   */
  private async ministryHealth() {
    const session = this.indicator.check('ministry');
    try {
      const { healthy, details } = await withinPingTimeout(this.ministry.health());
      return healthy ? session.up(details) : session.down(details);
    } catch (error) {
      return session.down({ state: 'unknown', error: error instanceof Error ? error.name : 'unavailable' });
    }
  }

  /**
   * A store that does not answer within PING_TIMEOUT_MS is down (a client waiting for a server
   * that went away would otherwise hold /health for its own selection timeout, 30 s on MongoDB),
   * with a stable `code` beside the error's class name.
   */
  private async ping(key: string, code: string, kind: string, ping: () => Promise<void>) {
    const session = this.indicator.check(key);
    try {
      await withinPingTimeout(ping());
      return session.up({ kind });
    } catch (error) {
      return session.down({ kind, code, error: error instanceof Error ? error.name : 'unreachable' });
    }
  }
}

/** The answer, or a `Timeout` error once PING_TIMEOUT_MS has passed. */
async function withinPingTimeout<T>(answer: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('no answer'), { name: 'Timeout' })), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
