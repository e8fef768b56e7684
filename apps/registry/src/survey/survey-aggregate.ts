import { Inject, Injectable } from '@nestjs/common';
import {
  SurveySubject,
  SurveyTaskCommand,
  SurveyTaskDecider,
  SurveyTaskEvent,
  SurveyTaskState,
  SurveyTaskStatus,
  createSurveyTaskDecider,
  foldSurveyTask,
  isFinalTaskStatus,
  subjectKey,
  surveyTaskIdFor,
  surveyTaskStreamName,
} from '@registry/domain';
import { EVENT_STORE, EventMetadata, EventStore, RecordedEvent } from '@registry/event-store';
import { CommandContext, eventMetadata } from '../common/event-sourcing/command-context';
import { Aggregate, deterministicEventId } from '../common/event-sourcing/command-handling';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ReferenceData } from '../reference/reference-data.module';

export type SurveyAggregate = Aggregate<SurveyTaskCommand, SurveyTaskState, SurveyTaskEvent>;

/**
 * What makes a command's events the same events when the command comes again: the batch
 * for an issue, the client's result id, the result a review acts on, the person event a
 * registry cancellation answers. Commands an operator repeats on purpose (a reassignment, an
 * approval's claim after a release) are told apart by their time.
 */
function commandKey(command: SurveyTaskCommand): string {
  const d = command.data;
  switch (command.type) {
    case 'IssueSurveyTask':
      return `issue:${command.data.batchId}`;
    case 'AssignSurveyTask':
      return `assign:${command.data.surveyor}:${d.occurredAt}`;
    case 'SubmitSurveyResult':
      return `result:${command.data.resultId}`;
    case 'ReturnSurveyResult':
      return `return:${command.data.resultId ?? ''}:${d.occurredAt}`;
    case 'StartSurveyApproval':
      return `approval-start:${command.data.resultId}:${d.occurredAt}`;
    case 'ReleaseSurveyApproval':
      return `approval-release:${command.data.resultId}:${d.occurredAt}`;
    case 'ApproveSurveyResult':
      return `approve:${command.data.resultId}`;
    case 'CancelSurveyTask':
      return `cancel:${d.occurredAt}`;
    case 'CancelSurveyTaskForPersonChange':
      return `person-event:${command.data.personEvent.id}`;
  }
}

/**
 * The survey task as the command path sees it. Deciding never reads a sealed value (notes,
 * reasons and identity values found at the door are kept, not compared), so streams are
 * folded without opening them; views open them.
 */
export function surveyAggregate(decider: SurveyTaskDecider, protector: PersonalDataProtector): SurveyAggregate {
  // Commands of one call with a correlation id (a batch) share one metadata object per time: the store keeps it once.
  const shared = new WeakMap<CommandContext, Map<string, EventMetadata>>();
  const metadataFor = (context: CommandContext, occurredAt: string): EventMetadata => {
    if (context.correlationId === undefined) return eventMetadata(context, occurredAt);
    let byTime = shared.get(context);
    if (!byTime) shared.set(context, (byTime = new Map()));
    let metadata = byTime.get(occurredAt);
    if (!metadata) byTime.set(occurredAt, (metadata = eventMetadata(context, occurredAt)));
    return metadata;
  };
  return {
    decider,
    streamName: surveyTaskStreamName,
    opens: () => false,
    fromStored: (events, open) =>
      events.map((e) => ({ type: e.type, data: (open ? protector.decodeEvent(e) : e).data }) as SurveyTaskEvent),
    toStored: (stream, command, event, index, context) =>
      protector.encodeEvent({
        id: deterministicEventId(stream, commandKey(command), index, event.type),
        type: event.type,
        data: event.data,
        metadata: metadataFor(context, command.data.occurredAt),
      }),
  };
}

export interface LoadedSurveyTask {
  taskId: string;
  state: SurveyTaskState;
  revision: number;
  /** The stream's events with their personal parts opened. */
  events: RecordedEvent[];
}

