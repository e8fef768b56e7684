/**
 * Privacy over HTTP and at rest: nothing personal in clear in either SQLite file, unmasking
 * only for roles allowed to and always recorded, the look-up rate limit, security headers,
 * no CORS unless configured, and the body limit.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES, TestCitizen } from './support/citizens';
import { expectProblem, personalForms, registrationBody } from './support/requests';

jest.setTimeout(60_000);

let t: TestApp;
let admin: string;
let cityOperator: string;

interface Registered {
  citizen: TestCitizen;
  name: string;
  personId: string;
}
const people: Registered[] = [];
/** Personal values besides IDs and names that were sent: phones, addresses, a correction reason, conflicting names. */
const otherPersonal: string[] = [];

beforeAll(async () => {
  t = await startApp({ LOOKUP_RATE_LIMIT: '5', BODY_LIMIT: '16kb' });
  admin = t.token({ role: 'province-admin', sub: 'admin-privacy', region: '44' });
  cityOperator = t.token({ role: 'city-operator', sub: 'sz-privacy', region: '4403' });
  const hr = t.token({ role: 'service-client', sub: 'hr', region: '44', source: 'household-registration' });
  const card = t.token({ role: 'service-client', sub: 'card', region: '44', source: 'card-library' });

  const names = ['王𠀀', '买买提·艾力', '欧阳娜娜', '李𪚥明'];
  for (const [i, name] of names.entries()) {
    const citizen = newCitizen(i % 2 === 0 ? PLACES.nanshan.county : PLACES.tianhe.county, i % 2 === 0 ? '1' : '2');
    const phone = `1390000${String(1000 + i)}`;
    const address = `广东省某市某区幸福路${i + 1}号`;
    otherPersonal.push(phone, address);
    // The first one arrives in its 15-digit form and is upgraded on the way in.
    const res = await t
      .http()
      .post('/v1/persons/registrations')
      .set(bearer(hr))
      .send(
        registrationBody(citizen, {
          citizenId: i === 0 ? citizen.id15 : citizen.id,
          name,
          phone,
          householdAddress: address,
          householdRegion: i % 2 === 0 ? PLACES.nanshan.township : PLACES.tianhe.township,
        }),
      )
      .expect(200);
    people.push({ citizen, name, personId: res.body.personId });
  }
  // A conflict pairs two names, a correction carries free text: both personal.
  otherPersonal.push('王𠀁', '据户籍底册王某某本人确认');
  await t
    .http()
    .post('/v1/persons/registrations')
    .set(bearer(card))
    .send(registrationBody(people[0].citizen, { source: 'card-library', name: '王𠀁' }))
    .expect(200);
  await t
    .http()
    .post(`/v1/persons/${people[0].personId}/corrections`)
    .set(bearer(admin))
    .send({ reason: '据户籍底册王某某本人确认', corrections: { name: '王𠀀' } })
    .expect(200);
  await t.caughtUp();
});

afterAll(async () => {
  await t?.close();
});

describe('names', () => {
  it('keeps supplementary-plane characters byte for byte through the event store and the read model', async () => {
    const person = await t.http().get(`/v1/persons/${people[0].personId}`).set(bearer(admin));
    expect(person.body.name).toBe('王𠀀');
    expect(Buffer.from(person.body.name, 'utf8')).toEqual(Buffer.from('王𠀀', 'utf8'));
    const listed = await t.http().get('/v1/persons').query({ region: PLACES.nanshan.county }).set(bearer(admin));
    expect(listed.body.items.map((p: { name: string }) => p.name).sort()).toEqual(['欧阳娜娜', '王𠀀'].sort());
    expect((await t.http().get(`/v1/persons/${people[3].personId}`).set(bearer(admin))).body.name).toBe('李𪚥明');
  });
});

