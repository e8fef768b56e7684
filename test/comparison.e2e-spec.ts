/**
 * The information comparison end to end on a generated province: generate, import the
 * household, enrolment and card-library files over HTTP, run a comparison over HTTP with
 * the ministry simulator seeded from the province's truth, and score the result against
 * the ground truth with the targets the comparison is held to.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProvince } from '@registry/ingest';
import { createMinistrySim, MinistrySim } from '../apps/ministry-sim/src/ministry-sim';
import type { SeedRecord } from '../apps/ministry-sim/src/sim-state';
import { ComparisonService } from '../apps/registry/src/comparison/comparison.service';
import { LINK_DECISIONS, LinkDecisionDoc } from '../apps/registry/src/comparison/comparison-run';
import { ScoreReport, ScoreService } from '../apps/registry/src/comparison/score.service';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { CitizenId, citizenIdCheckCharacter, personIdFor } from '@registry/domain';
import { KeyRing } from '../apps/registry/src/config/key-ring';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES, withBadCheckCharacter } from './support/citizens';
import { registrationBody } from './support/requests';
import { HOUSEHOLD_HEADER, householdRow, writeCsv, writeXlsx } from './support/imports-files';

jest.setTimeout(180_000);

const PERSONS = 4000;
let dir: string;
let sim: MinistrySim;
let t: TestApp;
let admin: string;
let firstRun: { _id: string; counts: Record<string, number> };
let score: ScoreReport;

async function runComparison(): Promise<{ _id: string; state: string; counts: Record<string, number> }> {
  const started = await t.http().post('/v1/comparison-runs').set(bearer(admin)).send({});
  expect(started.status).toBe(202);
  await t.app.get(ComparisonService).waitFor(started.body._id);
  const done = await t.http().get(`/v1/comparison-runs/${started.body._id}`).set(bearer(admin)).expect(200);
  expect(done.body.state).toBe('completed');
  return done.body;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'registry-comparison-e2e-'));
  const out = join(dir, 'province');
  await generateProvince({ persons: PERSONS, seed: 'comparison-e2e', outDir: out });
  sim = await createMinistrySim({ token: 'e2e-sim-token', truthDir: out });
  const url = await sim.listen(0);
  t = await startApp({
    MINISTRY_URL: url,
    MINISTRY_TOKEN: 'e2e-sim-token',
    MINISTRY_UPLOAD_INTERVAL_MS: '0',
    MINISTRY_DOWNLOAD_INTERVAL_MS: '0',
  });
  admin = t.token({ role: 'province-admin', sub: 'comparison-admin', region: '44' });
  for (const [source, file] of [
    ['household-registration', 'household-registration.csv'],
    ['insurance-enrollment', 'insurance-enrollment.csv'],
    ['card-library', 'card-library.xlsx'],
  ]) {
    const res = await t
      .http()
      .post('/v1/imports')
      .set(bearer(admin))
      .field('source', source)
      .attach('file', join(out, file), { filename: file });
    expect(res.status).toBe(202);
    await t.app.get(ImportService).waitFor(res.body.importId);
  }
  await t.caughtUp();
  firstRun = await runComparison();
  await t.caughtUp();
  score = await t.app.get(ScoreService).score(out);
});

afterAll(async () => {
  await t?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a comparison run on a generated province', () => {
  it('meets the linkage targets, on the records without an exact ID too', () => {
    const l = score.linkage;
    expect(l.hardRecords).toBeGreaterThan(100);
    expect(l.precision).toBeGreaterThanOrEqual(0.999);
    expect(l.f1).toBeGreaterThanOrEqual(0.998);
    expect(l.hardRecall).toBeGreaterThanOrEqual(0.99);
  });

  it('meets the coverage-status agreement target', () => {
    expect(score.coverage.persons).toBeGreaterThan(PERSONS * 0.9);
    expect(score.coverage.agreement).toBeGreaterThanOrEqual(0.99);
  });

  it('registers household persons under a repaired ID, with the anomaly for public security to confirm', async () => {
    expect(firstRun.counts.repaired).toBeGreaterThan(0);
    const decisions = t.app.get<ReadStore>(READ_STORE).collection<LinkDecisionDoc>(LINK_DECISIONS);
    const repaired = (await decisions.find({ method: 'id-repair' }, { limit: 1000 })).items;
    expect(repaired).toHaveLength(firstRun.counts.repaired);
    for (const decision of repaired.slice(0, 5)) {
      expect(decision).toMatchObject({ outcome: 'link', source: 'household-registration', decidedBy: 'automatic' });
      const history = await t.http().get(`/v1/persons/${decision.personId}/history`).set(bearer(admin)).expect(200);
      const types = history.body.events.map((e: { type: string }) => e.type);
      expect(types[0]).toBe('PersonRegistered');
      expect(types).toContain('RecordLinked');
      const anomalies = history.body.events
        .filter((e: { type: string }) => e.type === 'AnomalyDetected')
        .map((e: { data: { anomaly: string } }) => e.data.anomaly);
      expect(anomalies.some((a: string) => a === 'CITIZEN_ID_CHECK_CHARACTER_REPAIRED' || a === 'CITIZEN_ID_BIRTH_DATE_REPAIRED')).toBe(
        true,
      );
    }
  });

  it('sends household rows nobody could be found for to the township survey as identity checks', async () => {
    const checks: Array<{ recordRef: string; householdRegion: string; reasons: string[]; name?: string; maskedCitizenId?: string }> = [];
    let cursor: string | undefined;
    do {
      const page = await t
        .http()
        .get('/v1/survey-worklists/identity-checks')
        .query({ region: '44', ...(cursor ? { cursor } : {}) })
        .set(bearer(admin))
        .expect(200);
      checks.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    // Each row without an ID whose person no row identifies is one of them.
    expect(checks.length).toBeGreaterThanOrEqual(score.linkage.unplaceable - 2);
    expect(checks.length).toBeGreaterThan(0);
    for (const c of checks) {
      expect(c.reasons.some((r) => r.startsWith('ID_') || r === 'REQUIRED_FIELD_MISSING')).toBe(true);
      expect(c.householdRegion).toMatch(/^44\d{4}(\d{3})?$/);
      if (c.maskedCitizenId) expect(c.maskedCitizenId).toContain('*');
    }
    // A township surveyor sees the checks of their township only.
    const one = checks[0];
    const surveyor = t.token({ role: 'township-surveyor', sub: 'surveyor-2', region: one.householdRegion });
    const own = await t
      .http()
      .get('/v1/survey-worklists/identity-checks')
      .query({ region: one.householdRegion })
      .set(bearer(surveyor))
      .expect(200);
    expect(own.body.items.map((c: { recordRef: string }) => c.recordRef)).toContain(one.recordRef);
    expect(own.body.items.every((c: { householdRegion: string }) => c.householdRegion === one.householdRegion)).toBe(true);
    await t.http().get('/v1/survey-worklists/identity-checks').query({ region: '44' }).set(bearer(surveyor)).expect(403);
  });

  it('changes nothing when run again with nothing new', async () => {
    const again = await runComparison();
    expect(again.counts.statusChanges).toBe(0);
    expect(again.counts.linked).toBe(0);
    expect(again.counts.persons).toBe(firstRun.counts.persons);
  });

  it('starts one run when asked twice at the same moment; the other answer is 409 COMPARISON_RUNNING', async () => {
    const both = await Promise.all([1, 2].map(() => t.http().post('/v1/comparison-runs').set(bearer(admin)).send({})));
    expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
    expect(both.find((r) => r.status === 409)!.body.code).toBe('COMPARISON_RUNNING');
    const started = both.find((r) => r.status === 202)!;
    expect((await t.app.get(ComparisonService).waitFor(started.body._id)).state).toBe('completed');
  });

  it('takes a surveyor’s finding (imprisoned) off the worklist and into the next verdict', async () => {
    const worklist = await t.http().get('/v1/survey-worklists').query({ region: '44' }).set(bearer(admin)).expect(200);
    const target = worklist.body.items.find((i: { coverageStatus: string }) => i.coverageStatus === 'uninsured');
    expect(target).toBeDefined();
    const surveyor = t.token({ role: 'township-surveyor', sub: 'surveyor-1', region: target.householdRegion });
    const recorded = await t
      .http()
      .post(`/v1/persons/${target.personId}/exemptions`)
      .set(bearer(surveyor))
      .send({ source: 'operator', sourceRecordId: 'survey-2024-001', reason: 'imprisoned', since: '2024-01-01' });
    expect(recorded.status).toBe(200);
    const bad = await t
      .http()
      .post(`/v1/persons/${target.personId}/exemptions`)
      .set(bearer(surveyor))
      .send({ source: 'operator', reason: 'deceased', since: '2024-01-01' });
    expect(bad.status).toBe(400);

    const view = await t.http().get(`/v1/persons/${target.personId}`).set(bearer(admin)).expect(200);
    expect(view.body.coverage).toMatchObject({
      status: 'exempt',
      exemptionReason: 'imprisoned',
      evidence: ['EXEMPTION_RECORDED_IMPRISONED'],
    });
    expect(view.body.exemptions).toEqual([{ reason: 'imprisoned', since: '2024-01-01', source: 'operator' }]);
    await t.caughtUp();
    const township = await t.http().get('/v1/survey-worklists').query({ region: target.householdRegion }).set(bearer(surveyor)).expect(200);
    expect(township.body.items.map((i: { personId: string }) => i.personId)).not.toContain(target.personId);

    const next = await runComparison();
    expect(next.counts.statusChanges).toBe(1);
    const history = await t.http().get(`/v1/persons/${target.personId}/history`).set(bearer(admin)).expect(200);
    const verdict = history.body.events.filter((e: { type: string }) => e.type === 'CoverageStatusDetermined').pop();
    expect(verdict.data).toMatchObject({ status: 'exempt', exemptionReason: 'imprisoned', previousStatus: 'uninsured' });
  });
});

describe('persons only other departments know of', () => {
  it('are taken for a household person typed wrongly only when the IDs are near and the names agree', async () => {
    const app = await startApp();
    try {
      const admin = app.token({ role: 'province-admin', sub: 'orphan-admin', region: '44' });
      const card = app.token({ role: 'service-client', sub: 'card-system', region: '44', source: 'card-library' });
      const household = newCitizen(PLACES.nanshan.county);
      // One digit of the sequence typed wrongly, check character recomputed: a valid, near ID.
      const first17 = household.id.slice(0, 14) + String((Number(household.id[14]) + 2) % 10) + household.id.slice(15, 17);
      const typo = { ...household, id: first17 + citizenIdCheckCharacter(first17) };
      // Born the same day in the same county: an ID one sequence digit away, another name.
      const neighbour17 = household.id.slice(0, 15) + String((Number(household.id[15]) + 4) % 10) + household.id.slice(16, 17);
      const neighbour = { ...household, id: neighbour17 + citizenIdCheckCharacter(neighbour17) };
      // Someone else entirely who shares name, birth date and gender.
      const namesake = { ...newCitizen(PLACES.tianhe.county), birthDate: household.birthDate, gender: household.gender };
      const namesake17 = namesake.id.slice(0, 6) + household.birthDate.replace(/-/g, '') + namesake.id.slice(14, 17);
      namesake.id = namesake17 + citizenIdCheckCharacter(namesake17);
      const ids: Record<string, string> = {};
      const hr = app.token({ role: 'service-client', sub: 'hr-system', region: '44', source: 'household-registration' });
      const registered = await app
        .http()
        .post('/v1/persons/registrations')
        .set(bearer(hr))
        .send(registrationBody(household, { name: '张伟', sourceRecordId: 'ORPHAN-hr' }));
      expect(registered.status).toBe(200);
      ids.household = registered.body.personId;
      for (const [key, citizen, name] of [
        ['typo', typo, '张伟'],
        ['namesake', namesake, '张伟'],
        ['neighbour', neighbour, '李娜'],
      ] as const) {
        const body = registrationBody(citizen, { source: 'card-library', name, sourceRecordId: `ORPHAN-${key}` });
        const res = await app.http().post('/v1/persons/registrations').set(bearer(card)).send(body);
        expect({ status: res.status, body: res.status === 200 ? undefined : res.body }).toEqual({ status: 200, body: undefined });
        ids[key] = res.body.personId;
      }
      await app.caughtUp();

      const started = await app.http().post('/v1/comparison-runs').set(bearer(admin)).send({});
      expect(started.status).toBe(202);
      expect((await app.app.get(ComparisonService).waitFor(started.body._id)).state).toBe('completed');
      const decisions = app.app.get<ReadStore>(READ_STORE).collection<LinkDecisionDoc>(LINK_DECISIONS);
      expect(await decisions.get(`person:${ids.typo}`)).toMatchObject({ outcome: 'link', personId: ids.household });
      expect(await decisions.get(`person:${ids.namesake}`)).toMatchObject({ outcome: 'none' });
      expect(await decisions.get(`person:${ids.neighbour}`)).toMatchObject({ outcome: 'none' });
    } finally {
      await app.close();
    }
  });
});

/** An app whose ministry simulator knows only `records` (persons insured in another province). */
async function withMinistry(records: SeedRecord[], env: Record<string, string>, body: (app: TestApp) => Promise<void>): Promise<void> {
  const sim = await createMinistrySim({ token: 'small-sim-token', records });
  const app = await startApp({
    ...env,
    MINISTRY_URL: await sim.listen(0),
    MINISTRY_TOKEN: 'small-sim-token',
    MINISTRY_UPLOAD_INTERVAL_MS: '0',
    MINISTRY_DOWNLOAD_INTERVAL_MS: '0',
  });
  try {
    await body(app);
  } finally {
    await app.close();
    await sim.close();
  }
}

