import { randomUUID } from 'node:crypto';
import {
  SurveySubject,
  SurveyTaskCommand,
  SurveyTaskState,
  createSurveyTaskDecider,
  surveyTaskIdFor,
  surveyTaskStreamName,
} from '@registry/domain';
import { CHECKPOINT_COLLECTION, ProjectionRunner } from '@registry/projections';
import { allDocs, logicalDocs, runnerOptions, tempStores, type TempStores } from '@registry/projections/testing/fixtures';
import { freshKeys, Keys } from '../../../../../test/support/person-events';
import { SURVEY_PROGRESS_COLLECTION, SURVEY_PROJECTION, SURVEY_TASKS_COLLECTION, surveyProjection } from './survey.projection';
import { SurveyProgressDocument, SurveyTaskDocument, countTask, emptyProgress, evolveSurveyTaskDocument } from './survey-task-document';
import type { RecordedEvent } from '@registry/event-store';

jest.setTimeout(30_000);

const decider = createSurveyTaskDecider({ localProvince: '44' });
const AT = '2025-03-01T00:00:00.000Z';

/** One task's stream: commands decided by the real decider, sealed by the real protector, appended to the store. */
class TaskScript {
  readonly taskId: string;
  private state: SurveyTaskState = decider.initialState();
  constructor(
    private readonly stores: TempStores,
    private readonly keys: Keys,
    readonly subject: SurveySubject,
    readonly region: string,
  ) {
    this.taskId = surveyTaskIdFor(subject, 1);
  }

  async run(command: SurveyTaskCommand): Promise<number> {
    const events = decider.decide(command, this.state);
    for (const e of events) this.state = decider.evolve(this.state, e);
    const stored = events.map((e) =>
      this.keys.protector.encodeEvent({ id: randomUUID(), type: e.type, data: e.data, metadata: { occurredAt: command.data.occurredAt } }),
    );
    await this.stores.eventStore.appendToStream(surveyTaskStreamName(this.taskId), stored);
    return stored.length;
  }

  issue(surveyor?: string) {
    return this.run({
      type: 'IssueSurveyTask',
      data: {
        taskId: this.taskId,
        round: 1,
        subject: this.subject,
        region: this.region,
        batchId: 'b1',
        origin: 'worklist',
        dueDate: '2025-03-31',
        issuedBy: 'op',
        basis: { personRevision: 0 },
        previous: null,
        ...(surveyor && { surveyor }),
        occurredAt: AT,
      },
    });
  }

  submit(finding: Record<string, unknown>, surveyor = 'sv', resultId = randomUUID()) {
    return this.run({
      type: 'SubmitSurveyResult',
      data: {
        resultId,
        surveyor,
        visitedAt: '2025-03-02T08:00:00+08:00',
        finding: finding as never,
        evidence: [],
        note: '户主说明',
        occurredAt: '2025-03-02T02:00:00.000Z',
      },
    });
  }

  async approve() {
    const s = this.state;
    const resultId = s.status === 'unissued' ? '' : s.task.pendingResultId!;
    const claimed = await this.run({
      type: 'StartSurveyApproval',
      data: { resultId, approvedBy: 'county', occurredAt: '2025-03-02T23:59:00.000Z' },
    });
    return (
      claimed +
      (await this.run({
        type: 'ApproveSurveyResult',
        data: { resultId, approvedBy: 'county', recorded: [], occurredAt: '2025-03-03T00:00:00.000Z' },
      }))
    );
  }

  cancelForEnrolment() {
    return this.run({
      type: 'CancelSurveyTaskForPersonChange',
      data: {
        change: 'enrolled',
        personEvent: { id: randomUUID(), type: 'EnrollmentRecorded', revision: 3 },
        occurredAt: '2025-03-02T00:00:00.000Z',
      },
    });
  }
}

const person = (n: number): SurveySubject => ({ kind: 'person', personId: `p_${'a'.repeat(25)}${'abcdefghijklmnopqrstuvwxyz'[n]}` });

