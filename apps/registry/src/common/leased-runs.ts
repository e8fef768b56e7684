import { hostname } from 'node:os';
import { Lease } from '@registry/projections';
import type { ReadStore } from '@registry/read-store';

/** Settings a leased run needs from the configuration. */
export interface LeaseSettings {
  INSTANCE_ID?: string;
  LEASE_MS: number;
}

/**
 * The instance name leases are held under: INSTANCE_ID, or host name and pid. A CLI process
 * is always an instance of its own (`<name>-cli-<pid>`): it often runs with the service's own
 * settings, and two processes under one name would each take the other's lease for its own.
 */
export function instanceName(config: Pick<LeaseSettings, 'INSTANCE_ID'>, cli = process.env.REGISTRY_CLI === '1'): string {
  if (cli) return `${config.INSTANCE_ID ?? hostname()}-cli-${process.pid}`;
  return config.INSTANCE_ID ?? `${hostname()}-${process.pid}`;
}

/**
 * Runs that must go in one instance at a time across all instances (the same lease document
 * the projection workers use); within one instance, concurrent callers join the run in
 * progress.
 *
 * The lease lasts LEASE_MS and is renewed in the background every third of it while the run
 * goes on (a step may wait on a slow remote far longer than that), so an instance killed
 * during a run blocks the others for LEASE_MS at most. Once a renewal finds another holder
 * the lease stays lost for the rest of the run: the run learns it from `renew` between its
 * steps and stops there.
 */
export class LeasedRuns {
  private readonly lease: Lease;
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly renewEveryMs: number;

  /** `prefix` names the leases' family (`ministry:`, `reminders:`). */
  constructor(
    reads: ReadStore,
    config: LeaseSettings,
    private readonly prefix: string,
  ) {
    this.lease = new Lease(reads, instanceName(config), config.LEASE_MS, () => Date.now());
    this.renewEveryMs = Math.max(100, Math.floor(config.LEASE_MS / 3));
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
      const key = `${this.prefix}${name}`;
      const taken = await this.lease.acquire(key);
      if (!taken.held) return busy();
      let lost = false;
      let expiresAt = taken.lease.expiresAt;
      let renewing = Promise.resolve();
      const renewOnce = (): Promise<boolean> => {
        renewing = renewing.then(async () => {
          if (lost) return;
          try {
            const renewed = await this.lease.acquire(key);
            if (renewed.held) expiresAt = renewed.lease.expiresAt;
            else lost = true;
          } catch {
            // The store did not answer: the lease is ours until it expires; the next renewal decides.
            if (Date.now() >= expiresAt - this.renewEveryMs) lost = true;
          }
        });
        return renewing.then(() => !lost);
      };
      const timer = setInterval(() => void renewOnce(), this.renewEveryMs);
      timer.unref();
      try {
        return await fn(renewOnce);
      } finally {
        clearInterval(timer);
        await renewing;
        if (!lost) await this.lease.release(key).catch(() => undefined);
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
