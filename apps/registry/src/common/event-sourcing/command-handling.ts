import { hash } from 'node:crypto';
import { ConcurrencyError, EventStore, NewEvent, RecordedEvent, StreamAppend } from '@registry/event-store';
import { Decider, DomainError, DomainEvent } from '@registry/domain';
import { CommandContext } from './command-context';

/**
 * An aggregate as the command path sees it: its pure decider, where its streams live, and
 * how its events are stored. A new aggregate is one of these (plus its decider and a
 * controller); the path below is the same for all of them.
 */
export interface Aggregate<C, S, E extends DomainEvent> {
  readonly decider: Decider<C, S, E>;
  streamName(id: string): string;
  /** The domain events of a stream. `open` false may leave sealed (personal) parts withheld. */
  fromStored(events: readonly RecordedEvent[], open: boolean): E[];
  /** Whether deciding the command needs sealed parts opened; absent means always. */
  opens?(command: C): boolean;
  /** The stored form (id, metadata, sealed parts) of the index-th event a command decided. */
  toStored(stream: string, command: C, event: E, index: number, context: CommandContext): NewEvent;
}

export interface CommandRequest<K, C, S> {
  /** The caller's handle on the outcome (a row number, a request). */
  key: K;
  /** The aggregate the command addresses (its stream is `streamName(id)`). */
  id: string;
  command: C;
  /** From If-Match: the revision the caller last saw. A mismatch is the caller's to resolve: no retry. */
  expectedRevision?: number;
  /** Checked on the folded state before deciding (for example: visible to the caller); throws to refuse. */
  authorize?(state: S): void;
  /** Fold with sealed parts opened even if the command does not need them: the caller shows the state it gets back. */
  openSealed?: boolean;
}

export interface HandleOptions {
  /** Tries in all when a concurrent write conflicts (default 4). */
  attempts?: number;
  /**
   * Append nothing when any command is refused: every outcome is then refused, the others
   * with the first refusal's error. For commands that only make sense together (an
   * approval's registration and enrolment).
   */
  allOrNothing?: boolean;
  /**
   * false: applied outcomes carry no folded state (`state: undefined`). For batches that only
   * count what applied (an import): each stream's state and the events it was read from can
   * then be collected as soon as the stream is decided, instead of living until the batch is
   * appended. An import batch of 8,000 rows otherwise keeps some 20 MB more through the young
   * generation's collections (bench/RESULTS.md, `bench:import`).
   */
  states?: boolean;
}

export type CommandOutcome<K, S, E> =
  | { key: K; status: 'applied'; events: E[]; state: S; revision: number; position: number }
  | { key: K; status: 'refused'; error: DomainError };

/** The state an applied outcome carries: none when the call asked for `states: false`. */
export type OutcomeState<S, O extends HandleOptions> = O extends { states: false } ? undefined : S;

/**
 * The one command path: every stream the commands address is read once (one query on
 * SQLite), folded, authorized, decided and appended with the revision it was read at, all
 * streams in one append (one transaction on SQLite). Commands of one stream apply in order,
 * each deciding on the state the previous one left. A command the domain refuses is an
 * outcome with its error and changes nothing; the others still apply (unless
 * `allOrNothing`). A concurrent write re-runs the whole call (attempts in all), unless a
 * command carried an expected revision.
 */
