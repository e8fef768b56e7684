import { startApp, bearer, TestApp } from './support/app';
import { newCitizen, PLACES } from './support/citizens';

let t: TestApp;
beforeAll(async () => { const s = Date.now(); t = await startApp(); console.log('start ms', Date.now() - s); });
afterAll(async () => { await t?.close(); });

it('smoke', async () => {
  const admin = t.token({ role: 'province-admin', region: '44' });
  const c = newCitizen();
  const r = await t.http().post('/v1/persons/registrations').set(bearer(admin)).send({ source: 'operator', sourceRecordId: 'r1', citizenId: c.id, name: '王五', gender: '1', birthDate: c.birthDate, householdRegion: PLACES.nanshan.township, householdStatus: 'active' });
  console.log(r.status, r.headers.etag, r.body);
  const bad = await t.http().post('/v1/persons/registrations').set(bearer(admin)).set('Content-Type', 'application/json').send(`{"citizenId": "${c.id}", oops}`);
  console.log(bad.status, bad.headers['content-type'], bad.text);
  const big = await t.http().post('/v1/persons/registrations').set(bearer(admin)).send({ x: 'a'.repeat(300000) });
  console.log(big.status, big.headers['content-type'], big.text.slice(0, 300));
  const s = Date.now();
  const res = await Promise.all(['110','120','170','210','310','390','410','510'].map((ty) => t.http().post(`/v1/persons/${r.body.personId}/enrollments`).set(bearer(admin)).send({ source: 'operator', insuranceType: ty, contributionStatus: '1', provinceCode: '44', since: '2020-01-01' })));
  console.log('parallel', Date.now() - s, res.map((x) => x.status + ' ' + (x.body.code ?? x.body.revision)));
  await t.caughtUp();
  const l = await t.http().get('/v1/persons').set(bearer(admin));
  console.log(JSON.stringify(l.body).slice(0, 500));
  console.log(t.readLog().split("\n").filter(l => !l.includes("request completed")).join("\n"));
});
