import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SurveyTaskCommand, SurveyTaskEvent, SurveyTaskState } from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { CommandContext } from '../common/event-sourcing/command-context';
import { CommandOutcome, CommandRequest, handleCommands } from '../common/event-sourcing/command-handling';
import { MetricsService } from '../metrics/metrics.service';
import { SurveyTaskStreams } from './survey-aggregate';

export type SurveyCommandRequest<K> = CommandRequest<K, SurveyTaskCommand, SurveyTaskState>;
export type SurveyCommandOutcome<K> = CommandOutcome<K, SurveyTaskState, SurveyTaskEvent>;

/** Survey task commands, one or many, as every caller sends them: a batch of issues, an HTTP request, the registry's cancellations. */
export class ExecuteSurveyCommands<K = unknown> extends Command<SurveyCommandOutcome<K>[]> {
  constructor(
    readonly requests: readonly SurveyCommandRequest<K>[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteSurveyCommands)
export class ExecuteSurveyCommandsHandler implements ICommandHandler<ExecuteSurveyCommands> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tasks: SurveyTaskStreams,
    private readonly metrics: MetricsService,
  ) {}

  async execute<K>(message: ExecuteSurveyCommands<K>): Promise<SurveyCommandOutcome<K>[]> {
    const outcomes = await handleCommands(this.store, this.tasks.aggregate, message.requests, message.context);
    for (const o of outcomes) if (o.status === 'applied') for (const e of o.events) this.metrics.eventsAppended.inc({ type: e.type });
    return outcomes;
  }
}
