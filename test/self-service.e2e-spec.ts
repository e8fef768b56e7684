/**
 * Self-service registration on every channel (issue #17), over HTTP: a citizen from a phone
 * code to a submission, the county's review queue, approval recorded on the person through
 * the person's own commands (visible to the county), rejection with a reason the citizen
 * reads, the status query; the code rules (validity, wrong tries and freeze, resend wait,
 * limits per phone, ID and client); channel credentials; and no enumeration of citizen IDs.
 */
import { statSync } from 'node:fs';
import { ICommand } from '@nestjs/cqrs';
import { PersonId, personStreamName } from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { ReadRecorder } from '../apps/registry/src/audit/read-recorder';
import { ExecutePersonCommands } from '../apps/registry/src/persons/execute-person-commands';
import { ExecuteSubmissionCommands } from '../apps/registry/src/self-service/self-service-aggregates';
import { PersonalDataProtector } from '../apps/registry/src/privacy/personal-data';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { PhoneVerificationService } from '../apps/registry/src/self-service/phone-verification.service';
import { bearer, startApp, TestApp } from './support/app';
import { holdCommandBus, interruptAfter } from './support/command-bus';
import { newCitizen, PLACES } from './support/citizens';
import { ensureBuilt, runCli, startCli } from './support/imports-cli';
import { expectProblem, registrationBody } from './support/requests';
import {
  channelToken,
  codeSent,
  controlClock,
  newPhone,
  outboxPath,
  readOutbox,
  submissionBody,
  verifiedPhone,
} from './support/self-service';

jest.setTimeout(120_000);

let t: TestApp;
let website: string;
let nanshanOperator: string;
let tianheOperator: string;
/** The app's clock: moved on by hand, never back (a phone's codes are 60 s apart). */
let clock: ReturnType<typeof controlClock>;
/** Every ID number and phone sent: none may reach the log. */
const personal: string[] = [];

beforeAll(async () => {
  t = await startApp({ REMINDER_INTERVAL_MS: '0' });
  clock = controlClock(t, '2030-01-02T02:00:00.000Z');
  website = channelToken(t, 'website');
  nanshanOperator = t.token({ role: 'county-operator', region: PLACES.nanshan.county, sub: 'nanshan-reviewer' });
  tianheOperator = t.token({ role: 'county-operator', region: PLACES.tianhe.county, sub: 'tianhe-reviewer' });
});

afterAll(async () => {
  const log = t?.readLog() ?? '';
  await t?.close();
  expect(personal.filter((value) => log.includes(value))).toEqual([]);
});

const post = (path: string, token: string, body: object) => t.http().post(path).set(bearer(token)).send(body);

