import type { EventSubscription, RecordedEvent } from '@registry/event-store';

/**
 * Pulls a subscription into a bounded queue so the worker can take whole batches without one
 * promise race per event, and so reading the next page can overlap a batch's store write on
 * adapters that do real I/O. Back-pressure: the pump stops pulling at `highWater` queued events.
 */
export class EventPump {
  private queue: RecordedEvent[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  /** The consumer waiting for `wanted` events (or the end). */
  private wanted = 0;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;
  readonly done: Promise<void>;

  constructor(
    private readonly subscription: EventSubscription,
    private readonly highWater: number,
  ) {
    this.done = this.run();
  }

  get available(): number {
    return this.queue.length;
  }

  /** Throws once the subscription has ended (failed or closed under us) and the queue is drained. */
  assertOpen(): void {
    if (!this.ended || this.queue.length > 0) return;
    throw this.failure ? this.failure.error : new Error('event subscription ended unexpectedly');
  }

  /** Resolves when at least `count` events are queued, the subscription ended, or after `ms`. */
  waitFor(count: number, ms: number): Promise<void> {
    if (this.queue.length >= count || this.ended) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeConsumer === done) this.wakeConsumer = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wanted = count;
      this.wakeConsumer = done;
    });
  }

  /** Up to `max` queued events, oldest first. */
  take(max: number): RecordedEvent[] {
    const out = this.queue.length <= max ? this.queue : this.queue.slice(0, max);
    this.queue = this.queue.length <= max ? [] : this.queue.slice(max);
    this.wakeProducer?.();
    return out;
  }

  /** Unblocks every wait; the subscription's close ends the producer loop. */
  wake(): void {
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  private async run(): Promise<void> {
    try {
      for await (const event of this.subscription) {
        this.queue.push(event);
        if (this.wakeConsumer && this.queue.length >= this.wanted) this.wakeConsumer();
        if (this.queue.length >= this.highWater) {
          await new Promise<void>((resolve) => (this.wakeProducer = resolve));
          this.wakeProducer = null;
        }
      }
    } catch (error) {
      this.failure = { error };
    } finally {
      this.ended = true;
      this.wakeConsumer?.();
    }
  }
}
