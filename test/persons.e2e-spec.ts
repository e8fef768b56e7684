/**
 * Person registry over HTTP (issue "Person registry", done-when): registrations from
 * several sources, conflicts, idempotence, the enrolment lifecycle, deaths and anomalies,
 * household moves, corrections, history, as-of reads, paging, concurrency, validation,
 * region counts, and finally that no personal value reached the log.
 */
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES, TestCitizen, withBadCheckCharacter } from './support/citizens';
import { expectProblem, listAll, personalForms, registrationBody } from './support/requests';

jest.setTimeout(60_000);

let t: TestApp;
/** Every personal value sent to the service: none may appear in the log. */
const personal: string[] = [];
/** Where each registered person's household is now, for the region counts at the end. */
const regionOf = new Map<string, string>();

const tokens = {} as Record<'hr' | 'card' | 'ins' | 'health' | 'admin' | 'auditor' | 'cityOperator', string>;

beforeAll(async () => {
  t = await startApp();
  tokens.hr = t.token({ role: 'service-client', sub: 'hr-system', region: '44', source: 'household-registration' });
  tokens.card = t.token({ role: 'service-client', sub: 'card-system', region: '44', source: 'card-library' });
  tokens.ins = t.token({ role: 'service-client', sub: 'insurance-system', region: '44', source: 'insurance-enrollment' });
  tokens.health = t.token({ role: 'service-client', sub: 'health-system', region: '44', source: 'health' });
  tokens.admin = t.token({ role: 'province-admin', sub: 'admin-li', region: '44' });
  tokens.auditor = t.token({ role: 'auditor', sub: 'auditor-zhao', region: '44' });
  tokens.cityOperator = t.token({ role: 'city-operator', sub: 'sz-operator', region: '4403' });
});

afterAll(async () => {
  await t?.close();
});

let recordCounter = 0;
const nextRecordId = (prefix: string) => `${prefix}-${++recordCounter}`;

/** Registers a person from the household-registration source and remembers the personal values. */
async function register(
  citizen: TestCitizen,
  name: string,
  region: string = PLACES.nanshan.township,
  token = tokens.hr,
  source = 'household-registration',
  extra: Record<string, unknown> = {},
) {
  personal.push(...personalForms(citizen), name);
  const res = await t
    .http()
    .post('/v1/persons/registrations')
    .set(bearer(token))
    .send(registrationBody(citizen, { name, householdRegion: region, source, sourceRecordId: nextRecordId(source), ...extra }));
  expect(res.status).toBe(200);
  regionOf.set(res.body.personId, region);
  return res;
}

const getPerson = (personId: string, token = tokens.admin, query: Record<string, string> = {}) =>
  t.http().get(`/v1/persons/${personId}`).query(query).set(bearer(token));