describe('a citizen registers through the website and the county approves', () => {
  const citizen = newCitizen(PLACES.nanshan.county);
  const phone = newPhone();
  let reviewId: string;
  let personId: string;

  beforeAll(() => personal.push(citizen.id, phone));

  it('sends a six-digit code to the phone through the outbox, a file only its owner reads', async () => {
    const sent = await post('/v1/public/phone-verifications', website, { phone, citizenId: citizen.id, purpose: 'registration' });
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({
      verificationId: expect.stringMatching(/^pv_[0-9a-f]{32}$/),
      expiresAt: expect.any(String),
      resendAfter: expect.any(String),
    });
    expect(Date.parse(sent.body.expiresAt) - clock.now().getTime()).toBe(5 * 60_000);
    const message = readOutbox(t.dataDir).find((m) => m.id === sent.body.verificationId)!;
    expect(message).toMatchObject({ to: phone, template: 'verification-code', text: expect.stringMatching(/验证码为\d{6}/) });
    expect(statSync(outboxPath(t.dataDir)).mode & 0o777).toBe(0o600);
    // A wrong code costs a try; the right one verifies.
    const code = codeSent(t.dataDir, sent.body.verificationId);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const bad = await post('/v1/public/phone-verifications/check', website, {
      verificationId: sent.body.verificationId,
      phone,
      code: wrong,
    });
    expectProblem(bad, 422, 'VERIFICATION_CODE_INVALID');
    expect(bad.body.triesLeft).toBe(4);
    const good = await post('/v1/public/phone-verifications/check', website, { verificationId: sent.body.verificationId, phone, code });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ verificationId: sent.body.verificationId, verified: true });
    // The code is stored only as a keyed hash: the phone's stream holds neither the digits nor the number.
    const events = t.app.get<EventStore>(EVENT_STORE);
    const recorded = await events.readStream(`phone-verification-${t.app.get(PhoneVerificationService).phoneKeyOf(phone)}`);
    // The channel is on every event a citizen causes, the code's too.
    expect(recorded.map((e) => [e.type, e.metadata.channel, e.metadata.role, e.metadata.operator])).toEqual([
      ['VerificationCodeIssued', 'website', 'channel-client', 'website-client'],
      ['VerificationCodeRejected', 'website', 'channel-client', 'website-client'],
      ['PhoneVerified', 'website', 'channel-client', 'website-client'],
    ]);
    const stored = JSON.stringify(recorded);
    expect(stored).toContain('VerificationCodeIssued');
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(phone);
    expect(stored).not.toContain(citizen.id);
  });

  it('takes the submission once per client id, with the channel on its events', async () => {
    clock.advance(61_000);
    const verificationId = await verifiedPhone(t, website, { phone, citizenId: citizen.id, purpose: 'registration' });
    const body = submissionBody(citizen.id, phone, verificationId, { name: '林自助' });
    const first = await post('/v1/public/registrations', website, body);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ submissionId: expect.stringMatching(/^ss_[a-z2-7]{26}$/), state: 'pending', repeated: false });
    reviewId = first.body.submissionId;
    const again = await post('/v1/public/registrations', website, body);
    expect(again.body).toEqual({ ...first.body, repeated: true });
    expectProblem(
      await post('/v1/public/registrations', website, { ...body, intendedInsuranceType: '170' }),
      409,
      'SUBMISSION_ALREADY_RECEIVED',
    );
    const stream = await t.app.get<EventStore>(EVENT_STORE).readStream(`self-service-${reviewId}`);
    expect(stream.map((e) => [e.type, e.metadata.channel, e.metadata.role])).toEqual([
      ['SelfServiceRegistrationSubmitted', 'website', 'channel-client'],
    ]);
    expect(JSON.stringify(stream)).not.toContain(citizen.id);
  });

  it('puts it in the review queue of the county of the residence only', async () => {
    await t.caughtUp();
    const queue = await t.http().get('/v1/self-service-reviews').query({ state: 'pending' }).set(bearer(nanshanOperator)).expect(200);
    const item = queue.body.items.find((i: { reviewId: string }) => i.reviewId === reviewId);
    expect(item).toMatchObject({
      state: 'pending',
      channel: 'website',
      residenceRegion: PLACES.nanshan.township,
      county: PLACES.nanshan.county,
      maskedCitizenId: `${citizen.id.slice(0, 6)}${'*'.repeat(10)}${citizen.id.slice(16)}`,
      name: '林自助',
      phone,
      intendedInsuranceType: '390',
      employment: 'flexible',
      currentlyInsured: false,
      uninsuredReason: 'unaware',
    });
    expect(item.personId).toBeUndefined();
    const other = await t.http().get('/v1/self-service-reviews').set(bearer(tianheOperator)).expect(200);
    expect(other.body.items.map((i: { reviewId: string }) => i.reviewId)).not.toContain(reviewId);
    expectProblem(await post(`/v1/self-service-reviews/${reviewId}/approval`, tianheOperator, {}), 404, 'REVIEW_NOT_FOUND');
    expectProblem(
      await t.http().get('/v1/self-service-reviews').query({ region: PLACES.tianhe.county }).set(bearer(nanshanOperator)),
      403,
      'REGION_OUT_OF_SCOPE',
    );
  });

  it('records the approval on the person through their own commands: an enrolment the county sees', async () => {
    const approved = await post(`/v1/self-service-reviews/${reviewId}/approval`, nanshanOperator, {});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ reviewId, state: 'approved', recorded: ['PersonRegistered', 'EnrollmentRecorded'] });
    personId = approved.body.personId;
    expectProblem(await post(`/v1/self-service-reviews/${reviewId}/approval`, nanshanOperator, {}), 409, 'SUBMISSION_ALREADY_DECIDED');
    await t.caughtUp();
    const listed = await t
      .http()
      .get('/v1/persons')
      .query({ region: PLACES.nanshan.county, insuranceType: '390' })
      .set(bearer(nanshanOperator))
      .expect(200);
    expect(listed.body.items.find((p: { personId: string }) => p.personId === personId)).toMatchObject({
      householdRegion: PLACES.nanshan.township,
      coverageStatus: 'insured-local',
    });
    const history = await t.http().get(`/v1/persons/${personId}/history`).set(bearer(nanshanOperator)).expect(200);
    expect(history.body.events.map((e: { type: string; source: string; channel: string }) => [e.type, e.source, e.channel])).toEqual([
      ['PersonRegistered', 'self-service', 'website'],
      ['EnrollmentRecorded', 'self-service', 'website'],
    ]);
    const queue = await t.http().get('/v1/self-service-reviews').query({ state: 'approved' }).set(bearer(nanshanOperator)).expect(200);
    expect(queue.body.items.find((i: { reviewId: string }) => i.reviewId === reviewId)).toMatchObject({
      personId,
      decidedBy: 'nanshan-reviewer',
    });
  });

  it('answers the citizen’s status query with their ID, name and a verified phone code', async () => {
    clock.advance(61_000);
    const verificationId = await verifiedPhone(t, website, { phone, citizenId: citizen.id, purpose: 'status-query' });
    const res = await post('/v1/public/status-queries', website, { citizenId: citizen.id, name: '林自助', phone, verificationId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      submissions: [
        {
          submissionId: reviewId,
          channel: 'website',
          submittedAt: expect.any(String),
          state: 'approved',
          intendedInsuranceType: '390',
          decidedAt: expect.any(String),
        },
      ],
      registry: { registered: true, coverageStatus: 'insured-local', insuranceTypes: ['390'] },
    });
    // Another name: nothing of this citizen's is shown.
    const other = await post('/v1/public/status-queries', website, { citizenId: citizen.id, name: '别人', phone, verificationId });
    expect(other.body).toEqual({ submissions: [], registry: null });
  });

  it('records the review queue and the status query as reads of the person’s data, by who read them', async () => {
    const reads = await recordedReads();
    expect(reads).toEqual(
      expect.arrayContaining([
        {
          operator: 'nanshan-reviewer',
          role: 'county-operator',
          view: 'self-service-reviews',
          persons: expect.arrayContaining([personId]),
        },
        { operator: 'website-client', role: 'channel-client', view: 'status-query', persons: [personId] },
      ]),
    );
    // The answer that showed nothing (another name) is no read; neither are the other county's lists.
    expect(reads.filter((r) => r.view === 'status-query' && r.persons.includes(personId))).toHaveLength(1);
    expect(reads.filter((r) => r.operator === 'tianhe-reviewer' && r.persons.includes(personId))).toEqual([]);
    expect(JSON.stringify(reads)).not.toContain(citizen.id);
  });
});

