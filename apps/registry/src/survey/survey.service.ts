import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  CitizenId,
  Gender,
  IssuedSurveyTaskState,
  PersonCommand,
  PersonEvent,
  PersonId,
  foldPerson,
  SurveyResultSubmitted,
  SurveyTask,
  SurveyTaskCommand,
  SurveyTaskEvent,
  SurveyTaskState,
  displayRegionCode,
  isSurveyTaskId,
  personIdFor,
  surveyTaskStreamName,
  DomainError,
} from '@registry/domain';
import { ConcurrencyError } from '@registry/event-store';
import { ReadModelNotReadyError } from '@registry/projections';
import { Filter, READ_STORE, ReadStore } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { CommandContext } from '../common/event-sourcing/command-context';
import { ProblemException } from '../common/problem';
import { IDENTITY_CHECKS, IdentityCheckDoc } from '../comparison/comparison-run';
import { KeyRing } from '../config/key-ring';
import { IMPORT_REJECTIONS, ImportRejection, rejectionFields } from '../imports/import-job';
import { ExecutePersonCommands } from '../persons/execute-person-commands';
import { LoadedPerson, PersonStreams } from '../persons/person-aggregate';
import { PersonDocument, PersonalFields } from '../persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../persons/projections/persons.projection';
import { IdentityDisclosure } from '../privacy/identity-disclosure';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import {
  SurveyApprovalDto,
  SurveyAssignmentDto,
  SurveyCancellationDto,
  SurveyResultDto,
  SurveyReturnDto,
  SurveyTaskListQueryDto,
} from './dto/survey.dto';
import { SurveySubjectDto } from './dto/survey.responses';
import { ExecuteSurveyCommands } from './execute-survey-commands';

type SubjectSummary = Omit<SurveySubjectDto, 'kind'>;
import { SURVEY_PROJECTION, SURVEY_TASKS_COLLECTION } from './projections/survey.projection';
import { SurveyTaskDocument } from './projections/survey-task-document';
import { LoadedSurveyTask, SurveyTaskStreams } from './survey-aggregate';
import { ApprovedResult, identifiedPersonCommands, surveyPersonCommands } from './survey-approval';
import { SurveyClock } from './survey-clock';
import { isOverdue, personChanges, personSummary, taskHistory } from './survey-views';

export function taskNotFound(): ProblemException {
  // One answer for "no such task", "outside your region" and "not yours to see".
  return new ProblemException(HttpStatus.NOT_FOUND, 'SURVEY_TASK_NOT_FOUND', 'No survey task with this id is visible to the caller.');
}

/** `If-Match: "3"` (or W/"3") → 3. */
export function ifMatchRevision(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch === '*') return undefined;
  const m = /^(?:W\/)?"?(-?\d+)"?$/.exec(ifMatch.trim());
  if (!m)
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'INVALID_IF_MATCH', 'If-Match must be an ETag from GET /v1/survey-tasks/{taskId}.');
  return Number(m[1]);
}

/** What an approval will send to the person, prepared before its claim. */
interface PreparedPersonCommands {
  personId: PersonId | null;
  commands: PersonCommand[];
  /** The person's revision the reviewer saw, when the person changed since the issue. */
  expectedRevision?: number;
}

/** The stable code of a refusal (a domain error, a problem answered 4xx), or undefined for a failure that is no refusal. */
function refusalCode(error: unknown): string | undefined {
  if (error instanceof ProblemException) return error.status < 500 ? error.code : undefined;
  if (error instanceof DomainError) return error.code;
  return undefined;
}

export interface TaskCommandAnswer {
  taskId: string;
  revision: number;
  state: string;
  /** Event types this request recorded (empty when it was a repeat). */
  recorded: string[];
}

const LIST_LIMIT = 50;

/**
 * The survey capability's application service: who may see and act on which task (region,
 * role, assignment), parsing requests into task commands sent through the CommandBus, the
 * task views, and the approval that turns a result into the person's facts.
 */
