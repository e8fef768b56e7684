import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { Public } from '../auth/auth.decorators';
import { AppConfig } from '../config/app-config';
import { MinistryExchangeService } from '../ministry/ministry-exchange.service';
import { ProjectionsService } from '../projections/projections.service';

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
      () => this.ping('eventStore', this.events.engine, () => this.events.ping()),
      () => this.ping('readStore', this.reads.engine, () => this.reads.ping()),
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
      const { healthy, details } = await this.ministry.health();
      return healthy ? session.up(details) : session.down(details);
    } catch (error) {
      return session.down({ state: 'unknown', error: error instanceof Error ? error.name : 'unavailable' });
    }
  }

  private async ping(key: string, kind: string, ping: () => Promise<void>) {
    const session = this.indicator.check(key);
    try {
      await ping();
      return session.up({ kind });
    } catch (error) {
      return session.down({ kind, error: error instanceof Error ? error.name : 'unreachable' });
    }
  }
}
