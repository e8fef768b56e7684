import { Inject, Injectable } from '@nestjs/common';
import {
  PersonCommand,
  PersonEvent,
  PersonId,
  PersonState,
  foldPerson,
  initialPersonState,
  personStreamName,
  readsPersonalValues,
  withoutPersonalValues,
} from '@registry/domain';
import { ConcurrencyError, EVENT_STORE, EventMetadata, EventStore, NewEvent, RecordedEvent, StreamAppend } from '@registry/event-store';
import { DomainError } from '@registry/domain';
import { CommandContext, eventMetadata } from '../common/event-sourcing/command-context';
import { ExecuteResult, deterministicEventId, executeCommand } from '../common/event-sourcing/execute-command';
import { MetricsService } from '../metrics/metrics.service';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ReferenceData } from '../reference/reference-data.module';

/** One command of a batch, with a caller-chosen key (an import's row number). */
export interface BatchCommand<K> {
  key: K;
  personId: PersonId;
  command: PersonCommand;
}

export type BatchOutcome<K> =
  { key: K; status: 'applied'; events: PersonEvent[] } | { key: K; status: 'refused'; code: string; message: string };

export interface LoadedPerson {
  personId: PersonId;
  state: PersonState;
  revision: number;
  /** Decoded (personal data opened) events of the stream. */
  events: RecordedEvent[];
}

/**
 * Reads and writes person streams: the only place that knows a person's events are
 * sealed at rest, and the one command path for every person command.
 */
@Injectable()
export class PersonStore {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly protector: PersonalDataProtector,
    private readonly reference: ReferenceData,
    private readonly metrics: MetricsService,
  ) {}

  async load(personId: PersonId, asOf?: Date): Promise<LoadedPerson> {
    return this.fold(personId, await this.store.readStream(personStreamName(personId)), asOf);
  }

  private fold(personId: PersonId, recorded: RecordedEvent[], asOf?: Date): LoadedPerson {
    const visible = asOf ? recorded.filter((e) => Date.parse(e.recordedAt) <= asOf.getTime()) : recorded;
    const events = visible.map((e) => this.protector.decodeEvent(e));
    const state = foldPerson(
      events.map((e) => ({ type: e.type, data: e.data }) as PersonEvent),
      initialPersonState(),
    );
    return { personId, state, events, revision: events.length === 0 ? -1 : events[events.length - 1].revision };
  }

  /**
   * The state without opening the stream's personal data: it serves only the commands that
   * decide without personal values (see readsPersonalValues), and skips a decryption per
   * event that carries any, most of what an enrolment import spends reading persons back.
   */
  private foldWithheld(recorded: RecordedEvent[]): Pick<LoadedPerson, 'state' | 'revision'> {
    const state = foldPerson(
      recorded.map((e) => withoutPersonalValues({ type: e.type, data: e.data } as PersonEvent)),
      initialPersonState(),
    );
    return { state, revision: recorded.length === 0 ? -1 : recorded[recorded.length - 1].revision };
  }

  /**
   * Many commands for many persons, appended in one call (one transaction on SQLite): the
   * same decide/evolve path as `execute`, for imports. Commands of one person apply in
   * order; a command the domain refuses is reported with its code and changes nothing,
   * the others still apply. On a concurrent write the whole batch is re-decided.
   */
  async executeBatch<K>(commands: BatchCommand<K>[], context: CommandContext, attempts = 4): Promise<BatchOutcome<K>[]> {
    for (let attempt = 1; ; attempt++) {
      const byPerson = new Map<PersonId, BatchCommand<K>[]>();
      for (const c of commands) {
        const list = byPerson.get(c.personId);
        if (list) list.push(c);
        else byPerson.set(c.personId, [c]);
      }
      const outcomes = new Map<BatchCommand<K>, BatchOutcome<K>>();
      const appends: StreamAppend[] = [];
      const decider = this.reference.personDecider;
      const stored = this.storedEvents(context);
      // Every person of the batch read at once (one query on SQLite).
      const streams = await this.store.readStreams([...byPerson.keys()].map(personStreamName));
      for (const [personId, list] of byPerson) {
        const stream = personStreamName(personId);
        const recorded = streams.get(stream) ?? [];
        const opened = list.some((c) => readsPersonalValues(c.command));
        const loaded = opened ? this.fold(personId, recorded) : this.foldWithheld(recorded);
        let state = loaded.state;
        const toStore: NewEvent[] = [];
        for (const c of list) {
          try {
            const decided = decider.decide(c.command, state);
            for (const event of decided) state = decider.evolve(state, event);
            const toNewEvent = stored(stream, c.command);
            decided.forEach((event, index) => toStore.push(this.protector.encodeEvent(toNewEvent(event, index))));
            outcomes.set(c, { key: c.key, status: 'applied', events: decided });
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            outcomes.set(c, { key: c.key, status: 'refused', code: error.code, message: error.message });
          }
        }
        if (toStore.length > 0) {
          appends.push({ stream, events: toStore, expectedRevision: loaded.revision < 0 ? 'no_stream' : loaded.revision });
        }
      }
      try {
        if (appends.length > 0) await this.store.appendMany(appends);
      } catch (error) {
        if (error instanceof ConcurrencyError && attempt < attempts) continue;
        throw error;
      }
      const result = commands.map((c) => outcomes.get(c)!);
      for (const o of result) if (o.status === 'applied') for (const e of o.events) this.metrics.eventsAppended.inc({ type: e.type });
      return result;
    }
  }

  async execute(
    personId: PersonId,
    command: PersonCommand,
    context: CommandContext,
    expectedRevision?: number,
  ): Promise<ExecuteResult<PersonState, PersonEvent>> {
    const stream = personStreamName(personId);
    const result = await executeCommand({
      store: this.store,
      stream,
      decider: this.reference.personDecider,
      command,
      expectedRevision,
      codec: { encode: (e) => this.protector.encodeEvent(e), decode: (e) => this.protector.decodeEvent(e) },
      toNewEvent: this.storedEvents(context)(stream, command),
    });
    for (const event of result.events) this.metrics.eventsAppended.inc({ type: event.type });
    return result;
  }

  /**
   * How decided events are stored under one context, for `execute` and `executeBatch`
   * alike. Ids derive from the source record: the same record decided again (a retry, a
   * re-import, the same fact over HTTP and from a file) yields the same ids and is stored
   * once. Commands of the same source and time share one metadata object: an import's
   * events all do, and the event store then serialises it once per batch. Without a
   * correlation id each command gets its own.
   */
  private storedEvents(
    context: CommandContext,
  ): (stream: string, command: PersonCommand) => (event: PersonEvent, index: number) => NewEvent {
    const shared = new Map<string, EventMetadata>();
    const metadataFor = (source: string, occurredAt: string): EventMetadata => {
      if (context.correlationId === undefined)
        return eventMetadata({ ...context, sourceSystem: context.sourceSystem ?? source }, occurredAt);
      const key = `${source}\u0000${occurredAt}`;
      let metadata = shared.get(key);
      if (!metadata) shared.set(key, (metadata = eventMetadata({ ...context, sourceSystem: context.sourceSystem ?? source }, occurredAt)));
      return metadata;
    };
    return (stream, command) => {
      const ref = command.data;
      const metadata = metadataFor(ref.source, ref.occurredAt);
      return (event, index) => ({
        id: deterministicEventId(stream, ref.source, ref.sourceRecordId, command.type, index, event.type),
        type: event.type,
        data: event.data,
        metadata,
      });
    };
  }
}
