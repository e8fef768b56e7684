import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  CancelSurveyTaskForPersonChange,
  PersonEvent,
  PersonId,
  SURVEY_RELEVANT_PERSON_EVENT_TYPES,
  SURVEY_TASK_STREAM_PREFIX,
  SurveySubject,
  SurveyTaskIssued,
  personIdFromStreamName,
  personStreamName,
  subjectKey,
  surveyRelevantChange,
} from '@registry/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '@registry/event-store';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { CommandContext } from '../common/event-sourcing/command-context';
import { instanceName } from '../common/leased-runs';
import { Reaction, ReactorRunner } from '../common/event-sourcing/reactor';
import { AppConfig } from '../config/app-config';
import { ReferenceData } from '../reference/reference-data.module';
import { ExecuteSurveyCommands, SurveyCommandRequest } from './execute-survey-commands';
import { SurveyTaskStreams } from './survey-aggregate';

interface Cancellation {
  taskId: string;
  command: CancelSurveyTaskForPersonChange;
}

/**
 * The registry cancels a survey task whose visit became pointless before it was made: the
 * person enrolled (a covering basic enrolment, here or elsewhere), died, moved out of the
 * township, or had their household cancelled. The reason is kept on the task, with the
 * person event that caused it.
 *
 * Two kinds of events lead here. A person's change: the person's latest task (rounds walked
 * in the event store, not a read model that may lag) is cancelled if it still waits for its
 * visit and was issued before the change (the issuer did not know of it). A task's issue:
 * the person's events after the revision the issuer read are checked, so a change that
 * slipped in between the worklist read and the issue cancels the task too. Each
 * cancellation is a command on the task with an event id derived from the person event, and
 * the task decider leaves a cancelled (or reviewed) task alone: handling an event again after
 * a restart changes nothing.
 */
export function surveyCancellationReaction(
  events: EventStore,
  tasks: SurveyTaskStreams,
  send: (requests: SurveyCommandRequest<string>[]) => Promise<unknown>,
): Reaction {
  const command = (
    event: RecordedEvent,
    change: NonNullable<ReturnType<typeof surveyRelevantChange>>,
  ): CancelSurveyTaskForPersonChange => ({
    type: 'CancelSurveyTaskForPersonChange',
    data: {
      change: change.change,
      ...(change.toRegion !== undefined && { toRegion: change.toRegion }),
      personEvent: { id: event.id, type: event.type, revision: event.revision },
      occurredAt: new Date().toISOString(),
    },
  });

  /** Person changes: the latest task of each person, cancelled when issued before the change. */
  async function forPersonChanges(changes: RecordedEvent[]): Promise<Cancellation[]> {
    const subjects = new Map<string, SurveySubject>();
    for (const e of changes) {
      const personId = personIdFromStreamName(e.stream);
      if (personId) subjects.set(personId, { kind: 'person', personId });
    }
    const latest = await tasks.latest([...subjects.values()]);
    const out: Cancellation[] = [];
    for (const e of changes) {
      const personId = personIdFromStreamName(e.stream);
      const task = personId && latest.get(subjectKey({ kind: 'person', personId }));
      if (!task || task.state.status === 'unissued') continue;
      // The issuer saw this change already (a task issued on purpose for a person in this state, or a replay): leave it.
      if ((task.state.task.basis.personRevision ?? -1) >= e.revision) continue;
      const change = surveyRelevantChange({ type: e.type, data: e.data } as PersonEvent);
      if (change) out.push({ taskId: task.taskId, command: command(e, change) });
    }
    return out;
  }

  /** New tasks: the person's changes the issuer did not see. */
  async function forIssues(issued: RecordedEvent[]): Promise<Cancellation[]> {
    const byStream = new Map<string, SurveyTaskIssued['data']>();
    for (const e of issued) {
      const d = e.data as SurveyTaskIssued['data'];
      if (d.subject.kind === 'person') byStream.set(personStreamName(d.subject.personId as PersonId), d);
    }
    if (byStream.size === 0) return [];
    const streams = await events.readStreams([...byStream.keys()]);
    const out: Cancellation[] = [];
    for (const [stream, d] of byStream) {
      const seen = d.basis.personRevision ?? -1;
      for (const e of streams.get(stream) ?? []) {
        if (e.revision <= seen) continue;
        const change = surveyRelevantChange({ type: e.type, data: e.data } as PersonEvent);
        if (change) out.push({ taskId: d.taskId, command: command(e, change) });
      }
    }
    return out;
  }

  return {
    name: 'survey-cancellation',
    filter: {
      eventTypes: [...SURVEY_RELEVANT_PERSON_EVENT_TYPES, 'SurveyTaskIssued'],
      streamPrefixes: ['person-', SURVEY_TASK_STREAM_PREFIX],
    },
    async handle(batch) {
      const issues = batch.filter((e) => e.type === 'SurveyTaskIssued');
      const changes = batch.filter((e) => e.type !== 'SurveyTaskIssued');
      const cancellations = [...(await forPersonChanges(changes)), ...(await forIssues(issues))];
      if (cancellations.length === 0) return;
      await send(cancellations.map((c) => ({ key: c.taskId, id: c.taskId, command: c.command })));
    },
  };
}

/** Runs the cancellation reaction in instances that run projection workers (never in CLI commands). */
@Injectable()
export class SurveyReactor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SurveyReactor');
  readonly runner: ReactorRunner;

  constructor(
    @Inject(EVENT_STORE) events: EventStore,
    @Inject(READ_STORE) reads: ReadStore,
    tasks: SurveyTaskStreams,
    commands: CommandBus,
    private readonly config: AppConfig,
    reference: ReferenceData,
  ) {
    const context: CommandContext = {
      operator: 'registry',
      role: 'system',
      region: reference.provinceCode,
      channel: 'system',
      sourceSystem: 'survey',
    };
    const reaction = surveyCancellationReaction(events, tasks, (requests) =>
      commands.execute(new ExecuteSurveyCommands(requests, context)),
    );
    this.runner = new ReactorRunner(events, reads, reaction, {
      instanceId: instanceName(config),
      // Another instance takes the reaction over within LEASE_MS of this one's crash.
      leaseTtlMs: config.LEASE_MS,
      logger: { warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.PROJECTIONS_ENABLED || process.env.REGISTRY_CLI === '1') return;
    this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}
