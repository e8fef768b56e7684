/**
 * The service in the production shape (events in PostgreSQL, read models on a MongoDB wire
 * server): every projection catches up, the audit trail and its verification answer as on the
 * embedded default. The other e2e suites run on the embedded default only, and each store has
 * its own contract suite; what they cannot show is a projection writing documents the wire
 * server refuses (FerretDB on PostgreSQL stores jsonb, which takes no U+0000).
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { ReadRecorder } from '../apps/registry/src/audit/read-recorder';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES } from './support/citizens';
import { registrationBody } from './support/requests';
import { describeWithServer } from './support/server-suite';

jest.setTimeout(90_000);

const HOW_TO = 'Start the test servers with `eval "$(scripts/test-servers.sh start)"`.';

describeWithServer({ title: 'production shape', variable: 'POSTGRES_URL', howTo: HOW_TO, requiredInCi: true }, (postgresUrl) => {
  describeWithServer({ title: 'on a MongoDB wire server', variable: 'MONGODB_URI', howTo: HOW_TO, requiredInCi: true }, (mongoUri) => {
    const tag = `e2e_${process.pid}_${randomBytes(3).toString('hex')}`;
    let t: TestApp;
    let operator: string;
    let auditor: string;
    let personId: string;

    beforeAll(async () => {
      t = await startApp({ POSTGRES_URL: postgresUrl, POSTGRES_SCHEMA: tag, MONGODB_URI: mongoUri, MONGODB_DATABASE: tag });
      operator = t.token({ role: 'county-operator', sub: 'op-prod', region: PLACES.nanshan.county });
      auditor = t.token({ role: 'auditor', sub: 'auditor-prod', region: '44' });
      personId = (
        await t
          .http()
          .post('/v1/persons/registrations')
          .set(bearer(operator))
          .send(registrationBody(newCitizen(), { source: 'operator' }))
          .expect(200)
      ).body.personId;
      await t
        .http()
        .post(`/v1/persons/${personId}/enrollments`)
        .set(bearer(operator))
        .send({ source: 'operator', insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2024-01-01' })
        .expect(200);
      await t.caughtUp();
      await t.http().get(`/v1/persons/${personId}`).set(bearer(operator)).expect(200);
      await t.app.get(ReadRecorder).flush();
      await t.caughtUp();
    });

    afterAll(async () => {
      await t?.close();
      const pg = new Client({ connectionString: postgresUrl });
      await pg.connect();
      try {
        await pg.query(`DROP SCHEMA IF EXISTS "${tag}" CASCADE`);
      } finally {
        await pg.end();
      }
      const mongo = await MongoClient.connect(mongoUri);
      try {
        await mongo.db(tag).dropDatabase();
      } finally {
        await mongo.close();
      }
    });

    it('serves the person, its audit trail and a verified chain once every projection has caught up', async () => {
      const person = await t.http().get(`/v1/persons/${personId}`).set(bearer(operator)).expect(200);
      expect(person.body.enrollments).toHaveLength(1);
      const trail = await t.http().get('/v1/audit/entries').query({ person: personId }).set(bearer(auditor)).expect(200);
      expect(trail.body.items.map((e: { type: string; operator: string }) => `${e.type}/${e.operator}`)).toEqual([
        'PersonRegistered/op-prod',
        'EnrollmentRecorded/op-prod',
        'PersonalDataRead/op-prod',
      ]);
      const verification = await t.http().get('/v1/audit/verification').set(bearer(auditor)).expect(200);
      expect({ ok: verification.body.ok, findings: verification.body.findings }).toEqual({ ok: true, findings: [] });
    });
  });
});
