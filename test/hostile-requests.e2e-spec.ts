/**
 * Requests built to hurt, over a real socket: oversized headers and tokens (431), clients
 * that trickle their headers or body a byte a second (408 and the connection closed at the
 * configured timeouts, set short here), idle keep-alive connections, JSON nested 10,000
 * deep (400 BODY_TOO_DEEP before any parser recurses), tokens with absurd claims (401). After
 * each, the service answers the next request.
 */
import jwt from 'jsonwebtoken';
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KeyRing } from '../apps/registry/src/config/key-ring';
import { jsonDepthExceeds } from '../apps/registry/src/common/http-limits';
import { bearer, startApp, TestApp } from './support/app';
import { expectProblem } from './support/requests';

jest.setTimeout(60_000);

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 3000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;

let t: TestApp;
let port: number;
let token: string;

beforeAll(async () => {
  t = await startApp({
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    LOOKUP_RATE_LIMIT: '10000',
  });
  await t.app.listen(0, '127.0.0.1');
  port = (t.app.getHttpServer().address() as AddressInfo).port;
  token = t.token({ role: 'province-admin', region: '44' });
});
afterAll(async () => {
  await t?.close();
});

interface RawAnswer {
  /** Everything the server sent before it closed the connection. */
  text: string;
  status?: number;
  body?: Record<string, unknown>;
  closedAfterMs: number;
}

/**
 * Opens a connection, sends `parts` (one every `everyMs` when given, else at once) and
 * collects what comes back until the server closes the connection. Write errors after the
 * server gave up (EPIPE, ECONNRESET) are what is being tested, not failures.
 */
function rawExchange(parts: Array<string | Buffer>, everyMs?: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now();
    const received: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => received.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      const text = Buffer.concat(received).toString('utf8');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      const json = text.indexOf('\r\n\r\n{');
      resolve({
        text,
        status: status === undefined ? undefined : Number(status),
        body: json < 0 ? undefined : (JSON.parse(text.slice(json + 4)) as Record<string, unknown>),
        closedAfterMs: Date.now() - started,
      });
    });
    socket.on('connect', () => {
      if (everyMs === undefined) {
        for (const p of parts) socket.write(p);
        return;
      }
      const queue = [...parts];
      const next = () => {
        const p = queue.shift();
        if (p === undefined) clearInterval(timer);
        else if (!socket.destroyed) socket.write(p);
      };
      next();
      timer = setInterval(next, everyMs);
    });
  });
}

/** The service still answers: an authorised list request. */
async function expectServiceUp(): Promise<void> {
  const res = await t.http().get('/v1/persons').query({ limit: '1' }).set(bearer(token));
  expect(res.status).toBe(200);
}

function expectRawProblem(answer: RawAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
  expect(answer.text).toMatch(/\r\nContent-Type: application\/problem\+json/i);
  expect(answer.body).toMatchObject({ type: expect.stringMatching(/^urn:registry:problem:/), title: expect.any(String), status });
}

