import { Inject, Injectable } from '@nestjs/common';
import {
  PersonCommand,
  PersonEvent,
  PersonId,
  PersonState,
  foldPerson,
  initialPersonState,
  personStreamName,
} from '@registry/domain';
import { EVENT_STORE, EventStore, NewEvent, RecordedEvent } from '@registry/event-store';
import { CommandContext, eventMetadata } from '../common/event-sourcing/command-context';
import { ExecuteResult, deterministicEventId, executeCommand } from '../common/event-sourcing/execute-command';
import { MetricsService } from '../metrics/metrics.service';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ReferenceData } from '../reference/reference-data.module';

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
    const recorded = await this.store.readStream(personStreamName(personId));
    const visible = asOf ? recorded.filter((e) => Date.parse(e.recordedAt) <= asOf.getTime()) : recorded;
    const events = visible.map((e) => this.protector.decodeEvent(e));
    const state = foldPerson(events.map((e) => ({ type: e.type, data: e.data }) as PersonEvent), initialPersonState());
    return { personId, state, events, revision: events.length === 0 ? -1 : events[events.length - 1].revision };
  }

  async execute(
    personId: PersonId,
    command: PersonCommand,
    context: CommandContext,
    expectedRevision?: number,
  ): Promise<ExecuteResult<PersonState, PersonEvent>> {
    const stream = personStreamName(personId);
    const ref = command.data;
    const result = await executeCommand({
      store: this.store,
      stream,
      decider: this.reference.personDecider,
      command,
      expectedRevision,
      codec: { encode: (e) => this.protector.encodeEvent(e), decode: (e) => this.protector.decodeEvent(e) },
      toNewEvent: (event, index): NewEvent => ({
        // Same source record → same ids: a retry or re-import is stored once.
        id: deterministicEventId(stream, ref.source, ref.sourceRecordId, command.type, index, event.type),
        type: event.type,
        data: event.data,
        metadata: eventMetadata({ ...context, sourceSystem: context.sourceSystem ?? ref.source }, ref.occurredAt),
      }),
    });
    for (const event of result.events) this.metrics.eventsAppended.inc({ type: event.type });
    return result;
  }
}
