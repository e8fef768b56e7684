import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PersonCommand, PersonEvent, PersonState } from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { CommandContext } from '../common/event-sourcing/command-context';
import { CommandOutcome, CommandRequest, HandleOptions, handleCommands } from '../common/event-sourcing/command-handling';
import { MetricsService } from '../metrics/metrics.service';
import { PersonStreams } from './person-aggregate';

export type PersonCommandRequest<K> = CommandRequest<K, PersonCommand, PersonState>;
export type PersonCommandOutcome<K> = CommandOutcome<K, PersonState, PersonEvent>;

/**
 * Person commands, one or many, as every caller sends them: an HTTP request, a batch of
 * imported rows, a comparison run's verdicts, a reviewer's decision, the ministry's facts.
 */
export class ExecutePersonCommands<K = unknown> extends Command<PersonCommandOutcome<K>[]> {
  constructor(
    readonly requests: readonly PersonCommandRequest<K>[],
    readonly context: CommandContext,
    /** `allOrNothing`: a refusal of any command appends none of them. */
    readonly options: Pick<HandleOptions, 'allOrNothing'> = {},
  ) {
    super();
  }
}

@CommandHandler(ExecutePersonCommands)
export class ExecutePersonCommandsHandler implements ICommandHandler<ExecutePersonCommands> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly persons: PersonStreams,
    private readonly metrics: MetricsService,
  ) {}

  async execute<K>(message: ExecutePersonCommands<K>): Promise<PersonCommandOutcome<K>[]> {
    const outcomes = await handleCommands(this.store, this.persons.aggregate, message.requests, message.context, message.options);
    for (const o of outcomes) if (o.status === 'applied') for (const e of o.events) this.metrics.eventsAppended.inc({ type: e.type });
    return outcomes;
  }
}
