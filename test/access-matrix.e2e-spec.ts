/**
 * Access and privacy (issue "Access and privacy"): every endpoint × every role × a target
 * inside and a target outside the caller's region, each cell with its exact answer; then
 * the token checks and RS256.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import type { Role } from '../apps/registry/src/auth/roles';
import { ROLES } from '../apps/registry/src/auth/roles';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES } from './support/citizens';
import { expectProblem, registrationBody } from './support/requests';

jest.setTimeout(60_000);

// ── Callers ─────────────────────────────────────────────────────────────────────────────
/** Each role's region. Targets "in" lie in 440305001 (南山区 南头街道), covered by all of them. */
const CALLERS: Record<Role, { region: string; source?: string; insuranceTypes?: string[] }> = {
  'province-admin': { region: '44' },
  'city-operator': { region: '4403' },
  'county-operator': { region: '440305' },
  'township-surveyor': { region: PLACES.nanshan.township },
  auditor: { region: '4403' },
  'reporting-consumer': { region: '4403' },
  'service-client': { region: '4403', source: 'insurance-enrollment', insuranceTypes: ['110', '120', '170'] },
};

/** Targets: "in" a person in 南山区 南头街道; "out" a person in 广州天河区 (only the province admin covers it). */
type Target = 'in' | 'out';
const TARGET_REGION: Record<Target, string> = { in: PLACES.nanshan.township, out: PLACES.tianhe.township };

// ── Expected answers ────────────────────────────────────────────────────────────────────
const OK = '200';
const FORBIDDEN = '403 FORBIDDEN'; // the role lacks the endpoint's permission
const NOT_FOUND = '404 PERSON_NOT_FOUND'; // out of region: the same answer as a person that does not exist
const OUT_OF_SCOPE = '403 REGION_OUT_OF_SCOPE'; // a region parameter outside the caller's region
const NO_UNMASK = '403 UNMASK_NOT_ALLOWED';
type Expected = string;
type Row = [provinceAdmin: [Expected, Expected], cityOperator: [Expected, Expected], countyOperator: [Expected, Expected], townshipSurveyor: [Expected, Expected], auditor: [Expected, Expected], reportingConsumer: [Expected, Expected], serviceClient: [Expected, Expected]];

/**
 * Rows are endpoints in the order they run (reads first, then commands in an order each
 * fixture person can take); columns are the roles in ROLES order, each [in, out].
 */
