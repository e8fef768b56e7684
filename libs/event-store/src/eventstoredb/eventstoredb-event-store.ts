import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { JSONType } from '@eventstore/db-client';
import type {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventStore,
  EventSubscription,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
} from '../event-store.port';
import { CloseSignal, sleep } from '../shared/close-signal';
import { dropRepeatedIds, matchesFilter } from '../shared/event-filter';
import { PullSubscription } from '../shared/pull-subscription';
import {
  backoffDelayMs,
  BackoffOptions,
  DEFAULT_BACKOFF,
  isRetryableSubscriptionError,
  toAppendResult,
  toEsdbExpectedRevision,
  toReadPosition,
  toRecordedEvent,
  toServerFilter,
  toStoreError,
} from './eventstoredb-mapping';

export interface EventStoreDbEventStoreOptions {
  /** Resubscription back-off after a dropped subscription. Default 100 ms doubling to 10 s. */
  backoff?: BackoffOptions;
  /**
   * Events a subscription or read buffers ahead of its consumer. When the buffer is full the
   * client stops reading the gRPC stream and HTTP/2 flow control pauses the server.
   * Default 500 (overridden per subscription by SubscribeOptions.batchSize).
   */
  bufferSize?: number;
  /** How far back an append that hit a conflict looks for its own ids (see appendToStream). Default 1000. */
  idempotenceWindow?: number;
  /** Told about each subscription drop before the retry; default: nothing (the caller's logger can be plugged in). */
  onSubscriptionDropped?: (error: unknown, retryInMs: number) => void;
}

/**
 * The production adapter, on EventStoreDB / KurrentDB through @eventstore/db-client 6.2.1.
 * Differences from the SQLite adapter that callers may notice:
 * - appendMany is not atomic (see there);
 * - readAll and headPosition filter client-side (the 6.2.1 client has no server-side
 *   filter for reads), subscriptions filter server-side;
 * - idempotence comes from the server's id check, plus a look at the stream's tail when an
 *   append conflicts (see appendToStream).
 */
export class EventStoreDbEventStore implements EventStore {
  readonly engine = 'eventstoredb';
  readonly capabilities = { atomicAppendMany: false, embedded: false } as const;

  private readonly client: EventStoreDBClient;
  private readonly backoff: BackoffOptions;
  private readonly bufferSize: number;
  private readonly idempotenceWindow: number;
  private readonly onSubscriptionDropped: (error: unknown, retryInMs: number) => void;
  private readonly subscriptions = new Set<PullSubscription>();
  private isClosed = false;

  /** @param connection an EventStoreDB connection string (esdb://…, kurrentdb://…) or a ready client. */
  constructor(connection: string | EventStoreDBClient, options: EventStoreDbEventStoreOptions = {}) {
    this.client = typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.bufferSize = options.bufferSize ?? 500;
    this.idempotenceWindow = options.idempotenceWindow ?? 1000;
    this.onSubscriptionDropped = options.onSubscriptionDropped ?? (() => undefined);
  }

  /**
   * The server drops a retried batch when it was written with the same expected revision
   * (and on a best-effort basis with 'any'). To honour the port's "already stored ids are
   * dropped before the revision check" when a caller retries with a *newer* expected
   * revision, a conflict triggers a look at the stream's last `idempotenceWindow` events:
   * if every id of the batch is there, the append is reported as done.
   */
  async appendToStream(stream: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    return this.appendUnique(stream, dropRepeatedIds(events), options);
  }