const post = (path: string, token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  t.http().post(path).set(bearer(token)).set(headers).send(body);

describe('registration from two sources', () => {
  const citizen = newCitizen(PLACES.nanshan.county);
  let personId: string;

  it('records the first report and answers with the masked ID and an ETag', async () => {
    const res = await register(citizen, '张伟', PLACES.nanshan.township, tokens.hr, 'household-registration', {
      sourceRecordId: 'HR-0001',
      phone: '13800138001',
      householdAddress: '深圳市南山区南头街道深南大道1号',
    });
    personal.push('13800138001', '深圳市南山区南头街道深南大道1号');
    personId = res.body.personId;
    expect(personId).toMatch(/^p_[a-z2-7]{26}$/);
    expect(res.body).toEqual({
      personId,
      revision: 0,
      // A service client may not unmask: the first 6 and last 2 (see IdentityDisclosure).
      maskedCitizenId: `${citizen.id.slice(0, 6)}**********${citizen.id.slice(16)}`,
      recorded: ['PersonRegistered'],
    });
    expect(res.headers.etag).toBe('"0"');
    expect(res.text).not.toContain(citizen.id);
  });

  it('records a lower-precedence disagreeing name as a conflict and keeps the household-registration value', async () => {
    personal.push('张玮');
    const res = await post(
      '/v1/persons/registrations',
      tokens.card,
      registrationBody(citizen, { source: 'card-library', sourceRecordId: 'CARD-77', name: '张玮' }),
    );
    expect(res.status).toBe(200);
    expect(res.body.personId).toBe(personId);
    expect(res.body.recorded).toEqual(['PersonDetailsReported', 'IdentityConflictDetected']);

    const person = await getPerson(personId);
    expect(person.status).toBe(200);
    expect(person.body.name).toBe('张伟');
    expect(person.body.fieldSources.name).toEqual({ source: 'household-registration', corrected: false });
    expect(person.body.openConflicts).toEqual([
      expect.objectContaining({
        field: 'name',
        currentSource: 'household-registration',
        reportedSource: 'card-library',
        heldValueStands: true,
      }),
    ]);
    expect(person.body.reportedBy).toEqual(['household-registration', 'card-library']);
    // The household register outranks the card library: the name held stands, so the conflict
    // waits for review without putting the person's coverage in doubt.
    expect(person.body.coverage.status).toBe('uninsured');
    // The conflicting values are personal: a masked read shows neither.
    expect(person.text).not.toContain('张玮');
  });

  it('lists the person under hasConflicts=true and not under hasConflicts=false', async () => {
    await t.caughtUp();
    const conflicted = await listAll(t, tokens.admin, { hasConflicts: 'true' });
    expect(conflicted.map((p) => p.personId)).toContain(personId);
    expect(conflicted.find((p) => p.personId === personId)).toMatchObject({ openConflicts: 1, coverageStatus: 'uninsured', name: '张伟' });
    const clean = await listAll(t, tokens.admin, { hasConflicts: 'false' });
    expect(clean.map((p) => p.personId)).not.toContain(personId);
  });

  it('lets a higher-precedence source replace a lower one without a conflict', async () => {
    const other = newCitizen(PLACES.nanshan.county, '2');
    const first = await register(other, '陈静', PLACES.nanshan.township, tokens.card, 'card-library');
    personal.push('陈菁');
    const second = await post('/v1/persons/registrations', tokens.hr, registrationBody(other, { name: '陈菁', sourceRecordId: 'HR-0002' }));
    expect(second.body.personId).toBe(first.body.personId);
    expect(second.body.recorded).toEqual(['PersonDetailsReported', 'PersonDetailsChanged']);
    const person = await getPerson(first.body.personId);
    expect(person.body).toMatchObject({ name: '陈菁', openConflicts: [], fieldSources: { name: { source: 'household-registration' } } });
  });

  it('treats a re-sent source record as already applied: same person, nothing recorded', async () => {
    const before = await getPerson(personId);
    const again = await post(
      '/v1/persons/registrations',
      tokens.hr,
      registrationBody(citizen, {
        sourceRecordId: 'HR-0001',
        name: '张伟',
        phone: '13800138001',
        householdAddress: '深圳市南山区南头街道深南大道1号',
      }),
    );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ personId, recorded: [], revision: before.body.revision });
    expect(again.headers.etag).toBe(before.headers.etag);
    // Even with other values, the same source record changes nothing.
    const changed = await post(
      '/v1/persons/registrations',
      tokens.hr,
      registrationBody(citizen, { sourceRecordId: 'HR-0001', name: '张三' }),
    );
    expect(changed.body.recorded).toEqual([]);
    expect((await getPerson(personId)).body.revision).toBe(before.body.revision);
  });
});