describe('survey projection on the runner: task documents and progress per region', () => {
  let stores: TempStores;
  let keys: Keys;
  let runners: ProjectionRunner[];

  beforeEach(async () => {
    stores = await tempStores();
    keys = freshKeys();
    runners = [];
  });
  afterEach(async () => {
    for (const r of runners) await r.stop();
    await stores.cleanup();
    keys.cleanup();
  });

  async function run(): Promise<ProjectionRunner> {
    const runner = new ProjectionRunner(runnerOptions({ eventStore: stores.eventStore, readStore: stores.readStore }));
    runners.push(runner);
    await runner.start([surveyProjection('44')]);
    await runner.waitUntilCaughtUp(undefined, 15_000);
    return runner;
  }

  /** Five tasks in two townships of 南山区 and one in 天河区, in every state that counts differently. */
  async function scenario(): Promise<number> {
    let events = 0;
    const t = (n: number, region: string) => new TaskScript(stores, keys, person(n), region);
    const enrolled = t(0, '440305001');
    events +=
      (await enrolled.issue('sv')) +
      (await enrolled.submit({
        outcome: 'enrolled-now',
        enrollments: [{ insuranceType: '390', since: '2025-03-01', region: '440305001' }],
      }));
    events += await enrolled.approve();
    const movedAway = t(1, '440305001');
    events +=
      (await movedAway.issue('sv')) +
      (await movedAway.submit({ outcome: 'moved-away', destination: { scope: 'within-province', toRegion: '440305002' } }));
    events += await movedAway.approve();
    const waiting = t(2, '440305001');
    events += (await waiting.issue('sv')) + (await waiting.submit({ outcome: 'refused' }));
    const cancelled = t(3, '440305002');
    events += (await cancelled.issue()) + (await cancelled.cancelForEnrolment());
    const open = t(4, '440305002');
    events += await open.issue();
    const tianhe = t(5, '440106001');
    events += (await tianhe.issue('sv2')) + (await tianhe.submit({ outcome: 'deceased', dateOfDeath: '2025-02-01' }, 'sv2'));
    events += await tianhe.approve();
    return events;
  }

  it('keeps a document per task and progress per township, county, city and province', async () => {
    await scenario();
    const runner = await run();
    const tasks = (await logicalDocs(runner, SURVEY_PROJECTION, SURVEY_TASKS_COLLECTION)) as SurveyTaskDocument[];
    expect(tasks.map((d) => [d.region, d.state, d.surveyor, d.outcome, d.effect]).sort()).toEqual(
      [
        ['440305001', 'approved', 'sv', 'enrolled-now', 'covered'],
        ['440305001', 'approved', 'sv', 'moved-away', 'moved'],
        ['440305001', 'submitted', 'sv', 'refused', null],
        ['440305002', 'cancelled', null, null, null],
        ['440305002', 'open', null, null, null],
        ['440106001', 'approved', 'sv2', 'deceased', 'exempted'],
      ].sort(),
    );
    expect(JSON.stringify(tasks)).not.toContain('户主说明');
    const progress = Object.fromEntries(
      ((await logicalDocs(runner, SURVEY_PROJECTION, SURVEY_PROGRESS_COLLECTION)) as SurveyProgressDocument[]).map((d) => [d._id, d]),
    );
    expect(progress['440305001']).toMatchObject({
      level: 'township',
      total: 3,
      states: { approved: 2, submitted: 1 },
      outcomes: { 'enrolled-now': 1, 'moved-away': 1 },
      submittedOutcomes: { refused: 1 },
      // The move took the person out of 440305001 but not out of the county.
      effect: { covered: 1, exempted: 0, left: 1 },
    });
    expect(progress['440305002']).toMatchObject({ total: 2, states: { cancelled: 1, open: 1 }, cancellations: { 'person-enrolled': 1 } });
    expect(progress['440305']).toMatchObject({ level: 'county', total: 5, effect: { covered: 1, exempted: 0, left: 0 } });
    expect(progress['4403']).toMatchObject({ level: 'city', total: 5 });
    expect(progress['44']).toMatchObject({
      level: 'province',
      total: 6,
      outcomes: { 'enrolled-now': 1, 'moved-away': 1, deceased: 1 },
      effect: { covered: 1, exempted: 1, left: 0 },
    });
    // Every region's count of tasks agrees with the documents.
    for (const [code, doc] of Object.entries(progress)) {
      expect({ code, total: doc.total }).toEqual({ code, total: tasks.filter((d) => d.region.startsWith(code)).length });
      expect(Object.values(doc.states).reduce((a, b) => a + b, 0)).toBe(doc.total);
    }
  });

  it('applying the same events twice gives the same documents (tasks and progress)', async () => {
    const events = await scenario();
    const first = await run();
    const physical = {
      tasks: (await first.collection(SURVEY_PROJECTION, SURVEY_TASKS_COLLECTION)).name,
      progress: (await first.collection(SURVEY_PROJECTION, SURVEY_PROGRESS_COLLECTION)).name,
    };
    const snapshot = async () => ({
      tasks: await allDocs(stores.readStore, physical.tasks),
      progress: await allDocs(stores.readStore, physical.progress),
    });
    const before = await snapshot();
    expect(before.tasks).toHaveLength(6);
    await first.stop();
    await stores.readStore
      .collection(CHECKPOINT_COLLECTION)
      .upsert({ _id: `${SURVEY_PROJECTION}_g1`, projection: SURVEY_PROJECTION, generation: 1, checkpoint: 0, _position: 0 });
    const replayed: Record<string, number> = {};
    const again = new ProjectionRunner(runnerOptions({ eventStore: stores.eventStore, readStore: stores.readStore }));
    runners.push(again);
    again.progress$.subscribe((p) => (replayed[p.projection] = (replayed[p.projection] ?? 0) + p.events));
    await again.start([surveyProjection('44')]);
    await again.waitUntilCaughtUp(undefined, 15_000);
    expect(replayed).toEqual({ [SURVEY_PROJECTION]: events });
    expect(await snapshot()).toEqual(before);
  });
});

