import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  PhoneVerificationCommand,
  PhoneVerificationDecider,
  PhoneVerificationEvent,
  PhoneVerificationState,
  SubmissionCommand,
  SubmissionEvent,
  SubmissionState,
  createPhoneVerificationDecider,
  phoneVerificationStreamName,
  submissionDecider,
  submissionStreamName,
} from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { CommandContext, eventMetadata } from '../common/event-sourcing/command-context';
import { Aggregate, CommandOutcome, CommandRequest, deterministicEventId, handleCommands } from '../common/event-sourcing/command-handling';
import { MetricsService } from '../metrics/metrics.service';
import { PersonalDataProtector } from '../privacy/personal-data';

export type SubmissionAggregate = Aggregate<SubmissionCommand, SubmissionState, SubmissionEvent>;
export type PhoneVerificationAggregate = Aggregate<PhoneVerificationCommand, PhoneVerificationState, PhoneVerificationEvent>;

/**
 * A self-service submission as the command path sees it: the citizen's values under
 * `data.personal`, sealed at rest (the rejection's reason too: free text an operator typed).
 * Event ids derive from the stream and command, so a decision retried after a lost answer is
 * stored once; an approval's claim and release carry their attempt too, since a submission
 * released back to pending may be claimed again.
 */
export function submissionAggregate(protector: PersonalDataProtector): SubmissionAggregate {
  return {
    decider: submissionDecider,
    streamName: submissionStreamName,
    fromStored: (events) => events.map((e) => ({ type: e.type, data: protector.decodeEvent(e).data }) as SubmissionEvent),
    toStored: (stream, command, event, index, context) =>
      protector.encodeEvent({
        id:
          event.type === 'SelfServiceApprovalStarted' || event.type === 'SelfServiceApprovalReleased'
            ? deterministicEventId(stream, command.type, index, event.type, event.data.attempt)
            : deterministicEventId(stream, command.type, index, event.type),
        type: event.type,
        data: event.data,
        metadata: eventMetadata(context, occurredAt(command)),
      }),
  };
}

function occurredAt(command: SubmissionCommand): string {
  switch (command.type) {
    case 'SubmitRegistration':
      return command.data.submittedAt;
    case 'StartApproval':
      return command.data.startedAt;
    case 'ReleaseApproval':
      return command.data.releasedAt;
    case 'ApproveRegistration':
      return command.data.approvedAt;
    case 'RejectRegistration':
      return command.data.rejectedAt;
  }
}

/**
 * A phone's codes. Nothing personal is stored (the stream is named by the number's keyed
 * hash, codes and citizen IDs appear as keyed hashes), so nothing is sealed. Event ids are
 * random: two wrong tries with the same code are two tries.
 */
export function phoneVerificationAggregate(decider: PhoneVerificationDecider): PhoneVerificationAggregate {
  return {
    decider,
    streamName: phoneVerificationStreamName,
    fromStored: (events) => events.map((e) => ({ type: e.type, data: e.data }) as PhoneVerificationEvent),
    opens: () => false,
    toStored: (_stream, command, event, _index, context) => ({
      id: randomUUID(),
      type: event.type,
      data: event.data,
      metadata: eventMetadata(context, command.data.at),
    }),
  };
}

@Injectable()
export class SelfServiceStreams {
  readonly submissions: SubmissionAggregate;
  readonly verifications: PhoneVerificationAggregate;

  constructor(protector: PersonalDataProtector) {
    this.submissions = submissionAggregate(protector);
    this.verifications = phoneVerificationAggregate(createPhoneVerificationDecider());
  }
}

export type SubmissionRequest = CommandRequest<null, SubmissionCommand, SubmissionState>;
export type SubmissionOutcome = CommandOutcome<null, SubmissionState, SubmissionEvent>;
export type VerificationRequest = CommandRequest<null, PhoneVerificationCommand, PhoneVerificationState>;
export type VerificationOutcome = CommandOutcome<null, PhoneVerificationState, PhoneVerificationEvent>;

/** Submission commands (submit, approve, reject), from the public endpoints and the review queue alike. */
export class ExecuteSubmissionCommands extends Command<SubmissionOutcome[]> {
  constructor(
    readonly requests: readonly SubmissionRequest[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** A phone's code commands (issue, check). */
export class ExecuteVerificationCommands extends Command<VerificationOutcome[]> {
  constructor(
    readonly requests: readonly VerificationRequest[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteSubmissionCommands)
export class ExecuteSubmissionCommandsHandler implements ICommandHandler<ExecuteSubmissionCommands> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly streams: SelfServiceStreams,
    private readonly metrics: MetricsService,
  ) {}

  async execute(message: ExecuteSubmissionCommands): Promise<SubmissionOutcome[]> {
    const outcomes = await handleCommands(this.store, this.streams.submissions, message.requests, message.context);
    for (const o of outcomes) if (o.status === 'applied') for (const e of o.events) this.metrics.eventsAppended.inc({ type: e.type });
    return outcomes;
  }
}

@CommandHandler(ExecuteVerificationCommands)
export class ExecuteVerificationCommandsHandler implements ICommandHandler<ExecuteVerificationCommands> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly streams: SelfServiceStreams,
    private readonly metrics: MetricsService,
  ) {}

  async execute(message: ExecuteVerificationCommands): Promise<VerificationOutcome[]> {
    const outcomes = await handleCommands(this.store, this.streams.verifications, message.requests, message.context);
    for (const o of outcomes) if (o.status === 'applied') for (const e of o.events) this.metrics.eventsAppended.inc({ type: e.type });
    return outcomes;
  }
}