describe('oversized headers and tokens', () => {
  it('a 32 KiB header answers 431 REQUEST_HEADER_FIELDS_TOO_LARGE (problem+json) and closes the connection', async () => {
    const answer = await rawExchange([`GET /v1/persons HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(32 * 1024)}\r\n\r\n`]);
    expectRawProblem(answer, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    await expectServiceUp();
  });

  it('a 1 MB bearer token answers 431 as well, before any token code reads it', async () => {
    const answer = await rawExchange([`GET /v1/persons HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'e'.repeat(1024 * 1024)}\r\n\r\n`]);
    expectRawProblem(answer, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    await expectServiceUp();
  });

  it('a 15 KiB token under the header limit is read and refused as TOKEN_MALFORMED', async () => {
    const res = await t
      .http()
      .get('/v1/persons')
      .set('Authorization', `Bearer ${'e'.repeat(15 * 1024)}`);
    expectProblem(res, 401, 'TOKEN_MALFORMED');
  });

  it('bytes that are not HTTP answer 400 problem+json and close', async () => {
    const answer = await rawExchange(['\u0000\u0001 NOT HTTP AT ALL\r\n\r\n']);
    expectRawProblem(answer, 400, 'BAD_REQUEST');
    await expectServiceUp();
  });
});

describe('slow clients', () => {
  it('headers trickled a byte a second: 408 REQUEST_TIMEOUT and the connection closed after the headers timeout', async () => {
    const request = 'GET /v1/persons HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'z'.repeat(60);
    const answer = await rawExchange([...request], 1000);
    expectRawProblem(answer, 408, 'REQUEST_TIMEOUT');
    expect(answer.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(answer.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + 3000);
    await expectServiceUp();
  });

  it('a body trickled a byte a second after complete headers: cut at the request timeout', async () => {
    const head =
      `POST /v1/persons/lookup HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n';
    const answer = await rawExchange([head, ...'{"citizenId":"1101011990010112'], 1000);
    expectRawProblem(answer, 408, 'REQUEST_TIMEOUT');
    expect(answer.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(answer.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS + 3000);
    await expectServiceUp();
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const answer = await rawExchange([`GET /v1/persons?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`]);
    expect(answer.status).toBe(200);
    expect(answer.closedAfterMs).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 100);
    expect(answer.closedAfterMs).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 3000);
  });
});

describe('JSON nested 10,000 deep', () => {
  const lookup = (body: string) =>
    t.http().post('/v1/persons/lookup').set(bearer(token)).set('Content-Type', 'application/json').send(body);

  it.each([
    ['arrays', `{"citizenId":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
    ['objects', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    ['arrays, never closed', `{"citizenId":${'['.repeat(100_000)}`],
    ['objects in an array in a valid field', `{"citizenId":"11010519491231002X","x":[${'{"y":'.repeat(5_000)}0${'}'.repeat(5_000)}]}`],
  ])('%s: 400 BODY_TOO_DEEP, and the service answers the next request', async (_kind, body) => {
    expectProblem(await lookup(body), 400, 'BODY_TOO_DEEP');
    await expectServiceUp();
  });

  it('a body within the depth limit reaches validation (400 VALIDATION_FAILED, never a 500)', async () => {
    expectProblem(await lookup(`{"citizenId":${'['.repeat(30)}1${']'.repeat(30)}}`), 400, 'VALIDATION_FAILED');
    expectProblem(await lookup(`{"citizenId":[${'1,'.repeat(50_000)}1]}`), 400, 'VALIDATION_FAILED');
  });

  it('the depth count skips strings, escaped quotes included', () => {
    expect(jsonDepthExceeds(Buffer.from(`{"a":"${'[{'.repeat(100)}\\"${'['.repeat(100)}"}`), 2)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('{"a":[[1]]}'), 2)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from('{"a":[[1]]}'), 3)).toBe(false);
  });
});

describe('tokens with absurd claims', () => {
  let secret: Buffer;
  beforeAll(() => (secret = t.app.get(KeyRing).tokenSecret));
  /** Signed with the service's own key: only the claims are wrong. */
  const signRaw = (payload: object, options: jwt.SignOptions = {}) =>
    jwt.sign(payload, secret, { algorithm: 'HS256', issuer: 'registry', audience: 'registry-api', ...options });
  const sign = (payload: object, options: jwt.SignOptions = {}) => signRaw(payload, { expiresIn: 600, ...options });
  /** HS256 by hand, for claims jsonwebtoken refuses to sign (a subject that is an object, exp as text). */
  const handSigned = (payload: object) => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iss: 'registry', aud: 'registry-api', ...payload })}`;
    return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
  };
  const call = (jwtText: string) => t.http().get('/v1/persons').query({ limit: '1' }).set('Authorization', `Bearer ${jwtText}`);

  it.each<[string, string, () => string]>([
    ['a region of 5,000 digits', 'TOKEN_CLAIMS_INVALID', () => sign({ sub: 'x', roles: ['province-admin'], region: '4'.repeat(5000) })],
    [
      '1,000 unknown roles',
      'TOKEN_CLAIMS_INVALID',
      () => sign({ sub: 'x', roles: Array.from({ length: 1000 }, (_, i) => `role-${i}`), region: '44' }),
    ],
    ['roles as an object', 'TOKEN_CLAIMS_INVALID', () => sign({ sub: 'x', roles: { 'province-admin': true }, region: '44' })],
    ['a subject that is an object', 'TOKEN_CLAIMS_INVALID', () => handSigned({ sub: { id: 1 }, roles: ['province-admin'], region: '44' })],
    ['a region that is a number', 'TOKEN_CLAIMS_INVALID', () => sign({ sub: 'x', roles: ['province-admin'], region: 44 })],
    [
      'claims nested 1,000 deep',
      'TOKEN_CLAIMS_INVALID',
      () => sign({ sub: 'x', roles: ['province-admin'], region: JSON.parse(`${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`) }),
    ],
    ['expired in 1970', 'TOKEN_EXPIRED', () => signRaw({ sub: 'x', roles: ['province-admin'], region: '44', exp: 1 })],
    [
      'an unsigned token (alg none)',
      'TOKEN_UNSIGNED',
      () => jwt.sign({ sub: 'x', roles: ['province-admin'], region: '44' }, '', { algorithm: 'none' }),
    ],
  ])('%s: 401 %s', async (_kind, code, make) => {
    expectProblem(await call(make()), 401, code);
    await expectServiceUp();
  });

  it.each<[string, () => string]>([
    ['exp as text', () => handSigned({ sub: 'x', roles: ['province-admin'], region: '44', exp: 'tomorrow' })],
    ['nbf ten thousand years ahead', () => sign({ sub: 'x', roles: ['province-admin'], region: '44', nbf: 32503680000 * 100 })],
    [
      'an audience of 300 entries, none ours',
      () => sign({ sub: 'x', roles: ['province-admin'], region: '44' }, { audience: Array.from({ length: 300 }, (_, i) => `a${i}`) }),
    ],
    ['an issuer that is another service', () => sign({ sub: 'x', roles: ['province-admin'], region: '44' }, { issuer: 'elsewhere' })],
  ])('%s: 401 with a TOKEN_ code, never a 500', async (_kind, make) => {
    const res = await call(make());
    expect(res.status).toBe(401);
    expect(res.body.code).toMatch(/^TOKEN_(INVALID_SIGNATURE|CLAIMS_INVALID|EXPIRED)$/);
    await expectServiceUp();
  });

  it('500 insurance types and a 1 KiB subject are only claims: accepted, the caller is still a province admin', async () => {
    const big = sign({
      sub: 's'.repeat(1024),
      roles: ['province-admin'],
      region: '44',
      insuranceTypes: Array.from({ length: 500 }, () => '310'),
    });
    const res = await call(big);
    expect({ status: res.status, body: res.status === 200 ? 'ok' : res.text }).toEqual({ status: 200, body: 'ok' });
  });
});