describe('enrolment lifecycle', () => {
  let personId: string;
  const path = () => `/v1/persons/${personId}/enrollments`;

  beforeAll(async () => {
    personId = (await register(newCitizen(), '刘洋')).body.personId;
  });

  it('records, suspends, resumes and terminates an enrolment', async () => {
    const recorded = await post(path(), tokens.ins, {
      source: 'insurance-enrollment',
      insuranceType: '110',
      contributionStatus: '1',
      provinceCode: '440000',
      since: '2015-07-01',
    });
    expect(recorded.status).toBe(200);
    expect(recorded.body.recorded).toEqual(['EnrollmentRecorded']);
    let person = await getPerson(personId);
    expect(person.body.enrollments).toEqual([
      expect.objectContaining({
        insuranceType: '110',
        contributionStatus: '1',
        provinceCode: '44',
        since: '2015-07-01',
        source: 'insurance-enrollment',
      }),
    ]);
    expect(person.body.coverage).toMatchObject({ status: 'insured-local', localTypes: ['110'] });

    const suspended = await post(`${path()}/110/suspension`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2023-01-01' });
    expect(suspended.status).toBe(200);
    expect(suspended.body.recorded).toEqual(['EnrollmentSuspended']);
    person = await getPerson(personId);
    expect(person.body.enrollments[0].contributionStatus).toBe('2');
    expect(person.body.coverage).toMatchObject({ status: 'insured-local', flags: ['LAPSED_CONTRIBUTION'] });

    const resumed = await post(`${path()}/110/resumption`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2023-06-01' });
    expect(resumed.body.recorded).toEqual(['EnrollmentResumed']);
    expect((await getPerson(personId)).body.enrollments[0].contributionStatus).toBe('1');

    const terminated = await post(`${path()}/110/termination`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2024-01-01' });
    expect(terminated.body.recorded).toEqual(['EnrollmentTerminated']);
    person = await getPerson(personId);
    expect(person.body.enrollments[0].contributionStatus).toBe('3');
    expect(person.body.coverage.status).toBe('uninsured');

    await t.caughtUp();
    const terminatedPensions = await listAll(t, tokens.admin, { insuranceType: '110', contributionStatus: '3' });
    expect(terminatedPensions.map((p) => p.personId)).toContain(personId);
    const contributing = await listAll(t, tokens.admin, { insuranceType: '110', contributionStatus: '1' });
    expect(contributing.map((p) => p.personId)).not.toContain(personId);
  });

  it('refuses transitions that do not fit the enrolment, each with its code', async () => {
    await post(path(), tokens.ins, {
      source: 'insurance-enrollment',
      insuranceType: '390',
      contributionStatus: '1',
      provinceCode: '44',
      since: '2020-01-01',
    }).expect(200);
    await post(`${path()}/390/suspension`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2024-02-01' }).expect(200);
    expectProblem(
      await post(`${path()}/390/suspension`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2024-03-01' }),
      409,
      'ENROLLMENT_ALREADY_SUSPENDED',
    );
    await post(`${path()}/390/resumption`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2024-04-01' }).expect(200);
    expectProblem(
      await post(`${path()}/390/resumption`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2024-05-01' }),
      409,
      'ENROLLMENT_NOT_SUSPENDED',
    );
    // 110 was terminated above.
    expectProblem(
      await post(`${path()}/110/suspension`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2024-05-01' }),
      409,
      'ENROLLMENT_TERMINATED',
    );
    expectProblem(
      await post(`${path()}/210/termination`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2024-05-01' }),
      404,
      'ENROLLMENT_NOT_FOUND',
    );
    expectProblem(
      await post(`${path()}/390/pause`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2024-05-01' }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await post(`${path()}/999/suspension`, tokens.ins, { source: 'insurance-enrollment', effectiveDate: '2024-05-01' }),
      400,
      'INVALID_INSURANCE_TYPE',
    );
    // Refusals record nothing: the stream holds exactly the accepted facts.
    const history = await t.http().get(`/v1/persons/${personId}/history`).set(bearer(tokens.auditor));
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual([
      'PersonRegistered',
      'EnrollmentRecorded',
      'EnrollmentSuspended',
      'EnrollmentResumed',
      'EnrollmentTerminated',
      'EnrollmentRecorded',
      'EnrollmentSuspended',
      'EnrollmentResumed',
    ]);
  });
});

describe('death, then a contribution reported later', () => {
  let personId: string;

  beforeAll(async () => {
    personId = (await register(newCitizen(PLACES.nanshan.county, '2'), '黄秀英')).body.personId;
    await post(`/v1/persons/${personId}/enrollments`, tokens.ins, {
      source: 'insurance-enrollment',
      insuranceType: '170',
      contributionStatus: '1',
      provinceCode: '44',
      since: '2012-01-01',
    }).expect(200);
  });

  it('records the death and makes the person exempt', async () => {
    const death = await post(`/v1/persons/${personId}/death`, tokens.health, {
      source: 'health',
      dateOfDeath: '2024-03-01',
      occurredAt: '2024-03-02T09:00:00Z',
    });
    expect(death.status).toBe(200);
    expect(death.body.recorded).toEqual(['DeathRecorded']);
    const person = await getPerson(personId);
    expect(person.body).toMatchObject({
      deceased: true,
      dateOfDeath: '2024-03-01',
      coverage: { status: 'exempt', exemptionReason: 'deceased' },
    });
  });

  it('records a later contribution from the business system with a CONTRIBUTION_AFTER_DEATH anomaly', async () => {
    const late = await post(`/v1/persons/${personId}/enrollments`, tokens.ins, {
      source: 'insurance-enrollment',
      sourceRecordId: 'INS-CONTRIB-2024-05',
      insuranceType: '170',
      contributionStatus: '1',
      provinceCode: '44',
      since: '2024-05-01',
      occurredAt: '2024-05-10T00:00:00Z',
    });
    expect(late.status).toBe(200);
    expect(late.body.recorded).toEqual(['EnrollmentRecorded', 'AnomalyDetected']);

    const history = await t.http().get(`/v1/persons/${personId}/history`).set(bearer(tokens.auditor));
    const anomaly = history.body.events.find((e: { type: string }) => e.type === 'AnomalyDetected');
    expect(anomaly).toMatchObject({
      data: { anomaly: 'CONTRIBUTION_AFTER_DEATH', insuranceType: '170', source: 'insurance-enrollment' },
      occurredAt: '2024-05-10T00:00:00Z',
    });

    await t.caughtUp();
    const flagged = await listAll(t, tokens.admin, { hasAnomalies: 'true' });
    expect(flagged.find((p) => p.personId === personId)).toMatchObject({
      anomalies: ['CONTRIBUTION_AFTER_DEATH'],
      coverageStatus: 'exempt',
      deceased: true,
    });
    const unflagged = await listAll(t, tokens.admin, { hasAnomalies: 'false' });
    expect(unflagged.map((p) => p.personId)).not.toContain(personId);
  });

  it('refuses the same contribution typed by an operator (an interactive channel)', async () => {
    expectProblem(
      await post(`/v1/persons/${personId}/enrollments`, tokens.admin, {
        source: 'operator',
        insuranceType: '390',
        contributionStatus: '1',
        provinceCode: '44',
        since: '2024-06-01',
      }),
      409,
      'PERSON_DECEASED',
    );
  });
});

describe('household moves', () => {
  it('moves a household within the province: the new region lists the person, the old one does not', async () => {
    const personId = (await register(newCitizen(), '周杰')).body.personId;
    const moved = await post(`/v1/persons/${personId}/household-moves`, tokens.hr, {
      source: 'household-registration',
      scope: 'within-province',
      toRegion: PLACES.tianhe.township,
    });
    expect(moved.status).toBe(200);
    expect(moved.body.recorded).toEqual(['HouseholdMoved']);
    regionOf.set(personId, PLACES.tianhe.township);

    const person = await getPerson(personId);
    expect(person.body).toMatchObject({ householdRegion: PLACES.tianhe.township, household: { status: 'active' } });
    await t.caughtUp();
    expect((await listAll(t, tokens.admin, { region: PLACES.tianhe.county })).map((p) => p.personId)).toContain(personId);
    expect((await listAll(t, tokens.admin, { region: PLACES.nanshan.county })).map((p) => p.personId)).not.toContain(personId);
    // The Shenzhen operator no longer sees the person, exactly as if it did not exist.
    expectProblem(await getPerson(personId, tokens.cityOperator), 404, 'PERSON_NOT_FOUND');
  });

  it('moves a household out of the province: the person becomes exempt', async () => {
    const personId = (await register(newCitizen(), '吴磊')).body.personId;
    const moved = await post(`/v1/persons/${personId}/household-moves`, tokens.hr, {
      source: 'household-registration',
      scope: 'out-of-province',
      toProvince: '320000',
    });
    expect(moved.status).toBe(200);
    const person = await getPerson(personId);
    expect(person.body).toMatchObject({
      household: { status: 'moved-out', toProvince: '32' },
      coverage: { status: 'exempt', exemptionReason: 'household-cancelled', evidence: ['HOUSEHOLD_MOVED_OUT'] },
    });
    await t.caughtUp();
    const exempt = await listAll(t, tokens.admin, { coverageStatus: 'exempt' });
    expect(exempt.find((p) => p.personId === personId)).toMatchObject({
      householdStatus: 'moved-out',
      exemptionReason: 'household-cancelled',
    });
  });

  it('refuses a move within the province without toRegion, or to an unknown region', async () => {
    const personId = (await register(newCitizen(), '郑爽')).body.personId;
    expectProblem(
      await post(`/v1/persons/${personId}/household-moves`, tokens.hr, { source: 'household-registration', scope: 'within-province' }),
      400,
      'VALIDATION_FAILED',
    );
    const unknown = await post(`/v1/persons/${personId}/household-moves`, tokens.hr, {
      source: 'household-registration',
      scope: 'within-province',
      toRegion: '449999',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toMatch(/^REGION_/);
  });
});

describe('corrections', () => {
  let personId: string;
  const reason = '核对户籍原件后更正姓名';

  beforeAll(async () => {
    const citizen = newCitizen(PLACES.nanshan.county, '2');
    personId = (await register(citizen, '林芳')).body.personId;
    personal.push('林方', reason);
    await post(
      '/v1/persons/registrations',
      tokens.card,
      registrationBody(citizen, { source: 'card-library', sourceRecordId: 'CARD-LF', name: '林方', gender: '2' }),
    ).expect(200);
  });

  it('needs a reason', async () => {
    const missing = await post(`/v1/persons/${personId}/corrections`, tokens.admin, { corrections: { name: '林芳' } });
    expectProblem(missing, 400, 'VALIDATION_FAILED');
    expect(missing.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'reason' })]));
    expectProblem(
      await post(`/v1/persons/${personId}/corrections`, tokens.admin, { reason: '   ', corrections: { name: '林芳' } }),
      400,
      'CORRECTION_REASON_REQUIRED',
    );
    expect((await getPerson(personId)).body.openConflicts).toHaveLength(1);
  });

  it('resolves the conflict on the corrected field and pins the value', async () => {
    const res = await post(`/v1/persons/${personId}/corrections`, tokens.admin, { reason, corrections: { name: '林芳' } });
    expect(res.status).toBe(200);
    expect(res.body.recorded).toEqual(['RecordCorrected']);
    const person = await getPerson(personId);
    expect(person.body).toMatchObject({
      name: '林芳',
      openConflicts: [],
      fieldSources: { name: { source: 'operator', corrected: true } },
      coverage: { status: 'uninsured' },
    });
    await t.caughtUp();
    expect((await listAll(t, tokens.admin, { hasConflicts: 'true' })).map((p) => p.personId)).not.toContain(personId);
    // A correction that changes nothing and resolves nothing is refused.
    expectProblem(
      await post(`/v1/persons/${personId}/corrections`, tokens.admin, { reason, corrections: { name: '林芳' } }),
      422,
      'CORRECTION_NO_CHANGE',
    );
  });
});

describe('history', () => {
  it('lists every event with type, times, operator, role, source and channel, without personal values', async () => {
    const citizen = newCitizen();
    const personId = (await register(citizen, '孙丽', PLACES.nanshan.township, tokens.hr)).body.personId;
    personal.push('孙莉');
    await post(
      '/v1/persons/registrations',
      tokens.card,
      registrationBody(citizen, { source: 'card-library', sourceRecordId: 'CARD-SL', name: '孙莉' }),
    ).expect(200);
    await post(`/v1/persons/${personId}/corrections`, tokens.admin, { reason: '现场核实', corrections: { name: '孙丽' } }).expect(200);
    personal.push('现场核实');

    const res = await t.http().get(`/v1/persons/${personId}/history`).set(bearer(tokens.auditor));
    expect(res.status).toBe(200);
    expect(res.body.personId).toBe(personId);
    const events = res.body.events as Array<Record<string, unknown>>;
    expect(events.map((e) => e.type)).toEqual(['PersonRegistered', 'PersonDetailsReported', 'IdentityConflictDetected', 'RecordCorrected']);
    for (const e of events) {
      for (const key of ['type', 'occurredAt', 'recordedAt', 'operator', 'role', 'source', 'channel']) {
        expect(typeof e[key]).toBe('string');
        expect(e[key]).not.toBe('');
      }
      expect(Date.parse(e.recordedAt as string)).not.toBeNaN();
      expect(e.channel).toBe('http');
    }
    expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    expect(events[0]).toMatchObject({
      operator: 'hr-system',
      role: 'service-client',
      source: 'household-registration',
      personalFields: ['citizenId', 'name'],
    });
    expect(events[1]).toMatchObject({ operator: 'card-system', source: 'card-library' });
    expect(events[3]).toMatchObject({ operator: 'admin-li', role: 'province-admin', source: 'operator', data: { operatorId: 'admin-li' } });
    expect(events[3].personalFields).toEqual(expect.arrayContaining(['name', 'reason']));
    for (const secret of [citizen.id, '孙丽', '孙莉', '现场核实']) expect(res.text).not.toContain(secret);
  });
});

describe('as-of reads', () => {
  it('shows the state held at a past moment, and 404 before the person was registered', async () => {
    const personId = (await register(newCitizen(), '马超')).body.personId;
    await new Promise((r) => setTimeout(r, 15));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 15));
    await post(`/v1/persons/${personId}/enrollments`, tokens.ins, {
      source: 'insurance-enrollment',
      insuranceType: '390',
      contributionStatus: '1',
      provinceCode: '44',
      since: '2024-01-01',
    }).expect(200);

    const now = await getPerson(personId, tokens.auditor);
    expect(now.body).toMatchObject({ revision: 1, coverage: { status: 'insured-local' } });
    expect(now.body.enrollments).toHaveLength(1);

    const past = await getPerson(personId, tokens.auditor, { asOf: between });
    expect(past.status).toBe(200);
    expect(past.headers.etag).toBe('"0"');
    expect(past.body).toMatchObject({ personId, revision: 0, enrollments: [], coverage: { status: 'uninsured' } });

    const today = new Date().toISOString().slice(0, 10);
    expect((await getPerson(personId, tokens.auditor, { asOf: today })).body.revision).toBe(1);
    expectProblem(await getPerson(personId, tokens.auditor, { asOf: '2000-01-01' }), 404, 'PERSON_NOT_FOUND');
    expectProblem(await getPerson(personId, tokens.auditor, { asOf: 'yesterday' }), 400, 'INVALID_AS_OF');
  });
});

describe('paging', () => {
  const registered: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 25; i++) {
      const res = await register(
        newCitizen(PLACES.luohu.county, i % 2 === 0 ? '1' : '2'),
        `罗湖居民${String.fromCharCode(0x4e00 + i)}`,
        PLACES.luohu.township,
      );
      registered.push(res.body.personId);
    }
    await t.caughtUp();
  });

  it('pages through a region with limit=10, every person exactly once', async () => {
    const seen: string[] = [];
    const order: Array<[string, string]> = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const res = await t
        .http()
        .get('/v1/persons')
        .query({ region: PLACES.luohu.county, limit: '10', ...(cursor ? { cursor } : {}) })
        .set(bearer(tokens.admin));
      expect(res.status).toBe(200);
      sizes.push(res.body.items.length);
      seen.push(...res.body.items.map((p: { personId: string }) => p.personId));
      order.push(
        ...res.body.items.map((p: { personId: string; householdRegion: string }) => [p.householdRegion, p.personId] as [string, string]),
      );
      cursor = res.body.nextCursor;
    } while (cursor && sizes.length < 10);
    expect(sizes).toEqual([10, 10, 5]);
    expect(new Set(seen).size).toBe(25);
    expect([...seen].sort()).toEqual([...registered].sort());
    // Household region, then person id, across pages (README, lists page by keyset).
    const sorted = [...order].sort(([ra, ia], [rb, ib]) => (ra < rb ? -1 : ra > rb ? 1 : ia < ib ? -1 : ia > ib ? 1 : 0));
    expect(order).toEqual(sorted);
  });

  it('refuses a limit outside 1-500 and a bad cursor', async () => {
    expectProblem(await t.http().get('/v1/persons').query({ limit: '5000' }).set(bearer(tokens.admin)), 400, 'VALIDATION_FAILED');
    const bad = await t.http().get('/v1/persons').query({ cursor: 'not-a-cursor' }).set(bearer(tokens.admin));
    expect(bad.status).toBe(400);
  });
});

describe('concurrency', () => {
  let personId: string;

  beforeAll(async () => {
    personId = (await register(newCitizen(), '高峰')).body.personId;
  });

  it('answers 412 when If-Match names a stale revision', async () => {
    const read = await getPerson(personId);
    expect(read.headers.etag).toBe('"0"');
    const body = { source: 'insurance-enrollment', insuranceType: '310', contributionStatus: '1', provinceCode: '44', since: '2021-01-01' };
    const first = await post(`/v1/persons/${personId}/enrollments`, tokens.ins, body, { 'If-Match': read.headers.etag });
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"1"');
    const stale = await post(`/v1/persons/${personId}/enrollments`, tokens.ins, { ...body, insuranceType: '210' }, { 'If-Match': '"0"' });
    expectProblem(stale, 412, 'REVISION_MISMATCH');
    expectProblem(
      await post(`/v1/persons/${personId}/enrollments`, tokens.ins, body, { 'If-Match': 'yesterday' }),
      400,
      'INVALID_IF_MATCH',
    );
    expect((await getPerson(personId)).body.revision).toBe(1);
  });

  it('retries conflicting writes without If-Match: 8 parallel enrolments all succeed', async () => {
    const types = ['110', '120', '170', '210', '310', '390', '410', '510'];
    const results = await Promise.all(
      types.map((insuranceType) =>
        post(`/v1/persons/${personId}/enrollments`, tokens.ins, {
          source: 'insurance-enrollment',
          insuranceType,
          contributionStatus: '1',
          provinceCode: '44',
          since: '2022-01-01',
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(types.map(() => 200));
    const revisions = results.map((r) => r.body.revision as number);
    expect(new Set(revisions).size).toBe(types.length);

    const person = await getPerson(personId);
    const history = await t.http().get(`/v1/persons/${personId}/history`).set(bearer(tokens.auditor));
    const events = history.body.events as Array<{ type: string; revision: number; data: { insuranceType?: string } }>;
    // Each request's events (its enrolment plus any duplicate-enrolment anomaly) are on the stream once.
    const appended = results.reduce((n, r) => n + r.body.recorded.length, 0);
    expect(events).toHaveLength(2 + appended);
    expect(person.body.revision).toBe(events[events.length - 1].revision);
    expect(person.body.revision).toBe(Math.max(...revisions));
    expect(person.headers.etag).toBe(`"${person.body.revision}"`);
    expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
    expect(person.body.enrollments.map((e: { insuranceType: string }) => e.insuranceType).sort()).toEqual(types);
    // 310 was recorded twice (once in the If-Match test): one EnrollmentRecorded per request.
    expect(events.filter((e) => e.type === 'EnrollmentRecorded')).toHaveLength(9);
  });
});

describe('validation', () => {
  it('refuses an unknown field with UNKNOWN_FIELD', async () => {
    const citizen = newCitizen();
    personal.push(...personalForms(citizen), '何平');
    const res = await post('/v1/persons/registrations', tokens.hr, {
      ...registrationBody(citizen, { name: '何平', sourceRecordId: 'HR-UNK' }),
      nickname: 'x',
    });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'nickname', code: 'UNKNOWN_FIELD' })]);
    expect(res.text).not.toContain(citizen.id);
  });

  it('refuses a wrong check character without echoing the ID', async () => {
    const citizen = newCitizen();
    const bad = withBadCheckCharacter(citizen.id);
    personal.push(bad, ...personalForms(citizen), '何安');
    const res = await post(
      '/v1/persons/registrations',
      tokens.hr,
      registrationBody({ ...citizen, id: bad }, { name: '何安', sourceRecordId: 'HR-BAD' }),
    );
    expectProblem(res, 400, 'ID_BAD_CHECK_CHARACTER');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'citizenId', code: 'ID_BAD_CHECK_CHARACTER' })]);
    expect(res.text).not.toContain(bad);
    expect(res.text).not.toContain(bad.slice(0, 17));
    expectProblem(await post('/v1/persons/lookup', tokens.admin, { citizenId: bad }), 400, 'ID_BAD_CHECK_CHARACTER');
  });

  it('refuses malformed JSON without quoting the body', async () => {
    const citizen = newCitizen();
    personal.push(...personalForms(citizen));
    const res = await t
      .http()
      .post('/v1/persons/registrations')
      .set(bearer(tokens.hr))
      .set('Content-Type', 'application/json')
      .send(`{"citizenId": "${citizen.id}", "name": 王}`);
    expectProblem(res, 400, 'BAD_REQUEST');
    expect(res.text).not.toContain(citizen.id);
  });

  it('answers 404 without the ID when a client puts a citizen ID in the URL', async () => {
    const citizen = newCitizen();
    personal.push(...personalForms(citizen));
    const res = await getPerson(citizen.id);
    expectProblem(res, 404, 'PERSON_NOT_FOUND');
    expect(res.text).not.toContain(citizen.id);
  });

  it('looks a person up by the ID in the body, 15-digit form included', async () => {
    const citizen = newCitizen();
    const personId = (await register(citizen, '钱进')).body.personId;
    const byId = await post('/v1/persons/lookup', tokens.admin, { citizenId: citizen.id });
    expect(byId.body).toEqual({ personId, maskedCitizenId: `${citizen.id.slice(0, 6)}********${citizen.id.slice(14)}` });
    // A 15-digit ID is the same person (upgraded with the century and check character).
    expect((await post('/v1/persons/lookup', tokens.admin, { citizenId: citizen.id15 })).body.personId).toBe(personId);
    expectProblem(await post('/v1/persons/lookup', tokens.admin, { citizenId: newCitizen().id }), 404, 'PERSON_NOT_FOUND');
  });
});