describe('progress counting', () => {
  it('takes out exactly what it put in', () => {
    const c = { state: 'approved', outcome: 'deceased', cause: null, effect: 'exempted' as const, movedTo: null };
    const once = countTask(null, '440305', c, 1);
    expect(once).toMatchObject({ total: 1, states: { approved: 1 }, outcomes: { deceased: 1 }, effect: { exempted: 1 } });
    const back = countTask(once, '440305', c, -1);
    expect({ ...back, states: {}, outcomes: {} }).toEqual({ ...emptyProgress('440305'), states: {}, outcomes: {} });
    expect(Object.values(back.states).every((n) => n === 0)).toBe(true);
  });
});

describe('an approval’s claim on the task document', () => {
  it('shows who claimed the result while the claim holds, and clears it on release (keeping the code) or completion', () => {
    let revision = 0;
    const recorded = (type: string, data: Record<string, unknown>): RecordedEvent =>
      ({
        id: randomUUID(),
        stream: 'survey-task-x',
        type,
        data,
        metadata: {},
        revision: revision++,
        position: revision,
        recordedAt: `2025-03-0${revision}T00:00:00.000Z`,
      }) as RecordedEvent;
    const issued = evolveSurveyTaskDocument(
      null,
      recorded('SurveyTaskIssued', {
        taskId: 'st_x',
        round: 1,
        subject: person(1),
        region: '440305001',
        batchId: 'b1',
        origin: 'list',
        dueDate: '2025-03-31',
        issuedBy: 'op',
        basis: {},
        surveyor: 'sv',
        occurredAt: AT,
      }),
    );
    const submitted = evolveSurveyTaskDocument(
      issued,
      recorded('SurveyResultSubmitted', { resultId: 'r1', finding: { outcome: 'refused' }, surveyor: 'sv', evidence: [] }),
    );
    const claim = recorded('SurveyApprovalStarted', { resultId: 'r1', approvedBy: 'county', attempt: 1, occurredAt: AT });
    const claimed = evolveSurveyTaskDocument(submitted, claim);
    expect(claimed).toMatchObject({ state: 'submitted', approvalStartedBy: 'county', approvalStartedAt: claim.recordedAt });
    const released = evolveSurveyTaskDocument(
      claimed,
      recorded('SurveyApprovalReleased', { resultId: 'r1', releasedBy: 'county', attempt: 1, code: 'PERSON_DECEASED', occurredAt: AT }),
    );
    expect(released).toMatchObject({
      state: 'submitted',
      approvalStartedBy: null,
      approvalStartedAt: null,
      approvalRefusal: 'PERSON_DECEASED',
    });
    const approved = evolveSurveyTaskDocument(
      evolveSurveyTaskDocument(
        released,
        recorded('SurveyApprovalStarted', { resultId: 'r1', approvedBy: 'county', attempt: 2, occurredAt: AT }),
      ),
      recorded('SurveyResultApproved', { resultId: 'r1', approvedBy: 'county', outcome: 'refused', recorded: [], occurredAt: AT }),
    );
    expect(approved).toMatchObject({ state: 'approved', approvalStartedBy: null, approvalStartedAt: null });
  });
});
