import { Inject, Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { Lease } from '@registry/projections';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { AppConfig } from '../config/app-config';

const TTL_MS = 10 * 60_000;

/**
 * One exchange run at a time across all instances (the same lease the projection workers
 * use): several stateless instances would otherwise upload the same positions in
 * parallel. Within one instance, concurrent callers join the run in progress.
 */
@Injectable()
export class ExchangeLease {
  private readonly lease: Lease;
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(@Inject(READ_STORE) reads: ReadStore, config: AppConfig) {
    this.lease = new Lease(reads, config.INSTANCE_ID ?? `${hostname()}-${process.pid}`, TTL_MS, () => Date.now());
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  /**
   * Runs `fn` holding the lease `name`; `busy` when another instance holds it. `renew`
   * extends the lease and reports whether it is still ours (call it between batches).
   */
  run<T>(name: string, fn: (renew: () => Promise<boolean>) => Promise<T>, busy: () => T): Promise<T> {
    const current = this.running.get(name);
    if (current) return current as Promise<T>;
    const run = (async () => {
      const taken = await this.lease.acquire(`ministry:${name}`);
      if (!taken.held) return busy();
      try {
        return await fn(async () => (await this.lease.acquire(`ministry:${name}`)).held);
      } finally {
        await this.lease.release(`ministry:${name}`).catch(() => undefined);
      }
    })().finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  /** Waits for runs in progress (shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
