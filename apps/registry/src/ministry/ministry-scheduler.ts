import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { ExchangeLease } from './exchange-lease';
import { MinistryClient } from './ministry-client';
import { MinistryInteractionsService } from './ministry-interactions.service';
import { MinistryUploadService } from './ministry-upload.service';
import { describeUnexpectedError } from '../common/redact';

export const UPLOAD_INTERVAL = 'ministry-upload';
export const DOWNLOAD_INTERVAL = 'ministry-interactions';

/**
 * Registers the periodic upload and download with @nestjs/schedule once the application
 * is up (intervals come from configuration, so they are added at run time rather than by
 * decorator). Nothing is scheduled when the exchange is disabled, when an interval is 0,
 * or in CLI processes, which run only what they are asked to.
 */
@Injectable()
export class MinistryScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MinistryScheduler');

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly client: MinistryClient,
    private readonly uploads: MinistryUploadService,
    private readonly downloads: MinistryInteractionsService,
    private readonly lease: ExchangeLease,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.client.enabled) {
      this.logger.log('Ministry exchange disabled (MINISTRY_URL is unset)');
      return;
    }
    if (process.env.REGISTRY_CLI === '1') return;
    this.every(UPLOAD_INTERVAL, this.config.MINISTRY_UPLOAD_INTERVAL_MS, () => this.uploads.uploadNow());
    this.every(DOWNLOAD_INTERVAL, this.config.MINISTRY_DOWNLOAD_INTERVAL_MS, () => this.downloads.downloadInteractions());
  }

  private every(name: string, ms: number, run: () => Promise<unknown>): void {
    if (ms <= 0) return;
    const timer = setInterval(() => {
      // Outcomes are recorded in the exchange state; a thrown store error must not crash the timer.
      run().catch((error: unknown) => this.logger.error(`${name} run failed: ${describeUnexpectedError(error)}`));
    }, ms);
    timer.unref();
    this.registry.addInterval(name, timer);
    this.logger.log(`${name} every ${ms} ms`);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const name of [UPLOAD_INTERVAL, DOWNLOAD_INTERVAL]) {
      if (this.registry.doesExist('interval', name)) this.registry.deleteInterval(name);
    }
    await this.lease.drain();
  }
}
