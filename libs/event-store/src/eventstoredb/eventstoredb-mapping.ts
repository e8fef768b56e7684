/**
 * Pure translations between the port and @eventstore/db-client 6.2.1, kept apart from the
 * adapter so they can be unit-tested without a server.
 */
import {
  AccessDeniedError,
  ANY,
  CancelledError,
  convertToCommandError,
  DeadlineExceededError,
  eventTypeFilter,
  excludeSystemEvents,
  InvalidArgumentError,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  streamNameFilter,
  TimeoutError,
  UnavailableError,
  UnsupportedError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type {
  AppendExpectedRevision,
  AppendResult as EsdbAppendResult,
  Filter,
  Position as EsdbPosition,
  ReadPosition,
  RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { ConcurrencyError, EventStoreUnavailableError } from '../errors';
import type { AppendResult, EventFilter, EventMetadata, ExpectedRevision, RecordedEvent } from '../event-store.port';
import { normalizeExpectedRevision, normalizeFilter } from '../shared/event-filter';

export function toEsdbExpectedRevision(expected: ExpectedRevision | undefined): AppendExpectedRevision {
  const normalized = normalizeExpectedRevision(expected);
  switch (normalized) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(normalized);
  }
}

/**
 * The global position is the commit position of the transaction log. For events written
 * by this client (one append = one implicit transaction) commit and prepare are equal, so
 * a position number round-trips to {commit: P, prepare: P}.
 */
export function toReadPosition(position: number | undefined): ReadPosition {
  if (!position) return START;
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`Invalid position ${position}`);
  return { commit: BigInt(position), prepare: BigInt(position) };
}

export function toGlobalPosition(position: EsdbPosition | bigint | undefined): number {
  if (position === undefined) return 0;
  const commit = typeof position === 'bigint' ? position : position.commit;
  if (commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    // 2^53 bytes of transaction log is 9 PB: not reachable in practice, but never round silently.
    throw new RangeError(`EventStoreDB position ${commit} exceeds Number.MAX_SAFE_INTEGER`);
  }
  return Number(commit);
}

/** System streams and event types start with '$' ($metadata, $settings, $statsCollected, links...). */
export function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/** The subset of a client ResolvedEvent the adapter reads (both $all and stream reads fit). */
export interface ResolvedEventLike {
  event?: EsdbRecordedEvent;
  commitPosition?: bigint;
}

/**
 * A resolved event as the port's RecordedEvent, or undefined for what the port never
 * shows: system events, unresolved links and non-JSON payloads (not written through it).
 */
export function toRecordedEvent(resolved: ResolvedEventLike): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || isSystemEvent(event) || !event.isJson) return undefined;
  const recordedAt = event.created.toISOString();
  const metadata = isPlainObject(event.metadata)
    ? (event.metadata as EventMetadata)
    : // Events appended by other tools may lack metadata; the port promises occurredAt.
      { occurredAt: recordedAt };
  return {
    id: event.id,
    stream: event.streamId,
    revision: Number(event.revision),
    // Stream reads carry a position only from server 22.6; commitPosition covers $all reads.
    position: toGlobalPosition(event.position ?? resolved.commitPosition),
    type: event.type,
    data: event.data as unknown,
    metadata,
    recordedAt,
  };
}

export function toAppendResult(result: EsdbAppendResult): AppendResult {
  return {
    nextRevision: Number(result.nextExpectedRevision),
    position: toGlobalPosition(result.position),
  };
}

/**
 * The server-side filter for $all subscriptions. The server accepts one filter, on either
 * stream names or event types; with both in the port's filter the stream prefixes go to the
 * server and event types are checked client-side (the adapter always re-checks everything
 * with matchesFilter). Without a filter, system events are excluded on the server.
 */
export function toServerFilter(filter: EventFilter | undefined): Filter {
  const { eventTypes, streamPrefixes } = normalizeFilter(filter);
  if (streamPrefixes) return streamNameFilter({ prefixes: streamPrefixes });
  if (eventTypes) {
    // A type *prefix* filter would let 'PersonMoved' match 'PersonMovedAbroad': anchor an exact alternation.
    return eventTypeFilter({ regex: `^(?:${eventTypes.map(escapeRegex).join('|')})$` });
  }
  return excludeSystemEvents();
}

/**
 * Client errors as the port's errors. A wrong expected version becomes ConcurrencyError
 * (stream names are hashed upstream, so they may appear in the message); connectivity
 * failures become EventStoreUnavailableError; anything else passes through.
 */
export function toStoreError(raw: unknown, context?: { stream: string; expected: ExpectedRevision | undefined }): unknown {
  if (raw instanceof ConcurrencyError || raw instanceof EventStoreUnavailableError) return raw;
  // Some client paths (the batch append among them) reject with the bare gRPC error.
  const error = raw instanceof Error ? convertToCommandError(raw) : raw;
  if (error instanceof WrongExpectedVersionError) {
    const stream = context?.stream ?? error.streamName;
    const expected = context ? String(context.expected ?? 'any') : String(error.expectedVersion);
    const actual = typeof error.actualVersion === 'bigint' ? Number(error.actualVersion) : 'no_stream';
    return new ConcurrencyError(stream, expected, actual);
  }
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError
  ) {
    return new EventStoreUnavailableError(`EventStoreDB unavailable: ${error.message}`, error);
  }
  return error;
}

/**
 * Whether a dropped subscription should be retried. Connection losses, leader changes and
 * unknown server errors are; errors that a retry cannot fix (permissions, a bad request,
 * a bug on our side) are handed to the consumer instead of looping forever.
 */
export function isRetryableSubscriptionError(error: unknown): boolean {
  return !(
    error instanceof AccessDeniedError ||
    error instanceof InvalidArgumentError ||
    error instanceof UnsupportedError ||
    error instanceof RangeError ||
    error instanceof TypeError
  );
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 10_000 };

/** Delay before resubscription attempt `attempt` (0-based): initial, doubling, capped. */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  // Clamp the exponent so 2 ** attempt cannot overflow to Infinity after many failures.
  return Math.min(options.maxMs, options.initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
