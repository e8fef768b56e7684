/**
 * A caller without `person:unmask` must not be able to rebuild a citizen ID from what the
 * registry shows beside the masked ID. For every view that shows a person (the person, lists,
 * worklists, identity checks, review queues, the self-service one included, history, command
 * answers, look-ups) at least 1,000 valid IDs must agree with everything shown together;
 * callers who may unmask still see the full birth date.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComparisonService } from '../apps/registry/src/comparison/comparison.service';
import { seedReview, uploadImport } from './support/access-fixtures';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES, TestCitizen, withBadCheckCharacter } from './support/citizens';
import { idsAgreeingWith, ShownIdentity } from './support/id-candidates';
import { HOUSEHOLD_HEADER, householdRow, writeCsv } from './support/imports-files';
import { registrationBody } from './support/requests';
import { channelToken, newPhone, submissionBody, verifiedPhone } from './support/self-service';

jest.setTimeout(120_000);

const ENOUGH = 1000;

let t: TestApp;
let workDir: string;
let admin: string;
let county: string;
const people: Array<{ citizen: TestCitizen; personId: string }> = [];
let reviewId: string;

beforeAll(async () => {
  t = await startApp();
  workDir = mkdtempSync(join(tmpdir(), 'registry-masking-'));
  admin = t.token({ role: 'province-admin', region: '440000' });
  county = t.token({ role: 'county-operator', sub: 'nanshan-operator', region: PLACES.nanshan.county });
  for (let i = 0; i < 4; i++) {
    const citizen = newCitizen(PLACES.nanshan.county, i % 2 === 0 ? '1' : '2');
    const res = await t
      .http()
      .post('/v1/persons/registrations')
      .set(bearer(admin))
      .send(registrationBody(citizen, { source: 'operator', sourceRecordId: `MASK-${i}`, householdRegion: PLACES.nanshan.township }));
    expect(res.status).toBe(200);
    people.push({ citizen, personId: res.body.personId });
  }
  // A household row whose ID has a wrong check character and whose 出生日期 disagrees with the
  // ID's digits: no link and no repair, so the comparison leaves it as an identity check.
  const orphan = newCitizen(PLACES.nanshan.county);
  const file = join(workDir, 'household-bad-id.csv');
  writeCsv(
    file,
    HOUSEHOLD_HEADER,
    [
      householdRow(
        { recordId: 'MASK-ROW-1', citizen: orphan, name: '查无此人', region: PLACES.nanshan.township },
        { 公民身份号码: withBadCheckCharacter(orphan.id), 出生日期: '19990909' },
      ),
    ],
    'utf-8',
  );
  expect((await uploadImport(t, admin, file)).status).toBe(202);
  reviewId = await seedReview(t, [{ personId: people[0].personId, region: PLACES.nanshan.township }]);
  // A citizen's own registration, waiting in the county's self-service review queue.
  const website = channelToken(t, 'website');
  const applicant = newCitizen(PLACES.nanshan.county);
  const phone = newPhone();
  const verificationId = await verifiedPhone(t, website, { phone, citizenId: applicant.id, purpose: 'registration' });
  const submitted = await t
    .http()
    .post('/v1/public/registrations')
    .set(bearer(website))
    .send(submissionBody(applicant.id, phone, verificationId));
  expect(submitted.status).toBe(202);
  await t.caughtUp();
  const run = await t.http().post('/v1/comparison-runs').set(bearer(admin)).expect(202);
  expect((await t.app.get(ComparisonService).waitFor(run.body._id)).state).toBe('completed');
  await t.caughtUp();
});

afterAll(async () => {
  await t?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Every object in a response body that shows a masked ID, with what is shown beside it. */
function shownIdentities(body: unknown): ShownIdentity[] {
  const out: ShownIdentity[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const v = value as Record<string, unknown>;
    if (typeof v.maskedCitizenId === 'string') {
      out.push({
        maskedCitizenId: v.maskedCitizenId,
        birthDate: v.birthDate as string | undefined,
        birthYear: v.birthYear as string | undefined,
        gender: v.gender as string | undefined,
      });
    }
    Object.values(v).forEach(visit);
  };
  visit(body);
  return out;
}

async function get(path: string, query: Record<string, string> = {}, token = county) {
  const res = await t.http().get(path).query(query).set(bearer(token));
  expect(res.status).toBe(200);
  return res.body;
}

