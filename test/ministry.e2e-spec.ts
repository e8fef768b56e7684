/**
 * The ministry exchange over HTTP against the ministry simulator (docs/ministry-interface.md):
 * comparison inquiry, upload of verified registration data, interaction download, and the
 * failures the exchange must survive — errors, timeouts, a ministry down for a while, an
 * answer lost after the batch was stored, and a registry that lost its exchange state.
 */
import { citizenIdCheckCharacter } from '@registry/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '@registry/event-store';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { createMinistrySim, MinistrySim } from '../apps/ministry-sim/src/ministry-sim';
import { Anchor, anchorSignatureValid } from '../apps/registry/src/audit/chain/anchor';
import { KeyRing } from '../apps/registry/src/config/key-ring';
import { MinistryClient } from '../apps/registry/src/ministry/ministry-client';
import { MINISTRY_EXCHANGE_COLLECTION } from '../apps/registry/src/ministry/exchange-state';
import { isVerifiedRegistrationEvent } from '../apps/registry/src/ministry/upload-records';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, TestCitizen } from './support/citizens';
import { registrationBody } from './support/requests';

jest.setTimeout(90_000);

const KEY = 'e2e-ministry-key';
let sim: MinistrySim;
let t: TestApp;
const tokens = {} as Record<'hr' | 'ins' | 'admin' | 'city', string>;
/** Every ID number sent anywhere: none may reach the registry's log. */
const ids: string[] = [];

const insuredElsewhere = newCitizen();
const diedElsewhere = newCitizen();
const localOnly = newCitizen();
const notYetRegistered = newCitizen();

beforeAll(async () => {
  sim = await createMinistrySim({
    apiKeys: { [KEY]: '44' },
    records: [
      {
        citizenId: insuredElsewhere.id,
        kind: 'insured-elsewhere',
        provinceCode: '45',
        insuranceType: '110',
        contributionStatus: '1',
        since: '2019-03-01',
      },
      {
        citizenId: insuredElsewhere.id,
        kind: 'insured-elsewhere',
        provinceCode: '45',
        insuranceType: '310',
        contributionStatus: '1',
        since: '2019-03-01',
      },
      {
        citizenId: diedElsewhere.id,
        kind: 'deceased-elsewhere',
        provinceCode: '11',
        dateOfDeath: '2023-05-06',
        recordedAt: '2023-06-01T00:00:00.000Z',
      },
      {
        citizenId: notYetRegistered.id,
        kind: 'insured-elsewhere',
        provinceCode: '33',
        insuranceType: '390',
        contributionStatus: '1',
        since: '2020-01-01',
      },
    ],
  });
  const url = await sim.listen(0);
  t = await startApp({
    MINISTRY_URL: url,
    MINISTRY_TOKEN: KEY,
    MINISTRY_UPLOAD_INTERVAL_MS: '86400000',
    MINISTRY_DOWNLOAD_INTERVAL_MS: '86400000',
    MINISTRY_UPLOAD_BATCH: '3',
    MINISTRY_TIMEOUT_MS: '400',
    MINISTRY_RETRIES: '3',
    MINISTRY_RETRY_BASE_MS: '20',
  });
  tokens.hr = t.token({ role: 'service-client', sub: 'hr-system', region: '44', source: 'household-registration' });
  tokens.ins = t.token({ role: 'service-client', sub: 'insurance-system', region: '44', source: 'insurance-enrollment' });
  tokens.admin = t.token({ role: 'province-admin', sub: 'admin-ops', region: '44' });
  tokens.city = t.token({ role: 'city-operator', sub: 'sz-operator', region: '4403' });
});

afterAll(async () => {
  await t?.close();
  await sim?.close();
});

let recordNo = 0;
async function register(citizen: TestCitizen, extra: Record<string, unknown> = {}): Promise<string> {
  ids.push(citizen.id);
  const res = await t
    .http()
    .post('/v1/persons/registrations')
    .set(bearer(tokens.hr))
    .send(registrationBody(citizen, { sourceRecordId: `HR-M-${++recordNo}`, name: '测试人', ...extra }));
  expect(res.status).toBe(200);
  return res.body.personId as string;
}

