import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { createHash, randomUUID } from 'node:crypto';
import {
  IssueSurveyTask,
  PersonId,
  SurveySubject,
  assessPersonCoverage,
  personStreamName,
  regionLevelOfCode,
  subjectKey,
  displayRegionCode,
  isIsoDate,
} from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { ReadModelNotReadyError } from '@registry/projections';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { CommandContext } from '../common/event-sourcing/command-context';
import { ProblemException } from '../common/problem';
import { IDENTITY_CHECKS, IdentityCheckDoc } from '../comparison/comparison-run';
import { PersonStreams } from '../persons/person-aggregate';
import { PersonDocument } from '../persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../persons/projections/persons.projection';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { MAX_LIST_SUBJECTS, SurveyBatchDto } from './dto/survey.dto';
import { ExecuteSurveyCommands } from './execute-survey-commands';
import { SurveyTaskStreams } from './survey-aggregate';
import { SurveyClock } from './survey-clock';

const PERSON_ID = /^p_[a-z2-7]{26}$/;
const PAGE = 1000;
/** Who is on a township's survey worklist (as GET /v1/survey-worklists lists them). */
const WORKLIST_STATUSES: ReadonlySet<string> = new Set(['uninsured', 'unresolved']);
/**
 * Tasks an answer lists. A township's whole worklist makes an answer of megabytes that the
 * server writes out while the new tasks are being projected and reacted to (at 20,000 tasks
 * that was a third of the request's time); the rest are a list query away.
 */
export const MAX_LISTED_TASKS = 1000;

/** One subject a batch names, with what the registry held about it. */
interface Candidate {
  subject: SurveySubject;
  household?: string;
  /** Orders neighbours together (village code, then id) when tasks are shared among surveyors. */
  order: string;
  basis: { personRevision?: number; coverageStatus?: string };
}

export interface BatchOutcome {
  batchId: string;
  region: string;
  dueDate: string;
  requested: number;
  /** Tasks this request issued. */
  created: number;
  /** Tasks an earlier sending of the same batch issued. */
  unchanged: number;
  /** The tasks, the first MAX_LISTED_TASKS of them; the rest by GET /v1/survey-tasks?batchId=. */
  tasks: Array<{
    taskId: string;
    personId?: string;
    recordRef?: string;
    surveyor?: string;
    household?: string;
    status: 'created' | 'unchanged';
  }>;
  /** How many tasks the answer leaves out of `tasks`. */
  tasksNotListed: number;
  /** Subjects no task was issued for, and why. */
  skipped: Array<{ personId?: string; recordRef?: string; code: string; taskId?: string }>;
}

/** Tasks of one household share this key (a digest of its members, so the same household gets the same key). */
export function householdKey(personIds: readonly string[]): string {
  return (
    'hh_' +
    createHash('sha256')
      .update([...personIds].sort().join(','))
      .digest('hex')
      .slice(0, 16)
  );
}

/**
 * Creates survey tasks in bulk: from a township's worklist (its uninsured and unresolved
 * persons, and optionally its identity checks) or from a list, one task per person (a
 * household's members share a key and a surveyor). Every subject's round is found in the
 * event store and its task is issued into its own empty stream with that expectation, all
 * in one append: two batches racing over the same persons meet at the same streams, and
 * each person ends with one task in progress, never two.
 */
@Injectable()
export class SurveyBatches {
  constructor(
    private readonly commands: CommandBus,
    private readonly tasks: SurveyTaskStreams,
    private readonly persons: PersonStreams,
    private readonly projections: ProjectionsService,
    private readonly reference: ReferenceData,
    private readonly clock: SurveyClock,
    @Inject(READ_STORE) private readonly reads: ReadStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
  ) {}