describe('unmasking', () => {
  it('shows the masked ID only, unless asked', async () => {
    const { citizen, personId } = people[1];
    const res = await t.http().get(`/v1/persons/${personId}`).set(bearer(admin));
    expect(res.body.maskedCitizenId).toBe(`${citizen.id.slice(0, 6)}********${citizen.id.slice(14)}`);
    expect(res.body).not.toHaveProperty('citizenId');
    expect(res.text).not.toContain(citizen.id);
  });

  it('gives the province admin the full ID and records each disclosure', async () => {
    const { citizen, personId } = people[1];
    const before = await t.http().get(`/v1/persons/${personId}/history`).set(bearer(admin));
    expect(before.body.disclosures).toEqual([]);

    const person = await t.http().get(`/v1/persons/${personId}`).query({ unmask: 'true' }).set(bearer(admin));
    expect(person.status).toBe(200);
    expect(person.body.citizenId).toBe(citizen.id);
    const history = await t.http().get(`/v1/persons/${personId}/history`).query({ unmask: 'true' }).set(bearer(admin));
    expect(history.body.events[0].personal).toMatchObject({ citizenId: citizen.id, name: people[1].name });

    const after = await t.http().get(`/v1/persons/${personId}/history`).set(bearer(admin));
    expect(after.body.disclosures).toEqual([
      expect.objectContaining({ operator: 'admin-privacy', role: 'province-admin', region: '440000', view: 'person' }),
      expect.objectContaining({ operator: 'admin-privacy', role: 'province-admin', region: '440000', view: 'history' }),
    ]);
    for (const d of after.body.disclosures) expect(Date.parse(d.at)).not.toBeNaN();
    // The plain history read names the personal fields but shows none of them.
    expect(after.body.events[0].personalFields).toEqual(['citizenId', 'name', 'phone', 'householdAddress']);
    expect(after.text).not.toContain(citizen.id);
  });

  it('refuses a city operator with 403 UNMASK_NOT_ALLOWED and records nothing', async () => {
    const { citizen, personId } = people[0];
    const res = await t.http().get(`/v1/persons/${personId}`).query({ unmask: 'true' }).set(bearer(cityOperator));
    expectProblem(res, 403, 'UNMASK_NOT_ALLOWED');
    expect(res.text).not.toContain(citizen.id);
    expectProblem(
      await t.http().get(`/v1/persons/${personId}/history`).query({ unmask: 'true' }).set(bearer(cityOperator)),
      403,
      'UNMASK_NOT_ALLOWED',
    );
    const history = await t.http().get(`/v1/persons/${personId}/history`).set(bearer(cityOperator));
    expect(history.status).toBe(200);
    expect(history.body.disclosures).toEqual([]);
  });
});

describe('look-up rate limit (LOOKUP_RATE_LIMIT=5)', () => {
  it('answers 429 problem+json after five look-ups by one client, and keeps serving other clients', async () => {
    const token = t.token({ role: 'county-operator', sub: 'enumerator', region: '440305' });
    const { citizen, personId } = people[0];
    for (let i = 0; i < 5; i++) {
      const ok = await t.http().post('/v1/persons/lookup').set(bearer(token)).send({ citizenId: citizen.id });
      expect(ok.status).toBe(200);
      expect(ok.body.personId).toBe(personId);
    }
    const limited = await t.http().post('/v1/persons/lookup').set(bearer(token)).send({ citizenId: citizen.id });
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(limited.text).not.toContain(citizen.id);
    expect(Number(limited.headers['retry-after'] ?? limited.headers['retry-after-lookup'])).toBeGreaterThan(0);

    const other = t.token({ role: 'county-operator', sub: 'someone-else', region: '440305' });
    expect((await t.http().post('/v1/persons/lookup').set(bearer(other)).send({ citizenId: citizen.id })).status).toBe(200);
    // Only the look-up is limited: the same client may still read.
    expect((await t.http().get(`/v1/persons/${personId}`).set(bearer(token))).status).toBe(200);
  });
});