async function enrol(personId: string, insuranceType: string): Promise<void> {
  const res = await t
    .http()
    .post(`/v1/persons/${personId}/enrollments`)
    .set(bearer(tokens.ins))
    .send({
      source: 'insurance-enrollment',
      sourceRecordId: `YW-M-${++recordNo}`,
      insuranceType,
      contributionStatus: '1',
      provinceCode: '44',
      since: '2021-01-01',
    });
  expect(res.status).toBe(200);
}

const exchange = async () => {
  const res = await t.http().get('/v1/ministry/exchange').set(bearer(tokens.admin));
  expect(res.status).toBe(200);
  return res.body;
};
const uploadRun = () => t.http().post('/v1/ministry/uploads/run').set(bearer(tokens.admin));
const download = (body: Record<string, unknown> = {}) =>
  t.http().post('/v1/ministry/interactions/download').set(bearer(tokens.admin)).send(body);
const person = async (personId: string) => (await t.http().get(`/v1/persons/${personId}`).set(bearer(tokens.admin)).expect(200)).body;

/** The registry's person events, in log order. */
async function personEvents(): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of t.app.get<EventStore>(EVENT_STORE).readAll({ filter: { streamPrefixes: ['person-'] } })) out.push(e);
  return out;
}

/** The positions the ministry must hold exactly once: every verified event up to the acknowledged position. */
async function expectUploadedExactly(upTo: number): Promise<void> {
  const expected = (await personEvents()).filter((e) => e.position <= upTo && isVerifiedRegistrationEvent(e)).map((e) => e.position);
  const uploaded = sim.state.uploadedRecords('44').map((r) => r.position);
  expect(uploaded).toEqual(expected);
  expect(new Set(uploaded).size).toBe(uploaded.length);
  expect(sim.state.stats().duplicateRecords).toBe(0);
}

async function headPosition(): Promise<number> {
  return t.app.get<EventStore>(EVENT_STORE).headPosition({ streamPrefixes: ['person-'] });
}

const personIds: Record<string, string> = {};

describe('exchange state and access', () => {
  it('is visible to operations staff only', async () => {
    personIds.insured = await register(insuredElsewhere, { phone: '13912345678', householdAddress: '深圳市南山区测试路1号' });
    personIds.died = await register(diedElsewhere);
    personIds.local = await register(localOnly);
    await enrol(personIds.local, '390');
    const state = await exchange();
    expect(state).toMatchObject({
      enabled: true,
      province: '44',
      upload: { lastAcknowledgedPosition: 0, consecutiveFailures: 0 },
      interactions: { cursor: null },
    });
    expect(state.upload.pendingEvents).toBeGreaterThan(0);
    const city = await t.http().get('/v1/ministry/exchange').set(bearer(tokens.city));
    expect(city.status).toBe(403);
    expect((await t.http().post('/v1/ministry/uploads/run')).status).toBe(401);
  });
});

describe('comparison inquiry', () => {
  it('answers the seeded person insured elsewhere and nothing for the others', async () => {
    const results = await t.app.get(MinistryClient).inquire([insuredElsewhere.id, localOnly.id, insuredElsewhere.id]);
    expect(results).toEqual([
      {
        citizenId: insuredElsewhere.id,
        records: [
          { provinceCode: '45', insuranceType: '110', contributionStatus: '1', since: '2019-03-01' },
          { provinceCode: '45', insuranceType: '310', contributionStatus: '1', since: '2019-03-01' },
        ],
      },
      { citizenId: localOnly.id, records: [] },
    ]);
  });

  it('splits a large inquiry into batches of at most 1000 IDs', async () => {
    const many: string[] = [];
    for (let i = 0; many.length < 2300; i++) {
      const first17 = `440305${1960 + (i % 40)}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}${String(i % 1000).padStart(3, '0')}`;
      many.push(first17 + citizenIdCheckCharacter(first17));
    }
    const before = sim.state.inquiryCounts.inquiries;
    const results = await t.app.get(MinistryClient).inquire([...many, insuredElsewhere.id]);
    expect(sim.state.inquiryCounts.inquiries - before).toBe(Math.ceil(new Set([...many, insuredElsewhere.id]).size / 1000));
    expect(results.find((r) => r.citizenId === insuredElsewhere.id)?.records).toHaveLength(2);
    expect(results.filter((r) => r.records.length > 0)).toHaveLength(1);
  });
});

