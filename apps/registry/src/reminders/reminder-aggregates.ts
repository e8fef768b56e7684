import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  RecipientCommand,
  RecipientEvent,
  RecipientState,
  ReminderCommand,
  ReminderEvent,
  ReminderState,
  recipientDecider,
  recipientStreamName,
  reminderDecider,
  reminderStreamName,
} from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { CommandContext, eventMetadata } from '../common/event-sourcing/command-context';
import { Aggregate, CommandOutcome, CommandRequest, handleCommands } from '../common/event-sourcing/command-handling';
import { MetricsService } from '../metrics/metrics.service';

export type ReminderAggregate = Aggregate<ReminderCommand, ReminderState, ReminderEvent>;
export type RecipientAggregate = Aggregate<RecipientCommand, RecipientState, RecipientEvent>;

function occurredAt(command: ReminderCommand | RecipientCommand): string {
  switch (command.type) {
    case 'ScheduleReminder':
      return command.data.scheduledAt;
    case 'RecordReminderSent':
      return command.data.sentAt;
    default:
      return command.data.at;
  }
}

/**
 * Reminder events carry no personal data (person ids are keyed hashes; the phone is read
 * only when sending and never stored here). Event ids are random on purpose: were two
 * instances to schedule the same reminder with the same event id, the store would drop the
 * second append as a repeat and both would believe they had scheduled it; with distinct ids
 * the second meets the expected revision `no_stream` and is refused.
 */
export const reminderAggregate: ReminderAggregate = {
  decider: reminderDecider,
  streamName: reminderStreamName,
  fromStored: (events) => events.map((e) => ({ type: e.type, data: e.data }) as ReminderEvent),
  opens: () => false,
  toStored: (_stream, command, event, _index, context) => ({
    id: randomUUID(),
    type: event.type,
    data: event.data,
    metadata: eventMetadata(context, occurredAt(command)),
  }),
};

export const recipientAggregate: RecipientAggregate = {
  decider: recipientDecider,
  streamName: recipientStreamName,
  fromStored: (events) => events.map((e) => ({ type: e.type, data: e.data }) as RecipientEvent),
  opens: () => false,
  toStored: (_stream, command, event, _index, context) => ({
    id: randomUUID(),
    type: event.type,
    data: event.data,
    metadata: eventMetadata(context, occurredAt(command)),
  }),
};

export type ReminderRequest<K> = CommandRequest<K, ReminderCommand, ReminderState>;
export type ReminderOutcome<K> = CommandOutcome<K, ReminderState, ReminderEvent>;
export type RecipientRequest<K> = CommandRequest<K, RecipientCommand, RecipientState>;
export type RecipientOutcome<K> = CommandOutcome<K, RecipientState, RecipientEvent>;

/** Reminder commands, one or many (a cycle schedules and records them in batches). */
export class ExecuteReminderCommands<K = unknown> extends Command<ReminderOutcome<K>[]> {
  constructor(
    readonly requests: readonly ReminderRequest<K>[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Recipient commands: opt-outs, and the slot every send takes. */
export class ExecuteRecipientCommands<K = unknown> extends Command<RecipientOutcome<K>[]> {
  constructor(
    readonly requests: readonly RecipientRequest<K>[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteReminderCommands)
export class ExecuteReminderCommandsHandler implements ICommandHandler<ExecuteReminderCommands> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: MetricsService,
  ) {}

  async execute<K>(message: ExecuteReminderCommands<K>): Promise<ReminderOutcome<K>[]> {
    const outcomes = await handleCommands(this.store, reminderAggregate, message.requests, message.context);
    for (const o of outcomes) if (o.status === 'applied') for (const e of o.events) this.metrics.eventsAppended.inc({ type: e.type });
    return outcomes;
  }
}

@CommandHandler(ExecuteRecipientCommands)
export class ExecuteRecipientCommandsHandler implements ICommandHandler<ExecuteRecipientCommands> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: MetricsService,
  ) {}

  async execute<K>(message: ExecuteRecipientCommands<K>): Promise<RecipientOutcome<K>[]> {
    const outcomes = await handleCommands(this.store, recipientAggregate, message.requests, message.context);
    for (const o of outcomes) if (o.status === 'applied') for (const e of o.events) this.metrics.eventsAppended.inc({ type: e.type });
    return outcomes;
  }
}
