import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { PersonCommand, PersonEvent, PersonId, PersonState } from '@registry/domain';
import { CommandContext } from '../common/event-sourcing/command-context';
import { ExecuteResult } from '../common/event-sourcing/execute-command';
import { PersonStore } from './person-store';

/**
 * Every person command goes through this one message: the domain command (already parsed
 * into domain types), the person it addresses, who issues it, and the revision the caller
 * saw (If-Match). The domain's decider says what it means.
 */
export class ExecutePersonCommand {
  constructor(
    readonly personId: PersonId,
    readonly command: PersonCommand,
    readonly context: CommandContext,
    readonly expectedRevision?: number,
  ) {}
}

@CommandHandler(ExecutePersonCommand)
export class ExecutePersonCommandHandler implements ICommandHandler<ExecutePersonCommand, ExecuteResult<PersonState, PersonEvent>> {
  constructor(private readonly persons: PersonStore) {}

  execute(message: ExecutePersonCommand): Promise<ExecuteResult<PersonState, PersonEvent>> {
    return this.persons.execute(message.personId, message.command, message.context, message.expectedRevision);
  }
}
