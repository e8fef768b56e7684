import { Injectable } from '@nestjs/common';

/**
 * The survey's sense of "now": the time a command is received, and today's date for due
 * dates and overdue lists. One injectable, so a test can move the calendar forward instead
 * of waiting for a task to fall due.
 */
@Injectable()
export class SurveyClock {
  now(): Date {
    return new Date();
  }

  /** `YYYY-MM-DD` (UTC). */
  today(): string {
    return this.now().toISOString().slice(0, 10);
  }
}