  /**
   * Appends stream by stream, in order. NOT atomic: if the third append conflicts, the first
   * two are stored and the error is thrown. Retrying the same call is safe because event
   * ids make the already-stored appends no-ops. Ids repeated within the call are stored once.
   */
  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    const seen = new Set<string>();
    const results: AppendResult[] = [];
    for (const append of appends) {
      results.push(
        await this.appendUnique(append.stream, dropRepeatedIds(append.events, seen), {
          expectedRevision: append.expectedRevision,
        }),
      );
    }
    return results;
  }

  async readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const unique = [...new Set(streams)];
    const out = new Map<string, RecordedEvent[]>();
    // A few reads in flight at once: one gRPC call per stream, without flooding the connection.
    for (let i = 0; i < unique.length; i += 16) {
      const slice = unique.slice(i, i + 16);
      const read = await Promise.all(slice.map((stream) => this.readStream(stream)));
      slice.forEach((stream, k) => out.set(stream, read[k]));
    }
    return out;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        fromRevision: BigInt(options.fromRevision ?? 0),
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
        direction: FORWARDS,
      });
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError(error);
    }
    return events;
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent, void, undefined> {
    const after = options.fromPosition ?? 0;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    // readAll starts *at* the given position (inclusive); the port reads strictly after it.
    const read = this.client.readAll({ fromPosition: toReadPosition(after), direction: FORWARDS }, { highWaterMark: this.bufferSize });
    try {
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (!event || event.position <= after || !matchesFilter(event, options.filter)) continue;
        yield event;
        if (--remaining <= 0) return;
      }
    } catch (error) {
      throw toStoreError(error);
    } finally {
      if (!read.readableEnded) void read.cancel().catch(() => undefined);
    }
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    const subscription = new PullSubscription(
      (signal) => this.subscriptionSource(options, signal),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Reads $all backwards to the newest matching event; with a rare filter this can scan far. */
  async headPosition(filter?: EventFilter): Promise<number> {
    const read = this.client.readAll({ fromPosition: END, direction: BACKWARDS }, { highWaterMark: this.bufferSize });
    try {
      for await (const resolved of read) {
        const event = toRecordedEvent(resolved);
        if (event && matchesFilter(event, filter)) return event.position;
      }
      return 0;
    } catch (error) {
      throw toStoreError(error);
    } finally {
      if (!read.readableEnded) void read.cancel().catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    try {
      for await (const resolved of this.client.readAll({ maxCount: 1, deadline: 5000 })) {
        void resolved;
      }
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private async appendUnique(stream: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) return this.streamHead(stream);
    try {
      const result = await this.client.appendToStream(
        stream,
        events.map((event) =>
          jsonEvent({
            id: event.id,
            type: event.type,
            data: event.data as JSONType,
            metadata: event.metadata as JSONType,
          }),
        ),
        { expectedRevision: toEsdbExpectedRevision(options.expectedRevision) },
      );
      return toAppendResult(result);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const alreadyStored = await this.findStoredBatch(stream, events);
        if (alreadyStored) return alreadyStored;
      }
      throw toStoreError(error, { stream, expected: options.expectedRevision });
    }
  }

  /** The stream's current head when every id of `events` is among its last events. */
  private async findStoredBatch(stream: string, events: NewEvent[]): Promise<AppendResult | undefined> {
    const tail = await this.readBackwards(stream, this.idempotenceWindow);
    const storedIds = new Set(tail.map((event) => event.id));
    if (tail.length === 0 || !events.every((event) => storedIds.has(event.id))) return undefined;
    return { nextRevision: tail[0].revision, position: tail[0].position };
  }

  private async streamHead(stream: string): Promise<AppendResult> {
    const [last] = await this.readBackwards(stream, 1);
    return last ? { nextRevision: last.revision, position: last.position } : { nextRevision: -1, position: 0 };
  }

  private async readBackwards(stream: string, maxCount: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, { fromRevision: END, direction: BACKWARDS, maxCount })) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError(error);
    }
    return events;
  }

  /**
   * The server does catch-up and live itself; this loop adds resumption. After a drop it
   * resubscribes from the last *delivered* position (never from a checkpoint the server
   * reported but whose events are still in our buffer), with exponential back-off, and
   * skips anything at or before that position so a resubscription cannot duplicate.
   */
  private async *subscriptionSource(options: SubscribeOptions, signal: CloseSignal): AsyncGenerator<RecordedEvent, void, undefined> {
    let lastDelivered = options.fromPosition ?? 0;
    let attempt = 0;
    const highWaterMark = Math.max(1, options.batchSize ?? this.bufferSize);
    while (!signal.closed) {
      const subscription = this.client.subscribeToAll(
        { fromPosition: toReadPosition(lastDelivered), filter: toServerFilter(options.filter) },
        { highWaterMark },
      );
      // Unsubscribing ends a for-await that is waiting for the next live event.
      const stop = (): void => {
        void subscription.unsubscribe().catch(() => undefined);
        subscription.destroy();
      };
      const unregister = signal.onClose(stop);
      try {
        for await (const resolved of subscription) {
          if (signal.closed) return;
          const event = toRecordedEvent(resolved);
          if (!event || event.position <= lastDelivered || !matchesFilter(event, options.filter)) continue;
          attempt = 0;
          yield event;
          lastDelivered = event.position;
        }
        if (signal.closed) return;
        // The server ended the stream cleanly (e.g. a leader change): resubscribe at once.
      } catch (error) {
        if (signal.closed) return;
        if (!isRetryableSubscriptionError(error)) throw toStoreError(error);
        const delay = backoffDelayMs(attempt++, this.backoff);
        this.onSubscriptionDropped(toStoreError(error), delay);
        await sleep(delay, signal);
      } finally {
        unregister();
        if (!subscription.destroyed) stop();
      }
    }
  }
}
