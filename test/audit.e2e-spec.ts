/**
 * The audit capability over HTTP: who changed a person and on what evidence, who read them,
 * what an operator did; exports (CSV in GB18030, XLSX with Chinese headers); verification of
 * the hash chain before and after a row of events.sqlite is edited; replays of a read model
 * into a shadow, with 0 differences and then with a tampered live document.
 */
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { ReadRecorder } from '../apps/registry/src/audit/read-recorder';
import { AnchorService } from '../apps/registry/src/audit/anchor.service';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../apps/registry/src/persons/projections/persons.projection';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES } from './support/citizens';
import { expectProblem, registrationBody } from './support/requests';

jest.setTimeout(90_000);

/** Collects a response body as bytes (an XLSX file, a GB18030 CSV). */
const binary = (res: Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('audit trail, verification and replays', () => {
  let t: TestApp;
  let admin: string;
  let auditor: string;
  let operator: string;
  let personId: string;
  let other: string;

  beforeAll(async () => {
    // Reads are written when the test flushes them, not by the recorder's timer: a tick between
    // the operator's reads and the admin's unmasking would change the order the trail shows.
    t = await startApp({ AUDIT_READ_FLUSH_MS: '60000' });
    admin = t.token({ role: 'province-admin', sub: 'admin-1', region: '44' });
    auditor = t.token({ role: 'auditor', sub: 'auditor-1', region: '44' });
    operator = t.token({ role: 'county-operator', sub: 'op-7', region: PLACES.nanshan.county });
    const citizen = newCitizen();
    personId = (
      await t
        .http()
        .post('/v1/persons/registrations')
        .set(bearer(operator))
        .send(registrationBody(citizen, { source: 'operator' }))
        .expect(200)
    ).body.personId;
    await t
      .http()
      .post(`/v1/persons/${personId}/enrollments`)
      .set(bearer(operator))
      .send({ source: 'operator', insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2024-01-01' })
      .expect(200);
    other = (
      await t
        .http()
        .post('/v1/persons/registrations')
        .set(bearer(admin))
        .send(registrationBody(newCitizen(), { source: 'operator' }))
        .expect(200)
    ).body.personId;
    await t.caughtUp();
    // Reads: the operator opens the person and a list; the admin unmasks the person.
    await t.http().get(`/v1/persons/${personId}`).set(bearer(operator)).expect(200);
    await t.http().get('/v1/persons').query({ region: PLACES.nanshan.township }).set(bearer(operator)).expect(200);
    await t.http().get(`/v1/persons/${personId}`).query({ unmask: 'true' }).set(bearer(admin)).expect(200);
    await t.app.get(ReadRecorder).flush();
    await t.caughtUp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers who changed a person, on what evidence, and who read them', async () => {
    const res = await t.http().get('/v1/audit/entries').query({ person: personId }).set(bearer(auditor)).expect(200);
    const lines = res.body.items.map(
      (e: { type: string; operator: string; view: string | null }) => `${e.type}/${e.operator}/${e.view ?? ''}`,
    );
    expect(lines).toEqual([
      'PersonRegistered/op-7/',
      'EnrollmentRecorded/op-7/',
      // Unmasking is recorded before the answer; other reads are written by the recorder's next flush.
      'PersonalDataDisclosed/admin-1/person:unmask',
      'PersonalDataRead/op-7/person',
      'PersonalDataRead/op-7/persons-list',
    ]);
    const enrolment = res.body.items[1];
    expect(enrolment).toMatchObject({
      personId,
      role: 'county-operator',
      region: PLACES.nanshan.county,
      source: 'operator',
      channel: 'http',
      evidence: { insuranceType: '390', contributionStatus: '1', since: '2024-01-01' },
    });
    // Nothing personal in clear.
    expect(JSON.stringify(res.body)).not.toMatch(/测试|\d{17}[\dX]/);
  });

  it('lists what one operator did and read, pages with a cursor, and filters by type and time', async () => {
    const all = await t.http().get('/v1/audit/entries').query({ operator: 'op-7' }).set(bearer(auditor)).expect(200);
    // The list showed both persons of the township: an entry for each.
    expect(all.body.items.map((e: { type: string; view: string | null }) => `${e.type}/${e.view ?? ''}`)).toEqual([
      'PersonRegistered/',
      'EnrollmentRecorded/',
      'PersonalDataRead/person',
      'PersonalDataRead/persons-list',
      'PersonalDataRead/persons-list',
    ]);
    const first = await t.http().get('/v1/audit/entries').query({ operator: 'op-7', limit: '3' }).set(bearer(auditor)).expect(200);
    expect(first.body.items).toHaveLength(3);
    const second = await t
      .http()
      .get('/v1/audit/entries')
      .query({ operator: 'op-7', limit: '3', cursor: first.body.nextCursor })
      .set(bearer(auditor))
      .expect(200);
    expect([...first.body.items, ...second.body.items].map((e: { id: string }) => e.id)).toEqual(
      all.body.items.map((e: { id: string }) => e.id),
    );
    expect(second.body.nextCursor).toBeUndefined();
    const typed = await t.http().get('/v1/audit/entries').query({ type: 'EnrollmentRecorded' }).set(bearer(auditor)).expect(200);
    expect(typed.body.items.map((e: { personId: string }) => e.personId)).toEqual([personId]);
    const future = await t.http().get('/v1/audit/entries').query({ from: '2999-01-01' }).set(bearer(auditor)).expect(200);
    expect(future.body.items).toEqual([]);
    const reads = await t
      .http()
      .get('/v1/audit/entries')
      .query({ kind: 'read', region: PLACES.nanshan.county })
      .set(bearer(auditor))
      .expect(200);
    expect(reads.body.items.every((e: { operator: string }) => e.operator === 'op-7')).toBe(true);
  });

  it('keeps an auditor of a city to actors of that city, and a person outside it answers 404', async () => {
    const cityAuditor = t.token({ role: 'auditor', sub: 'auditor-gz', region: '4401' });
    const res = await t.http().get('/v1/audit/entries').set(bearer(cityAuditor)).expect(200);
    expect(res.body.items).toEqual([]);
    expectProblem(await t.http().get('/v1/audit/entries').query({ person: personId }).set(bearer(cityAuditor)), 404, 'PERSON_NOT_FOUND');
    expectProblem(await t.http().get('/v1/audit/entries').query({ region: '4403' }).set(bearer(cityAuditor)), 403, 'REGION_OUT_OF_SCOPE');
    expectProblem(await t.http().get('/v1/audit/entries').set(bearer(operator)), 403, 'FORBIDDEN');
  });

  it('exports the trail as GB18030 CSV and as XLSX with Chinese headers', async () => {
    const csv = await t
      .http()
      .get('/v1/audit/entries')
      .query({ person: personId, format: 'csv', encoding: 'gb18030' })
      .set(bearer(auditor))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(csv.headers['content-type']).toMatch(/GB18030/i);
    const text = iconv.decode(csv.body as Buffer, 'gb18030');
    const [header, ...rows] = text.trim().split('\r\n');
    expect(header.split(',').slice(0, 4)).toEqual(['条目', '日志位置', '类别', '事件类型']);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toContain('变更');
    const utf8 = await t
      .http()
      .get('/v1/audit/entries')
      .query({ person: personId, format: 'csv' })
      .set(bearer(auditor))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect([...(utf8.body as Buffer).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);

    const xlsx = await t
      .http()
      .get('/v1/audit/entries')
      .query({ person: personId })
      .set(bearer(auditor))
      .set('Accept', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .buffer(true)
      .parse(binary)
      .expect(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Uint8Array.from(xlsx.body as Buffer).buffer);
    const sheet = book.getWorksheet('审计记录')!;
    expect(sheet.getRow(1).getCell(4).value).toBe('事件类型');
    expect(sheet.rowCount).toBe(6);
    expectProblem(await t.http().get('/v1/audit/entries').query({ format: 'pdf' }).set(bearer(auditor)), 400, 'FORMAT_UNKNOWN');
  });

  it('replays a read model into a shadow: 0 differences, then the id of a tampered live document', async () => {
    const clean = await t.http().post('/v1/audit/replays').set(bearer(auditor)).send({ readModel: 'persons' }).expect(200);
    expect({ summary: clean.body.summary, differences: clean.body.differences }).toEqual({ summary: '0 differences', differences: 0 });
    expect(clean.body.collections.find((c: { collection: string }) => c.collection === 'persons').compared).toBe(2);

    const persons = await t.app.get(ProjectionsService).collection(PERSONS_PROJECTION, PERSONS_COLLECTION);
    const doc = (await persons.get(other))!;
    await t.app
      .get<ReadStore>(READ_STORE)
      .collection(persons.name)
      .upsert({ ...doc, coverageStatus: 'insured-local' });
    const tampered = await t.http().post('/v1/audit/replays').set(bearer(auditor)).send({ readModel: 'persons' }).expect(200);
    expect(tampered.body.summary).toBe('1 differences');
    expect(tampered.body.collections.find((c: { collection: string }) => c.collection === 'persons').differingIds).toEqual([other]);
    await t.app.get<ReadStore>(READ_STORE).collection(persons.name).upsert(doc);

    expectProblem(await t.http().post('/v1/audit/replays').set(bearer(auditor)).send({ readModel: 'nope' }), 400, 'READ_MODEL_UNKNOWN');
    const cityAuditor = t.token({ role: 'auditor', sub: 'auditor-sz', region: '4403' });
    expectProblem(
      await t.http().post('/v1/audit/replays').set(bearer(cityAuditor)).send({ readModel: 'persons' }),
      403,
      'REGION_OUT_OF_SCOPE',
    );
  });

  it('verifies the chain, names a row of events.sqlite edited behind the store, and checks from an anchor', async () => {
    const anchor = await t.app.get(AnchorService).anchorNow();
    expect(anchor).not.toBeNull();
    await t.caughtUp();
    const clean = await t.http().get('/v1/audit/verification').set(bearer(auditor)).expect(200);
    expect({ ok: clean.body.ok, findings: clean.body.findings, anchors: clean.body.anchorsChecked }).toEqual({
      ok: true,
      findings: [],
      anchors: 1,
    });
    const fromAnchor = await t
      .http()
      .get('/v1/audit/verification')
      .query({ fromAnchor: String(anchor!.position) })
      .set(bearer(auditor))
      .expect(200);
    expect(fromAnchor.body).toMatchObject({ ok: true, fromPosition: anchor!.position });

    const db = new Database(join(t.dataDir, 'events.sqlite'));
    const row = db.prepare(`SELECT position FROM events WHERE type = 'EnrollmentRecorded'`).get() as { position: number };
    db.prepare(`UPDATE events SET data = replace(data, '"390"', '"310"') WHERE position = ?`).run(row.position);
    db.close();
    const found = await t.http().get('/v1/audit/verification').set(bearer(auditor)).expect(200);
    expect(found.body.ok).toBe(false);
    expect(found.body.first).toMatchObject({ kind: 'altered', position: row.position });
  });
});