describe('a county operator (no person:unmask)', () => {
  const views: Array<[string, () => Promise<unknown>]> = [
    ['GET /v1/persons/{id}', () => get(`/v1/persons/${people[0].personId}`)],
    ['GET /v1/persons', () => get('/v1/persons', { region: PLACES.nanshan.county })],
    ['GET /v1/survey-worklists', () => get('/v1/survey-worklists', { region: PLACES.nanshan.township })],
    ['GET /v1/survey-worklists/identity-checks', () => get('/v1/survey-worklists/identity-checks', { region: PLACES.nanshan.township })],
    ['GET /v1/link-reviews', () => get('/v1/link-reviews', { state: 'pending' })],
    ['GET /v1/self-service-reviews', () => get('/v1/self-service-reviews', { state: 'pending' })],
    [
      'POST /v1/persons/lookup',
      async () =>
        (await t.http().post('/v1/persons/lookup').set(bearer(county)).send({ citizenId: people[1].citizen.id }).expect(200)).body,
    ],
    [
      'POST /v1/persons/{id}/enrollments',
      async () =>
        (
          await t
            .http()
            .post(`/v1/persons/${people[2].personId}/enrollments`)
            .set(bearer(county))
            .send({ source: 'operator', insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2020-01-01' })
            .expect(200)
        ).body,
    ],
  ];

  it.each(views)('%s leaves at least 1,000 valid IDs agreeing with each masked ID and what is shown beside it', async (_name, load) => {
    const shown = shownIdentities(await load());
    expect(shown.length).toBeGreaterThan(0);
    for (const identity of shown) {
      expect(identity.birthDate).toBeUndefined();
      expect(idsAgreeingWith(identity, ENOUGH)).toBeGreaterThanOrEqual(ENOUGH);
    }
  });

  it('reads the birth year only, also in the history, where a registration and a correction carry birth dates', async () => {
    const target = people[3];
    const corrected = await t
      .http()
      .post(`/v1/persons/${target.personId}/corrections`)
      .set(bearer(county))
      .send({ reason: '户籍核对', corrections: { birthDate: target.citizen.birthDate.replace(/-\d\d$/, '-01') } });
    expect(corrected.status).toBe(200);
    const person = await get(`/v1/persons/${target.personId}`);
    const history = await get(`/v1/persons/${target.personId}/history`);
    const dates = JSON.stringify(history).match(/\d{4}-\d{2}-\d{2}(?!T)/g) ?? [];
    const birth = target.citizen.birthDate;
    expect(dates).not.toContain(birth);
    expect(dates).not.toContain(birth.replace(/-\d\d$/, '-01'));
    const years = history.events.flatMap((e: { data: { birthDate?: string; changes?: { birthDate?: { to: string } } } }) =>
      [e.data.birthDate, e.data.changes?.birthDate?.to].filter(Boolean),
    );
    expect(years).toEqual([birth.slice(0, 4), birth.slice(0, 4)]);
    expect(idsAgreeingWith({ maskedCitizenId: person.maskedCitizenId, birthYear: years[0], gender: person.gender }, ENOUGH)).toBe(ENOUGH);
  });
});

describe('a province admin (person:unmask)', () => {
  it('still sees the full birth date beside the conventional mask, and a full ID only by unmasking, which is recorded', async () => {
    const { citizen, personId } = people[0];
    const person = await get(`/v1/persons/${personId}`, {}, admin);
    expect(person.birthDate).toBe(citizen.birthDate);
    expect(person.maskedCitizenId).toBe(`${citizen.id.slice(0, 6)}********${citizen.id.slice(-4)}`);
    expect(person.citizenId).toBeUndefined();
    const unmasked = await get(`/v1/persons/${personId}`, { unmask: 'true' }, admin);
    expect(unmasked.citizenId).toBe(citizen.id);
    const history = await get(`/v1/persons/${personId}/history`, {}, admin);
    expect(history.disclosures).toEqual([expect.objectContaining({ view: 'person', role: 'province-admin' })]);
  });

  it('is told by the enumeration that its own view pins the ID down (which is why others get less)', async () => {
    const person = await get(`/v1/persons/${people[0].personId}`, {}, admin);
    expect(idsAgreeingWith(shownIdentities(person)[0])).toBe(1);
  });
});

it('keeps review queues meaningful: the seeded review lists its candidate for the county operator', async () => {
  const reviews = await get('/v1/link-reviews', { state: 'pending' });
  const review = reviews.items.find((r: { reviewId: string }) => r.reviewId === reviewId);
  expect(review.candidates).toEqual([
    expect.objectContaining({ personId: people[0].personId, birthYear: people[0].citizen.birthDate.slice(0, 4) }),
  ]);
});