describe('upload of verified registration data', () => {
  it('uploads every verified event in batches and stores the acknowledged position', async () => {
    const res = await uploadRun();
    expect(res.status).toBe(200);
    const head = await headPosition();
    expect(res.body).toMatchObject({ outcome: 'completed', fromPosition: 0, position: head, pendingEvents: 0 });
    expect(res.body.batches).toBeGreaterThanOrEqual(2);
    await expectUploadedExactly(head);
    const state = await exchange();
    expect(state.upload).toMatchObject({
      lastAcknowledgedPosition: head,
      pendingEvents: 0,
      consecutiveFailures: 0,
      lastError: null,
      batchesAcknowledged: res.body.batches,
    });
    expect(state.upload.lastSuccessAt).toEqual(expect.any(String));
  });

  it('carries the anchor of the hash chain that covers each batch, which the ministry keeps and the registry’s key verifies', async () => {
    const anchors = sim.state.anchorsOf('44');
    expect(anchors.length).toBeGreaterThanOrEqual(1);
    const head = await headPosition();
    expect(anchors[anchors.length - 1].position).toBeGreaterThanOrEqual(head);
    const publicKey = t.app.get(KeyRing).signing.publicKey;
    for (const a of anchors) expect(anchorSignatureValid(a as Anchor, publicKey)).toBe(true);
    expect(sim.state.progress('44').lastAnchor).toEqual(anchors[anchors.length - 1]);
  });

  it('sends the citizen ID and name but never phone numbers or addresses', async () => {
    const registered = sim.state.uploadedRecords('44').find((r) => r.personId === personIds.insured && r.eventType === 'PersonRegistered');
    expect(registered).toMatchObject({
      citizenId: insuredElsewhere.id,
      source: 'household-registration',
      facts: { name: '测试人', gender: insuredElsewhere.gender },
    });
    const everything = JSON.stringify(sim.state.uploadedRecords('44'));
    expect(everything).not.toContain('13912345678');
    expect(everything).not.toContain('测试路');
    const enrolment = sim.state.uploadedRecords('44').find((r) => r.personId === personIds.local && r.eventType === 'EnrollmentRecorded');
    expect(enrolment).toMatchObject({ citizenId: localOnly.id, facts: { insuranceType: '390', provinceCode: '44', since: '2021-01-01' } });
  });

  it('uploads nothing new when run again', async () => {
    const before = sim.state.stats();
    const res = await uploadRun();
    expect(res.body).toMatchObject({ outcome: 'completed', batches: 0, records: 0 });
    expect(sim.state.stats()).toEqual(before);
  });
});

