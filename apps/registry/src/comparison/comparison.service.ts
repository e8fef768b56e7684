import { BeforeApplicationShutdown, HttpStatus, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { PERSON_EVENT_TYPES } from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { Document, READ_STORE, ReadStore, WriteOp } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { CommandContext } from '../common/event-sourcing/command-context';
import { ProblemException } from '../common/problem';
import { describeUnexpectedError } from '../common/redact';
import { AppConfig } from '../config/app-config';
import { KeyRing } from '../config/key-ring';
import { ExecutePersonCommands } from '../persons/execute-person-commands';
import { PersonDocument } from '../persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../persons/projections/persons.projection';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { COMPARISON_RUNS, ComparisonRun, RunPhase, RunScope } from './comparison-run';
import { Determination, VERDICT_DATES, VerdictDateDoc, runDetermination } from './determination-phase';
import { runInquiry } from './inquiry-phase';
import { LinkagePopulation, runLinkage } from './linkage-phase';
import { MINISTRY_INQUIRY, MinistryInquiry } from './ministry-inquiry';
import { PhaseContext, eachPersonDocument, personDocuments } from './phase-context';
import { RecordLinker } from './record-linker';

const INTERRUPTED_MESSAGE =
  'The run stopped without finishing (the service stopped or crashed); what it recorded is kept, and the next run redoes the rest.';

/** Thrown at a progress report once the service is stopping. */
class RunInterrupted extends Error {
  readonly code = 'COMPARISON_INTERRUPTED';
}

/** Claims to start a run (see ComparisonService.start); one whose holder died lapses after START_CLAIM_MS. */
const COMPARISON_START_TICKETS = 'comparison_start_tickets';
const START_CLAIM_MS = 30_000;
const PERSON_STREAM_PREFIX = 'person-';

/** Persons others recorded facts on while a run went: the next run on changes takes them in. */
const CHANGED_DURING_RUN = 'comparison_changed_during_run';

interface ChangedDuringRunDoc extends Document {
  runId: string;
  personId: string;
}
/** Progress within a phase is written at most this often. */
const PROGRESS_INTERVAL_MS = 1_000;

interface StartTicket extends Document {
  _id: string;
  n: number;
  expiresAt: number;
  released: boolean;
}

function runningProblem(runId: string | undefined): ProblemException {
  return new ProblemException(
    HttpStatus.CONFLICT,
    'COMPARISON_RUNNING',
    'A comparison run is already in progress; follow it or wait for it to end.',
    {
      runId,
    },
  );
}

/**
 * Information comparison (信息比对). One run at a time, in three phases of files of their own:
 * 1. linkage (linkage-phase.ts): quarantined rows whose ID was unusable are linked to persons (automatically
 *    above the link threshold, to the review queue between thresholds), and a linked row's
 *    facts are applied to the person through the same commands as an import; household
 *    rows that link to nobody but whose ID can be repaired register their person;
 * 2. ministry inquiry (inquiry-phase.ts): persons the registry holds as uninsured are asked about at the
 *    ministry; insured-elsewhere answers are recorded as enrolments from source `ministry`;
 * 3. determination (determination-phase.ts): every household-registered person gets a verdict with its evidence,
 *    recorded as an event only when it changed, so a run with nothing new records nothing.
 */
@Injectable()
export class ComparisonService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Comparison');
  private running?: Promise<void>;
  private stopping = false;
  private progressWrittenAt = 0;
  /** The last completed run's linkage population, for the next run on changes (see runOnChanges). */
  private linkage?: { runId: string; configKey: string; population: LinkagePopulation };
  /** A full run's persons others recorded on, read up to `upTo` during its determination (see noteChangesDuringRun). */
  private othersSeen?: { runId: string; upTo: number; others: Set<string> };

  constructor(
    @Inject(READ_STORE) private readonly reads: ReadStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly commands: CommandBus,
    private readonly protector: PersonalDataProtector,
    private readonly projections: ProjectionsService,
    private readonly reference: ReferenceData,
    private readonly keys: KeyRing,
    private readonly linker: RecordLinker,
    private readonly config: AppConfig,
    @Optional() @Inject(MINISTRY_INQUIRY) private readonly ministry?: MinistryInquiry,
  ) {}

  /** On a stop, a run ends at its next progress report, marked interrupted; the stores close after. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.SHUTDOWN_GRACE_MS)));
    await Promise.race([this.running, grace]);
    clearTimeout(timer);
  }

  /**
   * Runs still marked running whose heartbeat stopped (a crash, a kill, a stop past the grace
   * period) are marked interrupted; a run with a live heartbeat (in this or another instance)
   * is returned so the caller refuses to start a second one.
   */
  private async activeRun(): Promise<ComparisonRun | undefined> {
    const running = await this.runs.find({ state: 'running' }, { limit: 10 });
    const staleBefore = Date.now() - 3 * this.config.COMPARISON_HEARTBEAT_MS;
    let alive: ComparisonRun | undefined;
    for (const run of running.items) {
      const beat = Date.parse(run.heartbeatAt ?? run.startedAt);
      if (beat >= staleBefore) {
        alive ??= run;
        continue;
      }
      const interrupted: ComparisonRun = {
        ...run,
        state: 'interrupted',
        finishedAt: new Date().toISOString(),
        error: { code: 'COMPARISON_INTERRUPTED', message: INTERRUPTED_MESSAGE },
      };
      await this.runs.upsert(interrupted);
      this.logger.warn(
        `Comparison ${run._id} stopped without finishing (last heartbeat ${run.heartbeatAt ?? run.startedAt}); marked interrupted`,
      );
    }
    return alive;
  }

  private get runs() {
    return this.reads.collection<ComparisonRun>(COMPARISON_RUNS);
  }

  async get(id: string): Promise<ComparisonRun | null> {
    return /^run_[0-9a-f-]{36}$/.test(id) ? this.runs.get(id) : null;
  }

  async list(limit = 20): Promise<ComparisonRun[]> {
    return (await this.runs.find({}, { sort: [['startedAt', -1]], limit })).items;
  }

  /**
   * Starts a run; refuses while another one is running in this registry, in this instance or
   * another. The check and the new run's document are made under a claim: a ticket document
   * numbered one past the last, which only one caller can create (a document's creation is
   * atomic on every read store, MongoDB and FerretDB included, where replacing one under a
   * condition is not: FerretDB v1 reads, then writes by id). So two instances asked at the same
   * moment cannot both find no run and both start one; the second is refused like any caller
   * that comes while a run is going. A claim whose holder died lapses after START_CLAIM_MS.
   */
  async start(caller: Principal, channel: 'http' | 'cli', options: { scope?: RunScope } = {}): Promise<ComparisonRun> {
    const tickets = this.reads.collection<StartTicket>(COMPARISON_START_TICKETS);
    const last = (await tickets.find({}, { sort: [['n', -1]], limit: 1 })).items[0];
    if (last && !last.released && last.expiresAt > Date.now()) throw runningProblem(undefined);
    const n = (last?.n ?? 0) + 1;
    const ticket: StartTicket = { _id: `t${String(n).padStart(12, '0')}`, n, expiresAt: Date.now() + START_CLAIM_MS, released: false };
    if (!(await tickets.upsert(ticket, { position: n }))) throw runningProblem(undefined);
    try {
      return await this.startClaimed(caller, channel, options.scope ?? 'full');
    } finally {
      await tickets.patch(ticket._id, { released: true }).catch(() => undefined);
    }
  }

  private async startClaimed(caller: Principal, channel: 'http' | 'cli', scope: RunScope): Promise<ComparisonRun> {
    const active = await this.activeRun();
    if (this.running || active) throw runningProblem(active?._id);
    const run: ComparisonRun = {
      _id: `run_${randomUUID()}`,
      state: 'running',
      scope,
      phase: 'starting',
      startedBy: { operator: caller.subject, role: caller.roles.join(','), region: caller.region, channel },
      startedAt: new Date().toISOString(),
      heartbeatAt: new Date().toISOString(),
      progress: { phase: 'starting', done: 0, total: 0 },
      counts: {
        persons: 0,
        statusChanges: 0,
        byStatus: {},
        inquired: 0,
        insuredElsewhereFound: 0,
        recordsConsidered: 0,
        linked: 0,
        repaired: 0,
        possibleLinks: 0,
        notLinked: 0,
      },
    };
    await this.runs.upsert(run);
    this.running = this.execute(run).finally(() => (this.running = undefined));
    return run;
  }

  async waitFor(id: string): Promise<ComparisonRun> {
    await this.running;
    return (await this.runs.get(id))!;
  }

  /**
   * Records the phase and progress: at once when the phase changes or the run ends, otherwise
   * at most every PROGRESS_INTERVAL_MS (a write per batch cost seconds over a large run).
   */
  private async progress(run: ComparisonRun, phase: RunPhase, done: number, total: number): Promise<void> {
    if (this.stopping && run.state === 'running') throw new RunInterrupted();
    const changed = run.phase !== phase || run.state !== 'running';
    run.phase = phase;
    run.progress = { phase, done, total };
    if (!changed && Date.now() - this.progressWrittenAt < PROGRESS_INTERVAL_MS) return;
    this.progressWrittenAt = Date.now();
    run.heartbeatAt = new Date().toISOString();
    await this.runs.upsert(run);
  }

  /**
   * Linkage, inquiry and determination over every person of the province. The read model is
   * read once: linkage's pass over every person also judges each one's verdict, and after the
   * inquiry only the persons recorded on since the run began (by linkage, by the inquiry, by
   * anyone) are read and judged again before the changed verdicts are recorded.
   */
  private async runFull(ctx: PhaseContext, timed: <T>(name: string, phase: () => Promise<T>) => Promise<T>): Promise<LinkagePopulation> {
    this.linkage = undefined;
    const determination = await Determination.start(ctx);
    const linked = await timed('linkage', () => runLinkage(ctx, this.linker, { onPerson: (doc) => determination.judge(doc) }));
    // The inquiry reads who is still uninsured, so it waits for what linkage recorded
    // (enrolments of linked rows, persons registered under a repaired ID); determination
    // judges from the read model, so it waits for the inquiry's enrolments.
    await timed('linkageCatchUp', () => ctx.caughtUp());
    await timed('inquiry', () => runInquiry(ctx, this.ministry));
    await timed('inquiryCatchUp', () => ctx.caughtUp());
    await timed('determination', async () => {
      // One read of the log since the run began serves twice: every person recorded on is
      // judged again, and those recorded on by others are kept for noteChangesDuringRun.
      const upTo = await this.events.headPosition();
      const changes = await this.personsChangedBetween(ctx.run.logFrom!, upTo, ctx.run._id);
      this.othersSeen = { runId: ctx.run._id, upTo, others: changes.others };
      await determination.judgeAgain(changes.all);
      await determination.decide();
    });
    return linked.population;
  }

  /**
   * A run on what changed since `previous` (the last completed run): the persons with facts
   * recorded after it began reading (its own records left out: it judged them), the persons
   * whose verdict date has come (VERDICT_DATES), and what this run's linkage and inquiry record.
   * Linkage works on the previous run's population brought up to date when this instance still
   * holds it (else it reads every person again); quarantined rows still open and persons of
   * other departments still unlinked are linked again as in a full run. The inquiry asks about
   * the uninsured among those persons only: the others' answers were recorded before.
   */
  private async runOnChanges(
    ctx: PhaseContext,
    previous: ComparisonRun,
    timed: <T>(name: string, phase: () => Promise<T>) => Promise<T>,
  ): Promise<LinkagePopulation> {
    const { run } = ctx;
    const changed = await timed('changedPersons', () => this.changedSince(previous));
    const dates = ctx.reads.collection<VerdictDateDoc>(VERDICT_DATES);
    await dates.ensureIndexes([{ name: 'due', fields: [['due', 1]] }]);
    for await (const due of dates.scan({ due: { lte: run.startedAt.slice(0, 10) } })) changed.add(due._id);
    const cached = this.linkage;
    const reuse = cached?.runId === previous._id && cached.configKey === this.linker.configKey();
    const linked = await timed('linkage', async () =>
      reuse
        ? runLinkage(ctx, this.linker, { update: { population: cached!.population, changed: await personDocuments(ctx.persons, changed) } })
        : runLinkage(ctx, this.linker),
    );
    for (const id of linked.touched) changed.add(id);
    await timed('linkageCatchUp', () => ctx.caughtUp());
    const asked = await timed('inquiry', async () => runInquiry(ctx, this.ministry, await personDocuments(ctx.persons, changed)));
    for (const id of asked) changed.add(id);
    await timed('inquiryCatchUp', () => ctx.caughtUp());
    await timed('determination', async () => runDetermination(ctx, eachPersonDocument(ctx.persons, changed), { forgetDates: true }));
    return linked.population;
  }

  /**
   * Persons with facts recorded since `previous` began reading, its own records left out: those
   * recorded while it ran (it noted them at its end, see noteChangesDuringRun) and those after.
   */
  private async changedSince(previous: ComparisonRun): Promise<Set<string>> {
    if (previous.logTo === undefined) return (await this.personsChangedBetween(previous.logFrom!, Infinity, previous._id)).others;
    const ids = (await this.personsChangedBetween(previous.logTo, Infinity)).all;
    for await (const noted of this.reads.collection<ChangedDuringRunDoc>(CHANGED_DURING_RUN).scan({ runId: previous._id })) {
      ids.add(noted.personId);
    }
    return ids;
  }

  /**
   * At the end of a run: the log's head then (`logTo`), and the persons others recorded facts on
   * while the run went (after `logFrom`, not the run's own records), noted for the next run on
   * changes, which then reads the log only after `logTo`. Notes of earlier runs are dropped.
   */
  private async noteChangesDuringRun(run: ComparisonRun): Promise<void> {
    const logTo = await this.events.headPosition();
    // What the determination read of the log already (a full run) is not read again.
    const seen = this.othersSeen?.runId === run._id ? this.othersSeen : undefined;
    this.othersSeen = undefined;
    const noted = this.reads.collection<ChangedDuringRunDoc>(CHANGED_DURING_RUN);
    await noted.ensureIndexes([{ name: 'run', fields: [['runId', 1]] }]);
    let ops: WriteOp[] = [];
    const flush = async () => {
      if (ops.length > 0) await this.reads.write(ops);
      ops = [];
    };
    for await (const old of noted.scan({ runId: { ne: run._id } })) {
      ops.push({ kind: 'delete', collection: CHANGED_DURING_RUN, id: old._id });
      if (ops.length >= 1000) await flush();
    }
    const others = (await this.personsChangedBetween(seen?.upTo ?? run.logFrom!, logTo, run._id)).others;
    for (const personId of seen?.others ?? []) others.add(personId);
    for (const personId of others) {
      ops.push({ kind: 'upsert', collection: CHANGED_DURING_RUN, doc: { _id: `${run._id}:${personId}`, runId: run._id, personId } });
      if (ops.length >= 1000) await flush();
    }
    await flush();
    run.logTo = logTo;
  }

  /**
   * Person streams with facts recorded after `from`, up to `to`, verdicts left out: all of them,
   * and those others recorded (not the run `ownRun`; without one, the same set).
   */
  private async personsChangedBetween(from: number, to: number, ownRun?: string): Promise<{ all: Set<string>; others: Set<string> }> {
    const all = new Set<string>();
    const others = ownRun === undefined ? all : new Set<string>();
    const eventTypes = PERSON_EVENT_TYPES.filter((t) => t !== 'CoverageStatusDetermined');
    for await (const e of this.events.readAll({ fromPosition: from, filter: { eventTypes, streamPrefixes: [PERSON_STREAM_PREFIX] } })) {
      if (e.position > to) break;
      const id = e.stream.slice(PERSON_STREAM_PREFIX.length);
      all.add(id);
      if (ownRun !== undefined && e.metadata.correlationId !== ownRun) others.add(id);
    }
    return { all, others };
  }

  private async lastCompleted(): Promise<ComparisonRun | undefined> {
    return (await this.runs.find({ state: 'completed' }, { sort: [['startedAt', -1]], limit: 1 })).items[0];
  }

  private async execute(run: ComparisonRun): Promise<void> {
    // The heartbeat goes on between progress reports (a long phase step, a slow ministry).
    const heartbeat = setInterval(() => {
      if (run.state !== 'running') return;
      run.heartbeatAt = new Date().toISOString();
      this.runs.upsert(run).catch(() => undefined);
    }, this.config.COMPARISON_HEARTBEAT_MS);
    heartbeat.unref();
    try {
      // Every event of the run carries its id as correlation id.
      const context: CommandContext = {
        operator: run.startedBy.operator,
        role: run.startedBy.role,
        region: run.startedBy.region,
        channel: 'comparison',
        sourceSystem: 'comparison',
        correlationId: run._id,
      };
      const ctx: PhaseContext = {
        run,
        reads: this.reads,
        persons: await this.projections.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION),
        protector: this.protector,
        reference: this.reference,
        personIdKey: this.keys.personIdKey,
        execute: (requests) => this.commands.execute(new ExecutePersonCommands(requests, context)),
        progress: (phase, done, total) => this.progress(run, phase, done, total),
        caughtUp: async () => {
          if (this.projections.running) await this.projections.waitUntilCaughtUp(undefined, 600_000);
        },
      };
      const timings: Record<string, number> = {};
      run.timings = timings;
      const timed = async <T>(name: string, phase: () => Promise<T>): Promise<T> => {
        const started = Date.now();
        const result = await phase();
        timings[name] = Date.now() - started;
        return result;
      };
      // What the log holds now is what this run reads; a later run on changes starts after it.
      run.logFrom = await this.events.headPosition();
      // Every phase reads the read models: they first take in what was recorded before the run.
      await timed('catchUp', () => ctx.caughtUp());
      const previous = run.scope === 'changes' ? await this.lastCompleted() : undefined;
      if (run.scope === 'changes' && previous?.logFrom === undefined) run.scope = 'full';
      const population = run.scope === 'changes' ? await this.runOnChanges(ctx, previous!, timed) : await this.runFull(ctx, timed);
      this.linkage = { runId: run._id, configKey: population.index.configKey, population };
      await timed('noteChanges', () => this.noteChangesDuringRun(run));
      run.state = 'completed';
      run.finishedAt = new Date().toISOString();
      await this.progress(run, 'done', run.progress.total, run.progress.total);
      this.logger.log(
        `Comparison ${run._id} completed: ${run.counts.persons} persons, ${run.counts.statusChanges} status changes, ${run.counts.linked} records linked`,
      );
    } catch (error) {
      this.linkage = undefined;
      const interrupted = error instanceof RunInterrupted;
      const code = (error as { code?: unknown }).code;
      run.state = interrupted ? 'interrupted' : 'failed';
      run.finishedAt = new Date().toISOString();
      run.error = interrupted
        ? { code: 'COMPARISON_INTERRUPTED', message: INTERRUPTED_MESSAGE }
        : {
            code: typeof code === 'string' ? code : 'COMPARISON_FAILED',
            message: 'The comparison run stopped; start a new run to continue.',
          };
      await this.runs.upsert(run);
      if (interrupted) this.logger.warn(`Comparison ${run._id} interrupted by the service stopping`);
      else this.logger.error(`Comparison ${run._id} failed: ${describeUnexpectedError(error)}`);
    } finally {
      clearInterval(heartbeat);
    }
  }
}
