import { Inject, Injectable } from '@nestjs/common';
import {
  PersonCommand,
  PersonDecider,
  PersonEvent,
  PersonId,
  PersonState,
  foldPerson,
  personStreamName,
  readsPersonalValues,
  withoutPersonalValues,
} from '@registry/domain';
import { EVENT_STORE, EventMetadata, EventStore, RecordedEvent } from '@registry/event-store';
import { CommandContext, eventMetadata } from '../common/event-sourcing/command-context';
import { Aggregate, deterministicEventId } from '../common/event-sourcing/command-handling';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ReferenceData } from '../reference/reference-data.module';

export type PersonAggregate = Aggregate<PersonCommand, PersonState, PersonEvent>;

/**
 * The person as the command path sees it. Its events keep every personal value under
 * `data.personal`, sealed at rest: opened only when a command decides from personal values
 * (the domain declares which, `readsPersonalValues`), withheld otherwise, so an enrolment
 * decides without decrypting anything.
 *
 * Event ids derive from the source record: the same record decided again (a retry, a
 * re-import, the same fact over HTTP and from a file) yields the same ids and is stored once.
 * Commands of one call with the same source and time share one metadata object (an import's
 * events all do): the event store then writes it once per batch.
 */
export function personAggregate(decider: PersonDecider, protector: PersonalDataProtector): PersonAggregate {
  const metadataByCall = new WeakMap<CommandContext, Map<string, EventMetadata>>();
  const metadataFor = (context: CommandContext, source: string, occurredAt: string): EventMetadata => {
    const fresh = () => eventMetadata({ ...context, sourceSystem: context.sourceSystem ?? source }, occurredAt);
    // Without a correlation id each command is its own story, with an id of its own.
    if (context.correlationId === undefined) return fresh();
    let shared = metadataByCall.get(context);
    if (!shared) metadataByCall.set(context, (shared = new Map()));
    const key = `${source}\u0000${occurredAt}`;
    let metadata = shared.get(key);
    if (!metadata) shared.set(key, (metadata = fresh()));
    return metadata;
  };
  return {
    decider,
    streamName: (id) => personStreamName(id as PersonId),
    opens: readsPersonalValues,
    fromStored: (events, open) =>
      events.map((e) =>
        open
          ? ({ type: e.type, data: protector.openData(e) } as PersonEvent)
          : withoutPersonalValues({ type: e.type, data: e.data } as PersonEvent),
      ),
    toStored: (stream, command, event, index, context) => {
      const ref = command.data;
      return protector.encodeEvent({
        id: deterministicEventId(stream, ref.source, ref.sourceRecordId, command.type, index, event.type),
        type: event.type,
        data: event.data,
        metadata: metadataFor(context, ref.source, ref.occurredAt),
      });
    },
  };
}

export interface LoadedPerson {
  personId: PersonId;
  state: PersonState;
  revision: number;
  /** The stream's events with their personal parts opened. */
  events: RecordedEvent[];
}

/** The person aggregate bound to the registry's decider and keys, and the read of one person for queries. */
@Injectable()
export class PersonStreams {
  readonly aggregate: PersonAggregate;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly protector: PersonalDataProtector,
    reference: ReferenceData,
  ) {
    this.aggregate = personAggregate(reference.personDecider, protector);
  }

  /** The person as the registry holds them now, or as recorded up to `asOf` (what it believed then). */
  async load(personId: PersonId, asOf?: Date): Promise<LoadedPerson> {
    const recorded = await this.store.readStream(personStreamName(personId));
    const visible = asOf ? recorded.filter((e) => Date.parse(e.recordedAt) <= asOf.getTime()) : recorded;
    const events = visible.map((e) => this.protector.decodeEvent(e));
    const state = foldPerson(events.map((e) => ({ type: e.type, data: e.data }) as PersonEvent));
    return { personId, state, events, revision: events.length === 0 ? -1 : events[events.length - 1].revision };
  }
}