describe('interaction download', () => {
  let revisions: Record<string, number>;

  it('records enrolments and deaths elsewhere on the persons concerned and parks the unknown', async () => {
    const res = await download();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      outcome: 'completed',
      received: 4,
      applied: 3,
      unmatched: 1,
      alreadyApplied: 0,
      refused: 0,
      skipped: 0,
    });
    const insured = await person(personIds.insured);
    expect(insured.enrollments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          insuranceType: '110',
          provinceCode: '45',
          contributionStatus: '1',
          since: '2019-03-01',
          source: 'ministry',
        }),
        expect.objectContaining({ insuranceType: '310', provinceCode: '45', source: 'ministry' }),
      ]),
    );
    const died = await person(personIds.died);
    expect(died).toMatchObject({ deceased: true, dateOfDeath: '2023-05-06' });
    const history = (await t.http().get(`/v1/persons/${personIds.died}/history`).set(bearer(tokens.admin)).expect(200)).body;
    expect(history.events.at(-1)).toMatchObject({
      type: 'DeathRecorded',
      source: 'ministry',
      operator: 'ministry-exchange',
      channel: 'system',
    });
    revisions = { insured: insured.revision, died: died.revision };
    const state = await exchange();
    expect(state.interactions).toMatchObject({ applied: 3, unmatched: 1, parkedUnmatched: 1, consecutiveFailures: 0 });
    expect(state.interactions.cursor).toEqual(expect.any(String));
  });

  it('changes nothing when downloaded again, from the cursor or from the start', async () => {
    const again = await download();
    expect(again.body).toMatchObject({ outcome: 'completed', received: 0, applied: 0 });
    const restart = await download({ restart: true });
    expect(restart.body).toMatchObject({ outcome: 'completed', received: 4, applied: 0, alreadyApplied: 3 });
    expect((await person(personIds.insured)).revision).toBe(revisions.insured);
    expect((await person(personIds.died)).revision).toBe(revisions.died);
  });

  it('applies a parked interaction once its person is registered', async () => {
    personIds.later = await register(notYetRegistered);
    const res = await download();
    expect(res.body).toMatchObject({ outcome: 'completed', matchedLater: 1 });
    expect((await person(personIds.later)).enrollments).toEqual([
      expect.objectContaining({ insuranceType: '390', provinceCode: '33', source: 'ministry' }),
    ]);
    expect((await exchange()).interactions.parkedUnmatched).toBe(0);
  });

  it('does not upload back what the ministry said', async () => {
    const res = await uploadRun();
    expect(res.body.outcome).toBe('completed');
    await expectUploadedExactly(await headPosition());
    expect(sim.state.uploadedRecords('44').some((r) => r.eventType === 'DeathRecorded')).toBe(false);
    expect(sim.state.uploadedRecords('44').some((r) => r.personId === personIds.later && r.eventType === 'PersonRegistered')).toBe(true);
  });
});

