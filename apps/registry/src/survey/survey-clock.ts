import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';

/**
 * The survey's sense of "now": the time a command is received, and today's date for due
 * dates and overdue lists. It reads the registry's one clock, so a test that sets the time
 * for reminders or phone codes moves the survey's calendar with it.
 */
@Injectable()
export class SurveyClock {
  constructor(private readonly clock: Clock) {}

  now(): Date {
    return this.clock.now();
  }

  /** `YYYY-MM-DD` (UTC). */
  today(): string {
    return this.now().toISOString().slice(0, 10);
  }
}