  async create(caller: Principal, dto: SurveyBatchDto): Promise<BatchOutcome> {
    const region = this.reference.regionParam(dto.region, 'region');
    if (regionLevelOfCode(region) !== 'township') {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'REGION_NOT_TOWNSHIP', 'Survey tasks belong to a township: region must name one.');
    }
    if (!caller.covers(region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
    }
    if (!isIsoDate(dto.dueDate) || dto.dueDate < this.clock.today()) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'INVALID_DUE_DATE', 'dueDate must be a real date, today or later.');
    }
    const skipped: BatchOutcome['skipped'] = [];
    const candidates =
      dto.from === 'worklist'
        ? await this.fromWorklist(region, dto.includeIdentityChecks === true)
        : await this.fromList(caller, region, dto, skipped);
    const requested = candidates.length + skipped.length;

    const rounds = await this.tasks.rounds(
      candidates.map((c) => c.subject),
      dto.batchId,
    );
    const surveyorOf = shareAmong(candidates, dto.surveyors);
    const occurredAt = this.clock.now().toISOString();
    const tasks: BatchOutcome['tasks'] = [];
    const requests = [];
    const taskIdOf = new Map<Candidate, string>();
    for (const c of candidates) {
      const round = rounds.get(subjectKey(c.subject));
      const who = describe(c.subject);
      if (!round) continue;
      if (round.kind === 'open') {
        skipped.push({ ...who, code: 'SURVEY_TASK_ALREADY_OPEN', taskId: round.taskId });
        continue;
      }
      if (round.kind === 'unchanged') {
        tasks.push({ taskId: round.taskId, ...who, status: 'unchanged' });
        continue;
      }
      const surveyor = surveyorOf.get(c);
      const command: IssueSurveyTask = {
        type: 'IssueSurveyTask',
        data: {
          taskId: round.taskId,
          round: round.round,
          subject: c.subject,
          region,
          batchId: dto.batchId,
          origin: dto.from,
          ...(c.household !== undefined && { household: c.household }),
          dueDate: dto.dueDate,
          issuedBy: caller.subject,
          basis: c.basis,
          previous: round.previous,
          ...(surveyor !== undefined && { surveyor }),
          occurredAt,
        },
      };
      requests.push({ key: c, id: round.taskId, command });
      taskIdOf.set(c, round.taskId);
    }
    const outcomes = requests.length === 0 ? [] : await this.commands.execute(new ExecuteSurveyCommands(requests, this.context(caller)));
    for (const outcome of outcomes) {
      const c = outcome.key as Candidate;
      const who = describe(c.subject);
      if (outcome.status === 'refused') {
        // Another batch got there between this one's read and its append (the append re-read the stream).
        skipped.push({ ...who, code: outcome.error.code });
        continue;
      }
      tasks.push({
        taskId: taskIdOf.get(c)!,
        ...who,
        ...(surveyorOf.get(c) !== undefined && { surveyor: surveyorOf.get(c) }),
        ...(c.household !== undefined && { household: c.household }),
        status: outcome.events.length > 0 ? 'created' : 'unchanged',
      });
    }
    return {
      batchId: dto.batchId,
      region: displayRegionCode(region),
      dueDate: dto.dueDate,
      requested,
      created: tasks.filter((t) => t.status === 'created').length,
      unchanged: tasks.filter((t) => t.status === 'unchanged').length,
      tasks: tasks.slice(0, MAX_LISTED_TASKS),
      tasksNotListed: Math.max(0, tasks.length - MAX_LISTED_TASKS),
      skipped,
    };
  }

  private context(caller: Principal): CommandContext {
    // One correlation id for the batch: its events tell their story together, and share their metadata.
    return { operator: caller.subject, role: caller.roles.join(','), region: caller.region, channel: 'http', correlationId: randomUUID() };
  }

  /**
   * The township's worklist as the person read model has it. Each person's basis is the
   * revision that document reflects: whatever the person's stream recorded after it (the read
   * model may lag) is a change since the issue, and the registry's reaction to new tasks
   * cancels the task if that change made the visit pointless.
   *
   * Only the region goes to the read store; the coverage status is picked here. Given both,
   * SQLite's planner (without statistics, an equality beats a range) walks the coverage-status
   * index, i.e. every uninsured person of the province, and sorts them for each page: with
   * 1,000,000 persons loaded that was 630 ms a page and 17 s for a township of 20,000. The
   * region's index range costs what the township holds, whatever the province's size.
   */
  private async fromWorklist(region: string, identityChecks: boolean): Promise<Candidate[]> {
    const out: Candidate[] = [];
    let persons;
    try {
      persons = await this.projections.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    } catch (error) {
      if (!(error instanceof ReadModelNotReadyError)) throw error;
    }
    let cursor: string | undefined;
    while (persons) {
      const page = await persons.find(
        { householdRegion: { prefix: region } },
        { sort: [['householdRegion', 1]], limit: PAGE, cursor, fields: ['householdRegion', 'coverageStatus', 'revision'] },
      );
      for (const doc of page.items) {
        if (!WORKLIST_STATUSES.has(doc.coverageStatus)) continue;
        out.push({
          subject: { kind: 'person', personId: doc._id },
          order: `${doc.householdRegion}:${doc._id}`,
          basis: { personRevision: doc.revision, coverageStatus: doc.coverageStatus },
        });
      }
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    if (identityChecks) out.push(...(await this.identityChecksOf(region)));
    return out;
  }

  private async identityChecksOf(region: string, refs?: readonly string[]): Promise<Candidate[]> {
    const checks = this.reads.collection<IdentityCheckDoc>(IDENTITY_CHECKS);
    const docs: IdentityCheckDoc[] = [];
    if (refs) {
      for (let i = 0; i < refs.length; i += PAGE) docs.push(...(await checks.getMany(refs.slice(i, i + PAGE))).values());
    } else {
      let cursor: string | undefined;
      do {
        const page = await checks.find({ regionPath: region }, { sort: [['_id', 1]], limit: PAGE, cursor });
        docs.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
    }
    return docs
      .filter((d) => d.regionPath.includes(region) || d.householdRegion.startsWith(region))
      .map((d) => ({ subject: { kind: 'identity-check', recordRef: d._id }, order: `${d.householdRegion}:${d._id}`, basis: {} }));
  }

  /**
   * A chosen list: each person is checked on their stream (registered, household in the
   * township, alive with an active household), whatever a read model says yet.
   */
  private async fromList(caller: Principal, region: string, dto: SurveyBatchDto, skipped: BatchOutcome['skipped']): Promise<Candidate[]> {
    const households = dto.households ?? [];
    for (const [i, members] of households.entries()) {
      if (
        !Array.isArray(members) ||
        members.length < 1 ||
        members.length > 30 ||
        !members.every((m) => typeof m === 'string' && PERSON_ID.test(m))
      ) {
        throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'Each household must list 1 to 30 person ids.', {
          errors: [{ field: `households[${i}]`, code: 'INVALID_HOUSEHOLD', message: 'must list 1 to 30 person ids' }],
        });
      }
    }
    const householdOf = new Map<string, string>();
    for (const members of households) {
      const key = householdKey(members);
      for (const m of members) householdOf.set(m, key);
    }
    const personIds = [...new Set([...(dto.personIds ?? []), ...households.flat()])];
    const recordRefs = [...new Set(dto.identityChecks ?? [])];
    if (personIds.length + recordRefs.length === 0) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'A list batch names persons, households or identity checks.');
    }
    if (personIds.length + recordRefs.length > MAX_LIST_SUBJECTS) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'VALIDATION_FAILED',
        `A list batch names at most ${MAX_LIST_SUBJECTS} subjects; use the worklist.`,
      );
    }
    const out: Candidate[] = [];
    const streams = await this.events.readStreams(personIds.map((id) => personStreamName(id as PersonId)));
    const aggregate = this.persons.aggregate;
    const today = this.clock.today();
    for (const personId of personIds) {
      const recorded = streams.get(personStreamName(personId as PersonId)) ?? [];
      const state = aggregate.fromStored(recorded, false).reduce(aggregate.decider.evolve, aggregate.decider.initialState());
      const home =
        state.status === 'unregistered' ? undefined : (state.person.fields.householdRegion?.value ?? this.reference.provinceCode);
      if (state.status === 'unregistered' || !caller.covers(home)) {
        skipped.push({ personId, code: 'PERSON_NOT_FOUND' });
      } else if (!home!.startsWith(region)) {
        skipped.push({ personId, code: 'PERSON_NOT_IN_REGION' });
      } else if (state.status === 'deceased' || state.person.household.status !== 'active') {
        skipped.push({ personId, code: 'PERSON_NOT_SURVEYABLE' });
      } else {
        out.push({
          subject: { kind: 'person', personId },
          ...(householdOf.has(personId) && { household: householdOf.get(personId) }),
          order: `${home}:${householdOf.get(personId) ?? ''}:${personId}`,
          basis: {
            personRevision: recorded[recorded.length - 1].revision,
            coverageStatus: assessPersonCoverage(state, this.reference.provinceCode, today).status,
          },
        });
      }
    }
    if (recordRefs.length > 0) {
      const found = await this.identityChecksOf(region, recordRefs);
      const known = new Set(found.map((c) => (c.subject as { recordRef: string }).recordRef));
      for (const ref of recordRefs) if (!known.has(ref)) skipped.push({ recordRef: ref, code: 'IDENTITY_CHECK_NOT_FOUND' });
      out.push(...found);
    }
    return out;
  }
}

function describe(subject: SurveySubject): { personId?: string; recordRef?: string } {
  return subject.kind === 'person' ? { personId: subject.personId } : { recordRef: subject.recordRef };
}

/**
 * Shares candidates among surveyors in contiguous runs of the order (village, household),
 * so each surveyor walks neighbouring households and a household is never split.
 */
function shareAmong(candidates: readonly Candidate[], surveyors: readonly string[] | undefined): Map<Candidate, string> {
  const out = new Map<Candidate, string>();
  if (!surveyors || surveyors.length === 0) return out;
  const ordered = [...candidates].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  const share = Math.ceil(ordered.length / surveyors.length);
  let index = 0;
  let taken = 0;
  let lastHousehold: string | undefined;
  for (const c of ordered) {
    const sameHousehold = c.household !== undefined && c.household === lastHousehold;
    if (taken >= share && !sameHousehold && index < surveyors.length - 1) {
      index++;
      taken = 0;
    }
    out.set(c, surveyors[index]);
    taken++;
    lastHousehold = c.household;
  }
  return out;
}