/** The reads of personal data the recorder has written to the log, one line per entry. */
async function recordedReads(): Promise<Array<{ operator: string; role: string; view: string; persons: string[] }>> {
  await t.app.get(ReadRecorder).flush();
  const out = [];
  for await (const e of t.app.get<EventStore>(EVENT_STORE).readAll({ filter: { eventTypes: ['PersonalDataRead'] } })) {
    const data = e.data as { entries: Array<{ view: string; persons: string[] }> };
    for (const entry of data.entries) {
      out.push({ operator: String(e.metadata.operator), role: String(e.metadata.role), view: entry.view, persons: entry.persons });
    }
  }
  return out;
}

describe('a rejection', () => {
  it('needs a reason, which the citizen reads in the status query', async () => {
    const citizen = newCitizen(PLACES.nanshan.county);
    const phone = newPhone();
    personal.push(citizen.id, phone);
    const terminal = channelToken(t, 'terminal', PLACES.nanshan.county, 'nanshan-terminal-1');
    const verificationId = await verifiedPhone(t, terminal, { phone, citizenId: citizen.id, purpose: 'registration' });
    const submitted = await post(
      '/v1/public/registrations',
      terminal,
      submissionBody(citizen.id, phone, verificationId, { currentlyInsured: true, uninsuredReason: undefined }),
    );
    expect(submitted.status).toBe(202);
    const reviewId = submitted.body.submissionId;
    const blank = await post(`/v1/self-service-reviews/${reviewId}/rejection`, nanshanOperator, { reason: '   ' });
    expectProblem(blank, 400, 'REJECTION_REASON_REQUIRED');
    expectProblem(await post(`/v1/self-service-reviews/${reviewId}/rejection`, nanshanOperator, {}), 400, 'VALIDATION_FAILED');
    const reason = '居住证明不全，请携带居住证到南头街道经办大厅补充材料';
    const rejected = await post(`/v1/self-service-reviews/${reviewId}/rejection`, nanshanOperator, { reason });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual({ reviewId, state: 'rejected' });
    expectProblem(await post(`/v1/self-service-reviews/${reviewId}/approval`, nanshanOperator, {}), 409, 'SUBMISSION_ALREADY_DECIDED');
    // The reason is free text: sealed at rest like every personal value.
    expect(JSON.stringify(await t.app.get<EventStore>(EVENT_STORE).readStream(`self-service-${reviewId}`))).not.toContain('居住证明');
    await t.caughtUp();
    clock.advance(61_000);
    const query = await verifiedPhone(t, terminal, { phone, citizenId: citizen.id, purpose: 'status-query' });
    const status = await post('/v1/public/status-queries', terminal, {
      citizenId: citizen.id,
      name: '自助登记',
      phone,
      verificationId: query,
    });
    expect(status.body.submissions).toEqual([expect.objectContaining({ state: 'rejected', rejectionReason: reason, channel: 'terminal' })]);
    expect(status.body.registry).toBeNull();
  });

  it('a channel client in one county cannot submit a residence in another', async () => {
    const citizen = newCitizen(PLACES.tianhe.county);
    const phone = newPhone();
    personal.push(citizen.id, phone);
    const hall = channelToken(t, 'hall', PLACES.nanshan.county, 'nanshan-hall-1');
    const verificationId = await verifiedPhone(t, hall, { phone, citizenId: citizen.id, purpose: 'registration' });
    const res = await post(
      '/v1/public/registrations',
      hall,
      submissionBody(citizen.id, phone, verificationId, { residenceRegion: PLACES.tianhe.township }),
    );
    expectProblem(res, 403, 'REGION_OUT_OF_SCOPE');
  });

  it('refuses a submission without a verified code for that ID and purpose', async () => {
    const citizen = newCitizen();
    const phone = newPhone();
    personal.push(citizen.id, phone);
    const forStatus = await verifiedPhone(t, website, { phone, citizenId: citizen.id, purpose: 'status-query' });
    expectProblem(
      await post('/v1/public/registrations', website, submissionBody(citizen.id, phone, forStatus)),
      403,
      'VERIFICATION_REQUIRED',
    );
    const otherId = newCitizen();
    expectProblem(
      await post('/v1/public/registrations', website, submissionBody(otherId.id, phone, forStatus)),
      403,
      'VERIFICATION_REQUIRED',
    );
  });
});