describe('a household row whose faulty ID links to a person another department registered', () => {
  it('makes that person household-registered here, so the inquiry asks about them and the verdict counts them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-household-link-'));
    const citizen = newCitizen(PLACES.nanshan.county, '2');
    // The ministry knows the person as insured in Guangxi.
    const insuredInGuangxi: SeedRecord = {
      citizenId: citizen.id,
      kind: 'insured-elsewhere',
      provinceCode: '45',
      insuranceType: '390',
      contributionStatus: '1',
      since: '2020-01-01',
    };
    await withMinistry([insuredInGuangxi], {}, async (app) => {
      const admin = app.token({ role: 'province-admin', sub: 'household-link-admin', region: '44' });
      // The card library knows her under her valid ID, with no household region (a card names
      // the office that issued it).
      const cardPath = join(dir, 'cards.xlsx');
      await writeXlsx(
        cardPath,
        ['卡号', '公民身份号码', '姓名', '性别', '出生日期', '发卡地区'],
        [['C-hl-1', citizen.id, '林晓燕', '女', citizen.birthDate.replace(/-/g, ''), PLACES.nanshan.county]],
      );
      const cards = await app.http().post('/v1/imports').set(bearer(admin)).field('source', 'card-library').attach('file', cardPath);
      expect(cards.status).toBe(202);
      expect(await app.app.get(ImportService).waitFor(cards.body.importId)).toMatchObject({ state: 'completed' });
      await app.caughtUp();
      const parsed = CitizenId.parse(citizen.id);
      if (!parsed.ok) throw new Error('bad test citizen ID');
      const personId = personIdFor(parsed.value, app.app.get(KeyRing).personIdKey);
      // The household register's row for her lost its ID (an empty cell): quarantined for it.
      const path = join(dir, 'household.csv');
      writeCsv(
        path,
        [...HOUSEHOLD_HEADER],
        [householdRow({ recordId: 'HL-1', citizen, name: '林晓燕', region: PLACES.nanshan.otherTownship }, { 公民身份号码: '' })],
        'utf-8',
      );
      const imported = await app
        .http()
        .post('/v1/imports')
        .set(bearer(admin))
        .field('source', 'household-registration')
        .attach('file', path);
      expect(imported.status).toBe(202);
      await app.app.get(ImportService).waitFor(imported.body.importId);
      await app.caughtUp();
      const before = await app.http().get(`/v1/persons/${personId}`).set(bearer(admin)).expect(200);
      expect(before.body.householdRegion ?? null).toBeNull();

      const started = await app.http().post('/v1/comparison-runs').set(bearer(admin)).send({});
      expect(started.status).toBe(202);
      const run = await app.app.get(ComparisonService).waitFor(started.body._id);
      expect(run.state).toBe('completed');
      await app.caughtUp();
      const decisions = app.app.get<ReadStore>(READ_STORE).collection<LinkDecisionDoc>(LINK_DECISIONS);
      expect((await decisions.find({ source: 'household-registration' }, { limit: 10 })).items).toEqual([
        expect.objectContaining({ outcome: 'link', personId }),
      ]);
      const after = await app.http().get(`/v1/persons/${personId}`).set(bearer(admin)).expect(200);
      expect(after.body).toMatchObject({ householdRegion: PLACES.nanshan.otherTownship });
      expect(after.body.fieldSources.householdRegion).toEqual({ source: 'household-registration', corrected: false });
      // Asked at the ministry as a household person, and judged insured elsewhere.
      expect(run.counts).toMatchObject({ inquired: 1, insuredElsewhereFound: 1 });
      expect(after.body.coverage).toMatchObject({ status: 'insured-elsewhere' });
    }).finally(() => rmSync(dir, { recursive: true, force: true }));
  });
});

