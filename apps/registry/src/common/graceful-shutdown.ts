import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { AppConfig } from '../config/app-config';

/**
 * On SIGTERM (or app.close()), before any store closes: the listening socket stops accepting,
 * requests already received are answered (each connection closes once it is idle), and the
 * shutdown goes on when the last one is done or after SHUTDOWN_GRACE_MS, whichever is first.
 * Imports and comparison runs have their own hooks that end them at a batch boundary meanwhile.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
  ) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    if (signal) this.logger.log(`${signal}: answering the requests in flight, accepting no new ones`);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A keep-alive connection that finishes its request becomes idle: close it then, not at its timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.config.SHUTDOWN_GRACE_MS)));
    const outcome = await Promise.race([closed, grace]);
    clearInterval(sweep);
    clearTimeout(timer);
    if (outcome === 'late') {
      this.logger.warn(`Requests still running after ${this.config.SHUTDOWN_GRACE_MS} ms; closing their connections`);
      server.closeAllConnections();
    }
  }
}