describe('region counts', () => {
  it('counts the registered persons by region, coverage status and child region', async () => {
    await t.caughtUp();
    const luohu = await t.http().get('/v1/reports/region-counts').query({ region: PLACES.luohu.county }).set(bearer(tokens.admin));
    expect(luohu.status).toBe(200);
    expect(luohu.body).toMatchObject({
      region: PLACES.luohu.county,
      name: '罗湖区',
      level: 'county',
      total: 25,
      coverage: { uninsured: 25 },
    });
    expect(luohu.body.children).toEqual([expect.objectContaining({ region: PLACES.luohu.township, level: 'township', total: 25 })]);

    const expected = (prefix: string) => [...regionOf.values()].filter((r) => r.startsWith(prefix)).length;
    const shenzhen = await t.http().get('/v1/reports/region-counts').query({ region: '4403' }).set(bearer(tokens.admin));
    expect(shenzhen.body.total).toBe(expected('4403'));
    const coverageSum = Object.values(shenzhen.body.coverage as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(coverageSum).toBe(shenzhen.body.total);
    expect(shenzhen.body.coverage).toMatchObject({
      exempt: expect.any(Number),
      'insured-local': expect.any(Number),
      uninsured: expect.any(Number),
    });
    expect(shenzhen.body.exempt).toMatchObject({ deceased: 1, 'household-cancelled': 1 });
    const children = Object.fromEntries(
      (shenzhen.body.children as Array<{ region: string; total: number }>).map((c) => [c.region, c.total]),
    );
    expect(children).toEqual({ [PLACES.luohu.county]: 25, [PLACES.nanshan.county]: expected(PLACES.nanshan.county) });

    const province = await t.http().get('/v1/reports/region-counts').set(bearer(tokens.admin));
    expect(province.body).toMatchObject({ region: '440000', level: 'province', total: regionOf.size });
    const guangzhou = (province.body.children as Array<{ region: string; total: number }>).find((c) => c.region === '440100');
    expect(guangzhou?.total).toBe(expected('4401'));
  });
});

describe('the log', () => {
  it('holds request lines but no citizen ID (18 or 15 digits), name or other personal value', async () => {
    const log = t.readLog();
    expect(log.length).toBeGreaterThan(0);
    expect(log).toContain('request completed');
    expect(log).toContain('/v1/persons/registrations');
    expect(personal.length).toBeGreaterThan(50);
    const leaked = personal.filter((value) => log.includes(value));
    expect(leaked).toEqual([]);
  });
});