describe('a row whose person a household row of the same run made recognisable', () => {
  it('is linked in that run, and neither a run on changes nor a full run after it finds anything more', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-same-run-'));
    const citizen = newCitizen(PLACES.nanshan.county, '2');
    await withMinistry([], {}, async (app) => {
      const admin = app.token({ role: 'province-admin', sub: 'same-run-admin', region: '44' });
      const card = app.token({ role: 'service-client', sub: 'card-system', region: '44', source: 'card-library' });
      const imported = async (source: string, path: string) => {
        const res = await app.http().post('/v1/imports').set(bearer(admin)).field('source', source).attach('file', path);
        expect(res.status).toBe(202);
        expect(await app.app.get(ImportService).waitFor(res.body.importId)).toMatchObject({ state: 'completed' });
        return res.body.importId as string;
      };
      const run = async (scope: 'full' | 'changes') => {
        const started = await app.http().post('/v1/comparison-runs').set(bearer(admin)).send({ scope });
        expect(started.status).toBe(202);
        const done = await app.app.get(ComparisonService).waitFor(started.body._id);
        expect(done.state).toBe('completed');
        await app.caughtUp();
        return done;
      };
      // The card library registered her under her valid ID and a name the register does not use.
      const registered = await app
        .http()
        .post('/v1/persons/registrations')
        .set(bearer(card))
        .send(registrationBody(citizen, { source: 'card-library', name: '王芳', sourceRecordId: 'SAME-RUN-card' }));
      expect(registered.status).toBe(200);
      const personId = registered.body.personId as string;
      // The register's row: her ID with a wrong check character, and the name she goes by.
      const householdPath = join(dir, 'household.csv');
      writeCsv(
        householdPath,
        [...HOUSEHOLD_HEADER],
        [
          householdRow(
            { recordId: 'SR-1', citizen, name: '林晓燕', region: PLACES.nanshan.township },
            { 公民身份号码: withBadCheckCharacter(citizen.id) },
          ),
        ],
        'utf-8',
      );
      await imported('household-registration', householdPath);
      // An enrolment row without an ID, under the register's name: only her name, birth date and
      // gender name her, and only once the register's name is hers.
      const enrolmentPath = join(dir, 'enrolment.csv');
      const header = ['业务流水号', '公民身份号码', '姓名', '性别', '出生日期', '险种类型', '缴费状态', '参保省份', '参保日期'];
      writeCsv(enrolmentPath, header, [['YW-SR-1', '', '林晓燕', '女', citizen.birthDate, '390', '1', '44', '2020-11-01']], 'utf-8');
      const enrolmentImport = await imported('insurance-enrollment', enrolmentPath);
      await app.caughtUp();

      const first = await run('full');
      const decisions = app.app.get<ReadStore>(READ_STORE).collection<LinkDecisionDoc>(LINK_DECISIONS);
      const byRow = async (importId: string) => (await decisions.find({ importId }, { limit: 10 })).items;
      // The household row links to her (a near ID), and the register's name is then hers in the
      // same run: the enrolment row links to her too.
      expect(first.counts).toMatchObject({ linked: 2 });
      expect(await byRow(enrolmentImport)).toEqual([expect.objectContaining({ outcome: 'link', personId })]);
      const person = await app.http().get(`/v1/persons/${personId}`).set(bearer(admin)).expect(200);
      expect(person.body.coverage).toMatchObject({ status: 'insured-local' });
      expect(person.body.enrollments).toEqual(expect.arrayContaining([expect.objectContaining({ insuranceType: '390' })]));
      // What the run kept for the next run on changes holds what it recorded, as a full run reads it.
      for (const scope of ['changes', 'full'] as const) {
        const again = await run(scope);
        expect({ scope, linked: again.counts.linked, statusChanges: again.counts.statusChanges }).toEqual({
          scope,
          linked: 0,
          statusChanges: 0,
        });
      }
    }).finally(() => rmSync(dir, { recursive: true, force: true }));
  });
});