const submissionCommand = (reviewId: string, type: string) => (command: ICommand) =>
  command instanceof ExecuteSubmissionCommands && command.requests.some((r) => r.id === reviewId && r.command.type === type);
const personCommandsOf = (reviewId: string) => (command: ICommand) =>
  command instanceof ExecutePersonCommands && command.context.correlationId === reviewId;

describe('an approval racing a rejection', () => {
  const events = () => t.app.get<EventStore>(EVENT_STORE);
  let clientSeq = 0;

  /** A fresh citizen's submission in Nanshan, through a channel client of its own. */
  async function submitted(citizen = newCitizen(PLACES.nanshan.county)) {
    const phone = newPhone();
    personal.push(citizen.id, phone);
    const hall = channelToken(t, 'hall', PLACES.nanshan.county, `race-hall-${++clientSeq}`);
    const verificationId = await verifiedPhone(t, hall, { phone, citizenId: citizen.id, purpose: 'registration' });
    const res = await post('/v1/public/registrations', hall, submissionBody(citizen.id, phone, verificationId));
    expect(res.status).toBe(202);
    const reviewId: string = res.body.submissionId;
    const [first] = await events().readStream(`self-service-${reviewId}`);
    const personId = (t.app.get(PersonalDataProtector).decodeEvent(first).data as { personId: PersonId }).personId;
    return { citizen, phone, hall, reviewId, personId };
  }
  const streamTypes = async (reviewId: string) => (await events().readStream(`self-service-${reviewId}`)).map((e) => e.type);
  const personTypes = async (personId: PersonId) => (await events().readStream(personStreamName(personId))).map((e) => e.type);
  const approve = (reviewId: string, token = nanshanOperator) => post(`/v1/self-service-reviews/${reviewId}/approval`, token, {});
  const reject = (reviewId: string) => post(`/v1/self-service-reviews/${reviewId}/rejection`, nanshanOperator, { reason: '材料不全' });
  const queued = async (state: string, reviewId: string) => {
    await t.caughtUp();
    const page = await t.http().get('/v1/self-service-reviews').query({ state }).set(bearer(nanshanOperator)).expect(200);
    return page.body.items.find((i: { reviewId: string }) => i.reviewId === reviewId);
  };

  it.each([
    ['after its claim', 'claim'],
    ['after the person’s commands', 'person'],
  ])('refuses a rejection sent while the approval is held %s; the approval completes', async (_label, where) => {
    const { reviewId, personId } = await submitted();
    const held =
      where === 'claim'
        ? holdCommandBus(t.app, personCommandsOf(reviewId), 'before')
        : holdCommandBus(t.app, submissionCommand(reviewId, 'ApproveRegistration'), 'before');
    const approval = approve(reviewId).then((res) => res);
    await held.reached;
    expectProblem(await reject(reviewId), 409, 'SUBMISSION_APPROVAL_IN_PROGRESS');
    expect(await personTypes(personId)).toEqual(where === 'claim' ? [] : ['PersonRegistered', 'EnrollmentRecorded']);
    // The queue shows the claim while it is held.
    expect(await queued('approving', reviewId)).toMatchObject({ state: 'approving', approvalStartedBy: 'nanshan-reviewer' });
    held.release();
    const approved = await approval;
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ reviewId, state: 'approved', personId, recorded: ['PersonRegistered', 'EnrollmentRecorded'] });
    expect(await streamTypes(reviewId)).toEqual([
      'SelfServiceRegistrationSubmitted',
      'SelfServiceApprovalStarted',
      'SelfServiceRegistrationApproved',
    ]);
    expect(await personTypes(personId)).toEqual(['PersonRegistered', 'EnrollmentRecorded']);
    const item = await queued('approved', reviewId);
    expect(item).toMatchObject({ state: 'approved', personId, decidedBy: 'nanshan-reviewer' });
    expect(item.rejectionReason).toBeUndefined();
    expect(item.approvalStartedBy).toBeUndefined();
  });

  it('refuses an approval whose rejection landed between its check and its claim, and leaves the person untouched', async () => {
    const { reviewId, personId } = await submitted();
    // The approval has read the submission as pending and is about to claim it.
    const held = holdCommandBus(t.app, submissionCommand(reviewId, 'StartApproval'), 'before');
    const approval = approve(reviewId).then((res) => res);
    await held.reached;
    const rejected = await reject(reviewId);
    expect(rejected.status).toBe(200);
    held.release();
    expectProblem(await approval, 409, 'SUBMISSION_ALREADY_DECIDED');
    expect(await streamTypes(reviewId)).toEqual(['SelfServiceRegistrationSubmitted', 'SelfServiceRegistrationRejected']);
    expect(await personTypes(personId)).toEqual([]);
    expect(await queued('rejected', reviewId)).toMatchObject({ state: 'rejected', rejectionReason: '材料不全' });
  });

  it('completes an approval interrupted after the person’s commands when it is sent again, recording each person event once', async () => {
    const { reviewId, personId, citizen, phone, hall } = await submitted();
    expect((await interruptAfter(t.app, personCommandsOf(reviewId), () => approve(reviewId))).status).toBe(500);
    expect(await streamTypes(reviewId)).toEqual(['SelfServiceRegistrationSubmitted', 'SelfServiceApprovalStarted']);
    expect(await personTypes(personId)).toEqual(['PersonRegistered', 'EnrollmentRecorded']);
    // Not lost: the queue lists it as approving, a rejection is refused against the claim, the citizen sees it under review.
    expect(await queued('approving', reviewId)).toMatchObject({ state: 'approving', approvalStartedBy: 'nanshan-reviewer' });
    expectProblem(await reject(reviewId), 409, 'SUBMISSION_APPROVAL_IN_PROGRESS');
    clock.advance(61_000);
    const query = await verifiedPhone(t, hall, { phone, citizenId: citizen.id, purpose: 'status-query' });
    const status = await post('/v1/public/status-queries', hall, { citizenId: citizen.id, name: '自助登记', phone, verificationId: query });
    expect(status.body.submissions).toEqual([expect.objectContaining({ submissionId: reviewId, state: 'pending' })]);
    // Another reviewer of the county sends it again: the same commands, stored once; the approval completes.
    const colleague = t.token({ role: 'county-operator', region: PLACES.nanshan.county, sub: 'nanshan-reviewer-2' });
    const again = await approve(reviewId, colleague);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ state: 'approved', personId, recorded: [] });
    expect(await personTypes(personId)).toEqual(['PersonRegistered', 'EnrollmentRecorded']);
    expect(await streamTypes(reviewId)).toEqual([
      'SelfServiceRegistrationSubmitted',
      'SelfServiceApprovalStarted',
      'SelfServiceRegistrationApproved',
    ]);
    expect(await queued('approved', reviewId)).toMatchObject({ decidedBy: 'nanshan-reviewer-2' });
  });

  it('releases the claim back to pending with the code when the person’s commands are refused, changing nothing on the person', async () => {
    const citizen = newCitizen(PLACES.nanshan.county);
    personal.push(citizen.id);
    const hr = t.token({ role: 'service-client', sub: 'hr-system', region: '44', source: 'household-registration' });
    const registered = await post(
      '/v1/persons/registrations',
      hr,
      registrationBody(citizen, { sourceRecordId: `HR-RACE-${citizen.id.slice(10, 17)}` }),
    );
    expect(registered.status).toBe(200);
    const death = await post(`/v1/persons/${registered.body.personId}/death`, nanshanOperator, {
      source: 'operator',
      dateOfDeath: '2025-06-01',
    });
    expect([death.status, death.body.code]).toEqual([200, undefined]);
    const { reviewId, personId } = await submitted(citizen);
    expect(personId).toBe(registered.body.personId);
    const before = await personTypes(personId);
    expectProblem(await approve(reviewId), 409, 'PERSON_DECEASED');
    expect(await personTypes(personId)).toEqual(before);
    expect(await streamTypes(reviewId)).toEqual([
      'SelfServiceRegistrationSubmitted',
      'SelfServiceApprovalStarted',
      'SelfServiceApprovalReleased',
    ]);
    expect(await queued('pending', reviewId)).toMatchObject({
      state: 'pending',
      approvalRefusal: { code: 'PERSON_DECEASED', reviewer: 'nanshan-reviewer', releasedAt: expect.any(String) },
    });
    // The reviewer may try again (a second claim and release, each stored) and then reject it.
    expectProblem(await approve(reviewId), 409, 'PERSON_DECEASED');
    expect((await streamTypes(reviewId)).filter((type) => type === 'SelfServiceApprovalReleased')).toHaveLength(2);
    const rejected = await reject(reviewId);
    expect(rejected.status).toBe(200);
    expect(await personTypes(personId)).toEqual(before);
    expect(await queued('rejected', reviewId)).toMatchObject({ state: 'rejected', approvalRefusal: { code: 'PERSON_DECEASED' } });
  });
});

