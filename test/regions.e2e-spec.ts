/**
 * Region codes as users write them (GB/T 2260 six-digit forms: 440000 for 广东省, 440100 for
 * 广州市) mean the same region as the short forms, wherever a region is accepted; a
 * well-formed code no table knows is a 400 naming the parameter, never an empty answer.
 */
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES } from './support/citizens';
import { expectProblem, listAll, registrationBody } from './support/requests';

jest.setTimeout(60_000);

let t: TestApp;
let admin: string;
const ids = { tianhe: '', nanshan: '' };

beforeAll(async () => {
  t = await startApp();
  admin = t.token({ role: 'province-admin', region: '440000' });
  const hr = t.token({ role: 'service-client', region: '440000', source: 'household-registration' });
  for (const [key, place] of [
    ['tianhe', PLACES.tianhe],
    ['nanshan', PLACES.nanshan],
  ] as const) {
    const citizen = newCitizen(place.county);
    const res = await t
      .http()
      .post('/v1/persons/registrations')
      .set(bearer(hr))
      .send(registrationBody(citizen, { householdRegion: place.township, sourceRecordId: `HR-REGION-${key}` }));
    expect(res.status).toBe(200);
    ids[key] = res.body.personId;
  }
  await t.caughtUp();
});

afterAll(async () => {
  await t?.close();
});

const personIds = (items: Array<{ personId: string }>) => items.map((p) => p.personId).sort();

describe('six-digit province and city codes', () => {
  it('lists the persons of a city by 440100 exactly as by 4401, and of the province by 440000 as by 44', async () => {
    const byShortCity = await listAll(t, admin, { region: '4401' });
    const byLongCity = await listAll(t, admin, { region: '440100' });
    expect(personIds(byLongCity)).toEqual([ids.tianhe]);
    expect(personIds(byLongCity)).toEqual(personIds(byShortCity));
    const province = await listAll(t, admin, { region: '440000' });
    expect(personIds(province)).toEqual([ids.nanshan, ids.tianhe].sort());
    expect(personIds(await listAll(t, admin, { region: '44' }))).toEqual(personIds(province));
  });

  it('reports a city asked for by 440100 at city level, named in its six-digit form, with its counties below', async () => {
    const res = await t.http().get('/v1/reports/region-counts').query({ region: '440100' }).set(bearer(admin));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ region: '440100', name: '广州市', level: 'city', total: 1 });
    expect(res.body.children).toEqual([expect.objectContaining({ region: PLACES.tianhe.county, level: 'county', total: 1 })]);
    const province = await t.http().get('/v1/reports/region-counts').query({ region: '440000' }).set(bearer(admin));
    expect(province.body).toMatchObject({ region: '440000', level: 'province', total: 2 });
    expect((province.body.children as Array<{ region: string }>).map((c) => c.region).sort()).toEqual(['440100', '440300']);
  });

  it('serves the survey worklist of a city asked for by 440100', async () => {
    const res = await t.http().get('/v1/survey-worklists').query({ region: '440100' }).set(bearer(admin));
    expect(res.status).toBe(200);
    expect(res.body.region).toBe('440100');
    expect(personIds(res.body.items)).toEqual([ids.tianhe]);
  });

  it('scopes a token of region 440100 to the city, like one of 4401, and names its region in six digits', async () => {
    for (const region of ['440100', '4401']) {
      const operator = t.token({ role: 'city-operator', region });
      expect(personIds(await listAll(t, operator, {}))).toEqual([ids.tianhe]);
      expect((await t.http().get(`/v1/persons/${ids.nanshan}`).set(bearer(operator))).status).toBe(404);
      const counts = await t.http().get('/v1/reports/region-counts').set(bearer(operator));
      expect(counts.body).toMatchObject({ region: '440100', level: 'city', total: 1 });
    }
  });

  it('accepts an abolished (historical) county code as a filter', async () => {
    // 东山区 440102 was merged into 越秀区 in 2005: old IDs and old files still carry it.
    const res = await t.http().get('/v1/persons').query({ region: '440102' }).set(bearer(admin));
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });
});

describe('a well-formed code that names no region', () => {
  const unknown = '449900';

  it.each([
    ['/v1/persons', 'region'],
    ['/v1/reports/region-counts', 'region'],
    ['/v1/survey-worklists', 'region'],
    ['/v1/survey-worklists/identity-checks', 'region'],
  ])('is a 400 REGION_UNKNOWN naming the parameter at %s', async (path, field) => {
    const res = await t
      .http()
      .get(path)
      .query({ [field]: unknown })
      .set(bearer(admin));
    expectProblem(res, 400, 'REGION_UNKNOWN');
    expect(res.body.errors).toEqual([expect.objectContaining({ field, code: 'REGION_UNKNOWN' })]);
  });

  it('is refused in a token: 401 TOKEN_CLAIMS_INVALID, not a caller who silently sees nothing', async () => {
    const token = t.token({ role: 'province-admin', region: unknown });
    expectProblem(await t.http().get('/v1/persons').set(bearer(token)), 401, 'TOKEN_CLAIMS_INVALID');
  });
});
