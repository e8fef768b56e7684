import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The time every time-bound rule reads (phone codes, rate windows, reminder periods and
 * quiet hours): one injectable clock, so tests set the time instead of waiting for it.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}

@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