describe('the code rules', () => {
  it('waits 60 s between codes, voids a code after 5 minutes, and freezes the phone for 15 minutes after 5 wrong tries', async () => {
    clock.set('2030-03-01T02:00:00.000Z');
    {
      const citizen = newCitizen();
      const phone = newPhone();
      personal.push(citizen.id, phone);
      const ask = () => post('/v1/public/phone-verifications', website, { phone, citizenId: citizen.id, purpose: 'registration' });
      const first = await ask();
      expect(first.status).toBe(202);
      const tooSoon = await ask();
      expectProblem(tooSoon, 429, 'CODE_RESEND_TOO_SOON');
      expect(tooSoon.headers['retry-after']).toBe('60');
      expect(tooSoon.body.retryAfter).toBe(60);
      clock.advance(5 * 60_000);
      const code = codeSent(t.dataDir, first.body.verificationId);
      const check = (verificationId: string, c: string) =>
        post('/v1/public/phone-verifications/check', website, { verificationId, phone, code: c });
      expectProblem(await check(first.body.verificationId, code), 422, 'VERIFICATION_CODE_EXPIRED');

      const second = await ask();
      expect(second.status).toBe(202);
      const right = codeSent(t.dataDir, second.body.verificationId);
      const wrong = right === '000000' ? '000001' : '000000';
      for (let i = 1; i <= 4; i++) {
        const res = await check(second.body.verificationId, wrong);
        expectProblem(res, 422, 'VERIFICATION_CODE_INVALID');
        expect(res.body.triesLeft).toBe(5 - i);
      }
      const fifth = await check(second.body.verificationId, wrong);
      expectProblem(fifth, 429, 'VERIFICATION_FROZEN');
      expect(fifth.headers['retry-after']).toBe(String(15 * 60));
      expectProblem(await check(second.body.verificationId, right), 429, 'VERIFICATION_FROZEN');
      clock.advance(14 * 60_000);
      expectProblem(await ask(), 429, 'VERIFICATION_FROZEN');
      clock.advance(60_000);
      expectProblem(await check(second.body.verificationId, right), 404, 'VERIFICATION_NOT_FOUND');
      const third = await ask();
      expect(third.status).toBe(202);
      expect((await check(third.body.verificationId, codeSent(t.dataDir, third.body.verificationId))).status).toBe(200);
    }
  });

  it('limits codes per phone per day, per citizen ID per day and per channel client per hour', async () => {
    const limited = await startApp({
      REMINDER_INTERVAL_MS: '0',
      VERIFICATION_CODES_PER_ID_PER_DAY: '3',
      VERIFICATION_CODES_PER_CLIENT_PER_HOUR: '5',
    });
    try {
      const limitedClock = controlClock(limited, '2030-03-02T02:00:00.000Z');
      const token = channelToken(limited, 'mobile', '44', 'mobile-app');
      const citizen = newCitizen();
      personal.push(citizen.id);
      const ask = (phone: string, citizenId = citizen.id, tok = token) =>
        limited.http().post('/v1/public/phone-verifications').set(bearer(tok)).send({ phone, citizenId, purpose: 'registration' });
      for (let i = 0; i < 3; i++) expect((await ask(newPhone())).status).toBe(202);
      const perId = await ask(newPhone());
      expectProblem(perId, 429, 'ID_CODE_LIMIT_REACHED');
      expect(Number(perId.headers['retry-after'])).toBeGreaterThan(0);
      // The client has asked 4 times; one more, then the hour's limit.
      expect((await ask(newPhone(), newCitizen().id)).status).toBe(202);
      expectProblem(await ask(newPhone(), newCitizen().id), 429, 'CLIENT_CODE_LIMIT_REACHED');
      // Another client is not held back by this one.
      expect((await ask(newPhone(), newCitizen().id, channelToken(limited, 'mobile', '44', 'other-app'))).status).toBe(202);
      // Ten codes a day per phone, whoever asks.
      const phone = newPhone();
      for (let i = 0; i < 10; i++) {
        limitedClock.advance(61_000);
        expect((await ask(phone, newCitizen().id, channelToken(limited, 'hall', '44', `hall-${i}`))).status).toBe(202);
      }
      limitedClock.advance(61_000);
      expectProblem(await ask(phone, newCitizen().id, channelToken(limited, 'hall', '44', 'hall-x')), 429, 'PHONE_CODE_LIMIT_REACHED');
    } finally {
      await limited.close();
    }
  });
});

