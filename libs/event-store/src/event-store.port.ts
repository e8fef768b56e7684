import type { Observable } from 'rxjs';

/**
 * Metadata every event carries. Who did it, in what role and region, through which
 * source system and channel, and why (correlation/causation). Never personal data.
 */
export interface EventMetadata {
  operator?: string;
  role?: string;
  region?: string;
  sourceSystem?: string;
  channel?: string;
  correlationId?: string;
  causationId?: string;
  /** When the fact happened in the world (ISO 8601). */
  occurredAt: string;
  [key: string]: unknown;
}

/** An event to append. `id` is a UUID chosen by the caller; the same id is stored once per stream. */
export interface NewEvent<T = unknown> {
  id: string;
  type: string;
  data: T;
  metadata: EventMetadata;
}

/** An event as stored. */
export interface RecordedEvent<T = unknown> extends NewEvent<T> {
  stream: string;
  /** 0-based position of the event within its stream. */
  revision: number;
  /** Position in the global order of all events; strictly increasing, > 0. */
  position: number;
  /** When the store recorded it (ISO 8601). */
  recordedAt: string;
}

/**
 * What the appender believes about the stream:
 * - 'no_stream': it must not exist yet;
 * - 'stream_exists': it must have at least one event;
 * - 'any': no check;
 * - a number: the revision of the stream's last event must be exactly this; -1 (what
 *   {@link AppendResult.nextRevision} reports for an empty stream) means 'no_stream'.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append (-1 if the stream is empty). */
  nextRevision: number;
  /** Global position of the last event appended, or of the stream's last event when nothing new was stored. */
  position: number;
}

export interface StreamAppend {
  stream: string;
  events: NewEvent[];
  expectedRevision?: ExpectedRevision;
}

/** Both lists are optional; an absent or empty list (or an empty prefix) does not restrict. */
export interface EventFilter {
  /** Only these event types. */
  eventTypes?: string[];
  /** Only streams whose name starts with one of these. */
  streamPrefixes?: string[];
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive). Default 0. */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events strictly after this global position. 0 (default) reads from the start. */
  fromPosition?: number;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Deliver events strictly after this checkpoint position. 0 (default) = from the start. */
  fromPosition?: number;
  filter?: EventFilter;
  /** How many events are fetched from the store at a time while catching up. */
  batchSize?: number;
  /**
   * A hint for consumers that seldom read `data` (the audit chain hashes each event's stored
   * text): a store may then parse an event's data on its first read instead of on delivery,
   * and keep the text it stored for {@link canonicalEventText}. Events behave the same either
   * way, except that a spread (`{ ...event }`) of such an event does not copy `data`.
   */
  lazyData?: boolean;
}

/**
 * A subscription catches up from its checkpoint and then goes live. It is pull-based: the
 * store reads the next batch only when the consumer asks for more (back-pressure).
 */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  /**
   * The same events as an rxjs Observable (consumer back-pressure via concatMap on the caller's side).
   * It drives the subscription's one iterator, so use either this or for-await, not both;
   * unsubscribing closes the subscription.
   */
  asObservable(): Observable<RecordedEvent>;
  /** Ends iteration promptly, also while the consumer is waiting for a live event. */
  close(): Promise<void>;
}

/**
 * What an adapter guarantees beyond the port's common contract. Callers (and the contract
 * suite) decide by these, never by which adapter they hold.
 */
export interface EventStoreCapabilities {
  /** `appendMany` stores all of its appends or none (one transaction); otherwise the appends before a conflict stay. */
  readonly atomicAppendMany: boolean;
  /**
   * The store is a file this process opens itself, no server: its work competes for this
   * process's cores, and another thread can open a connection of its own to the same file.
   */
  readonly embedded: boolean;
}

/** The one port every event-store adapter implements. */
export interface EventStore {
  /** What the store runs on (`sqlite`, `postgresql`, `eventstoredb`), for logs, /health and store-info only. */
  readonly engine: string;
  readonly capabilities: EventStoreCapabilities;

  /**
   * Append events to one stream. Events whose id is already stored in that stream (or
   * repeated within the call) are dropped first;
   * if none remain the call succeeds without checking the expected revision.
   * Throws {@link ConcurrencyError} when the expected revision does not hold.
   */
  appendToStream(stream: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;

  /**
   * Append to many streams at once. All or nothing where `capabilities.atomicAppendMany`
   * (SQLite, PostgreSQL: one transaction); EventStoreDB appends stream by stream and keeps
   * the appends before a conflict (idempotent ids make retries safe).
   */
  appendMany(appends: StreamAppend[]): Promise<AppendResult[]>;

  /** Read one stream forward. A stream that does not exist reads as []. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /**
   * Read many whole streams forward at once (a batch of commands loads its persons this way):
   * every requested stream is a key of the result, a missing one with []. The SQLite adapter
   * answers with one query; EventStoreDB reads the streams concurrently. The map is a new one,
   * the caller's to change.
   */
  readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>>;

  /** Read all events in global order, filtered, strictly after a position. */
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  /** Catch up from a checkpoint, then deliver live events, without gap or duplicate. */
  subscribe(options?: SubscribeOptions): EventSubscription;

  /** Global position of the newest event (0 when the store is empty). */
  headPosition(filter?: EventFilter): Promise<number>;

  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');
