import { Observable } from 'rxjs';
import type { EventSubscription, RecordedEvent } from '../event-store.port';
import { CloseSignal } from './close-signal';

/**
 * Produces the events of one subscription. It must stop (return) soon after `signal`
 * closes, and should fetch from the store only when the consumer asks for the next event:
 * an async generator naturally does both, because its body only runs inside next().
 */
export type SubscriptionSource = (signal: CloseSignal) => AsyncGenerator<RecordedEvent, void, undefined>;

/**
 * The EventSubscription both adapters hand out: a single-consumer, pull-based async
 * iterator over a {@link SubscriptionSource}, an Observable view of the same iterator,
 * and close().
 */
export class PullSubscription implements EventSubscription {
  private readonly signal = new CloseSignal();
  private started = false;

  constructor(
    private readonly source: SubscriptionSource,
    /** Called once when the subscription ends for any reason (close, break, error). */
    private readonly onEnd: () => void = () => undefined,
  ) {}

  get closed(): boolean {
    return this.signal.closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    // One iterator per subscription: two consumers sharing one cursor would each see
    // half of the events, which is never what a projection wants.
    if (this.started) {
      throw new Error('An EventSubscription can be consumed once; call subscribe() again for another consumer');
    }
    this.started = true;
    return this.run();
  }

  /**
   * Drives the same iterator, emitting each event synchronously. Unsubscribing closes the
   * subscription. rxjs has no pull protocol, so a slow consumer should use concatMap
   * (which buffers) or, better, iterate the subscription directly.
   */
  asObservable(): Observable<RecordedEvent> {
    return new Observable<RecordedEvent>((subscriber) => {
      const iterator = this[Symbol.asyncIterator]();
      void (async () => {
        try {
          for (;;) {
            const next = await iterator.next();
            if (next.done || subscriber.closed) break;
            subscriber.next(next.value);
          }
          subscriber.complete();
        } catch (error) {
          subscriber.error(error);
        }
      })();
      return () => {
        void this.close();
      };
    });
  }

  async close(): Promise<void> {
    if (this.signal.closed) return;
    this.signal.close();
    this.onEnd();
  }

  private async *run(): AsyncGenerator<RecordedEvent, void, undefined> {
    try {
      if (this.signal.closed) return;
      yield* this.source(this.signal);
    } finally {
      // Reached on close, on `break` in the consumer's for-await, and on error.
      await this.close();
    }
  }
}