const MATRIX: Record<string, Row> = {
  //                                 province-admin   city-operator             county-operator           township-surveyor         auditor                   reporting-consumer    service-client
  'GET /health':                   [[OK, OK],        [OK, OK],                 [OK, OK],                 [OK, OK],                 [OK, OK],                 [OK, OK],             [OK, OK]],
  'GET /metrics':                  [[OK, OK],        [OK, OK],                 [OK, OK],                 [OK, OK],                 [OK, OK],                 [OK, OK],             [OK, OK]],
  'GET /docs-json':                [[OK, OK],        [OK, OK],                 [OK, OK],                 [OK, OK],                 [OK, OK],                 [OK, OK],             [OK, OK]],
  'POST /v1/persons/registrations':[[OK, OK],        [OK, OUT_OF_SCOPE],       [OK, OUT_OF_SCOPE],       [OK, OUT_OF_SCOPE],       [FORBIDDEN, FORBIDDEN],   [FORBIDDEN, FORBIDDEN], [OK, OUT_OF_SCOPE]],
  'POST /v1/persons/lookup':       [[OK, OK],        [OK, NOT_FOUND],          [OK, NOT_FOUND],          [OK, NOT_FOUND],          [OK, NOT_FOUND],          [FORBIDDEN, FORBIDDEN], [OK, NOT_FOUND]],
  'GET /v1/persons?region':        [[OK, OK],        [OK, OUT_OF_SCOPE],       [OK, OUT_OF_SCOPE],       [OK, OUT_OF_SCOPE],       [OK, OUT_OF_SCOPE],       [FORBIDDEN, FORBIDDEN], [OK, OUT_OF_SCOPE]],
  'GET /v1/persons/:id':           [[OK, OK],        [OK, NOT_FOUND],          [OK, NOT_FOUND],          [OK, NOT_FOUND],          [OK, NOT_FOUND],          [FORBIDDEN, FORBIDDEN], [OK, NOT_FOUND]],
  'GET /v1/persons/:id?asOf':      [[OK, OK],        [OK, NOT_FOUND],          [OK, NOT_FOUND],          [FORBIDDEN, FORBIDDEN],   [OK, NOT_FOUND],          [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN]],
  'GET /v1/persons/:id?unmask':    [[OK, OK],        [NO_UNMASK, NOT_FOUND],   [NO_UNMASK, NOT_FOUND],   [NO_UNMASK, NOT_FOUND],   [OK, NOT_FOUND],          [FORBIDDEN, FORBIDDEN], [NO_UNMASK, NOT_FOUND]],
  'GET /v1/persons/:id/history':   [[OK, OK],        [OK, NOT_FOUND],          [OK, NOT_FOUND],          [FORBIDDEN, FORBIDDEN],   [OK, NOT_FOUND],          [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN]],
  'GET /v1/persons/:id/history?unmask': [[OK, OK],   [NO_UNMASK, NOT_FOUND],   [NO_UNMASK, NOT_FOUND],   [FORBIDDEN, FORBIDDEN],   [OK, NOT_FOUND],          [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN]],
  'GET /v1/reports/region-counts': [[OK, OK],        [OK, OUT_OF_SCOPE],       [OK, OUT_OF_SCOPE],       [OK, OUT_OF_SCOPE],       [OK, OUT_OF_SCOPE],       [OK, OUT_OF_SCOPE],   [FORBIDDEN, FORBIDDEN]],
  'POST /v1/persons/:id/enrollments':                    [[OK, OK], [OK, NOT_FOUND], [OK, NOT_FOUND], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [OK, NOT_FOUND]],
  'POST /v1/persons/:id/enrollments/110/suspension':     [[OK, OK], [OK, NOT_FOUND], [OK, NOT_FOUND], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [OK, NOT_FOUND]],
  'POST /v1/persons/:id/enrollments/120/resumption':     [[OK, OK], [OK, NOT_FOUND], [OK, NOT_FOUND], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [OK, NOT_FOUND]],
  'POST /v1/persons/:id/enrollments/170/termination':    [[OK, OK], [OK, NOT_FOUND], [OK, NOT_FOUND], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [OK, NOT_FOUND]],
  'POST /v1/persons/:id/corrections':                    [[OK, OK], [OK, NOT_FOUND], [OK, NOT_FOUND], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN]],
  'POST /v1/persons/:id/household-moves':                [[OK, OK], [OK, NOT_FOUND], [OK, NOT_FOUND], [OK, NOT_FOUND],        [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [OK, NOT_FOUND]],
  'POST /v1/persons/:id/household-cancellations':        [[OK, OK], [OK, NOT_FOUND], [OK, NOT_FOUND], [OK, NOT_FOUND],        [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [OK, NOT_FOUND]],
  'POST /v1/persons/:id/death':                          [[OK, OK], [OK, NOT_FOUND], [OK, NOT_FOUND], [OK, NOT_FOUND],        [FORBIDDEN, FORBIDDEN], [FORBIDDEN, FORBIDDEN], [OK, NOT_FOUND]],
};

// ── How each endpoint is called ─────────────────────────────────────────────────────────
interface Fixture {
  personId: string;
  citizenId: string;
}

interface CallContext {
  t: TestApp;
  token: string;
  role: Role;
  target: Target;
  fixture: Fixture;
}

/** The source a caller reports as: its own system for a service client, the counter for staff. */
const sourceOf = (role: Role) => CALLERS[role].source ?? 'operator';

const CALLS: Record<string, (c: CallContext) => Promise<Response>> = {
  'GET /health': ({ t, token }) => t.http().get('/health').set(bearer(token)),
  'GET /metrics': ({ t, token }) => t.http().get('/metrics').set(bearer(token)),
  'GET /docs-json': ({ t, token }) => t.http().get('/docs-json').set(bearer(token)),
  'POST /v1/persons/registrations': ({ t, token, role, target }) =>
    t.http().post('/v1/persons/registrations').set(bearer(token)).send(registrationBody(newCitizen(), { source: sourceOf(role), sourceRecordId: `MATRIX-${role}-${target}`, householdRegion: TARGET_REGION[target] })),
  'POST /v1/persons/lookup': ({ t, token, fixture }) => t.http().post('/v1/persons/lookup').set(bearer(token)).send({ citizenId: fixture.citizenId }),
  'GET /v1/persons?region': ({ t, token, target }) => t.http().get('/v1/persons').query({ region: TARGET_REGION[target] }).set(bearer(token)),
  'GET /v1/persons/:id': ({ t, token, fixture }) => t.http().get(`/v1/persons/${fixture.personId}`).set(bearer(token)),
  'GET /v1/persons/:id?asOf': ({ t, token, fixture }) => t.http().get(`/v1/persons/${fixture.personId}`).query({ asOf: new Date().toISOString() }).set(bearer(token)),
  'GET /v1/persons/:id?unmask': ({ t, token, fixture }) => t.http().get(`/v1/persons/${fixture.personId}`).query({ unmask: 'true' }).set(bearer(token)),
  'GET /v1/persons/:id/history': ({ t, token, fixture }) => t.http().get(`/v1/persons/${fixture.personId}/history`).set(bearer(token)),
  'GET /v1/persons/:id/history?unmask': ({ t, token, fixture }) => t.http().get(`/v1/persons/${fixture.personId}/history`).query({ unmask: 'true' }).set(bearer(token)),
  'GET /v1/reports/region-counts': ({ t, token, target }) =>
    t.http().get('/v1/reports/region-counts').query({ region: target === 'in' ? PLACES.nanshan.township : PLACES.tianhe.county }).set(bearer(token)),
  'POST /v1/persons/:id/enrollments': ({ t, token, role, fixture }) =>
    t.http().post(`/v1/persons/${fixture.personId}/enrollments`).set(bearer(token)).send({ source: sourceOf(role), insuranceType: '170', contributionStatus: '1', provinceCode: '44', since: '2024-01-01' }),
  'POST /v1/persons/:id/enrollments/110/suspension': ({ t, token, role, fixture }) =>
    t.http().post(`/v1/persons/${fixture.personId}/enrollments/110/suspension`).set(bearer(token)).send({ source: sourceOf(role), effectiveDate: '2024-02-01' }),
  'POST /v1/persons/:id/enrollments/120/resumption': ({ t, token, role, fixture }) =>
    t.http().post(`/v1/persons/${fixture.personId}/enrollments/120/resumption`).set(bearer(token)).send({ source: sourceOf(role), effectiveDate: '2024-03-01' }),
  'POST /v1/persons/:id/enrollments/170/termination': ({ t, token, role, fixture }) =>
    t.http().post(`/v1/persons/${fixture.personId}/enrollments/170/termination`).set(bearer(token)).send({ source: sourceOf(role), effectiveDate: '2024-04-01' }),
  'POST /v1/persons/:id/corrections': ({ t, token, fixture }) =>
    t.http().post(`/v1/persons/${fixture.personId}/corrections`).set(bearer(token)).send({ reason: '核对原件', corrections: { name: '更正后' } }),
  'POST /v1/persons/:id/household-moves': ({ t, token, role, target, fixture }) =>
    t.http().post(`/v1/persons/${fixture.personId}/household-moves`).set(bearer(token)).send({ source: sourceOf(role), scope: 'within-province', toRegion: TARGET_REGION[target] }),
  'POST /v1/persons/:id/household-cancellations': ({ t, token, role, fixture }) =>
    t.http().post(`/v1/persons/${fixture.personId}/household-cancellations`).set(bearer(token)).send({ source: sourceOf(role), reason: 'emigration' }),
  'POST /v1/persons/:id/death': ({ t, token, role, fixture }) =>
    t.http().post(`/v1/persons/${fixture.personId}/death`).set(bearer(token)).send({ source: sourceOf(role), dateOfDeath: '2024-05-01' }),
};

function parse(expected: Expected): { status: number; code?: string } {
  const [status, code] = expected.split(' ');
  return { status: Number(status), code };
}

const TARGETS: Target[] = ['in', 'out'];
const cells = Object.entries(MATRIX).flatMap(([endpoint, row]) =>
  ROLES.flatMap((role, column) => TARGETS.map((target, side) => ({ endpoint, role, target, expected: row[column][side] }))),
);

describe('access matrix: every endpoint × every role × in/out of region', () => {
  let t: TestApp;
  const tokens = {} as Record<Role, string>;
  /** One person per role and target, so each role's commands run against a person in a known state. */
  const fixtures = {} as Record<Role, Record<Target, Fixture>>;

  beforeAll(async () => {
    t = await startApp();
    for (const role of ROLES) tokens[role] = t.token({ role, sub: `${role}-matrix`, ...CALLERS[role] });
    const admin = t.token({ role: 'province-admin', sub: 'fixture-admin', region: '44' });
    for (const role of ROLES) {
      fixtures[role] = {} as Record<Target, Fixture>;
      for (const target of TARGETS) {
        const citizen = newCitizen(target === 'in' ? PLACES.nanshan.county : PLACES.tianhe.county);
        const registered = await t
          .http()
          .post('/v1/persons/registrations')
          .set(bearer(admin))
          .send(registrationBody(citizen, { source: 'operator', householdRegion: TARGET_REGION[target], name: '测试人' }))
          .expect(200);
        const personId = registered.body.personId as string;
        // 110 contributing (to suspend), 120 suspended (to resume); 170 is recorded by the matrix, then terminated.
        for (const insuranceType of ['110', '120']) {
          await t.http().post(`/v1/persons/${personId}/enrollments`).set(bearer(admin)).send({ source: 'operator', insuranceType, contributionStatus: '1', provinceCode: '44', since: '2010-01-01' }).expect(200);
        }
        await t.http().post(`/v1/persons/${personId}/enrollments/120/suspension`).set(bearer(admin)).send({ source: 'operator', effectiveDate: '2023-01-01' }).expect(200);
        fixtures[role][target] = { personId, citizenId: citizen.id };
      }
    }
    await t.caughtUp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('has a call for every row and a column for every role', () => {
    expect(Object.keys(CALLS).sort()).toEqual(Object.keys(MATRIX).sort());
    expect(ROLES).toEqual(['province-admin', 'city-operator', 'county-operator', 'township-surveyor', 'auditor', 'reporting-consumer', 'service-client']);
    expect(cells).toHaveLength(Object.keys(MATRIX).length * ROLES.length * 2);
  });

  it.each(cells)('$endpoint as $role on the $target target → $expected', async ({ endpoint, role, target, expected }) => {
    const res = await CALLS[endpoint]({ t, token: tokens[role], role, target, fixture: fixtures[role][target] });
    const want = parse(expected);
    if (want.code) {
      expectProblem(res, want.status, want.code);
    } else {
      expect({ status: res.status, body: res.status === want.status ? undefined : res.body }).toEqual({ status: want.status, body: undefined });
    }
  });

  it('lists the routes the matrix walks, and no other persons or reports route exists', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    const routes = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .filter((r) => / \/v1\/(persons|reports)/.test(r))
      .sort();
    expect(routes).toEqual(
      [
        'GET /v1/persons',
        'GET /v1/persons/{personId}',
        'GET /v1/persons/{personId}/history',
        'GET /v1/reports/region-counts',
        'POST /v1/persons/lookup',
        'POST /v1/persons/registrations',
        'POST /v1/persons/{personId}/corrections',
        'POST /v1/persons/{personId}/death',
        'POST /v1/persons/{personId}/enrollments',
        'POST /v1/persons/{personId}/enrollments/{insuranceType}/{transition}',
        'POST /v1/persons/{personId}/household-cancellations',
        'POST /v1/persons/{personId}/household-moves',
      ].sort(),
    );
  });

  it('answers an out-of-region person exactly like a person that does not exist', async () => {
    const token = tokens['city-operator'];
    const absent = 'p_' + 'a'.repeat(26);
    const strip = (r: Response) => ({ status: r.status, contentType: r.headers['content-type'], body: { ...r.body, instance: undefined } });
    const pairs: Array<[string, (id: string) => Promise<Response>]> = [
      ['GET', (id) => t.http().get(`/v1/persons/${id}`).set(bearer(token))],
      ['history', (id) => t.http().get(`/v1/persons/${id}/history`).set(bearer(token))],
      ['enrol', (id) => t.http().post(`/v1/persons/${id}/enrollments`).set(bearer(token)).send({ source: 'operator', insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2024-01-01' })],
      ['death', (id) => t.http().post(`/v1/persons/${id}/death`).set(bearer(token)).send({ source: 'operator', dateOfDeath: '2024-01-01' })],
    ];
    for (const [, call] of pairs) {
      const outside = await call(fixtures['city-operator'].out.personId);
      const missing = await call(absent);
      expect(outside.status).toBe(404);
      expect(strip(outside)).toEqual(strip(missing));
    }
    // A malformed id is also the same 404.
    expect(strip(await t.http().get('/v1/persons/not-an-id').set(bearer(token)))).toEqual(strip(await t.http().get(`/v1/persons/${absent}`).set(bearer(token))));
  });

  it('lets the reporting consumer see only aggregates: region counts for its region, 403 on every person endpoint', async () => {
    const token = tokens['reporting-consumer'];
    const counts = await t.http().get('/v1/reports/region-counts').set(bearer(token));
    expect(counts.status).toBe(200);
    expect(counts.body).toMatchObject({ region: '4403', level: 'city' });
    expect(counts.body.total).toBeGreaterThanOrEqual(ROLES.length);
    expect(JSON.stringify(counts.body)).not.toMatch(/p_[a-z2-7]{26}/);
    const personEndpoints = Object.keys(MATRIX).filter((e) => e.includes('/v1/persons'));
    for (const endpoint of personEndpoints) {
      expect(MATRIX[endpoint][ROLES.indexOf('reporting-consumer')]).toEqual([FORBIDDEN, FORBIDDEN]);
    }
  });

  it('lets the auditor read history, as-of state and full IDs, and refuses every command', async () => {
    const column = ROLES.indexOf('auditor');
    for (const endpoint of ['GET /v1/persons/:id/history', 'GET /v1/persons/:id?asOf', 'GET /v1/persons/:id?unmask', 'GET /v1/persons/:id/history?unmask']) {
      expect(MATRIX[endpoint][column][0]).toBe(OK);
    }
    for (const endpoint of Object.keys(MATRIX).filter((e) => e.startsWith('POST') && e !== 'POST /v1/persons/lookup')) {
      expect(MATRIX[endpoint][column]).toEqual([FORBIDDEN, FORBIDDEN]);
    }
    const unmasked = await t.http().get(`/v1/persons/${fixtures.auditor.in.personId}`).query({ unmask: 'true' }).set(bearer(tokens.auditor));
    expect(unmasked.body.citizenId).toBe(fixtures.auditor.in.citizenId);
  });

  describe('a business system (service client: insurance-enrollment, types 110/120/170)', () => {
    const enrol = (insuranceType: string, source = 'insurance-enrollment') =>
      t
        .http()
        .post(`/v1/persons/${fixtures['service-client'].in.personId}/enrollments`)
        .set(bearer(tokens['service-client']))
        .send({ source, insuranceType, contributionStatus: '1', provinceCode: '44', since: '2024-06-01' });

    it('reports an enrolment of a type it owns', async () => {
      const res = await enrol('110');
      expect(res.status).toBe(200);
      expect(res.body.recorded[0]).toBe('EnrollmentRecorded');
    });

    it('gets 403 INSURANCE_TYPE_NOT_OWNED for a type it does not own, in the path too', async () => {
      expectProblem(await enrol('390'), 403, 'INSURANCE_TYPE_NOT_OWNED');
      const suspend = await t
        .http()
        .post(`/v1/persons/${fixtures['service-client'].in.personId}/enrollments/390/suspension`)
        .set(bearer(tokens['service-client']))
        .send({ source: 'insurance-enrollment', effectiveDate: '2024-06-01' });
      expectProblem(suspend, 403, 'INSURANCE_TYPE_NOT_OWNED');
    });

    it('gets 403 SOURCE_NOT_OWNED when claiming another source or the staff channels', async () => {
      expectProblem(await enrol('110', 'household-registration'), 403, 'SOURCE_NOT_OWNED');
      expectProblem(await enrol('110', 'operator'), 403, 'SOURCE_NOT_OWNED');
      const register = await t
        .http()
        .post('/v1/persons/registrations')
        .set(bearer(tokens['service-client']))
        .send(registrationBody(newCitizen(), { source: 'household-registration' }));
      expectProblem(register, 403, 'SOURCE_NOT_OWNED');
    });

    it('lets staff report only as operator or self-service', async () => {
      const res = await t
        .http()
        .post(`/v1/persons/${fixtures['county-operator'].in.personId}/enrollments`)
        .set(bearer(tokens['county-operator']))
        .send({ source: 'insurance-enrollment', insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2024-06-01' });
      expectProblem(res, 403, 'SOURCE_NOT_OWNED');
    });
  });

  describe('bearer tokens', () => {
    const claims = { sub: 'someone', roles: ['city-operator'], region: '4403' };
    const sign = (payload: object, secret: string | Buffer, options: jwt.SignOptions = {}) =>
      jwt.sign(payload, secret, { algorithm: 'HS256', issuer: 'registry', audience: 'registry-api', expiresIn: 600, ...options });
    const call = (authorization?: string) => {
      const req = t.http().get('/v1/persons');
      return authorization === undefined ? req : req.set('Authorization', authorization);
    };
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

    it('answers the public endpoints without a token', async () => {
      expect((await t.http().get('/health')).status).toBe(200);
      expect((await t.http().get('/metrics')).text).toContain('registry_http_request_duration_seconds');
      expect((await t.http().get('/docs-json')).body.openapi).toMatch(/^3\./);
    });

    it('accepts a valid token', async () => {
      expect((await call(`Bearer ${tokens['city-operator']}`)).status).toBe(200);
    });

    it.each([
      ['no Authorization header', () => undefined, 'TOKEN_MISSING'],
      ['a non-Bearer scheme', () => 'Basic dXNlcjpwYXNz', 'TOKEN_MISSING'],
      ['a malformed token', () => 'Bearer not.a.jwt', 'TOKEN_MALFORMED'],
      ['a token signed with another key', () => `Bearer ${sign({ roles: claims.roles, region: claims.region }, 'x'.repeat(32), { subject: claims.sub })}`, 'TOKEN_INVALID_SIGNATURE'],
      ['an unsigned token (alg none)', () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: 'registry', aud: 'registry-api', exp: Math.floor(Date.now() / 1000) + 600 })}.`, 'TOKEN_UNSIGNED'],
      ['an unknown role', () => `Bearer ${signWithServiceKey({ roles: ['superuser'], region: '4403' })}`, 'TOKEN_CLAIMS_INVALID'],
      ['a malformed region', () => `Bearer ${signWithServiceKey({ roles: ['city-operator'], region: 'shenzhen' })}`, 'TOKEN_CLAIMS_INVALID'],
      ['a wrong audience', () => `Bearer ${signWithServiceKey({ roles: ['city-operator'], region: '4403' }, { audience: 'other-api' })}`, 'TOKEN_INVALID_SIGNATURE'],
    ] as Array<[string, () => string | undefined, string]>)('refuses %s with 401', async (_label, header, code) => {
      expectProblem(await call(header()), 401, code);
    });

    it('refuses an expired token with 401 TOKEN_EXPIRED', async () => {
      const expired = signWithServiceKey({ roles: ['city-operator'], region: '4403' }, { expiresIn: -60 });
      expectProblem(await call(`Bearer ${expired}`), 401, 'TOKEN_EXPIRED');
    });

    /** Signs with the service's own HS256 secret (keys.json under DATA_DIR). */
    function signWithServiceKey(payload: object, options: jwt.SignOptions = {}): string {
      const keys = JSON.parse(readFileSync(join(t.dataDir, 'keys.json'), 'utf8')) as { tokenSecret: string };
      return sign(payload, Buffer.from(keys.tokenSecret, 'base64'), { subject: 'someone', ...options });
    }
  });
});

describe('RS256 tokens (JWT_ALGORITHM=RS256)', () => {
  let t: TestApp;
  let hsSecret: Buffer;
  let dir: string;

  beforeAll(async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dir = mkdtempSync(join(tmpdir(), 'registry-rs256-'));
    const publicFile = join(dir, 'public.pem');
    const privateFile = join(dir, 'private.pem');
    writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    t = await startApp({ JWT_ALGORITHM: 'RS256', JWT_PUBLIC_KEY_FILE: publicFile, JWT_PRIVATE_KEY_FILE: privateFile });
    const keys = JSON.parse(readFileSync(join(t.dataDir, 'keys.json'), 'utf8')) as { tokenSecret: string };
    hsSecret = Buffer.from(keys.tokenSecret, 'base64');
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a token signed with the private key', async () => {
    const token = t.token({ role: 'city-operator', region: '4403' });
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('RS256');
    const res = await t.http().get('/v1/persons').set(bearer(token));
    expect(res.status).toBe(200);
  });

  it('refuses an HS256 token, even one signed with the key file secret', async () => {
    const hs = jwt.sign({ roles: ['city-operator'], region: '4403' }, hsSecret, { algorithm: 'HS256', subject: 'x', issuer: 'registry', audience: 'registry-api', expiresIn: 600 });
    expectProblem(await t.http().get('/v1/persons').set(bearer(hs)), 401, 'TOKEN_INVALID_SIGNATURE');
  });
});