describe('HTTP hardening', () => {
  it('sends helmet security headers and no X-Powered-By', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'content-security-policy': expect.stringContaining("default-src 'self'"),
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    expect(res.headers).not.toHaveProperty('x-powered-by');
  });

  it('sends no CORS headers when CORS_ORIGINS is unset', async () => {
    const simple = await t.http().get('/v1/persons').set(bearer(admin)).set('Origin', 'https://evil.example');
    expect(simple.status).toBe(200);
    expect(simple.headers).not.toHaveProperty('access-control-allow-origin');
    const preflight = await t
      .http()
      .options('/v1/persons')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(preflight.headers).not.toHaveProperty('access-control-allow-origin');
    expect(preflight.headers).not.toHaveProperty('access-control-allow-headers');
  });

  it('answers 413 problem+json for a body over BODY_LIMIT, without echoing it', async () => {
    const citizen = newCitizen();
    const big = registrationBody(citizen, { householdAddress: '很长的地址'.repeat(2000) });
    const res = await t.http().post('/v1/persons/registrations').set(bearer(admin)).send(big);
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(res.text).not.toContain(citizen.id);
    // Just under the limit is read (and then validated as usual).
    const fits = await t
      .http()
      .post('/v1/persons/registrations')
      .set(bearer(admin))
      .send(registrationBody(citizen, { source: 'operator', householdAddress: '短地址' }));
    expect(fits.status).toBe(200);
    people.push({ citizen, name: '测试', personId: fits.body.personId });
    otherPersonal.push('短地址');
  });

  it('keeps a citizen ID put in an unknown URL out of the answer', async () => {
    const { citizen } = people[0];
    const res = await t.http().get(`/v1/citizens/${citizen.id}`).set(bearer(admin));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.text).not.toContain(citizen.id);
  });
});

describe('at rest', () => {
  /** Every text (and blob) value of every table of a SQLite file, opened read-only. */
  function dump(file: string): { tables: string[]; text: string } {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map(
        (r) => r.name,
      );
      const parts: string[] = [];
      for (const table of tables) {
        for (const row of db.prepare(`SELECT * FROM "${table.replace(/"/g, '""')}"`).all() as Array<Record<string, unknown>>) {
          for (const value of Object.values(row)) {
            if (typeof value === 'string') parts.push(value);
            else if (Buffer.isBuffer(value)) parts.push(value.toString('utf8'), value.toString('latin1'));
          }
        }
      }
      return { tables, text: parts.join('\n') };
    } finally {
      db.close();
    }
  }

  /** A value and the forms a JSON encoder might have escaped it to. */
  function forms(value: string): string[] {
    const escaped = [...value]
      .map((ch) =>
        ch.charCodeAt(0) < 128
          ? ch
          : ch
              .split('')
              .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
              .join(''),
      )
      .join('');
    return [value, escaped, escaped.toUpperCase().replace(/\\U/g, '\\u')];
  }

  it('stores no citizen ID, name, phone, address or free text in clear in events.sqlite or read.sqlite', async () => {
    await t.caughtUp();
    const events = dump(join(t.dataDir, 'events.sqlite'));
    const reads = dump(join(t.dataDir, 'read.sqlite'));
    expect(events.tables).toContain('events');
    expect(reads.tables.some((name) => name.startsWith('c_persons_'))).toBe(true);
    expect(reads.tables.some((name) => name.startsWith('c_persons_') && name.endsWith('_region_counts'))).toBe(true);
    // The dumps are real: they hold the person ids, masked IDs and region codes.
    for (const p of people) {
      expect(events.text).toContain(p.personId);
      expect(reads.text).toContain(p.personId);
      expect(reads.text).toContain(`${p.citizen.id.slice(0, 6)}********${p.citizen.id.slice(14)}`);
    }
    expect(events.text).toContain('PersonalDataDisclosed');

    const secrets = [...people.flatMap((p) => [...personalForms(p.citizen), p.name]), ...otherPersonal];
    expect(secrets.length).toBeGreaterThan(15);
    for (const [file, text] of [
      ['events.sqlite', events.text],
      ['read.sqlite', reads.text],
    ] as const) {
      const leaked = secrets.filter((secret) => forms(secret).some((f) => text.includes(f)));
      expect({ file, leaked }).toEqual({ file, leaked: [] });
    }
  });
});

describe('the log', () => {
  it('holds no citizen ID, name or other personal value sent in any of the requests above', () => {
    const log = t.readLog();
    expect(log).toContain('request completed');
    const secrets = [...people.flatMap((p) => [...personalForms(p.citizen), p.name]), ...otherPersonal];
    expect(secrets.filter((s) => log.includes(s))).toEqual([]);
  });
});