@Injectable()
export class SurveyService {
  constructor(
    private readonly commands: CommandBus,
    private readonly tasks: SurveyTaskStreams,
    private readonly persons: PersonStreams,
    private readonly projections: ProjectionsService,
    private readonly reference: ReferenceData,
    private readonly protector: PersonalDataProtector,
    private readonly keys: KeyRing,
    private readonly clock: SurveyClock,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {}

  /** A caller who only works tasks (a surveyor) sees the ones assigned to it; supervisors and auditors see their region's. */
  private ownOnly(caller: Principal): boolean {
    return caller.can('survey:work') && !caller.can('survey:manage') && !caller.can('survey:review') && !caller.can('survey:approve');
  }

  /** Whether the caller may see the task; `asSender`: a former assignee may still send the result of a visit it made. */
  private visible(caller: Principal, task: SurveyTask, asSender = false): boolean {
    if (!caller.covers(task.region)) return false;
    if (!this.ownOnly(caller)) return true;
    if (task.surveyor === caller.subject) return true;
    return asSender && task.assignments.some((a) => a.surveyor === caller.subject);
  }

  private context(caller: Principal): CommandContext {
    return { operator: caller.subject, role: caller.roles.join(','), region: caller.region, channel: 'http' };
  }

  private async loadVisible(caller: Principal, rawTaskId: string): Promise<LoadedSurveyTask & { state: IssuedSurveyTaskState }> {
    if (!isSurveyTaskId(rawTaskId)) throw taskNotFound();
    const loaded = await this.tasks.load(rawTaskId);
    if (loaded.state.status === 'unissued' || !this.visible(caller, loaded.state.task)) throw taskNotFound();
    return loaded as LoadedSurveyTask & { state: IssuedSurveyTaskState };
  }

  /**
   * One command on one task through the command path: the visibility check runs on the state
   * the command is decided on (one read of the stream).
   */
  private async execute(
    caller: Principal,
    rawTaskId: string,
    command: SurveyTaskCommand,
    expectedRevision: number | undefined,
    asSender = false,
    /** Let a conflict with `expectedRevision` through as the store's ConcurrencyError (the caller reads again). */
    rawConflict = false,
  ): Promise<TaskCommandAnswer> {
    if (!isSurveyTaskId(rawTaskId)) throw taskNotFound();
    const authorize = (state: SurveyTaskState) => {
      if (state.status === 'unissued' || !this.visible(caller, state.task, asSender)) throw taskNotFound();
    };
    let outcomes;
    try {
      outcomes = await this.commands.execute(
        new ExecuteSurveyCommands([{ key: null, id: rawTaskId, command, expectedRevision, authorize }], this.context(caller)),
      );
    } catch (error) {
      if (error instanceof ConcurrencyError && expectedRevision !== undefined && !rawConflict) {
        throw new ProblemException(
          HttpStatus.PRECONDITION_FAILED,
          'REVISION_MISMATCH',
          'The task has changed since the revision given in If-Match.',
        );
      }
      throw error;
    }
    const [outcome] = outcomes;
    if (outcome.status === 'refused') throw outcome.error;
    return {
      taskId: rawTaskId,
      revision: outcome.revision,
      state: outcome.state.status,
      recorded: outcome.events.map((e: SurveyTaskEvent) => e.type),
    };
  }

  async assign(caller: Principal, taskId: string, dto: SurveyAssignmentDto, ifMatch: number | undefined): Promise<TaskCommandAnswer> {
    const occurredAt = this.clock.now().toISOString();
    return this.execute(
      caller,
      taskId,
      { type: 'AssignSurveyTask', data: { surveyor: dto.surveyor, assignedBy: caller.subject, dueDate: dto.dueDate, occurredAt } },
      ifMatch,
    );
  }

  async submit(caller: Principal, taskId: string, dto: SurveyResultDto, ifMatch: number | undefined) {
    let citizenId: string | undefined;
    if (dto.citizenId !== undefined) {
      const parsed = CitizenId.parse(dto.citizenId);
      if (!parsed.ok) {
        throw new ProblemException(HttpStatus.BAD_REQUEST, parsed.reasons[0].code, 'The citizen ID is not valid.', {
          errors: parsed.reasons.map((r) => ({ field: 'citizenId', code: r.code, message: r.message })),
        });
      }
      citizenId = parsed.value.value;
    }
    const command: SurveyTaskCommand = {
      type: 'SubmitSurveyResult',
      data: {
        resultId: dto.resultId,
        surveyor: caller.subject,
        visitedAt: dto.visitedAt,
        finding: dto.finding as never,
        evidence: (dto.evidence ?? []).map((e) => ({ documentId: e.documentId, type: e.type, sha256: e.sha256.toLowerCase() })),
        ...(dto.note !== undefined && { note: dto.note }),
        ...(dto.corrections !== undefined && {
          // Only the fields sent: the DTO instance carries the others as undefined.
          corrections: Object.fromEntries(Object.entries(dto.corrections).filter(([, value]) => value !== undefined)),
        }),
        ...(citizenId !== undefined && { citizenId }),
        occurredAt: this.clock.now().toISOString(),
      },
    };
    const answer = await this.execute(caller, taskId, command, ifMatch, true);
    const kept = answer.recorded.includes('SurveyResultSetAside');
    return {
      ...answer,
      resultId: dto.resultId,
      // What became of this result: waiting for review, kept aside (task final or reassigned), or already received.
      result: answer.recorded.length === 0 ? 'already-received' : kept ? 'set-aside' : 'pending-review',
    };
  }

  async returnResult(caller: Principal, taskId: string, dto: SurveyReturnDto, ifMatch: number | undefined): Promise<TaskCommandAnswer> {
    const occurredAt = this.clock.now().toISOString();
    return this.execute(
      caller,
      taskId,
      { type: 'ReturnSurveyResult', data: { resultId: dto.resultId, returnedBy: caller.subject, reason: dto.reason, occurredAt } },
      ifMatch,
    );
  }

  async cancel(caller: Principal, taskId: string, dto: SurveyCancellationDto, ifMatch: number | undefined): Promise<TaskCommandAnswer> {
    const occurredAt = this.clock.now().toISOString();
    return this.execute(
      caller,
      taskId,
      { type: 'CancelSurveyTask', data: { cancelledBy: caller.subject, reason: dto.reason, occurredAt } },
      ifMatch,
    );
  }

  /**
   * Approval: the result becomes the person's facts through the person's own commands (sent
   * as ExecutePersonCommands on channel `survey`), and the task records the approval. It spans
   * two streams, so it goes in three steps:
   *
   * 1. the claim (`StartSurveyApproval`) on the task, appended with the revision the approval
   *    read (If-Match's when given): a return, a cancellation or another result that landed
   *    since makes it read again (or answers 412 with If-Match), and while the claim holds, a
   *    return or an operator's cancellation is refused (409 SURVEY_APPROVAL_IN_PROGRESS);
   * 2. the person's commands, all or nothing, decided first on the person as loaded so a
   *    refusal known in advance records nothing at all. Refused at the append (the person
   *    changed meanwhile): the claim is released (`ReleaseSurveyApproval`) with the refusal's
   *    code, nothing is recorded on the person, and the result waits for review again;
   * 3. the completion (`ApproveSurveyResult`), which needs the claim.
   *
   * The person commands' record ids derive from the task and result, so an approval
   * interrupted after its claim is completed by the same call again, recording nothing twice.
   * When the person changed after the task was issued, the approval needs the person's
   * revision the reviewer saw: the facts are applied only to that state.
   */
  async approve(caller: Principal, taskId: string, dto: SurveyApprovalDto, ifMatch: number | undefined) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.approveOnce(caller, taskId, dto, ifMatch);
      } catch (error) {
        // The task changed between the approval's read and its claim: read it again (the decider then answers on what is there now).
        if (error instanceof ConcurrencyError && ifMatch === undefined && attempt < 4) continue;
        if (error instanceof ConcurrencyError) {
          throw new ProblemException(
            HttpStatus.PRECONDITION_FAILED,
            'REVISION_MISMATCH',
            'The task has changed since the revision given in If-Match.',
          );
        }
        throw error;
      }
    }
  }

  private async approveOnce(caller: Principal, taskId: string, dto: SurveyApprovalDto, ifMatch: number | undefined) {
    const loaded = await this.loadVisible(caller, taskId);
    if (ifMatch !== undefined && ifMatch !== loaded.revision)
      throw new ConcurrencyError(surveyTaskStreamName(taskId), String(ifMatch), loaded.revision);
    const task = loaded.state.task;
    const recordedOnTask: string[] = [];
    let recorded: string[] = [];
    let resultId = dto.resultId ?? task.pendingResultId ?? task.approval?.resultId ?? '';
    // Only a result waiting for review becomes the person's facts; anything else is the decider's to refuse (or, for the
    // approved result approved again, to answer with nothing recorded).
    if (loaded.state.status === 'submitted') {
      resultId = dto.resultId ?? task.pendingResultId!;
      const submitted = loaded.events.find(
        (e) => e.type === 'SurveyResultSubmitted' && (e.data as { resultId: string }).resultId === resultId,
      );
      if (submitted !== undefined && resultId === task.pendingResultId) {
        const data = submitted.data as SurveyResultSubmitted['data'];
        const result: ApprovedResult = {
          taskId,
          resultId,
          visitedAt: data.visitedAt,
          finding: data.finding,
          evidence: data.evidence,
          personal: data.personal,
        };
        // A claim held by an interrupted approval names the reviewer its commands were built with: the same commands again.
        const reviewer = task.approvalClaim?.approvedBy ?? caller.subject;
        let prepared: PreparedPersonCommands;
        try {
          prepared = await this.preparePersonCommands(task, new Date(loaded.events[0].recordedAt), result, reviewer, dto.personRevision);
        } catch (error) {
          // Refused before anything was sent: a claim an interrupted approval left is given back with the code.
          if (task.approvalClaim !== undefined) await this.releaseClaim(caller, taskId, resultId, error);
          throw error;
        }
        const claimed = await this.execute(
          caller,
          taskId,
          { type: 'StartSurveyApproval', data: { resultId, approvedBy: caller.subject, occurredAt: this.clock.now().toISOString() } },
          loaded.revision,
          false,
          true,
        );
        recordedOnTask.push(...claimed.recorded);
        try {
          recorded = await this.sendPersonCommands(caller, prepared);
        } catch (error) {
          await this.releaseClaim(caller, taskId, resultId, error);
          throw error;
        }
      }
    }
    const occurredAt = this.clock.now().toISOString();
    const answer = await this.execute(
      caller,
      taskId,
      { type: 'ApproveSurveyResult', data: { resultId, approvedBy: caller.subject, recorded, occurredAt } },
      undefined,
    );
    return { ...answer, recorded: [...recordedOnTask, ...answer.recorded], personEvents: recorded };
  }

  /**
   * Gives the claim back when the person's commands were refused (an error with a stable
   * code); anything else (the store unreachable, a crash) leaves the claim for a retry to
   * complete. Released already by an approval that ran beside this one: nothing more to do.
   */
  private async releaseClaim(caller: Principal, taskId: string, resultId: string, error: unknown): Promise<void> {
    const code = refusalCode(error);
    if (code === undefined) return;
    try {
      await this.execute(
        caller,
        taskId,
        { type: 'ReleaseSurveyApproval', data: { resultId, releasedBy: caller.subject, code, occurredAt: this.clock.now().toISOString() } },
        undefined,
      );
    } catch (released) {
      if (refusalCode(released) !== 'SURVEY_APPROVAL_NOT_STARTED' && refusalCode(released) !== 'SURVEY_TASK_ALREADY_FINAL') throw released;
    }
  }

  /** The person commands an approved result means, checked against the person as loaded (nothing is sent yet). */
  private async preparePersonCommands(
    task: SurveyTask,
    issuedAt: Date,
    result: ApprovedResult,
    reviewer: string,
    personRevision: number | undefined,
  ): Promise<PreparedPersonCommands> {
    let personId: PersonId;
    let commands: PersonCommand[];
    let expectedRevision: number | undefined;
    if (task.subject.kind === 'person') {
      personId = task.subject.personId as PersonId;
      const now = await this.persons.load(personId);
      if (now.state.status === 'unregistered') throw taskNotFound();
      // Changed since the issue, as the task view shows it; facts an earlier try of this approval recorded do not count.
      const then = await this.persons.load(personId, issuedAt);
      const others = now.events.filter((e) => (e.data as { survey?: { taskId: string } }).survey?.taskId !== task.taskId);
      const withoutOwn: LoadedPerson = {
        ...now,
        events: others,
        state: foldPerson(others.map((e) => ({ type: e.type, data: e.data }) as PersonEvent)),
      };
      const today = this.clock.today();
      const changed = personChanges(
        then,
        withoutOwn,
        IdentityDisclosure.FULL,
        this.reference.provinceCode,
        task.issuedAt.slice(0, 10),
        today,
      ).changed;
      if (changed) {
        if (personRevision !== now.revision) {
          throw new ProblemException(
            HttpStatus.CONFLICT,
            'SURVEY_PERSON_CHANGED',
            'The person changed after the task was issued: review the changes shown with the task and approve with the personRevision you saw.',
            { personRevision: now.revision },
          );
        }
        expectedRevision = personRevision;
      }
      commands = surveyPersonCommands(result, reviewer, this.reference.provinceCode);
      this.dryRun(now, commands);
    } else {
      if (result.finding.outcome !== 'identified' || result.personal.citizenId === undefined) return { personId: null, commands: [] };
      const parsed = CitizenId.parse(result.personal.citizenId);
      if (!parsed.ok) return { personId: null, commands: [] };
      const row = await this.identifiedRow(task.subject.recordRef, task.region);
      personId = personIdFor(parsed.value, this.keys.personIdKey);
      commands = identifiedPersonCommands(result, parsed.value, row);
      this.dryRun(await this.persons.load(personId), commands);
    }
    return { personId, commands, expectedRevision };
  }

  /** The person's commands, all or nothing: a refusal records none of them and is thrown. */
  private async sendPersonCommands(caller: Principal, prepared: PreparedPersonCommands): Promise<string[]> {
    const { personId, commands, expectedRevision } = prepared;
    if (personId === null || commands.length === 0) return [];
    const context: CommandContext = { ...this.context(caller), channel: 'survey', sourceSystem: 'survey' };
    let outcomes;
    try {
      outcomes = await this.commands.execute(
        new ExecutePersonCommands(
          commands.map((command) => ({ key: null, id: personId, command, expectedRevision })),
          context,
          { allOrNothing: true },
        ),
      );
    } catch (error) {
      if (error instanceof ConcurrencyError && expectedRevision !== undefined) {
        throw new ProblemException(
          HttpStatus.CONFLICT,
          'SURVEY_PERSON_CHANGED',
          'The person changed again since the revision given; review the task again.',
        );
      }
      throw error;
    }
    const refused = outcomes.find((o) => o.status === 'refused');
    if (refused?.status === 'refused') throw refused.error;
    return outcomes.flatMap((o) => (o.status === 'applied' ? o.events.map((e) => e.type) : []));
  }

  /** Decides the commands on the person as loaded, so a refusal stops the approval before anything is recorded. */
  private dryRun(person: LoadedPerson, commands: readonly PersonCommand[]): void {
    const decider = this.reference.personDecider;
    let state = person.state;
    for (const command of commands) for (const event of decider.decide(command, state)) state = decider.evolve(state, event);
  }

  private async identifiedRow(recordRef: string, region: string) {
    const check = await this.reads.collection<IdentityCheckDoc>(IDENTITY_CHECKS).get(recordRef);
    const rejection = await this.reads.collection<ImportRejection>(IMPORT_REJECTIONS).get(recordRef);
    const fields = rejection ? rejectionFields(this.protector, rejection) : {};
    return {
      householdRegion: check?.householdRegion ?? region,
      name: fields.name,
      gender: fields.gender as Gender | undefined,
      birthDate: fields.birthDate,
      householdAddress: fields.householdAddress,
    };
  }

  /** The whole task: subject as held now, assignments, results with notes and evidence, review decisions, and what changed about the person since the issue. */
  async get(caller: Principal, taskId: string) {
    const loaded = await this.loadVisible(caller, taskId);
    const { state } = loaded;
    const task = state.task;
    const disclosure = IdentityDisclosure.for(caller);
    const today = this.clock.today();
    const history = taskHistory(loaded.events, state, disclosure);
    let subject: SurveySubjectDto;
    let changes: ReturnType<typeof personChanges> | undefined;
    if (task.subject.kind === 'person') {
      const personId = task.subject.personId as PersonId;
      const now = await this.persons.load(personId);
      // What the registry held when the task was issued (PersonStreams.load as of the issue's recording).
      const then = await this.persons.load(personId, new Date(loaded.events[0].recordedAt));
      subject = {
        kind: 'person',
        ...personSummary(personId, now.state, disclosure, this.reference.provinceCode, today),
        revision: now.revision,
      };
      changes = personChanges(then, now, disclosure, this.reference.provinceCode, task.issuedAt.slice(0, 10), today);
    } else {
      subject = {
        kind: 'identity-check',
        ...(await this.identityCheckSummaries([task.subject.recordRef], disclosure)).get(task.subject.recordRef),
      };
    }
    return {
      taskId: task.taskId,
      revision: loaded.revision,
      state: state.status,
      round: task.round,
      region: displayRegionCode(task.region),
      household: task.household,
      batchId: task.batchId,
      origin: task.origin,
      dueDate: task.dueDate,
      overdue: isOverdue(state.status, task.dueDate, today),
      issuedAt: task.issuedAt,
      issuedBy: task.issuedBy,
      basis: task.basis,
      surveyor: task.surveyor,
      assignments: [...task.assignments],
      subject,
      results: history.results,
      returns: history.returns,
      approvalInProgress: task.approvalClaim && {
        resultId: task.approvalClaim.resultId,
        approvedBy: task.approvalClaim.approvedBy,
        at: task.approvalClaim.at,
      },
      approvalRefusal: task.approvalRefusal,
      approval: task.approval,
      cancellation: task.cancellation && {
        ...task.cancellation,
        ...(history.cancellationReason !== undefined && { reason: history.cancellationReason }),
      },
      personChangedSinceIssue: changes,
    };
  }

  async list(caller: Principal, query: SurveyTaskListQueryDto) {
    const region = query.region === undefined ? caller.regionPrefix : this.reference.regionParam(query.region, 'region');
    if (!caller.covers(region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
    }
    const filter: Filter = {};
    // Every task's region is a township of this province: the province's own prefix would filter nothing.
    if (region !== this.reference.provinceCode) filter.region = { prefix: region };
    if (this.ownOnly(caller)) {
      if (query.surveyor !== undefined && query.surveyor !== caller.subject) {
        throw new ProblemException(HttpStatus.FORBIDDEN, 'SURVEYOR_OUT_OF_SCOPE', 'A surveyor sees only the tasks assigned to it.');
      }
      filter.surveyor = caller.subject;
    } else if (query.surveyor !== undefined) {
      filter.surveyor = query.surveyor;
    }
    const today = this.clock.today();
    let states = query.state?.split(',');
    if (query.overdue === 'true') {
      states = (states ?? ['open', 'assigned', 'returned']).filter((s) => s === 'open' || s === 'assigned' || s === 'returned');
      filter.dueDate = { lt: today };
    }
    if (states) filter.state = states.length === 1 ? states[0] : { in: states };
    if (query.household) filter.household = query.household;
    if (query.batchId) filter.batchId = query.batchId;
    let collection;
    try {
      collection = await this.projections.collection<SurveyTaskDocument>(SURVEY_PROJECTION, SURVEY_TASKS_COLLECTION);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return { region: displayRegionCode(region), items: [] };
      throw error;
    }
    const page =
      states && states.length === 0
        ? { items: [] as SurveyTaskDocument[], nextCursor: undefined }
        : await collection.find(filter, {
            sort: [['dueDate', 1]],
            limit: query.limit ? Math.min(Math.max(Number(query.limit), 1), 200) : LIST_LIMIT,
            cursor: query.cursor,
          });
    const disclosure = IdentityDisclosure.for(caller);
    const persons = await this.personSummaries(
      page.items.flatMap((t) => (t.personId ? [t.personId] : [])),
      disclosure,
    );
    const checks = await this.identityCheckSummaries(
      page.items.flatMap((t) => (t.recordRef ? [t.recordRef] : [])),
      disclosure,
    );
    return {
      region: displayRegionCode(region),
      items: page.items.map((t) => ({
        taskId: t._id,
        revision: t.revision,
        state: t.state,
        round: t.round,
        region: displayRegionCode(t.region),
        household: t.household ?? undefined,
        surveyor: t.surveyor ?? undefined,
        dueDate: t.dueDate,
        overdue: isOverdue(t.state, t.dueDate, today),
        outcome: t.outcome ?? undefined,
        cancellation: t.cancellation ?? undefined,
        approvalStartedBy: t.approvalStartedBy ?? undefined,
        issuedAt: t.issuedAt,
        updatedAt: t.updatedAt,
        subject: t.personId
          ? { kind: 'person', ...(persons.get(t.personId) ?? { personId: t.personId }) }
          : { kind: 'identity-check', ...(checks.get(t.recordRef!) ?? { recordRef: t.recordRef! }) },
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** Persons of a page as the person read model holds them, with what a surveyor needs to find them. */
  private async personSummaries(ids: string[], disclosure: IdentityDisclosure): Promise<Map<string, SubjectSummary>> {
    const out = new Map<string, SubjectSummary>();
    if (ids.length === 0) return out;
    let collection;
    try {
      collection = await this.projections.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return out;
      throw error;
    }
    for (const doc of (await collection.getMany(ids)).values()) {
      const personal = this.protector.openFromDocument<PersonalFields>(doc._id, doc.personal);
      out.set(doc._id, {
        personId: doc._id,
        maskedCitizenId: disclosure.remask(doc.maskedCitizenId),
        name: personal?.name,
        gender: doc.gender,
        ...disclosure.birth(doc.birthDate),
        householdRegion: doc.householdRegion && displayRegionCode(doc.householdRegion),
        householdAddress: personal?.householdAddress,
        phone: personal?.phone,
        coverageStatus: doc.coverageStatus,
      });
    }
    return out;
  }

  /** Identity checks of a page: what the household row says (name, address), for the surveyor to find the person. */
  private async identityCheckSummaries(refs: string[], disclosure: IdentityDisclosure): Promise<Map<string, SubjectSummary>> {
    const out = new Map<string, SubjectSummary>();
    if (refs.length === 0) return out;
    const checks = await this.reads.collection<IdentityCheckDoc>(IDENTITY_CHECKS).getMany(refs);
    const rows = await this.reads.collection<ImportRejection>(IMPORT_REJECTIONS).getMany(refs);
    for (const ref of refs) {
      const check = checks.get(ref);
      const row = rows.get(ref);
      const fields = row ? rejectionFields(this.protector, row) : {};
      out.set(ref, {
        recordRef: ref,
        householdRegion: check && displayRegionCode(check.householdRegion),
        reasons: check?.reasons,
        name: fields.name,
        gender: fields.gender,
        ...disclosure.birth(fields.birthDate),
        householdAddress: fields.householdAddress,
        maskedCitizenId: fields.rawCitizenId ? disclosure.maskId(fields.rawCitizenId) : undefined,
      });
    }
    return out;
  }
}