describe('failures', () => {
  it('completes through retries when the ministry fails the next two requests, storing each record once', async () => {
    await register(newCitizen());
    await register(newCitizen());
    sim.setFault({ mode: 'fail', count: 2 });
    const res = await uploadRun();
    expect(res.body).toMatchObject({ outcome: 'completed', pendingEvents: 0 });
    expect(sim.faults.state().mode).toBe('none');
    await expectUploadedExactly(await headPosition());
  });

  it('times out a request the ministry does not answer, and retries it', async () => {
    await register(newCitizen());
    sim.setFault({ mode: 'timeout', count: 1 });
    const started = Date.now();
    const res = await uploadRun();
    expect(res.body).toMatchObject({ outcome: 'completed', pendingEvents: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await expectUploadedExactly(await headPosition());
  });

  it('keeps the position, counts failures and degrades health while the ministry is down, then resumes without gap or duplicate', async () => {
    const acknowledged = (await exchange()).upload.lastAcknowledgedPosition;
    const batchesBefore = sim.state.stats().batches;
    for (let i = 0; i < 3; i++) await register(newCitizen());
    sim.setFault({ mode: 'fail' });
    for (let run = 1; run <= 3; run++) {
      const res = await uploadRun();
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({
        code: 'MINISTRY_EXCHANGE_FAILED',
        cause: { code: 'SERVICE_UNAVAILABLE', status: 503 },
        position: acknowledged,
      });
    }
    const state = await exchange();
    expect(state.upload).toMatchObject({
      lastAcknowledgedPosition: acknowledged,
      consecutiveFailures: 3,
      lastError: { code: 'SERVICE_UNAVAILABLE', status: 503 },
    });
    expect(state.upload.pendingEvents).toBeGreaterThan(0);
    expect(sim.state.stats().batches).toBe(batchesBefore);
    const health = await t.http().get('/health');
    expect(health.status).toBe(503);
    expect(health.body.details.ministry).toMatchObject({
      status: 'down',
      state: 'degraded',
      problems: ['upload-failing'],
      uploadFailures: 3,
      uploadLastError: 'SERVICE_UNAVAILABLE',
    });

    sim.setFault({ mode: 'none' });
    const recovered = await uploadRun();
    expect(recovered.body).toMatchObject({ outcome: 'completed', fromPosition: acknowledged, pendingEvents: 0 });
    expect((await exchange()).upload).toMatchObject({ consecutiveFailures: 0, lastError: null });
    await expectUploadedExactly(await headPosition());
    const healthy = await t.http().get('/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body.details.ministry).toMatchObject({ status: 'up', state: 'ok' });
  });

  it('acknowledges a batch again, without counting it twice, when its answer was lost after the ministry stored it', async () => {
    await register(newCitizen());
    const before = sim.state.stats();
    sim.setFault({ mode: 'store-then-fail', count: 1 });
    const res = await uploadRun();
    expect(res.body).toMatchObject({ outcome: 'completed', batches: 1, pendingEvents: 0 });
    const after = sim.state.stats();
    expect(after.batches).toBe(before.batches + 1);
    expect(after.duplicateBatches).toBe(before.duplicateBatches + 1);
    await expectUploadedExactly(await headPosition());
  });

  it("continues from the ministry's position when the registry lost its exchange state", async () => {
    await t.app.get<ReadStore>(READ_STORE).collection(MINISTRY_EXCHANGE_COLLECTION).delete('upload');
    await register(newCitizen());
    const before = sim.state.stats();
    const res = await uploadRun();
    // From 0 the first batch is the very first batch again (same positions, same content,
    // same id): re-acknowledged. The next one does not follow the ministry's position, which
    // it says, and the upload continues from there.
    expect(res.body).toMatchObject({ outcome: 'completed', fromPosition: 0, pendingEvents: 0 });
    expect((await exchange()).upload.resyncs).toBe(1);
    expect(sim.state.stats()).toMatchObject({
      batches: before.batches + 1,
      duplicateBatches: before.duplicateBatches + 1,
      positionMismatches: before.positionMismatches + 1,
    });
    await expectUploadedExactly(await headPosition());
  });

  it('reports a failing download in the state and in health', async () => {
    sim.setFault({ mode: 'fail', status: 500 });
    for (let run = 0; run < 3; run++) expect((await download()).status).toBe(502);
    expect((await exchange()).interactions).toMatchObject({ consecutiveFailures: 3, lastError: { code: 'INTERNAL_ERROR', status: 500 } });
    expect((await t.http().get('/health')).body.details.ministry.problems).toEqual(['download-failing']);
    sim.setFault({ mode: 'none' });
    expect((await download()).body.outcome).toBe('completed');
  });

  it('never writes an ID number to the log', () => {
    const log = t.readLog();
    for (const id of ids) expect(log).not.toContain(id);
    expect(log).toContain('MinistryClient');
  });
});

describe('without MINISTRY_URL', () => {
  it('reports the exchange disabled and refuses to run it', async () => {
    const off = await startApp({ MINISTRY_URL: undefined, MINISTRY_TOKEN: undefined });
    try {
      const admin = off.token({ role: 'province-admin', region: '44' });
      const health = await off.http().get('/health');
      expect(health.body.details.ministry).toEqual({ status: 'up', state: 'disabled' });
      const run = await off.http().post('/v1/ministry/uploads/run').set(bearer(admin));
      expect(run.status).toBe(503);
      expect(run.body.code).toBe('MINISTRY_DISABLED');
      expect((await off.http().get('/v1/ministry/exchange').set(bearer(admin))).body.enabled).toBe(false);
    } finally {
      await off.close();
    }
  });
});
