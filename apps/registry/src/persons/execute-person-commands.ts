import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PersonCommand, PersonEvent, PersonState } from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { CommandContext } from '../common/event-sourcing/command-context';
import { CommandOutcome, CommandRequest, HandleOptions, handleCommands } from '../common/event-sourcing/command-handling';
import { MetricsService } from '../metrics/metrics.service';
import { PersonStreams } from './person-aggregate';

export type PersonCommandRequest<K> = CommandRequest<K, PersonCommand, PersonState>;
export type PersonCommandOutcome<K, S extends PersonState | undefined = PersonState> = CommandOutcome<K, S, PersonEvent>;
/** What a batch that only counts what applied gets back (see `ExecutePersonCommands.counted`). */
export type CountedPersonOutcome<K> = PersonCommandOutcome<K, undefined>;

/**
 * Person commands, one or many, as every caller sends them: an HTTP request, a batch of
 * imported rows, a comparison run's verdicts, a reviewer's decision, the ministry's facts.
 */
export class ExecutePersonCommands<K = unknown, S extends PersonState | undefined = PersonState> extends Command<
  PersonCommandOutcome<K, S>[]
> {
  /** false only for a message made by `counted`: its outcomes carry no states (the type says so). */
  readonly keepsStates: boolean = true;

  constructor(
    readonly requests: readonly PersonCommandRequest<K>[],
    readonly context: CommandContext,
    /** `allOrNothing`: a refusal of any command appends none of them. */
    readonly options: Pick<HandleOptions, 'allOrNothing'> = {},
  ) {
    super();
  }

  /** A batch whose outcomes carry no states (an import counts what applied; see HandleOptions.states). */
  static counted<K>(requests: readonly PersonCommandRequest<K>[], context: CommandContext): ExecutePersonCommands<K, undefined> {
    return Object.assign(new ExecutePersonCommands<K, undefined>(requests, context), { keepsStates: false });
  }
}

@CommandHandler(ExecutePersonCommands)
export class ExecutePersonCommandsHandler implements ICommandHandler<ExecutePersonCommands> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly persons: PersonStreams,
    private readonly metrics: MetricsService,
  ) {}

  async execute<K, S extends PersonState | undefined>(message: ExecutePersonCommands<K, S>): Promise<PersonCommandOutcome<K, S>[]> {
    const outcomes = (await handleCommands(this.store, this.persons.aggregate, message.requests, message.context, {
      ...message.options,
      states: message.keepsStates,
    })) as PersonCommandOutcome<K, S>[]; // S is undefined exactly when the message was made by `counted`
    for (const o of outcomes) if (o.status === 'applied') for (const e of o.events) this.metrics.eventsAppended.inc({ type: e.type });
    return outcomes;
  }
}