describe('channel credentials', () => {
  it('refuses a channel-client token without a known channel, or mixed with a staff role', async () => {
    const body = { phone: newPhone(), citizenId: newCitizen().id, purpose: 'registration' };
    expectProblem(
      await post('/v1/public/phone-verifications', t.token({ role: 'channel-client', region: '44' }), body),
      401,
      'TOKEN_CLAIMS_INVALID',
    );
    expectProblem(
      await post('/v1/public/phone-verifications', t.token({ role: 'channel-client', region: '44', channel: 'fax' }), body),
      401,
      'TOKEN_CLAIMS_INVALID',
    );
    expectProblem(
      await post(
        '/v1/public/phone-verifications',
        t.token({ roles: ['channel-client', 'province-admin'], region: '44', channel: 'website' }),
        body,
      ),
      401,
      'TOKEN_CLAIMS_INVALID',
    );
  });

  it('takes the credential `cli token --role channel-client --channel website` prints, and the CLI refuses one without a channel', async () => {
    ensureBuilt();
    const printed = await runCli(['token', '--role', 'channel-client', '--region', '440000', '--channel', 'website'], t.dataDir);
    const token = printed.stdout.trim().split('\n').pop()!;
    const phone = newPhone();
    const citizen = newCitizen();
    personal.push(phone, citizen.id);
    expect((await post('/v1/public/phone-verifications', token, { phone, citizenId: citizen.id, purpose: 'registration' })).status).toBe(
      202,
    );
    expectProblem(await t.http().get('/v1/persons').set(bearer(token)), 403, 'FORBIDDEN');
    const refused = await startCli(['token', '--role', 'channel-client', '--region', '440000'], t.dataDir).done;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('a channel-client token is that role alone with --channel hall|website|terminal|mobile');
  });

  it('keeps staff tokens off the public endpoints and channel tokens off everything else', async () => {
    const admin = t.token({ role: 'province-admin', region: '44' });
    expectProblem(await post('/v1/public/status-queries', admin, {}), 403, 'FORBIDDEN');
    expectProblem(await t.http().get('/v1/persons').set(bearer(website)), 403, 'FORBIDDEN');
    expectProblem(await t.http().get('/v1/self-service-reviews').set(bearer(website)), 403, 'FORBIDDEN');
  });
});