describe('a person whose identity is in doubt', () => {
  it('is still asked at the ministry: an enrolment elsewhere decides before the open conflict does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-in-doubt-'));
    const precedence = join(dir, 'precedence.json');
    // Household register and card library of equal rank for the name: a disagreement leaves it in doubt.
    writeFileSync(precedence, JSON.stringify({ name: [] }));
    const [insured, notInsured] = [newCitizen(PLACES.nanshan.county), newCitizen(PLACES.nanshan.county)];
    const insuredElsewhere: SeedRecord = { citizenId: insured.id, kind: 'insured-elsewhere', provinceCode: '45', insuranceType: '390' };
    await withMinistry([insuredElsewhere], { PRECEDENCE_FILE: precedence }, async (app) => {
      const admin = app.token({ role: 'province-admin', sub: 'in-doubt-admin', region: '44' });
      const hr = app.token({ role: 'service-client', sub: 'hr-system', region: '44', source: 'household-registration' });
      const card = app.token({ role: 'service-client', sub: 'card-system', region: '44', source: 'card-library' });
      const ids: string[] = [];
      for (const [i, citizen] of [insured, notInsured].entries()) {
        const res = await app
          .http()
          .post('/v1/persons/registrations')
          .set(bearer(hr))
          .send(registrationBody(citizen, { name: '周敏', sourceRecordId: `DOUBT-hr-${i}` }));
        expect(res.status).toBe(200);
        ids.push(res.body.personId);
        const reported = await app
          .http()
          .post('/v1/persons/registrations')
          .set(bearer(card))
          .send(registrationBody(citizen, { source: 'card-library', name: '周明', sourceRecordId: `DOUBT-card-${i}` }));
        expect(reported.body.recorded).toContain('IdentityConflictDetected');
      }
      await app.caughtUp();
      for (const id of ids) {
        const person = await app.http().get(`/v1/persons/${id}`).set(bearer(admin)).expect(200);
        expect(person.body.openConflicts).toEqual([expect.objectContaining({ field: 'name', heldValueStands: false })]);
        expect(person.body.coverage.status).toBe('unresolved');
      }
      const started = await app.http().post('/v1/comparison-runs').set(bearer(admin)).send({});
      const run = await app.app.get(ComparisonService).waitFor(started.body._id);
      expect(run.state).toBe('completed');
      expect(run.counts).toMatchObject({ inquired: 2, insuredElsewhereFound: 1 });
      await app.caughtUp();
      const statuses = [];
      for (const id of ids) statuses.push((await app.http().get(`/v1/persons/${id}`).set(bearer(admin)).expect(200)).body.coverage.status);
      expect(statuses).toEqual(['insured-elsewhere', 'unresolved']);
    }).finally(() => rmSync(dir, { recursive: true, force: true }));
  });
});
