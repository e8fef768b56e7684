import { hash } from 'node:crypto';
import { ConcurrencyError, EventStore, NewEvent, RecordedEvent } from '@registry/event-store';
import type { Decider, DomainEvent } from '@registry/domain';

export interface StreamCodec {
  encode<E extends NewEvent>(event: E): E;
  decode<E extends RecordedEvent>(event: E): E;
}

export interface ExecuteOptions<C, S, E extends DomainEvent> {
  store: EventStore;
  stream: string;
  decider: Decider<C, S, E>;
  command: C;
  /** From If-Match: the revision the caller last saw. Without it a conflict is retried. */
  expectedRevision?: number;
  /** Attempts when no expected revision was given (default 4: the first plus three retries). */
  attempts?: number;
  /** Builds the stored event (id, metadata) for the index-th event decided. */
  toNewEvent(event: E, index: number, streamRevision: number): NewEvent;
  codec?: StreamCodec;
}

export interface ExecuteResult<S, E> {
  state: S;
  /** Revision of the stream after the command (-1 when it has no events). */
  revision: number;
  /** Events this command appended (empty when nothing new was decided). */
  events: E[];
  position: number;
}

/** Folds a stream into state. */
export async function loadStream<S, E extends DomainEvent>(
  store: EventStore,
  stream: string,
  decider: Pick<Decider<unknown, S, E>, 'evolve' | 'initialState'>,
  codec?: StreamCodec,
): Promise<{ state: S; revision: number; events: RecordedEvent[] }> {
  const recorded = await store.readStream(stream);
  const events = codec ? recorded.map((e) => codec.decode(e)) : recorded;
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, { type: event.type, data: event.data } as E);
  return { state, revision: events.length === 0 ? -1 : events[events.length - 1].revision, events };
}

/**
 * The one command path for every aggregate: read the stream, fold, decide, append with
 * the expected revision. With an explicit expected revision (If-Match) a mismatch is the
 * caller's to resolve; without one, a conflict is retried with a short back-off, since
 * the command is re-decided against the newer state.
 */
export async function executeCommand<C, S, E extends DomainEvent>(options: ExecuteOptions<C, S, E>): Promise<ExecuteResult<S, E>> {
  const attempts = options.expectedRevision === undefined ? (options.attempts ?? 4) : 1;
  for (let attempt = 1; ; attempt++) {
    const { state, revision } = await loadStream(options.store, options.stream, options.decider, options.codec);
    if (options.expectedRevision !== undefined && options.expectedRevision !== revision) {
      throw new ConcurrencyError(options.stream, String(options.expectedRevision), revision < 0 ? 'no_stream' : revision);
    }
    const decided = options.decider.decide(options.command, state);
    if (decided.length === 0) return { state, revision, events: [], position: 0 };
    let next = state;
    for (const event of decided) next = options.decider.evolve(next, event);
    const toStore = decided.map((event, index) => {
      const stored = options.toNewEvent(event, index, revision);
      return options.codec ? options.codec.encode(stored) : stored;
    });
    try {
      const result = await options.store.appendToStream(options.stream, toStore, {
        expectedRevision: revision < 0 ? 'no_stream' : revision,
      });
      return { state: next, revision: result.nextRevision, events: decided, position: result.position };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt + Math.random() * 10));
    }
  }
}

/**
 * A UUID-shaped id derived from stable parts: the same source record decided again yields
 * the same event ids, so a retried or re-imported fact is stored once.
 */
export function deterministicEventId(...parts: Array<string | number>): string {
  // One-shot hash: an import derives an id per event, and it is under half the cost of a Hash object.
  const hex = hash('sha256', parts.join('\u001f'), 'hex');
  // Version 8 (custom) UUID layout with the RFC 4122 variant bits.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