/** Where a subject stands in its rounds: the task a batch may issue, or why it may not. */
export type SubjectRound =
  | { kind: 'issue'; round: number; taskId: string; previous: { taskId: string; status: SurveyTaskStatus } | null }
  /** This batch already issued the subject's task (a resend). */
  | { kind: 'unchanged'; taskId: string }
  /** Another batch's task is neither approved nor cancelled. */
  | { kind: 'open'; taskId: string };

const MAX_ROUNDS = 1000;

/** The survey aggregate bound to the registry's keys and province, and the reads the application needs around it. */
@Injectable()
export class SurveyTaskStreams {
  readonly aggregate: SurveyAggregate;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly protector: PersonalDataProtector,
    reference: ReferenceData,
  ) {
    this.aggregate = surveyAggregate(createSurveyTaskDecider({ localProvince: reference.provinceCode }), protector);
  }

  async load(taskId: string): Promise<LoadedSurveyTask> {
    const recorded = await this.store.readStream(surveyTaskStreamName(taskId));
    const events = recorded.map((e) => this.protector.decodeEvent(e));
    const state = foldSurveyTask(events.map((e) => ({ type: e.type, data: e.data }) as SurveyTaskEvent));
    return { taskId, state, events, revision: events.length === 0 ? -1 : events[events.length - 1].revision };
  }

  /**
   * For each subject, walks its rounds in the store (round 1, 2, … until an empty stream):
   * one read of many streams per round. With `batchId`, a round that batch issued is
   * reported as unchanged, so sending a batch again issues nothing. Read from the event store,
   * not a read model: the answer must hold at the moment of the append that follows, whose
   * expected revisions catch anyone who wrote since.
   */
  async rounds(subjects: readonly SurveySubject[], batchId?: string): Promise<Map<string, SubjectRound>> {
    const out = new Map<string, SubjectRound>();
    let pending = subjects.map((subject) => ({ subject, previous: null as { taskId: string; status: SurveyTaskStatus } | null }));
    for (let round = 1; pending.length > 0 && round <= MAX_ROUNDS; round++) {
      const ids = pending.map((p) => surveyTaskIdFor(p.subject, round));
      const read = await this.store.readStreams(ids.map(surveyTaskStreamName));
      const next: typeof pending = [];
      pending.forEach((p, i) => {
        const taskId = ids[i];
        const events = read.get(surveyTaskStreamName(taskId)) ?? [];
        const key = subjectKey(p.subject);
        if (events.length === 0) {
          out.set(key, { kind: 'issue', round, taskId, previous: p.previous });
          return;
        }
        const state = this.aggregate.fromStored(events, false).reduce(this.aggregate.decider.evolve, this.aggregate.decider.initialState());
        if (state.status === 'unissued') return;
        if (batchId !== undefined && state.task.batchId === batchId) out.set(key, { kind: 'unchanged', taskId });
        else if (!isFinalTaskStatus(state.status)) out.set(key, { kind: 'open', taskId });
        else next.push({ subject: p.subject, previous: { taskId, status: state.status } });
      });
      pending = next;
    }
    return out;
  }

  /** The subject's latest task and its state (rounds walked in the store), or null when it has none. */
  async latest(subjects: readonly SurveySubject[]): Promise<Map<string, { taskId: string; state: SurveyTaskState; revision: number }>> {
    const out = new Map<string, { taskId: string; state: SurveyTaskState; revision: number }>();
    let pending = [...subjects];
    for (let round = 1; pending.length > 0 && round <= MAX_ROUNDS; round++) {
      const ids = pending.map((s) => surveyTaskIdFor(s, round));
      const read = await this.store.readStreams(ids.map(surveyTaskStreamName));
      const next: SurveySubject[] = [];
      pending.forEach((subject, i) => {
        const events = read.get(surveyTaskStreamName(ids[i])) ?? [];
        if (events.length === 0) return;
        const state = this.aggregate.fromStored(events, false).reduce(this.aggregate.decider.evolve, this.aggregate.decider.initialState());
        out.set(subjectKey(subject), { taskId: ids[i], state, revision: events[events.length - 1].revision });
        next.push(subject);
      });
      pending = next;
    }
    return out;
  }
}
