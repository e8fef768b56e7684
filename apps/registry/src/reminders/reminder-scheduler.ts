import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { describeUnexpectedError } from '../common/redact';
import { ReminderCycle } from './reminder-cycle.service';

export const REMINDER_INTERVAL = 'reminder-cycle';

/**
 * Runs the reminder cycle every REMINDER_INTERVAL_MS with @nestjs/schedule (added at run time:
 * the interval is configuration). Not in CLI processes, which run a cycle only when asked
 * (`cli reminders run`).
 */
@Injectable()
export class ReminderScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reminders');

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly cycle: ReminderCycle,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const ms = this.config.REMINDER_INTERVAL_MS;
    if (process.env.REGISTRY_CLI === '1' || ms <= 0) return;
    const timer = setInterval(() => {
      this.cycle.run().catch((error: unknown) => this.logger.error(`reminder cycle failed: ${describeUnexpectedError(error)}`));
    }, ms);
    timer.unref();
    this.registry.addInterval(REMINDER_INTERVAL, timer);
    this.logger.log(`reminder cycle every ${ms} ms`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', REMINDER_INTERVAL)) this.registry.deleteInterval(REMINDER_INTERVAL);
    // A cycle in progress finishes its batch before the stores close.
    await this.cycle.idle();
  }
}
