/**
 * Household survey (入户调查) over HTTP (issue #16, done-when): a township's worklist becomes
 * survey tasks, surveyors send results (one offline twice, one about a person who changed
 * meanwhile, one returned and sent again), a county operator approves them and the persons'
 * coverage changes; a task whose person enrolled before the visit is cancelled by the
 * registry. Then: concurrent batches never give a person two tasks in progress, region and
 * assignment scope, overdue lists, progress per region, and no personal value in the log.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ICommand } from '@nestjs/cqrs';
import { PersonId, personStreamName, surveyTaskStreamName } from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { ComparisonService } from '../apps/registry/src/comparison/comparison.service';
import { ExecutePersonCommands } from '../apps/registry/src/persons/execute-person-commands';
import { ExecuteSurveyCommands } from '../apps/registry/src/survey/execute-survey-commands';
import { ReminderCycle } from '../apps/registry/src/reminders/reminder-cycle.service';
import { SurveyClock } from '../apps/registry/src/survey/survey-clock';
import { SurveyReactor } from '../apps/registry/src/survey/survey-reactor';
import { uploadImport, writeIdLessHouseholdFile } from './support/access-fixtures';
import { bearer, startApp, TestApp } from './support/app';
import { holdCommandBus, interruptAfter } from './support/command-bus';
import { newCitizen, PLACES, TestCitizen } from './support/citizens';
import { expectProblem, personalForms, registrationBody } from './support/requests';
import { controlClock, newPhone } from './support/self-service';

jest.setTimeout(90_000);

const TOWNSHIP = PLACES.nanshan.township; // 440305001 南头街道
const OTHER_TOWNSHIP = PLACES.nanshan.otherTownship; // 440305002
const DUE = '2099-12-31';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

let t: TestApp;
const personal: string[] = [];
const tokens = {} as Record<
  'admin' | 'county' | 'township' | 'township2' | 'sv1' | 'sv2' | 'ins' | 'hr' | 'health' | 'auditor' | 'tianheCounty',
  string
>;

beforeAll(async () => {
  t = await startApp();
  tokens.admin = t.token({ role: 'province-admin', sub: 'admin-li', region: '44' });
  tokens.county = t.token({ role: 'county-operator', sub: 'nanshan-reviewer', region: PLACES.nanshan.county });
  tokens.township = t.token({ role: 'township-operator', sub: 'nantou-head', region: TOWNSHIP });
  tokens.sv1 = t.token({ role: 'township-surveyor', sub: 'sv-nantou-1', region: TOWNSHIP });
  tokens.sv2 = t.token({ role: 'township-surveyor', sub: 'sv-nantou-2', region: TOWNSHIP });
  tokens.ins = t.token({ role: 'service-client', sub: 'insurance-system', region: '44', source: 'insurance-enrollment' });
  tokens.hr = t.token({ role: 'service-client', sub: 'hr-system', region: '44', source: 'household-registration' });
  tokens.health = t.token({ role: 'service-client', sub: 'health-system', region: '44', source: 'health' });
  tokens.auditor = t.token({ role: 'auditor', sub: 'auditor-zhao', region: '44' });
  tokens.tianheCounty = t.token({ role: 'county-operator', sub: 'tianhe-op', region: PLACES.tianhe.county });
});

afterAll(async () => {
  await t?.close();
});

let serial = 0;
async function register(
  name: string,
  region: string = TOWNSHIP,
  extra: Record<string, unknown> = {},
): Promise<{ personId: string; citizen: TestCitizen }> {
  const citizen = newCitizen(region.slice(0, 6));
  personal.push(...personalForms(citizen), name);
  const res = await t
    .http()
    .post('/v1/persons/registrations')
    .set(bearer(tokens.hr))
    .send(
      registrationBody(citizen, {
        name,
        householdRegion: region,
        source: 'household-registration',
        sourceRecordId: `SV-HR-${++serial}`,
        ...extra,
      }),
    );
  expect(res.status).toBe(200);
  return { personId: res.body.personId, citizen };
}

const enrol = (personId: string, insuranceType = '390') =>
  t
    .http()
    .post(`/v1/persons/${personId}/enrollments`)
    .set(bearer(tokens.ins))
    .send({
      source: 'insurance-enrollment',
      sourceRecordId: `ENR-${++serial}`,
      insuranceType,
      contributionStatus: '1',
      provinceCode: '44',
      since: '2025-01-01',
    });

const post = (path: string, token: string, body: Record<string, unknown> = {}) => t.http().post(path).set(bearer(token)).send(body);
const getTask = (taskId: string, token = tokens.county) => t.http().get(`/v1/survey-tasks/${taskId}`).set(bearer(token));
const settle = async () => {
  await t.caughtUp();
  await t.app.get(SurveyReactor).runner.waitUntilCaughtUp(20_000);
  await t.caughtUp();
};

let resultSerial = 0;
function result(finding: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const resultId = `c1b2-${++resultSerial}`;
  return {
    resultId,
    visitedAt: new Date(Date.now() - 60_000).toISOString(),
    finding,
    evidence: [{ documentId: `oss://survey/${resultId}.jpg`, type: 'photo', sha256: sha(resultId) }],
    ...extra,
  };
}

describe('a township from worklist to approved results', () => {
  const people = {} as Record<
    'enrols' | 'dies' | 'offline' | 'changed' | 'returned' | 'enrolsBefore' | 'insured' | 'elsewhere',
    { personId: string; citizen: TestCitizen }
  >;
  const taskOf = new Map<string, string>();

  beforeAll(async () => {
    people.enrols = await register('甲入户');
    people.dies = await register('乙入户');
    people.offline = await register('丙入户');
    people.changed = await register('丁入户');
    people.returned = await register('戊入户');
    people.enrolsBefore = await register('己入户');
    people.insured = await register('庚入户');
    people.elsewhere = await register('辛入户', OTHER_TOWNSHIP);
    expect((await enrol(people.insured.personId)).status).toBe(200);
    await settle();
  });

  it('lists the township worklist, and a batch from it issues one task per uninsured person, shared among the surveyors', async () => {
    const worklist = await t.http().get('/v1/survey-worklists').query({ region: TOWNSHIP }).set(bearer(tokens.township)).expect(200);
    const onList = worklist.body.items.map((p: { personId: string }) => p.personId);
    expect(onList).not.toContain(people.insured.personId);
    expect(onList).not.toContain(people.elsewhere.personId);
    const batch = { batchId: 'nantou-2025-r1', region: TOWNSHIP, dueDate: DUE, from: 'worklist', surveyors: ['sv-nantou-1'] };
    const res = await post('/v1/survey-tasks/batches', tokens.township, batch).expect(200);
    expect(res.body).toMatchObject({
      batchId: 'nantou-2025-r1',
      region: TOWNSHIP,
      created: onList.length,
      unchanged: 0,
      skipped: [],
      tasksNotListed: 0,
    });
    expect(res.body.tasks.map((x: { personId: string }) => x.personId).sort()).toEqual([...onList].sort());
    for (const task of res.body.tasks) {
      expect(task).toMatchObject({ taskId: expect.stringMatching(/^st_[0-9a-f]{24}$/), surveyor: 'sv-nantou-1', status: 'created' });
      taskOf.set(task.personId, task.taskId);
    }
    // The same batch sent again issues nothing.
    const again = await post('/v1/survey-tasks/batches', tokens.township, batch).expect(200);
    expect(again.body).toMatchObject({ created: 0, unchanged: onList.length });
    await settle();
  });

  it("shows a surveyor the tasks assigned to it, with what it needs to find the person, and nobody else's", async () => {
    const mine = await t.http().get('/v1/survey-tasks').query({ limit: '200' }).set(bearer(tokens.sv1)).expect(200);
    expect(mine.body.items.map((x: { taskId: string }) => x.taskId).sort()).toEqual([...taskOf.values()].sort());
    const item = mine.body.items.find((x: { subject: { personId: string } }) => x.subject.personId === people.enrols.personId);
    expect(item).toMatchObject({
      state: 'assigned',
      surveyor: 'sv-nantou-1',
      dueDate: DUE,
      overdue: false,
      region: TOWNSHIP,
      subject: {
        kind: 'person',
        name: '甲入户',
        householdRegion: TOWNSHIP,
        coverageStatus: 'uninsured',
        birthYear: people.enrols.citizen.birthDate.slice(0, 4),
      },
    });
    expect(item.subject.maskedCitizenId).toMatch(/^\d{6}\*{10}[\dX]{2}$/);
    expect((await t.http().get('/v1/survey-tasks').set(bearer(tokens.sv2)).expect(200)).body.items).toEqual([]);
    expectProblem(await getTask(taskOf.get(people.enrols.personId)!, tokens.sv2), 404, 'SURVEY_TASK_NOT_FOUND');
    expectProblem(
      await t.http().get('/v1/survey-tasks').query({ surveyor: 'sv-nantou-2' }).set(bearer(tokens.sv1)),
      403,
      'SURVEYOR_OUT_OF_SCOPE',
    );
    // Another county's operator: the task answers like one that does not exist.
    expectProblem(await getTask(taskOf.get(people.enrols.personId)!, tokens.tianheCounty), 404, 'SURVEY_TASK_NOT_FOUND');
    expectProblem(await getTask('st_000000000000000000000000', tokens.tianheCounty), 404, 'SURVEY_TASK_NOT_FOUND');
  });

  it('turns an approved "enrolled now" result into an enrolment that changes the person’s coverage and names the task', async () => {
    const taskId = taskOf.get(people.enrols.personId)!;
    const before = await t.http().get('/v1/reports/region-counts').query({ region: TOWNSHIP }).set(bearer(tokens.county)).expect(200);
    const sent = result({ outcome: 'enrolled-now', enrollments: [{ insuranceType: '390', since: '2025-03-01', region: TOWNSHIP }] });
    const submitted = await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv1, sent).expect(200);
    expect(submitted.body).toMatchObject({ taskId, state: 'submitted', result: 'pending-review', recorded: ['SurveyResultSubmitted'] });
    // A township operator reviews, but approval is the county's.
    expectProblem(await post(`/v1/survey-tasks/${taskId}/approval`, tokens.township), 403, 'FORBIDDEN');
    const approved = await post(`/v1/survey-tasks/${taskId}/approval`, tokens.county).expect(200);
    expect(approved.body).toMatchObject({
      taskId,
      state: 'approved',
      recorded: ['SurveyApprovalStarted', 'SurveyResultApproved'],
      personEvents: ['EnrollmentRecorded'],
    });
    expect(approved.headers.etag).toBe(`"${approved.body.revision}"`);

    const person = await t.http().get(`/v1/persons/${people.enrols.personId}`).set(bearer(tokens.county)).expect(200);
    expect(person.body.coverage.status).toBe('insured-local');
    const history = await t.http().get(`/v1/persons/${people.enrols.personId}/history`).set(bearer(tokens.county)).expect(200);
    const fromSurvey = history.body.events.find((e: { type: string }) => e.type === 'EnrollmentRecorded');
    expect(fromSurvey).toMatchObject({
      source: 'survey',
      channel: 'survey',
      operator: 'nanshan-reviewer',
      data: {
        insuranceType: '390',
        survey: {
          taskId,
          resultId: sent.resultId,
          outcome: 'enrolled-now',
          evidence: [{ documentId: sent.evidence[0].documentId, type: 'photo', sha256: sent.evidence[0].sha256 }],
        },
      },
    });
    await settle();
    const after = await t.http().get('/v1/reports/region-counts').query({ region: TOWNSHIP }).set(bearer(tokens.county)).expect(200);
    expect(after.body.coverageRate).toBeGreaterThan(before.body.coverageRate);
    // Approving again records nothing more.
    const repeat = await post(`/v1/survey-tasks/${taskId}/approval`, tokens.county).expect(200);
    expect(repeat.body).toMatchObject({ state: 'approved', recorded: [], personEvents: [] });
  });

  it('records a death from an approved result, with its death-certificate reference, and the person becomes exempt', async () => {
    const taskId = taskOf.get(people.dies.personId)!;
    const sent = result(
      { outcome: 'deceased', dateOfDeath: '2025-02-27' },
      {
        evidence: [{ documentId: 'oss://survey/death-0227.pdf', type: 'death-certificate', sha256: sha('certificate').toUpperCase() }],
        note: '邻居证实于二月底去世',
      },
    );
    personal.push('邻居证实于二月底去世');
    await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv1, sent).expect(200);
    const view = await getTask(taskId).expect(200);
    expect(view.body.results).toEqual([
      expect.objectContaining({
        resultId: sent.resultId,
        status: 'pending-review',
        surveyor: 'sv-nantou-1',
        finding: { outcome: 'deceased', dateOfDeath: '2025-02-27' },
        evidence: [{ documentId: 'oss://survey/death-0227.pdf', type: 'death-certificate', sha256: sha('certificate') }],
        note: '邻居证实于二月底去世',
      }),
    ]);
    expect(view.body.personChangedSinceIssue).toMatchObject({ changed: false, events: [] });
    const approved = await post(`/v1/survey-tasks/${taskId}/approval`, tokens.county).expect(200);
    expect(approved.body.personEvents).toEqual(['DeathRecorded']);
    const person = await t.http().get(`/v1/persons/${people.dies.personId}`).set(bearer(tokens.county)).expect(200);
    expect(person.body).toMatchObject({
      deceased: true,
      dateOfDeath: '2025-02-27',
      coverage: { status: 'exempt', exemptionReason: 'deceased' },
    });
  });

  it('changes nothing when an offline client sends the same result twice', async () => {
    const taskId = taskOf.get(people.offline.personId)!;
    const sent = result({ outcome: 'refused' }, { visitedAt: new Date(Date.now() - 5 * 3_600_000).toISOString() });
    const first = await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv1, sent).expect(200);
    const second = await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv1, sent).expect(200);
    expect(first.body).toMatchObject({ result: 'pending-review', recorded: ['SurveyResultSubmitted'] });
    expect(second.body).toMatchObject({ result: 'already-received', recorded: [], revision: first.body.revision, state: 'submitted' });
    // A different result while the first waits for review is refused: nothing is overwritten.
    expectProblem(
      await post(
        `/v1/survey-tasks/${taskId}/results`,
        tokens.sv1,
        result({ outcome: 'not-found', visitDates: ['2025-03-01', '2025-03-02', '2025-03-03'] }),
      ),
      409,
      'SURVEY_RESULT_ALREADY_SUBMITTED',
    );
    const view = await getTask(taskId, tokens.sv1).expect(200);
    expect(view.body.results.map((r: { resultId: string }) => r.resultId)).toEqual([sent.resultId]);
  });

  it('shows the reviewer what changed about a person since the task was issued, and approves only with that seen', async () => {
    const taskId = taskOf.get(people.changed.personId)!;
    // The household register moves the person to a new address in the same township after the issue.
    const changed = await t
      .http()
      .post('/v1/persons/registrations')
      .set(bearer(tokens.hr))
      .send(
        registrationBody(people.changed.citizen, {
          name: '丁入户',
          householdRegion: TOWNSHIP,
          householdAddress: '南头街道新村2号',
          source: 'household-registration',
          sourceRecordId: `SV-HR-${++serial}`,
        }),
      )
      .expect(200);
    personal.push('南头街道新村2号');
    expect(changed.body.recorded).toContain('PersonDetailsChanged');
    await settle();
    // Not a reason to cancel the visit: the task is still with its surveyor.
    expect((await getTask(taskId).expect(200)).body.state).toBe('assigned');
    const sent = result(
      { outcome: 'military-service', since: '2024-09-01' },
      { evidence: [{ documentId: 'letter-77', type: 'official-letter', sha256: sha('letter') }] },
    );
    await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv1, sent).expect(200);

    const view = await getTask(taskId).expect(200);
    const changes = view.body.personChangedSinceIssue;
    expect(changes.changed).toBe(true);
    expect(changes.events.map((e: { type: string; source: string }) => [e.type, e.source])).toEqual([
      ['PersonDetailsReported', 'household-registration'],
      ['PersonDetailsChanged', 'household-registration'],
    ]);
    expect(changes.changes).toEqual([{ field: 'householdAddress', before: undefined, after: '南头街道新村2号' }]);
    expect(view.body.subject.revision).toBe(changes.revisionNow);

    const refused = await post(`/v1/survey-tasks/${taskId}/approval`, tokens.county);
    expectProblem(refused, 409, 'SURVEY_PERSON_CHANGED');
    expect(refused.body.personRevision).toBe(changes.revisionNow);
    expect((await getTask(taskId).expect(200)).body.state).toBe('submitted');
    const approved = await post(`/v1/survey-tasks/${taskId}/approval`, tokens.county, { personRevision: changes.revisionNow }).expect(200);
    expect(approved.body.personEvents).toEqual(['ExemptionRecorded']);
    const person = await t.http().get(`/v1/persons/${people.changed.personId}`).set(bearer(tokens.county)).expect(200);
    expect(person.body.coverage).toMatchObject({ status: 'exempt', exemptionReason: 'military-service' });
    expect(person.body.householdAddress).toBe('南头街道新村2号');
  });

  it('returns a result with a reason the surveyor sees, takes the corrected result, and approves that', async () => {
    const taskId = taskOf.get(people.returned.personId)!;
    const first = result({ outcome: 'refused' });
    await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv1, first).expect(200);
    expectProblem(await post(`/v1/survey-tasks/${taskId}/return`, tokens.township, { reason: ' ' }), 400, 'SURVEY_REASON_REQUIRED');
    const returned = await post(`/v1/survey-tasks/${taskId}/return`, tokens.township, { reason: '拒绝参保需户主签字确认书' }).expect(200);
    personal.push('拒绝参保需户主签字确认书');
    expect(returned.body).toMatchObject({ state: 'returned', recorded: ['SurveyResultReturned'] });
    const seen = await getTask(taskId, tokens.sv1).expect(200);
    expect(seen.body.returns).toEqual([
      { resultId: first.resultId, returnedBy: 'nantou-head', at: expect.any(String), reason: '拒绝参保需户主签字确认书' },
    ]);
    expect(seen.body.results[0]).toMatchObject({ resultId: first.resultId, status: 'returned' });
    // Nothing to approve until the surveyor sends again.
    expectProblem(await post(`/v1/survey-tasks/${taskId}/approval`, tokens.county), 422, 'SURVEY_RESULT_NOT_SUBMITTED');
    const second = result(
      { outcome: 'enrolled-now', enrollments: [{ insuranceType: '390', since: '2025-03-02', region: PLACES.nanshan.county }] },
      { corrections: { phone: '13900139000' } },
    );
    personal.push('13900139000');
    await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv1, second).expect(200);
    const approved = await post(`/v1/survey-tasks/${taskId}/approval`, tokens.county, { resultId: second.resultId }).expect(200);
    expect(approved.body.personEvents).toEqual(['RecordCorrected', 'EnrollmentRecorded']);
    const view = await getTask(taskId).expect(200);
    expect(view.body.results.map((r: { resultId: string; status: string }) => [r.resultId, r.status])).toEqual([
      [first.resultId, 'returned'],
      [second.resultId, 'approved'],
    ]);
    const person = await t.http().get(`/v1/persons/${people.returned.personId}`).set(bearer(tokens.county)).expect(200);
    expect(person.body).toMatchObject({ phone: '13900139000', coverage: { status: 'insured-local' } });
  });

  it('cancels a task when the person enrols before the visit, keeps the reason, and keeps a result sent afterwards aside', async () => {
    const taskId = taskOf.get(people.enrolsBefore.personId)!;
    const enrolled = await enrol(people.enrolsBefore.personId, '310');
    expect(enrolled.status).toBe(200);
    await settle();
    const view = await getTask(taskId).expect(200);
    expect(view.body).toMatchObject({
      state: 'cancelled',
      cancellation: {
        cause: 'person-enrolled',
        cancelledBy: 'registry',
        personEvent: { type: 'EnrollmentRecorded', revision: enrolled.body.revision },
      },
    });
    // The surveyor's device was offline and sends its visit afterwards: kept, not acted on.
    const late = result({ outcome: 'refused' });
    const kept = await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv1, late).expect(200);
    expect(kept.body).toMatchObject({ state: 'cancelled', result: 'set-aside', recorded: ['SurveyResultSetAside'] });
    const after = await getTask(taskId, tokens.sv1).expect(200);
    expect(after.body.results).toEqual([expect.objectContaining({ resultId: late.resultId, status: 'set-aside', setAside: 'task-final' })]);
    // Cancelled is final: no approval, no new assignment.
    expectProblem(
      await post(`/v1/survey-tasks/${taskId}/assignment`, tokens.township, { surveyor: 'sv-nantou-2' }),
      409,
      'SURVEY_TASK_ALREADY_FINAL',
    );
  });

  it('reports progress for the township and the county: states, outcomes, worklist without a task, and the coverage effect', async () => {
    await settle();
    const county = await t
      .http()
      .get('/v1/reports/survey-progress')
      .query({ region: PLACES.nanshan.county })
      .set(bearer(tokens.county))
      .expect(200);
    const township = county.body.children.find((c: { region: string }) => c.region === TOWNSHIP);
    expect(township.tasks).toMatchObject({
      total: 6,
      byState: { approved: 4, submitted: 1, cancelled: 1 },
      overdue: 0,
      outcomes: { 'enrolled-now': 2, deceased: 1, 'military-service': 1 },
      awaitingReview: { refused: 1 },
      cancellations: { 'person-enrolled': 1 },
    });
    // Left on the worklist: the one whose refusal waits for review (it has a task).
    expect(township.worklist).toMatchObject({ persons: 1, withTask: 1, withoutTask: 0 });
    expect(township.coverage).toMatchObject({ personsCovered: 2, personsExempted: 2 });
    expect(township.coverage.rate).toBeGreaterThan(township.coverage.rateWithoutSurvey);
    expect(county.body.tasks.total).toBeGreaterThanOrEqual(6);
    // The other township's uninsured person has no task.
    const other = county.body.children.find((c: { region: string }) => c.region === OTHER_TOWNSHIP);
    expect(other.worklist).toMatchObject({ persons: 1, withTask: 0, withoutTask: 1 });
    expect(JSON.stringify(county.body)).not.toMatch(/p_[a-z2-7]{26}|st_[0-9a-f]{24}/);
    // The city: its own counts are its counties' counts added up, and the county above is one of its rows.
    const city = await t
      .http()
      .get('/v1/reports/survey-progress')
      .query({ region: PLACES.nanshan.city })
      .set(bearer(tokens.admin))
      .expect(200);
    expect(city.body).toMatchObject({ region: `${PLACES.nanshan.city}00`, level: 'city' });
    const nanshan = city.body.children.find((c: { region: string }) => c.region === PLACES.nanshan.county);
    expect(nanshan.tasks).toEqual(county.body.tasks);
    expect(nanshan.worklist).toEqual(county.body.worklist);
    const sum = (key: 'total') => city.body.children.reduce((n: number, c: { tasks: Record<string, number> }) => n + c.tasks[key], 0);
    expect(city.body.tasks.total).toBe(sum('total'));
    // A county operator's scope ends at its county.
    expectProblem(
      await t.http().get('/v1/reports/survey-progress').query({ region: PLACES.nanshan.city }).set(bearer(tokens.county)),
      403,
      'REGION_OUT_OF_SCOPE',
    );
  });
});

describe('one task in progress per person, whoever asks', () => {
  it('gives each person exactly one task when batches over the same persons race, and a new round only after the last is final', async () => {
    const persons = await Promise.all(['壬一', '壬二', '壬三', '壬四', '壬五'].map((n) => register(n, OTHER_TOWNSHIP)));
    const personIds = persons.map((p) => p.personId);
    const batches = await Promise.all(
      ['race-a', 'race-b', 'race-c', 'race-d'].map((batchId) =>
        post('/v1/survey-tasks/batches', tokens.county, { batchId, region: OTHER_TOWNSHIP, dueDate: DUE, from: 'list', personIds }),
      ),
    );
    for (const b of batches) expect(b.status).toBe(200);
    const created = batches.flatMap((b) => b.body.tasks.filter((x: { status: string }) => x.status === 'created'));
    expect(created.map((x: { personId: string }) => x.personId).sort()).toEqual([...personIds].sort());
    const skipped = batches.flatMap((b) => b.body.skipped);
    expect(skipped).toHaveLength(personIds.length * 3);
    for (const s of skipped) expect(['SURVEY_TASK_ALREADY_OPEN', 'SURVEY_TASK_ALREADY_ISSUED']).toContain(s.code);
    await settle();
    const listed = await t
      .http()
      .get('/v1/survey-tasks')
      .query({ region: OTHER_TOWNSHIP, state: 'open,assigned,submitted,returned', limit: '200' })
      .set(bearer(tokens.county))
      .expect(200);
    const open = listed.body.items.filter((x: { subject: { personId: string } }) => personIds.includes(x.subject.personId));
    expect(open).toHaveLength(personIds.length);

    // Cancel one person's task: a later batch issues round 2 for that person only.
    const first = created.find((x: { personId: string }) => x.personId === personIds[0]);
    await post(`/v1/survey-tasks/${first.taskId}/cancellation`, tokens.county, { reason: '列表有误' }).expect(200);
    personal.push('列表有误');
    const next = await post('/v1/survey-tasks/batches', tokens.county, {
      batchId: 'race-e',
      region: OTHER_TOWNSHIP,
      dueDate: DUE,
      from: 'list',
      personIds,
    }).expect(200);
    expect(next.body.created).toBe(1);
    expect(next.body.tasks[0]).toMatchObject({ personId: personIds[0], status: 'created' });
    expect(next.body.tasks[0].taskId).not.toBe(first.taskId);
    expect(next.body.skipped.map((s: { code: string }) => s.code)).toEqual(Array(personIds.length - 1).fill('SURVEY_TASK_ALREADY_OPEN'));
    const view = await getTask(next.body.tasks[0].taskId).expect(200);
    expect(view.body).toMatchObject({ round: 2, state: 'open' });
  });

  it('skips persons outside the township or not there to visit, with a code per person', async () => {
    const inTianhe = await register('癸天河', PLACES.tianhe.township);
    const dead = await register('癸已故', OTHER_TOWNSHIP);
    await t
      .http()
      .post(`/v1/persons/${dead.personId}/death`)
      .set(bearer(tokens.health))
      .send({ source: 'health', sourceRecordId: 'D-1', dateOfDeath: '2025-01-02' })
      .expect(200);
    const nanshan = await register('癸南山', TOWNSHIP);
    const res = await post('/v1/survey-tasks/batches', tokens.county, {
      batchId: 'skips',
      region: OTHER_TOWNSHIP,
      dueDate: DUE,
      from: 'list',
      personIds: [inTianhe.personId, dead.personId, nanshan.personId],
    }).expect(200);
    expect(res.body.skipped).toEqual([
      { personId: inTianhe.personId, code: 'PERSON_NOT_FOUND' },
      { personId: dead.personId, code: 'PERSON_NOT_SURVEYABLE' },
      { personId: nanshan.personId, code: 'PERSON_NOT_IN_REGION' },
    ]);
    expect(res.body.created).toBe(0);
    expectProblem(
      await post('/v1/survey-tasks/batches', tokens.county, {
        batchId: 'x',
        region: PLACES.nanshan.county,
        dueDate: DUE,
        from: 'worklist',
      }),
      400,
      'REGION_NOT_TOWNSHIP',
    );
    expectProblem(
      await post('/v1/survey-tasks/batches', tokens.township, { batchId: 'x', region: OTHER_TOWNSHIP, dueDate: DUE, from: 'worklist' }),
      403,
      'REGION_OUT_OF_SCOPE',
    );
    expectProblem(
      await post('/v1/survey-tasks/batches', tokens.county, {
        batchId: 'x',
        region: OTHER_TOWNSHIP,
        dueDate: '2000-01-01',
        from: 'worklist',
      }),
      400,
      'INVALID_DUE_DATE',
    );
  });
});

describe('assignment, household visits and overdue lists', () => {
  it('reassigns with the history kept, lists a household together, and lists tasks past their due date as overdue', async () => {
    const a = await register('子户主', OTHER_TOWNSHIP);
    const b = await register('子家属', OTHER_TOWNSHIP);
    const due = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const batch = await post('/v1/survey-tasks/batches', tokens.county, {
      batchId: 'household-1',
      region: OTHER_TOWNSHIP,
      dueDate: due,
      from: 'list',
      households: [[a.personId, b.personId]],
      surveyors: ['sv-a', 'sv-b'],
    }).expect(200);
    const [ta, tb] = batch.body.tasks;
    expect(ta.household).toMatch(/^hh_[0-9a-f]{16}$/);
    expect(tb.household).toBe(ta.household);
    expect(ta.surveyor).toBe(tb.surveyor);
    const moved = await post(`/v1/survey-tasks/${ta.taskId}/assignment`, tokens.county, { surveyor: 'sv-c' }).expect(200);
    expect(moved.body).toMatchObject({ state: 'assigned', recorded: ['SurveyTaskAssigned'] });
    // If-Match pins the revision: a stale one is refused.
    const stale = await t
      .http()
      .post(`/v1/survey-tasks/${ta.taskId}/assignment`)
      .set(bearer(tokens.county))
      .set('If-Match', '"0"')
      .send({ surveyor: 'sv-d' });
    expectProblem(stale, 412, 'REVISION_MISMATCH');
    const view = await getTask(ta.taskId).expect(200);
    expect(view.body.assignments.map((x: { surveyor: string }) => x.surveyor)).toEqual([ta.surveyor, 'sv-c']);
    await settle();
    const byBatch = await t.http().get('/v1/survey-tasks').query({ batchId: 'household-1' }).set(bearer(tokens.county)).expect(200);
    expect(byBatch.body.items.map((x: { taskId: string }) => x.taskId).sort()).toEqual([ta.taskId, tb.taskId].sort());
    const household = await t.http().get('/v1/survey-tasks').query({ household: ta.household }).set(bearer(tokens.county)).expect(200);
    expect(household.body.items.map((x: { taskId: string }) => x.taskId).sort()).toEqual([ta.taskId, tb.taskId].sort());

    const overdue = () =>
      t.http().get('/v1/survey-tasks').query({ region: OTHER_TOWNSHIP, overdue: 'true', limit: '200' }).set(bearer(tokens.county));
    expect((await overdue().expect(200)).body.items.map((x: { taskId: string }) => x.taskId)).not.toContain(ta.taskId);
    const clock = t.app.get(SurveyClock);
    const later = new Date(Date.now() + 4 * 86_400_000);
    const spy = jest.spyOn(clock, 'now').mockReturnValue(later);
    try {
      const late = (await overdue().expect(200)).body.items;
      expect(late.map((x: { taskId: string }) => x.taskId)).toEqual(expect.arrayContaining([ta.taskId, tb.taskId]));
      expect(late.every((x: { overdue: boolean }) => x.overdue)).toBe(true);
      const progress = await t
        .http()
        .get('/v1/reports/survey-progress')
        .query({ region: OTHER_TOWNSHIP })
        .set(bearer(tokens.county))
        .expect(200);
      expect(progress.body.tasks.overdue).toBeGreaterThanOrEqual(2);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('identity checks: a household row nobody could be found for', () => {
  it('is visited like a person, and an approved "identified" result registers the person under the ID found at the door', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'survey-idless-'));
    try {
      const importer = t.token({ role: 'county-operator', sub: 'nanshan-importer', region: PLACES.nanshan.county });
      const upload = await uploadImport(t, importer, writeIdLessHouseholdFile(dir, 'idless.csv', TOWNSHIP));
      expect(upload.status).toBe(202);
      const recordRef = `${upload.body.importId}:1`;
      const run = await post('/v1/comparison-runs', tokens.admin).expect(202);
      expect((await t.app.get(ComparisonService).waitFor(run.body._id)).state).toBe('completed');
      await settle();

      const batch = await post('/v1/survey-tasks/batches', tokens.township, {
        batchId: 'identity-checks-1',
        region: TOWNSHIP,
        dueDate: DUE,
        from: 'list',
        identityChecks: [recordRef],
        surveyors: ['sv-nantou-2'],
      }).expect(200);
      expect(batch.body.tasks).toEqual([expect.objectContaining({ recordRef, surveyor: 'sv-nantou-2', status: 'created' })]);
      const taskId = batch.body.tasks[0].taskId;
      await settle();
      const listed = await t.http().get('/v1/survey-tasks').query({ batchId: 'identity-checks-1' }).set(bearer(tokens.sv2)).expect(200);
      expect(listed.body.items[0].subject).toMatchObject({ kind: 'identity-check', recordRef, name: '无证某', householdRegion: TOWNSHIP });

      // Person outcomes do not apply to a row; the ID the surveyor established does.
      expectProblem(
        await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv2, result({ outcome: 'refused' }, { citizenId: '11010519491231002X' })),
        400,
        'INVALID_SURVEY_FIELD',
      );
      const found = newCitizen(PLACES.nanshan.county);
      personal.push(...personalForms(found));
      const sent = result(
        { outcome: 'identified' },
        { citizenId: found.id, evidence: [{ documentId: 'id-card-scan-1', type: 'identity-document', sha256: sha('id-card') }] },
      );
      await post(`/v1/survey-tasks/${taskId}/results`, tokens.sv2, sent).expect(200);
      const view = await getTask(taskId).expect(200);
      expect(view.body.results[0].maskedCitizenId).toBe(`${found.id.slice(0, 6)}${'*'.repeat(10)}${found.id.slice(-2)}`);
      expect(JSON.stringify(view.body)).not.toContain(found.id);
      const approved = await post(`/v1/survey-tasks/${taskId}/approval`, tokens.county).expect(200);
      expect(approved.body.personEvents).toContain('PersonRegistered');

      const lookup = await post('/v1/persons/lookup', tokens.county, { citizenId: found.id }).expect(200);
      const person = await t.http().get(`/v1/persons/${lookup.body.personId}`).set(bearer(tokens.county)).expect(200);
      expect(person.body).toMatchObject({ name: '无证某', householdRegion: TOWNSHIP, reportedBy: ['survey'] });
      const history = await t.http().get(`/v1/persons/${lookup.body.personId}/history`).set(bearer(tokens.county)).expect(200);
      expect(history.body.events[0]).toMatchObject({
        type: 'PersonRegistered',
        source: 'survey',
        channel: 'survey',
        data: { survey: { taskId, outcome: 'identified' } },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the registry cancels a task whose visit became pointless', () => {
  it('for a death, a move out of the township or the province and a cancelled household, keeping the cause and the person event; not for a move inside the township', async () => {
    const names = { dies: '丑已故', movesAway: '丑迁出', leavesProvince: '丑省外', movesNextDoor: '丑邻村', cancelled: '丑注销' } as const;
    const people = {} as Record<keyof typeof names, { personId: string }>;
    for (const [key, name] of Object.entries(names)) people[key as keyof typeof names] = await register(name, OTHER_TOWNSHIP);
    await settle();
    const batch = await post('/v1/survey-tasks/batches', tokens.county, {
      batchId: 'registry-cancels',
      region: OTHER_TOWNSHIP,
      dueDate: DUE,
      from: 'list',
      personIds: Object.values(people).map((p) => p.personId),
      surveyors: ['sv-other'],
    }).expect(200);
    expect(batch.body.created).toBe(5);
    const taskOf = new Map<string, string>(batch.body.tasks.map((x: { personId: string; taskId: string }) => [x.personId, x.taskId]));
    const report = (personId: string, path: string, source: 'health' | 'household-registration', body: Record<string, unknown>) =>
      t
        .http()
        .post(`/v1/persons/${personId}/${path}`)
        .set(bearer(source === 'health' ? tokens.health : tokens.hr))
        .send({ source, sourceRecordId: `SV-LIFE-${++serial}`, ...body })
        .expect(200);
    const died = await report(people.dies.personId, 'death', 'health', { dateOfDeath: '2025-03-01' });
    const moved = await report(people.movesAway.personId, 'household-moves', 'household-registration', {
      scope: 'within-province',
      toRegion: PLACES.tianhe.township,
    });
    const left = await report(people.leavesProvince.personId, 'household-moves', 'household-registration', {
      scope: 'out-of-province',
      toProvince: '32',
    });
    // 南光社区, a village of the task's own township: the surveyor still finds the household there.
    await report(people.movesNextDoor.personId, 'household-moves', 'household-registration', {
      scope: 'within-province',
      toRegion: '440305002003',
    });
    const cancelled = await report(people.cancelled.personId, 'household-cancellations', 'household-registration', {
      reason: 'emigration',
    });
    await settle();

    const expected: Array<[keyof typeof names, string, string, number]> = [
      ['dies', 'person-deceased', 'DeathRecorded', died.body.revision],
      ['movesAway', 'person-moved', 'HouseholdMoved', moved.body.revision],
      ['leavesProvince', 'person-moved', 'HouseholdMoved', left.body.revision],
      ['cancelled', 'household-cancelled', 'HouseholdCancelled', cancelled.body.revision],
    ];
    for (const [key, cause, type, revision] of expected) {
      const view = await getTask(taskOf.get(people[key].personId)!).expect(200);
      expect({ key, state: view.body.state, cancellation: view.body.cancellation }).toEqual({
        key,
        state: 'cancelled',
        cancellation: { cause, cancelledBy: 'registry', at: expect.any(String), personEvent: { id: expect.any(String), type, revision } },
      });
    }
    const stays = await getTask(taskOf.get(people.movesNextDoor.personId)!).expect(200);
    expect(stays.body).toMatchObject({ state: 'assigned', surveyor: 'sv-other' });
    expect(stays.body.cancellation).toBeUndefined();
    // The surveyor's list no longer offers the cancelled visits.
    const svOther = t.token({ role: 'township-surveyor', sub: 'sv-other', region: OTHER_TOWNSHIP });
    const open = await t.http().get('/v1/survey-tasks').query({ state: 'assigned' }).set(bearer(svOther)).expect(200);
    expect(open.body.items.map((x: { taskId: string }) => x.taskId)).toEqual([stays.body.taskId]);
    const gone = await t.http().get('/v1/survey-tasks').query({ state: 'cancelled' }).set(bearer(svOther)).expect(200);
    expect(gone.body.items.map((x: { cancellation: string }) => x.cancellation).sort()).toEqual(
      ['household-cancelled', 'person-deceased', 'person-moved', 'person-moved'].sort(),
    );
  });
});

describe('evidence is a reference, never the file', () => {
  it('refuses a result whose evidence carries the file’s bytes, and keeps only id, type and SHA-256', async () => {
    const person = await register('寅证据', OTHER_TOWNSHIP);
    const surveyor = t.token({ role: 'township-surveyor', sub: 'sv-evidence', region: OTHER_TOWNSHIP });
    const batch = await post('/v1/survey-tasks/batches', tokens.county, {
      batchId: 'evidence-refs',
      region: OTHER_TOWNSHIP,
      dueDate: DUE,
      from: 'list',
      personIds: [person.personId],
      surveyors: ['sv-evidence'],
    }).expect(200);
    const taskId = batch.body.tasks[0].taskId;
    const bytes = Buffer.from('%PDF-1.7 signed statement').toString('base64');
    const withBytes = result({ outcome: 'refused' });
    withBytes.evidence = [{ ...withBytes.evidence[0], content: bytes } as (typeof withBytes.evidence)[number]];
    const refused = await post(`/v1/survey-tasks/${taskId}/results`, surveyor, withBytes);
    expectProblem(refused, 400, 'VALIDATION_FAILED');
    expect(refused.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'UNKNOWN_FIELD' })]));
    const badHash = result({ outcome: 'refused' }, { evidence: [{ documentId: 'scan-1', type: 'photo', sha256: 'abc' }] });
    expectProblem(await post(`/v1/survey-tasks/${taskId}/results`, surveyor, badHash), 400, 'VALIDATION_FAILED');
    expect((await getTask(taskId).expect(200)).body).toMatchObject({ state: 'assigned', results: [] });

    const sent = result({ outcome: 'refused' });
    await post(`/v1/survey-tasks/${taskId}/results`, surveyor, sent).expect(200);
    const view = await getTask(taskId).expect(200);
    expect(view.body.results[0].evidence).toEqual(sent.evidence);
    expect(JSON.stringify(view.body)).not.toContain(bytes);
  });
});

describe('after the survey: an approved refusal is followed up by a reminder', () => {
  it('reminds the person whose refusal was approved six months before, and not one whose refusal still waits for review', async () => {
    const phones = [newPhone(), newPhone()];
    personal.push(...phones);
    const approved = await register('卯拒绝', OTHER_TOWNSHIP, { phone: phones[0] });
    const pending = await register('卯待审', OTHER_TOWNSHIP, { phone: phones[1] });
    const batch = await post('/v1/survey-tasks/batches', tokens.county, {
      batchId: 'refusals-followed-up',
      region: OTHER_TOWNSHIP,
      dueDate: DUE,
      from: 'list',
      personIds: [approved.personId, pending.personId],
      surveyors: ['sv-refusals'],
    }).expect(200);
    const surveyor = t.token({ role: 'township-surveyor', sub: 'sv-refusals', region: OTHER_TOWNSHIP });
    for (const task of batch.body.tasks) {
      await post(`/v1/survey-tasks/${task.taskId}/results`, surveyor, result({ outcome: 'refused' })).expect(200);
    }
    const approvedTask = batch.body.tasks.find((x: { personId: string }) => x.personId === approved.personId).taskId;
    await post(`/v1/survey-tasks/${approvedTask}/approval`, tokens.county).expect(200);
    await settle();

    // 10:00 in Shanghai, seven months on: outside the quiet hours, past the rule's six months.
    const later = new Date(Date.now() + 213 * 86_400_000);
    later.setUTCHours(2, 0, 0, 0);
    controlClock(t, later.toISOString());
    try {
      const report = await t.app.get(ReminderCycle).run();
      const rule = report.rules.find((r) => r.rule === 'survey-refusal-follow-up');
      expect(rule).toMatchObject({ matched: 1 });
      expect(rule?.skipped).toBeUndefined();
      await t.caughtUp();
      const rules = async (personId: string) =>
        (await t.http().get('/v1/reminders').query({ personId }).set(bearer(tokens.county)).expect(200)).body.items
          .map((r: { rule: string }) => r.rule)
          .sort();
      expect(await rules(approved.personId)).toEqual(['survey-refusal-follow-up', 'uninsured-invitation']);
      expect(await rules(pending.personId)).toEqual(['uninsured-invitation']);
    } finally {
      jest.restoreAllMocks();
    }
  });
});

const taskCommand = (taskId: string, type: string) => (command: ICommand) =>
  command instanceof ExecuteSurveyCommands && command.requests.some((r) => r.id === taskId && r.command.type === type);
const surveyPersonCommands = (personId: string) => (command: ICommand) =>
  command instanceof ExecutePersonCommands && command.context.channel === 'survey' && command.requests.some((r) => r.id === personId);

describe('an approval racing a return or a cancellation', () => {
  const events = () => t.app.get<EventStore>(EVENT_STORE);
  const surveyor = () => t.token({ role: 'township-surveyor', sub: 'sv-race', region: OTHER_TOWNSHIP });
  let batchSerial = 0;
  let raceSerial = 0;

  /** A person of the other township with a task whose "enrolled now" result waits for review. */
  async function waiting(name: string) {
    const { personId } = await register(name, OTHER_TOWNSHIP);
    const batch = await post('/v1/survey-tasks/batches', tokens.county, {
      batchId: `race-${++batchSerial}`,
      region: OTHER_TOWNSHIP,
      dueDate: DUE,
      from: 'list',
      personIds: [personId],
      surveyors: ['sv-race'],
    }).expect(200);
    const taskId: string = batch.body.tasks[0].taskId;
    const sent = result({ outcome: 'enrolled-now', enrollments: [{ insuranceType: '390', since: '2025-03-01', region: OTHER_TOWNSHIP }] });
    await post(`/v1/survey-tasks/${taskId}/results`, surveyor(), sent).expect(200);
    return { personId, taskId, resultId: sent.resultId };
  }
  const taskTypes = async (taskId: string) => (await events().readStream(surveyTaskStreamName(taskId))).map((e) => e.type);
  const personTypes = async (personId: string) =>
    (await events().readStream(personStreamName(personId as PersonId))).map((e) => e.type).filter((type) => type !== 'PersonRegistered');
  const approve = (taskId: string, token = tokens.county) => post(`/v1/survey-tasks/${taskId}/approval`, token);
  const returnIt = (taskId: string) => post(`/v1/survey-tasks/${taskId}/return`, tokens.township2, { reason: '材料不全' });
  const cancelIt = (taskId: string) => post(`/v1/survey-tasks/${taskId}/cancellation`, tokens.township2, { reason: '重复任务' });
  const listed = async (taskId: string) => {
    await t.caughtUp();
    const page = await t.http().get('/v1/survey-tasks').query({ region: OTHER_TOWNSHIP, state: 'submitted' }).set(bearer(tokens.county));
    expect(page.status).toBe(200);
    return page.body.items.find((i: { taskId: string }) => i.taskId === taskId);
  };

  beforeAll(() => {
    tokens.township2 = t.token({ role: 'township-operator', sub: 'xili-head', region: OTHER_TOWNSHIP });
    personal.push('材料不全', '重复任务');
  });

  it.each([
    ['a return', 'after its claim', 'claim'],
    ['a return', 'after the person’s commands', 'person'],
    ['an operator’s cancellation', 'after its claim', 'claim'],
    ['an operator’s cancellation', 'after the person’s commands', 'person'],
  ])('refuses %s sent while the approval is held %s; the approval completes', async (what, _label, where) => {
    const { personId, taskId } = await waiting(`竞争${'甲乙丙丁'[++raceSerial % 4]}`);
    const held = holdCommandBus(t.app, where === 'claim' ? surveyPersonCommands(personId) : taskCommand(taskId, 'ApproveSurveyResult'));
    const approval = approve(taskId).then((res) => res);
    await held.reached;
    const refused = what === 'a return' ? await returnIt(taskId) : await cancelIt(taskId);
    expectProblem(refused, 409, 'SURVEY_APPROVAL_IN_PROGRESS');
    expect(await personTypes(personId)).toEqual(where === 'claim' ? [] : ['EnrollmentRecorded']);
    const view = (await getTask(taskId).expect(200)).body;
    expect(view).toMatchObject({ state: 'submitted', approvalInProgress: { approvedBy: 'nanshan-reviewer' } });
    expect(await listed(taskId)).toMatchObject({ state: 'submitted', approvalStartedBy: 'nanshan-reviewer' });
    held.release();
    const approved = await approval;
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      state: 'approved',
      recorded: ['SurveyApprovalStarted', 'SurveyResultApproved'],
      personEvents: ['EnrollmentRecorded'],
    });
    expect(await taskTypes(taskId)).toEqual(['SurveyTaskIssued', 'SurveyResultSubmitted', 'SurveyApprovalStarted', 'SurveyResultApproved']);
    expect(await personTypes(personId)).toEqual(['EnrollmentRecorded']);
    const after = (await getTask(taskId).expect(200)).body;
    expect(after.approvalInProgress).toBeUndefined();
    expect(after.returns).toEqual([]);
    expect(after.cancellation).toBeUndefined();
    await settle();
    // The approval's own enrolment does not cancel the task it completed.
    expect((await getTask(taskId).expect(200)).body.state).toBe('approved');
  });

  it.each([
    ['a return', 'returned'],
    ['a cancellation', 'cancelled'],
  ])('refuses an approval when %s landed between its read and its claim, and leaves the person untouched', async (what, state) => {
    const { personId, taskId } = await waiting(state === 'returned' ? '先退回' : '先撤销');
    // The approval has read the task and prepared the person's commands; it is about to claim the result.
    const held = holdCommandBus(t.app, taskCommand(taskId, 'StartSurveyApproval'));
    const approval = approve(taskId).then((res) => res);
    await held.reached;
    expect((what === 'a return' ? await returnIt(taskId) : await cancelIt(taskId)).status).toBe(200);
    held.release();
    const refused = await approval;
    if (state === 'returned') expectProblem(refused, 422, 'SURVEY_RESULT_NOT_SUBMITTED');
    else expectProblem(refused, 409, 'SURVEY_TASK_ALREADY_FINAL');
    expect(await personTypes(personId)).toEqual([]);
    expect((await taskTypes(taskId)).filter((type) => type.startsWith('SurveyApproval') || type === 'SurveyResultApproved')).toEqual([]);
    expect((await getTask(taskId).expect(200)).body.state).toBe(state);
  });

  it('answers 412 when the task changed after the If-Match revision, before the claim', async () => {
    const { personId, taskId } = await waiting('先改');
    const revision = (await getTask(taskId).expect(200)).body.revision;
    const held = holdCommandBus(t.app, taskCommand(taskId, 'StartSurveyApproval'));
    const approval = t
      .http()
      .post(`/v1/survey-tasks/${taskId}/approval`)
      .set(bearer(tokens.county))
      .set('If-Match', `"${revision}"`)
      .send({})
      .then((res) => res);
    await held.reached;
    expect((await returnIt(taskId)).status).toBe(200);
    held.release();
    expectProblem(await approval, 412, 'REVISION_MISMATCH');
    expect(await personTypes(personId)).toEqual([]);
  });

  it('completes an approval interrupted after the person’s commands when it is sent again, recording each person event once', async () => {
    const { personId, taskId } = await waiting('中断');
    expect((await interruptAfter(t.app, surveyPersonCommands(personId), () => approve(taskId))).status).toBe(500);
    expect(await taskTypes(taskId)).toEqual(['SurveyTaskIssued', 'SurveyResultSubmitted', 'SurveyApprovalStarted']);
    expect(await personTypes(personId)).toEqual(['EnrollmentRecorded']);
    // Not lost: the task shows the claim, a return and a cancellation are refused against it, and the registry's reaction
    // to the enrolment leaves it alone (its result waits for review).
    await settle();
    expect((await getTask(taskId).expect(200)).body).toMatchObject({
      state: 'submitted',
      approvalInProgress: { approvedBy: 'nanshan-reviewer' },
    });
    expectProblem(await returnIt(taskId), 409, 'SURVEY_APPROVAL_IN_PROGRESS');
    expectProblem(await cancelIt(taskId), 409, 'SURVEY_APPROVAL_IN_PROGRESS');
    // Another reviewer of the county sends it again: the same commands, stored once; the approval completes.
    const colleague = t.token({ role: 'county-operator', region: PLACES.nanshan.county, sub: 'nanshan-reviewer-2' });
    const again = await approve(taskId, colleague);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ state: 'approved', recorded: ['SurveyResultApproved'], personEvents: [] });
    expect(await personTypes(personId)).toEqual(['EnrollmentRecorded']);
    expect(await taskTypes(taskId)).toEqual(['SurveyTaskIssued', 'SurveyResultSubmitted', 'SurveyApprovalStarted', 'SurveyResultApproved']);
    expect((await getTask(taskId).expect(200)).body.approval).toMatchObject({ approvedBy: 'nanshan-reviewer-2' });
  });

  it('releases the claim with the code when the person’s commands are refused, recording nothing on the person', async () => {
    const { personId, taskId } = await waiting('释放');
    // The approval claimed the result; before its commands, another source records the person's death.
    const held = holdCommandBus(t.app, surveyPersonCommands(personId));
    const approval = approve(taskId).then((res) => res);
    await held.reached;
    const death = await post(`/v1/persons/${personId}/death`, tokens.county, { source: 'operator', dateOfDeath: '2025-06-01' });
    expect(death.status).toBe(200);
    held.release();
    expectProblem(await approval, 409, 'PERSON_DECEASED');
    expect(await personTypes(personId)).toEqual(['DeathRecorded']);
    expect(await taskTypes(taskId)).toEqual([
      'SurveyTaskIssued',
      'SurveyResultSubmitted',
      'SurveyApprovalStarted',
      'SurveyApprovalReleased',
    ]);
    const view = (await getTask(taskId).expect(200)).body;
    expect(view).toMatchObject({
      state: 'submitted',
      approvalRefusal: { code: 'PERSON_DECEASED', releasedBy: 'nanshan-reviewer', at: expect.any(String) },
    });
    expect(view.approvalInProgress).toBeUndefined();
    expect((await listed(taskId)).approvalStartedBy).toBeUndefined();
    // Back with the reviewer: approving again is refused before any claim (the person is changed now), a return is taken.
    expectProblem(await approve(taskId), 409, 'SURVEY_PERSON_CHANGED');
    expect((await taskTypes(taskId)).filter((type) => type === 'SurveyApprovalStarted')).toHaveLength(1);
    const returned = await returnIt(taskId);
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ state: 'returned', recorded: ['SurveyResultReturned'] });
    expect(await personTypes(personId)).toEqual(['DeathRecorded']);
  });
});

describe('privacy', () => {
  it('never writes a personal value to the log', async () => {
    const log = t.readLog();
    for (const value of personal) expect({ value, logged: log.includes(value) }).toEqual({ value, logged: false });
  });
});