describe('no enumeration: until the code is verified, an existing and an unknown ID get the same answer', () => {
  const known = newCitizen(PLACES.nanshan.county);
  const unknown = newCitizen(PLACES.nanshan.county);
  const phone = newPhone();
  let unverified: string;

  beforeAll(async () => {
    personal.push(known.id, unknown.id, phone);
    const admin = t.token({ role: 'province-admin', region: '44' });
    // The registry holds the known citizen, with this phone and a submission.
    await post('/v1/persons/registrations', admin, registrationBody(known, { source: 'operator', name: '已登记', phone })).expect(200);
    const verificationId = await verifiedPhone(t, website, { phone, citizenId: known.id, purpose: 'registration' });
    expect(
      (await post('/v1/public/registrations', website, submissionBody(known.id, phone, verificationId, { name: '已登记' }))).status,
    ).toBe(202);
    await t.caughtUp();
    clock.advance(61_000);
    const sent = await post('/v1/public/phone-verifications', website, { phone, citizenId: known.id, purpose: 'status-query' });
    unverified = sent.body.verificationId;
  });

  const query = (citizenId: string, verificationId: string) =>
    post('/v1/public/status-queries', website, { citizenId, name: '已登记', phone, verificationId });
  const answer = (res: { status: number; body: unknown; headers: Record<string, string> }) => ({
    status: res.status,
    contentType: res.headers['content-type'],
    body: res.body,
  });

  it('answers the same status and body to the status query (code sent, not checked; or never sent)', async () => {
    const a = await query(known.id, unverified);
    const b = await query(unknown.id, unverified);
    expectProblem(a, 403, 'VERIFICATION_REQUIRED');
    expect(answer(a)).toEqual(answer(b));
    const never = 'pv_' + '0'.repeat(32);
    expect(answer(await query(known.id, never))).toEqual(answer(await query(unknown.id, never)));
  });

  it('answers a registration without a verified code the same for both', async () => {
    const submit = (citizenId: string) =>
      post(
        '/v1/public/registrations',
        website,
        submissionBody(citizenId, phone, unverified, { name: '已登记', clientSubmissionId: 'ENUM-1' }),
      );
    const a = await submit(known.id);
    const b = await submit(unknown.id);
    expectProblem(a, 403, 'VERIFICATION_REQUIRED');
    expect(answer(a)).toEqual(answer(b));
  });

  it('answers the code request the same (but for the new verification id and times)', async () => {
    const shape = (res: { status: number; body: Record<string, unknown> }) => ({ status: res.status, keys: Object.keys(res.body).sort() });
    const a = await post('/v1/public/phone-verifications', website, { phone: newPhone(), citizenId: known.id, purpose: 'status-query' });
    const b = await post('/v1/public/phone-verifications', website, { phone: newPhone(), citizenId: unknown.id, purpose: 'status-query' });
    expect(shape(a)).toEqual(shape(b));
    expect(shape(a)).toEqual({ status: 202, keys: ['expiresAt', 'resendAfter', 'verificationId'] });
  });

  it('does the same work on both paths: the same look-ups and the same number of openings', async () => {
    const protector = t.app.get(PersonalDataProtector);
    const projections = t.app.get(ProjectionsService);
    const opens = jest.spyOn(protector, 'openFromDocument');
    const lookups = jest.spyOn(projections, 'collection');
    try {
      await query(known.id, unverified);
      const knownWork = { opens: opens.mock.calls.length, lookups: lookups.mock.calls.map((c) => c.join('/')) };
      opens.mockClear();
      lookups.mockClear();
      await query(unknown.id, unverified);
      const unknownWork = { opens: opens.mock.calls.length, lookups: lookups.mock.calls.map((c) => c.join('/')) };
      expect(unknownWork).toEqual(knownWork);
      expect(knownWork.opens).toBe(2);
      expect(knownWork.lookups.sort()).toEqual(['persons/persons', 'self_service/submissions']);
    } finally {
      opens.mockRestore();
      lookups.mockRestore();
    }
  });

  it('takes the same time on both paths (medians of 50 interleaved requests each)', async () => {
    const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
    for (let i = 0; i < 5; i++) await query(i % 2 ? known.id : unknown.id, unverified); // warm up
    for (let i = 0; i < 100; i++) {
      const which = i % 2 === 0 ? 'known' : 'unknown';
      const started = process.hrtime.bigint();
      const res = await query(which === 'known' ? known.id : unknown.id, unverified);
      times[which].push(Number(process.hrtime.bigint() - started) / 1e6);
      expect(res.status).toBe(403);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const a = median(times.known);
    const b = median(times.unknown);
    // Loose enough for a busy shared machine, tight enough to catch a path that skips the look-ups.
    const tolerance = Math.max(2, 0.35 * Math.min(a, b));
    process.stdout.write(
      `status query medians: known ${a.toFixed(2)} ms, unknown ${b.toFixed(2)} ms (tolerance ${tolerance.toFixed(2)} ms)\n`,
    );
    expect(Math.abs(a - b)).toBeLessThanOrEqual(tolerance);
  });

  it('checks a wrong code the same way for an existing and an unknown ID', async () => {
    const phones = [newPhone(), newPhone()];
    const ids = [known.id, unknown.id];
    const answers = [];
    for (let i = 0; i < 2; i++) {
      const sent = await post('/v1/public/phone-verifications', website, { phone: phones[i], citizenId: ids[i], purpose: 'status-query' });
      const right = codeSent(t.dataDir, sent.body.verificationId);
      const res = await post('/v1/public/phone-verifications/check', website, {
        verificationId: sent.body.verificationId,
        phone: phones[i],
        code: right === '000000' ? '000001' : '000000',
      });
      answers.push(answer(res));
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0].status).toBe(422);
  });
});
