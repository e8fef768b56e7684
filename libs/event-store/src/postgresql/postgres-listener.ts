import { Client, type ClientConfig } from 'pg';
import type { AppendNotifier } from '../shared/append-notifier';

/**
 * Keeps one connection LISTENing on the store's channel and passes every notification (an
 * append committed by any process) to the notifier, which wakes waiting subscriptions. The
 * connection is opened when the first subscription starts waiting; when it drops, it is
 * opened again with back-off, and until then the subscriptions' polling carries them.
 */
export class PostgresListener {
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 100;
  private closed = false;

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly notifier: AppendNotifier,
  ) {}

  /** Starts listening if not already; never throws (polling covers a failed connection). */
  ensure(): void {
    if (this.closed || this.client || this.connecting || this.retryTimer) return;
    this.connecting = this.connect().finally(() => (this.connecting = undefined));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client(this.config);
    const lost = (): void => {
      if (this.client !== client) return;
      this.client = undefined;
      void client.end().catch(() => undefined);
      this.retry();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', () => this.notifier.notify());
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.retry();
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryDelayMs = 100;
    // Appends committed while nobody listened are found by the re-read this wake-up causes.
    this.notifier.notify();
  }

  private retry(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 10_000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ensure();
    }, delay);
    this.retryTimer.unref();
  }
}
