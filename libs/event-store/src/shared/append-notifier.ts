import type { CloseSignal } from './close-signal';

/**
 * Wakes this instance's waiting subscriptions after each committed append: its own appends
 * call `notify` at once, and an adapter that hears of other writers' appends (PostgreSQL's
 * LISTEN) calls it too. Per store instance on purpose: a waiter that misses a wake-up still
 * re-reads after `timeoutMs`, the polling that catches writers nobody announces.
 */
export class AppendNotifier {
  /** Number of notifications so far; lets a waiter detect one it would otherwise miss. */
  count = 0;
  private readonly waiters = new Set<() => void>();

  notify(): void {
    this.count += 1;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next append, after `timeoutMs` (the cross-process poll), or on close. */
  wait(seenCount: number, timeoutMs: number, signal: CloseSignal): Promise<void> {
    if (this.count !== seenCount || signal.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        unregister();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      const unregister = signal.onClose(done);
    });
  }
}
