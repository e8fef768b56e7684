/**
 * Signing in over HTTP: local accounts (argon2id, locks, disabled accounts, expiry) and the
 * province identity provider's tokens (OpenID Connect: RS256 verified by a JWKS served by a
 * small provider in this process, claims mapped to roles and a region).
 */
import Database from 'better-sqlite3';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { AccountsService } from '../apps/registry/src/auth/accounts/accounts.service';
import { JWKS_COOLDOWN_MS } from '../apps/registry/src/auth/oidc';
import type { CommandContext } from '../apps/registry/src/common/event-sourcing/command-context';
import { TestApp, bearer, startApp } from './support/app';
import { PLACES } from './support/citizens';
import { TestProvider } from './support/oidc-provider';
import { expectProblem } from './support/requests';

const ACTOR: CommandContext = { operator: 'cli:test', role: 'province-admin', region: '440000', channel: 'cli' };
const PASSWORD = 'Township-2024-work';

describe('local accounts: POST /v1/sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ SESSION_LIFETIME_MINUTES: '30' });
    const accounts = t.app.get(AccountsService);
    await accounts.create(ACTOR, 'zhang.wei', ['county-operator'], PLACES.nanshan.county, PASSWORD);
    await accounts.create(ACTOR, 'locked.out', ['county-operator'], PLACES.nanshan.county, PASSWORD);
    await accounts.create(ACTOR, 'gone.away', ['auditor'], '440000', PASSWORD);
    await accounts.setEnabled(ACTOR, 'gone.away', false);
  });
  afterAll(() => t.close());

  it('answers a token the API accepts, scoped to the account’s role and region, valid for SESSION_LIFETIME_MINUTES', async () => {
    const before = Date.now();
    const res = await t.http().post('/v1/sessions').send({ username: 'Zhang.Wei', password: PASSWORD }).expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.principal).toMatchObject({ subject: 'zhang.wei', roles: ['county-operator'], region: '440305', regionName: '南山区' });
    expect(res.body.principal.permissions).toContain('import:run');
    expect(res.body.principal.permissions).not.toContain('person:unmask');
    const expires = Date.parse(res.body.expiresAt);
    expect(expires - before).toBeGreaterThanOrEqual(30 * 60_000 - 1000);
    expect(expires - before).toBeLessThanOrEqual(30 * 60_000 + 5000);
    expect((jwt.decode(res.body.token) as { exp: number }).exp * 1000).toBeCloseTo(expires, -4);

    const token = res.body.token as string;
    await t.http().get('/v1/persons').query({ region: PLACES.nanshan.township }).set(bearer(token)).expect(200);
    expectProblem(await t.http().get('/v1/persons').query({ region: PLACES.tianhe.county }).set(bearer(token)), 403, 'REGION_OUT_OF_SCOPE');
    const current = await t.http().get('/v1/sessions/current').set(bearer(token)).expect(200);
    expect(current.body).toMatchObject({ method: 'password', expiresAt: expect.any(String), principal: { subject: 'zhang.wei' } });
  });

  it('answers an unknown name and a wrong password alike, and records failures and successes on the account’s stream', async () => {
    const unknown = await t.http().post('/v1/sessions').send({ username: 'no.such.person', password: PASSWORD });
    const wrong = await t.http().post('/v1/sessions').send({ username: 'zhang.wei', password: 'Wrong-password-1' });
    expectProblem(unknown, 401, 'SIGN_IN_FAILED');
    expectProblem(wrong, 401, 'SIGN_IN_FAILED');
    expect({ ...unknown.body, instance: undefined }).toEqual({ ...wrong.body, instance: undefined });

    await t.caughtUp();
    const db = new Database(join(t.dataDir, 'events.sqlite'), { readonly: true });
    try {
      const rows = db
        .prepare("SELECT type, data FROM event_log WHERE stream = 'staff-account-zhang.wei' ORDER BY revision")
        .all() as Array<{
        type: string;
        data: string;
      }>;
      expect(rows.map((r) => r.type)).toEqual(['StaffAccountCreated', 'StaffSignedIn', 'StaffSignInFailed']);
      // The hash is sealed like personal data: neither it nor the password is in the file in clear.
      expect(rows[0].data).not.toContain('argon2');
      expect(JSON.stringify(rows)).not.toContain(PASSWORD);
      expect(db.prepare("SELECT count(*) AS n FROM event_log WHERE stream LIKE 'staff-account-no.such%'").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('locks an account after five wrong passwords in a row, with Retry-After, even for the right password', async () => {
    for (let i = 1; i <= 4; i++) {
      expectProblem(
        await t
          .http()
          .post('/v1/sessions')
          .send({ username: 'locked.out', password: `Wrong-password-${i}` }),
        401,
        'SIGN_IN_FAILED',
      );
    }
    const fifth = await t.http().post('/v1/sessions').send({ username: 'locked.out', password: 'Wrong-password-5' });
    expectProblem(fifth, 429, 'ACCOUNT_LOCKED');
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(14 * 60);
    const right = await t.http().post('/v1/sessions').send({ username: 'locked.out', password: PASSWORD });
    expectProblem(right, 429, 'ACCOUNT_LOCKED');
    // An administrator lifts the lock by setting a new password.
    await t.app.get(AccountsService).changePassword(ACTOR, 'locked.out', 'Fresh-password-2024');
    await t.http().post('/v1/sessions').send({ username: 'locked.out', password: 'Fresh-password-2024' }).expect(201);
  });

  it('tells only the holder of the right password that an account is disabled', async () => {
    expectProblem(await t.http().post('/v1/sessions').send({ username: 'gone.away', password: 'Wrong-password-1' }), 401, 'SIGN_IN_FAILED');
    expectProblem(await t.http().post('/v1/sessions').send({ username: 'gone.away', password: PASSWORD }), 403, 'ACCOUNT_DISABLED');
  });

  it('refuses weak passwords and odd usernames when an account is made', async () => {
    const accounts = t.app.get(AccountsService);
    await expect(accounts.create(ACTOR, 'li.na', ['auditor'], '44', 'password')).rejects.toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
    await expect(accounts.create(ACTOR, 'Li Na', ['auditor'], '44', PASSWORD)).rejects.toMatchObject({ code: 'USERNAME_INVALID' });
    await expect(accounts.create(ACTOR, 'zhang.wei', ['auditor'], '44', PASSWORD)).rejects.toMatchObject({
      code: 'ACCOUNT_ALREADY_EXISTS',
    });
  });

  it('ends a session at its expiry: the same token then answers 401 TOKEN_EXPIRED', async () => {
    const res = await t.http().post('/v1/sessions').send({ username: 'zhang.wei', password: PASSWORD }).expect(201);
    const claims = jwt.decode(res.body.token) as Record<string, unknown>;
    // The same claims signed to end a second from now: what the token becomes when its time is up.
    const { TokenService } = await import('../apps/registry/src/auth/token.service');
    const short = t.app.get(TokenService).sign({ sub: String(claims.sub), roles: claims.roles as never, region: String(claims.region) }, 1);
    await t.http().get('/v1/sessions/current').set(bearer(short)).expect(200);
    await new Promise((r) => setTimeout(r, 1100));
    expectProblem(await t.http().get('/v1/sessions/current').set(bearer(short)), 401, 'TOKEN_EXPIRED');
  });

  it('validates the body and offers only local sign-in when no identity provider is configured', async () => {
    expectProblem(await t.http().post('/v1/sessions').send({ username: 'zhang.wei' }), 400, 'VALIDATION_FAILED');
    await t.http().get('/v1/sessions/options').expect(200, { password: true });
    expectProblem(await t.http().get('/v1/sessions/current'), 401, 'TOKEN_MISSING');
  });
});

describe('OpenID Connect: the province identity provider’s RS256 tokens, verified by its JWKS', () => {
  const provider = new TestProvider();
  let t: TestApp;

  beforeAll(async () => {
    await provider.start();
    t = await startApp({
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: 'registry-console',
      OIDC_ROLES_CLAIM: 'realm_access.roles',
      OIDC_REGION_CLAIM: 'division_code',
      OIDC_SUBJECT_CLAIM: 'preferred_username',
      OIDC_ROLE_MAP: 'sbj-county-staff:county-operator,sbj-auditor:auditor',
    });
  });
  afterAll(async () => {
    await t.close();
    await provider.stop();
  });

  const staff = (roles: string[], region: string = PLACES.nanshan.county) => ({
    sub: 'f3a1c9e0-uuid',
    preferred_username: 'chen.jing',
    realm_access: { roles },
    division_code: region,
  });

  it('accepts a provider token: roles mapped, region scoped, subject from the configured claim', async () => {
    const token = await provider.token(staff(['sbj-county-staff', 'offline_access']));
    const current = await t.http().get('/v1/sessions/current').set(bearer(token)).expect(200);
    expect(current.body).toMatchObject({
      method: 'oidc',
      principal: { subject: 'chen.jing', roles: ['county-operator'], region: '440305', regionName: '南山区' },
    });
    await t.http().get('/v1/persons').query({ region: PLACES.nanshan.township }).set(bearer(token)).expect(200);
    expectProblem(await t.http().get('/v1/persons').query({ region: PLACES.tianhe.county }).set(bearer(token)), 403, 'REGION_OUT_OF_SCOPE');
    expectProblem(await t.http().get('/v1/audit/entries').set(bearer(token)), 403, 'FORBIDDEN');
  });

  it('refuses tokens for another audience, expired, signed by an unknown key, or naming no registry role', async () => {
    expectProblem(
      await t
        .http()
        .get('/v1/sessions/current')
        .set(bearer(await provider.token(staff(['sbj-auditor']), { audience: 'another-app' }))),
      401,
      'TOKEN_INVALID_SIGNATURE',
    );
    expectProblem(
      await t
        .http()
        .get('/v1/sessions/current')
        .set(bearer(await provider.token(staff(['sbj-auditor']), { expiresIn: '-2m' }))),
      401,
      'TOKEN_EXPIRED',
    );
    const stranger = new TestProvider();
    await stranger.addKey('key-1');
    stranger.issuer = provider.issuer;
    expectProblem(
      await t
        .http()
        .get('/v1/sessions/current')
        .set(bearer(await stranger.token(staff(['sbj-auditor'])))),
      401,
      'TOKEN_INVALID_SIGNATURE',
    );
    expectProblem(
      await t
        .http()
        .get('/v1/sessions/current')
        .set(bearer(await provider.token(staff(['offline_access'])))),
      401,
      'TOKEN_CLAIMS_INVALID',
    );
    expectProblem(
      await t
        .http()
        .get('/v1/sessions/current')
        .set(bearer(await provider.token(staff(['sbj-auditor'], '999999')))),
      401,
      'TOKEN_CLAIMS_INVALID',
    );
  });

  it('does not let the issuer name pick the verifier for an HS256 token (no algorithm confusion)', async () => {
    const forged = jwt.sign(
      { preferred_username: 'mallory', realm_access: { roles: ['sbj-auditor'] }, division_code: '440000' },
      JSON.stringify(provider.keys[0].jwk),
      { algorithm: 'HS256', issuer: provider.issuer, audience: 'registry-api', expiresIn: 600 },
    );
    expectProblem(await t.http().get('/v1/sessions/current').set(bearer(forged)), 401, 'TOKEN_INVALID_SIGNATURE');
  });

  it('picks up a rotated key by fetching the JWKS again', async () => {
    // The service fetches again for an unknown key once its cooldown since the last fetch has passed.
    await new Promise((r) => setTimeout(r, Math.max(0, provider.lastJwksAt + JWKS_COOLDOWN_MS + 100 - Date.now())));
    const fetched = provider.jwksRequests;
    await provider.addKey('key-2');
    const rotated = await provider.token(staff(['sbj-auditor'], '440000'), { kid: 'key-2' });
    const res = await t.http().get('/v1/sessions/current').set(bearer(rotated)).expect(200);
    expect(res.body.principal.roles).toEqual(['auditor']);
    expect(provider.jwksRequests).toBe(fetched + 1);
  });

  it('answers 503 TOKEN_KEYS_UNAVAILABLE, not 401, when the provider’s keys cannot be fetched', async () => {
    // A JWKS address where nothing listens: the provider is down, the token may well be good.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const other = await startApp({ OIDC_ISSUER: provider.issuer, OIDC_JWKS_URL: `http://127.0.0.1:${port}/jwks` });
    try {
      const token = await provider.token({ sub: 'chen.jing', roles: ['auditor'], region: '440000' });
      expectProblem(await other.http().get('/v1/sessions/current').set(bearer(token)), 503, 'TOKEN_KEYS_UNAVAILABLE');
    } finally {
      await other.close();
    }
  });

  it('keeps accepting the service’s own tokens beside the provider’s, and tells the console where to sign in', async () => {
    await t
      .http()
      .get('/v1/sessions/current')
      .set(bearer(t.token({ role: 'province-admin', region: '44' })))
      .expect(200);
    const options = await t.http().get('/v1/sessions/options').expect(200);
    // The console's pages may call the provider's token endpoint, and nothing else outside.
    expect(options.headers['content-security-policy']).toContain(`connect-src 'self' ${provider.issuer}`);
    expect(options.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(options.body).toEqual({
      password: true,
      oidc: {
        issuer: provider.issuer,
        clientId: 'registry-console',
        scope: 'openid profile',
        authorizationEndpoint: `${provider.issuer}/authorize`,
        tokenEndpoint: `${provider.issuer}/token`,
      },
    });
  });
});