export async function handleCommands<K, C, S, E extends DomainEvent, O extends HandleOptions = HandleOptions>(
  store: EventStore,
  aggregate: Aggregate<C, S, E>,
  requests: readonly CommandRequest<K, C, S>[],
  context: CommandContext,
  options: O = {} as O,
): Promise<CommandOutcome<K, OutcomeState<S, O>, E>[]> {
  /** What this call returns: the states left out exactly when `options` says `states: false`. */
  type Outcome = CommandOutcome<K, OutcomeState<S, O>, E>;
  const attempts = options.attempts ?? 4;
  const keepStates = options.states ?? true;
  const byStream = new Map<string, CommandRequest<K, C, S>[]>();
  for (const request of requests) {
    const stream = aggregate.streamName(request.id);
    const list = byStream.get(stream);
    if (list) list.push(request);
    else byStream.set(stream, [request]);
  }
  const pinned = requests.some((r) => r.expectedRevision !== undefined);
  const { decider } = aggregate;
  for (let attempt = 1; ; attempt++) {
    const outcomes = new Map<CommandRequest<K, C, S>, Outcome>();
    const appends: StreamAppend[] = [];
    const read = await store.readStreams([...byStream.keys()]);
    for (const [stream, list] of byStream) {
      const recorded = read.get(stream) ?? [];
      const revision = recorded.length === 0 ? -1 : recorded[recorded.length - 1].revision;
      const open = list.some((r) => r.openSealed || (aggregate.opens?.(r.command) ?? true));
      let state = aggregate.fromStored(recorded, open).reduce(decider.evolve, decider.initialState());
      read.delete(stream); // folded: the stored events need not outlive this stream's turn
      const toStore: NewEvent[] = [];
      for (const request of list) {
        if (request.expectedRevision !== undefined && request.expectedRevision !== revision) {
          throw new ConcurrencyError(stream, String(request.expectedRevision), revision < 0 ? 'no_stream' : revision);
        }
        request.authorize?.(state);
        let decided: E[];
        try {
          decided = decider.decide(request.command, state);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          outcomes.set(request, { key: request.key, status: 'refused', error });
          continue;
        }
        for (const event of decided) state = decider.evolve(state, event);
        decided.forEach((event, index) => toStore.push(aggregate.toStored(stream, request.command, event, index, context)));
        outcomes.set(request, {
          key: request.key,
          status: 'applied',
          events: decided,
          state: (keepStates ? state : undefined) as OutcomeState<S, O>,
          revision,
          position: 0,
        });
      }
      if (toStore.length > 0) appends.push({ stream, events: toStore, expectedRevision: revision < 0 ? 'no_stream' : revision });
    }
    if (options.allOrNothing) {
      const refusal = [...outcomes.values()].find((o) => o.status === 'refused');
      if (refusal?.status === 'refused') {
        return requests.map((request) => {
          const outcome = outcomes.get(request)!;
          return outcome.status === 'refused' ? outcome : { key: request.key, status: 'refused', error: refusal.error };
        });
      }
    }
    let results;
    try {
      results = appends.length > 0 ? await store.appendMany(appends) : [];
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || pinned || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt + Math.random() * 10));
      continue;
    }
    const appended = new Map(appends.map((a, i) => [a.stream, results[i]]));
    return requests.map((request) => {
      const outcome = outcomes.get(request)!;
      const result = appended.get(aggregate.streamName(request.id));
      if (outcome.status === 'applied' && result) {
        outcome.revision = result.nextRevision;
        outcome.position = result.position;
      }
      return outcome;
    });
  }
}

/** One command, as HTTP sends them: a refusal is thrown (the problem filter answers it). */
export async function handleCommand<C, S, E extends DomainEvent>(
  store: EventStore,
  aggregate: Aggregate<C, S, E>,
  request: Omit<CommandRequest<null, C, S>, 'key'>,
  context: CommandContext,
): Promise<Extract<CommandOutcome<null, S, E>, { status: 'applied' }>> {
  const [outcome] = await handleCommands(store, aggregate, [{ ...request, key: null }], context);
  if (outcome.status === 'refused') throw outcome.error;
  return outcome;
}

/**
 * A UUID-shaped id derived from stable parts: the same source record decided again yields
 * the same event ids, so a retried or re-imported fact is stored once.
 */
export function deterministicEventId(...parts: Array<string | number>): string {
  const hex = hash('sha256', parts.join('\u001f'), 'hex');
  // Version 8 (custom) UUID layout with the RFC 4122 variant bits.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
