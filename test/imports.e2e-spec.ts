/**
 * Data initialisation (imports) over HTTP and through the CLI: every encoding and format
 * a department sends, quarantine that reconciles, re-imports that change nothing, an
 * import killed mid-file and resumed without duplicates or gaps, a generated province end
 * to end against the region counts, mapping errors, and no citizen ID in any log.
 */
import { parse } from 'csv-parse/sync';
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { MetricsService } from '../apps/registry/src/metrics/metrics.service';
import type { ImportJob } from '../apps/registry/src/imports/import-job';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES, withBadCheckCharacter } from './support/citizens';
import { eventStats, ensureBuilt, pollJob, readJobs, runCli, startCli } from './support/imports-cli';
import {
  HOUSEHOLD_HEADER,
  HouseholdPerson,
  TextEncodingCase,
  acceptedCitizenIds,
  csvLine,
  householdRow,
  writeCsv,
  writeNdjson,
  writeXlsx,
} from './support/imports-files';

jest.setTimeout(120_000);

const work = mkdtempSync(join(tmpdir(), 'registry-imports-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let recordSeq = 0;
function person(name: string, region: string = PLACES.nanshan.township, county: string = PLACES.nanshan.county): HouseholdPerson {
  recordSeq++;
  return { recordId: `HJ${String(recordSeq).padStart(6, '0')}`, citizen: newCitizen(county, recordSeq % 2 ? '1' : '2'), name, region };
}

/** Every log line any part of this suite produced must be free of these. */
function expectNoCitizenIdIn(text: string, ids: Iterable<string>): void {
  const leaked = [...ids].filter((id) => text.includes(id));
  expect(leaked).toEqual([]);
}

describe('imports over HTTP', () => {
  let t: TestApp;
  let token: string;
  /** Citizen IDs (valid or not) written into the files of this block. */
  const sent = new Set<string>();

  beforeAll(async () => {
    t = await startApp({ LOOKUP_RATE_LIMIT: '10000' });
    token = t.token({ sub: 'importer', roles: ['province-admin'], region: '44' });
  });

  afterAll(async () => {
    await t?.close();
  });

  function remember(people: HouseholdPerson[]): void {
    for (const p of people) sent.add(p.citizen.id).add(p.citizen.id15);
  }

  async function upload(path: string, fields: Record<string, string> = { source: 'household-registration' }) {
    let req = t.http().post('/v1/imports').set(bearer(token));
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req.attach('file', path, { filename: path.split('/').pop()! });
  }

  /** Uploads, waits for the import and returns its view over HTTP. */
  async function importFile(
    path: string,
    fields?: Record<string, string>,
  ): Promise<{ importId: string } & ImportJob & { reconciled: boolean }> {
    const res = await upload(path, fields);
    expect(res.status).toBe(202);
    expect(res.body.importId).toMatch(/^imp_[0-9a-f]{24}$/);
    await t.app.get(ImportService).waitFor(res.body.importId);
    const view = await t.http().get(`/v1/imports/${res.body.importId}`).set(bearer(token));
    expect(view.status).toBe(200);
    return view.body;
  }

  async function lookup(citizenId: string) {
    return t.http().post('/v1/persons/lookup').set(bearer(token)).send({ citizenId });
  }

  async function nameOf(citizenId: string): Promise<string> {
    const found = await lookup(citizenId);
    expect(found.status).toBe(200);
    const res = await t.http().get(`/v1/persons/${found.body.personId}`).set(bearer(token));
    expect(res.status).toBe(200);
    return res.body.name;
  }

  describe('every encoding and format is detected and imported', () => {
    type Case = {
      label: string;
      names: string[];
      write: (path: string, rows: string[][]) => Promise<void> | void;
      ext: string;
      fields?: Record<string, string>;
      detected: { format: string; encoding: string };
    };
    const csv = (encoding: TextEncodingCase) => (path: string, rows: string[][]) => writeCsv(path, HOUSEHOLD_HEADER, rows, encoding);
    const cases: Case[] = [
      {
        label: 'CSV, UTF-8 with BOM',
        names: ['张伟', '李娜'],
        write: csv('utf-8-bom'),
        ext: 'csv',
        detected: { format: 'csv', encoding: 'utf-8' },
      },
      {
        label: 'CSV, UTF-8 without BOM',
        names: ['王芳', '刘洋'],
        write: csv('utf-8'),
        ext: 'csv',
        detected: { format: 'csv', encoding: 'utf-8' },
      },
      // 㐀 (U+3400) is outside GBK, 𠀀 (U+20000) outside the BMP: both only in GB18030.
      {
        label: 'CSV, GB18030 beyond GBK',
        names: ['王𠀀', '李㐀', '陈静'],
        write: csv('gb18030'),
        ext: 'csv',
        detected: { format: 'csv', encoding: 'gb18030' },
      },
      // GBK is read as GB18030, its superset.
      {
        label: 'CSV, GBK (detected)',
        names: ['赵堃', '钱喆'],
        write: csv('gbk'),
        ext: 'csv',
        detected: { format: 'csv', encoding: 'gb18030' },
      },
      {
        label: 'CSV, GBK (stated)',
        names: ['孙犇', '周敏'],
        write: csv('gbk'),
        ext: 'txt',
        fields: { source: 'household-registration', format: 'csv', encoding: 'gbk' },
        detected: { format: 'csv', encoding: 'gbk' },
      },
      {
        label: 'XLSX',
        names: ['吴磊', '郑𠀀'],
        write: (p, rows) => writeXlsx(p, HOUSEHOLD_HEADER, rows),
        ext: 'xlsx',
        detected: { format: 'xlsx', encoding: 'utf-8' },
      },
      {
        label: 'NDJSON',
        names: ['冯雪', '陈𠀀'],
        write: (p, rows) => writeNdjson(p, HOUSEHOLD_HEADER, rows),
        ext: 'ndjson',
        detected: { format: 'ndjson', encoding: 'utf-8' },
      },
    ];

    it.each(cases)('$label', async ({ label, names, write, ext, fields, detected }) => {
      const people = names.map((n) => person(n));
      remember(people);
      const path = join(work, `${label.replace(/\W+/g, '-')}.${ext}`);
      await write(
        path,
        people.map((p) => householdRow(p)),
      );

      const job = await importFile(path, fields);
      expect({ state: job.state, format: job.format, encoding: job.encoding, error: job.error }).toEqual({
        state: 'completed',
        ...detected,
        error: undefined,
      });
      expect(job.counts).toMatchObject({ read: people.length, imported: people.length, quarantined: 0 });
      expect(job.reconciled).toBe(true);
      expect(job.progress).toMatchObject({ fraction: 1, bytesRead: job.fileBytes, totalBytes: job.fileBytes });
      expect(job).not.toHaveProperty('filePath'); // the server's upload path stays inside

      await t.caughtUp();
      for (const p of people) {
        const name = await nameOf(p.citizen.id);
        expect(name).toBe(p.name);
        // Byte for byte, supplementary-plane characters included.
        expect(Buffer.from(name, 'utf8').equals(Buffer.from(p.name, 'utf8'))).toBe(true);
      }
    });
  });

  describe('quarantine', () => {
    const good = person('黄晓明');
    const badCheck = person('周杰');
    const noName = person('');
    // No such county: a township under a county that exists would be held at the county.
    const unknownRegion = person('林峰', '449999001');
    const badStatus = person('何洁');
    const alsoGood = person('高圆圆', PLACES.tianhe.township, PLACES.tianhe.county);
    const rows = [
      householdRow(good),
      householdRow(badCheck, { 公民身份号码: withBadCheckCharacter(badCheck.citizen.id) }),
      householdRow(noName),
      householdRow(unknownRegion),
      householdRow(good),
      // The household status is what the register says about the person: unreadable, the row waits.
      householdRow(badStatus, { 户口状态: '失踪' }),
      householdRow(alsoGood),
    ];
    const path = join(work, 'quarantine.csv');
    let importId: string;

    beforeAll(() => {
      remember([good, badCheck, noName, unknownRegion, badStatus, alsoGood]);
      sent.add(withBadCheckCharacter(badCheck.citizen.id));
      writeCsv(path, HOUSEHOLD_HEADER, rows, 'utf-8');
    });

    it('reconciles: read = imported + quarantined, with the reasons by code', async () => {
      const job = await importFile(path);
      importId = job.importId;
      expect(job.state).toBe('completed');
      expect(job.counts).toMatchObject({ read: 7, imported: 2, quarantined: 5 });
      expect(job.counts.read).toBe(job.counts.imported + job.counts.quarantined);
      expect(job.reconciled).toBe(true);
      expect(job.reasonsByCode).toEqual({
        ID_BAD_CHECK_CHARACTER: 1,
        REQUIRED_FIELD_MISSING: 1,
        REGION_UNKNOWN: 1,
        DUPLICATE_ROW: 1,
        CODE_UNKNOWN: 1,
      });
      await t.caughtUp();
      expect(await nameOf(good.citizen.id)).toBe('黄晓明');
      expect(await nameOf(alsoGood.citizen.id)).toBe('高圆圆');
      // A quarantined row registers nobody.
      for (const p of [noName, unknownRegion, badStatus]) expect((await lookup(p.citizen.id)).status).toBe(404);
    });

    it('lists every quarantined row with its number, codes and raw content', async () => {
      const res = await t
        .http()
        .get(`/v1/imports/${importId}/rejections`)
        .set(bearer(token))
        .buffer(true)
        .parse((r, done) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const text = res.body as string;
      expect(text.startsWith('\ufeff')).toBe(true);
      const records = parse(text.slice(1), { columns: true }) as Array<{ rowNumber: string; codes: string; messages: string; raw: string }>;
      // The row as sent, without its line end (the file has CRLF line ends, as exports from Windows do).
      expect(records.map((r) => JSON.stringify(r.raw)).filter((raw) => /\\[rn]"$/.test(raw))).toEqual([]);
      expect(records.map((r) => ({ rowNumber: Number(r.rowNumber), codes: r.codes, raw: r.raw }))).toEqual([
        { rowNumber: 2, codes: 'ID_BAD_CHECK_CHARACTER', raw: csvLine(rows[1]) },
        { rowNumber: 3, codes: 'REQUIRED_FIELD_MISSING', raw: csvLine(rows[2]) },
        { rowNumber: 4, codes: 'REGION_UNKNOWN', raw: csvLine(rows[3]) },
        { rowNumber: 5, codes: 'DUPLICATE_ROW', raw: csvLine(rows[4]) },
        { rowNumber: 6, codes: 'CODE_UNKNOWN', raw: csvLine(rows[5]) },
      ]);
      for (const r of records) expect(r.messages.length).toBeGreaterThan(0);
    });

    it('re-importing the same file is the same import and appends nothing', async () => {
      const events = t.app.get<EventStore>(EVENT_STORE);
      const before = await events.headPosition();
      const res = await upload(path);
      expect(res.status).toBe(202);
      expect(res.body.importId).toBe(importId);
      await t.app.get(ImportService).waitFor(importId);
      expect(await events.headPosition()).toBe(before);
      const view = await t.http().get(`/v1/imports/${importId}`).set(bearer(token));
      expect(view.body).toMatchObject({ importId, state: 'completed', counts: { read: 7, imported: 2, quarantined: 5 } });
    });

    it('keeps no uploaded copy of a department file once its import is done (nor of a re-sent one)', async () => {
      const uploads = join(t.dataDir, 'uploads');
      const left = existsSync(uploads) ? readdirSync(uploads) : [];
      expect(left).toEqual([]);
      const view = await t.http().get(`/v1/imports/${importId}`).set(bearer(token));
      expect(view.body.fileRemoved).toBe(true);
    });
  });

  describe('side columns beside a valid citizen ID', () => {
    const ENROLMENT_HEADER = ['业务流水号', '公民身份号码', '姓名', '性别', '出生日期', '险种类型', '缴费状态', '参保省份', '参保日期'];
    const swapped = person('孙丽华');
    const wrongGender = person('钱志强');
    const homophone = person('李晓燕');
    const clean = person('周建国');
    const enrolment = (p: HouseholdPerson, over: Partial<Record<string, string>> = {}) => {
      const cells: Record<string, string> = {
        业务流水号: `YW-${p.recordId}`,
        公民身份号码: p.citizen.id,
        姓名: p.name,
        性别: p.citizen.gender === '1' ? '男' : '女',
        出生日期: p.citizen.birthDate,
        险种类型: '310',
        缴费状态: '1',
        参保省份: '44',
        参保日期: '2015-07-01',
        ...over,
      };
      return ENROLMENT_HEADER.map((h) => cells[h]);
    };
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      const people = [swapped, wrongGender, homophone, clean];
      remember(people);
      const household = join(work, 'side-household.csv');
      writeCsv(
        household,
        HOUSEHOLD_HEADER,
        people.map((p) => householdRow(p)),
        'utf-8',
      );
      expect((await importFile(household)).counts).toMatchObject({ imported: 4, quarantined: 0 });
      await t.caughtUp();
      for (const p of people) ids[p.name] = (await lookup(p.citizen.id)).body.personId;
    });

    it('imports enrolments whose birth date is impossible, whose gender disagrees or whose name is a homophone: warnings, not quarantine', async () => {
      const [y, m, d] = swapped.citizen.birthDate.split('-');
      const file = join(work, 'side-enrolment.csv');
      writeCsv(
        file,
        ENROLMENT_HEADER,
        [
          // A day written where the month goes, as swapped columns do, and past 12: no such date.
          enrolment(swapped, { 出生日期: `${y}-${String(Number(d) + 12).padStart(2, '0')}-${m}` }),
          enrolment(wrongGender, { 性别: wrongGender.citizen.gender === '1' ? '女' : '男' }),
          enrolment(homophone, { 姓名: '李小燕' }),
          enrolment(clean),
        ],
        'utf-8-bom',
      );
      const job = await importFile(file, { source: 'insurance-enrollment' });
      expect(job.state).toBe('completed');
      expect(job.counts).toMatchObject({ read: 4, imported: 4, quarantined: 0 });
      expect(job.warningsByCode).toMatchObject({ DATE_INVALID: 1, GENDER_MISMATCH: 1 });
      await t.caughtUp();
      for (const p of [swapped, wrongGender, homophone, clean]) {
        const view = await t.http().get(`/v1/persons/${ids[p.name]}`).set(bearer(token));
        expect([p.name, view.body.enrollments.map((e: { insuranceType: string }) => e.insuranceType)]).toEqual([p.name, ['310']]);
        expect([p.name, view.body.coverage.status]).toEqual([p.name, 'insured-local']);
        // The ID's values are held whatever the enrolment file said.
        expect([p.name, view.body.birthDate, view.body.gender]).toEqual([p.name, p.citizen.birthDate, p.citizen.gender]);
      }
    });

    it('records the disagreements on the person: the gender as an anomaly against the ID, the homophone name as a conflict', async () => {
      const history = async (p: HouseholdPerson) =>
        (await t.http().get(`/v1/persons/${ids[p.name]}/history`).set(bearer(token))).body.events.map(
          (e: { type: string; data: { anomaly?: string } }) => (e.data.anomaly ? `${e.type}:${e.data.anomaly}` : e.type),
        );
      expect(await history(wrongGender)).toEqual(['PersonRegistered', 'AnomalyDetected:GENDER_DIFFERS_FROM_ID', 'EnrollmentRecorded']);
      expect(await history(homophone)).toEqual(['PersonRegistered', 'IdentityConflictDetected', 'EnrollmentRecorded']);
      const conflicted = await t.http().get(`/v1/persons/${ids[homophone.name]}`).set(bearer(token));
      expect(conflicted.body.name).toBe('李晓燕');
      expect(conflicted.body.openConflicts).toEqual([
        expect.objectContaining({ field: 'name', currentSource: 'household-registration', reportedSource: 'insurance-enrollment' }),
      ]);
      // An unreadable date has no value to compare: the import's warning is its record; a clean row adds nothing.
      expect(await history(swapped)).toEqual(['PersonRegistered', 'EnrollmentRecorded']);
      expect(await history(clean)).toEqual(['PersonRegistered', 'EnrollmentRecorded']);
    });
  });

  describe('refusals', () => {
    it('a file without the 公民身份号码 column fails with MAPPING_MISSING_COLUMN naming it', async () => {
      const p = person('马超');
      remember([p]);
      const header = HOUSEHOLD_HEADER.filter((h) => h !== '公民身份号码');
      const row = householdRow(p).filter((_, i) => HOUSEHOLD_HEADER[i] !== '公民身份号码');
      const path = join(work, 'no-id-column.csv');
      writeCsv(path, header, [row], 'utf-8');
      const job = await importFile(path);
      expect(job.state).toBe('failed');
      expect(job.error?.code).toBe('MAPPING_MISSING_COLUMN');
      expect(job.error?.message).toContain('公民身份号码');
      expect(job.counts.read).toBe(0);
    });

    it('a file that is not a workbook fails with FILE_UNREADABLE; sent again, its view drops the old error', async () => {
      const path = join(work, 'scan.xlsx');
      writeFileSync(path, Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010800000000', 'hex'));
      const fields = { source: 'card-library', format: 'xlsx' };
      const failed = await importFile(path, fields);
      expect(failed.state).toBe('failed');
      expect(failed.error).toEqual({ code: 'FILE_UNREADABLE', message: 'The file is not a readable XLSX file.' });
      expect(failed.finishedAt).toEqual(expect.any(String));

      const again = await upload(path, fields);
      expect(again.status).toBe(202);
      expect(again.body.importId).toBe(failed.importId);
      // Queued (or already running) again: the last run's error and end no longer describe it.
      if (again.body.state !== 'failed') {
        expect(again.body).not.toHaveProperty('error');
        expect(again.body).not.toHaveProperty('finishedAt');
      }
      await t.app.get(ImportService).waitFor(failed.importId);
      const view = await t.http().get(`/v1/imports/${failed.importId}`).set(bearer(token));
      expect(view.body.error).toEqual(failed.error);
    });

    it('an unknown source is a 400 problem', async () => {
      const path = join(work, 'unknown-source.csv');
      writeCsv(path, HOUSEHOLD_HEADER, [householdRow(person('牛犇'))], 'utf-8');
      const res = await upload(path, { source: 'tax-bureau' });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });

  it('no citizen ID from these files reached the log', () => {
    const log = t.readLog();
    expect(log).toContain('completed'); // the log is the one the imports wrote to
    expectNoCitizenIdIn(log, sent);
  });
});

describe('an import in a thread of its own', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  /** 450 rows (three batches of the service's 200): 440 people, five of them sent twice, and five IDs with a wrong check character. */
  const people = Array.from({ length: 440 }, (_, i) => person(`测试${String.fromCharCode(0x4e00 + i)}`));
  const rows = [
    ...people.map((p) => householdRow(p)),
    ...people.slice(0, 5).map((p) => householdRow(p)),
    ...Array.from({ length: 5 }, () => {
      const p = person('林峰');
      return householdRow(p, { 公民身份号码: withBadCheckCharacter(p.citizen.id) });
    }),
  ];

  async function importWith(setting: 'on' | 'off') {
    const app = await startApp({ IMPORT_THREAD: setting });
    apps.push(app);
    const token = app.token({ sub: 'importer', roles: ['province-admin'], region: '44' });
    const path = join(app.dataDir, 'threaded.csv');
    writeCsv(path, HOUSEHOLD_HEADER, rows, 'utf-8');
    const metrics = app.app.get(MetricsService);
    const reported = jest.spyOn(metrics, 'reportThreadMemory');
    const res = await app.http().post('/v1/imports').set(bearer(token)).field('source', 'household-registration').attach('file', path);
    expect(res.status).toBe(202);
    const service = app.app.get(ImportService);
    const job = await service.waitFor(res.body.importId);
    await app.caughtUp();
    const appended = (await metrics.eventsAppended.get()).values.reduce((sum, v) => sum + v.value, 0);
    const importMemory = reported.mock.calls.filter(([thread]) => thread === 'import').map(([, memory]) => memory);
    const scraped = await metrics.registry.metrics();
    return { threaded: service.threaded, job, appended, importMemory, scraped, stats: eventStats(app.dataDir), app, token };
  }

  it('records what the same import records in the main thread, and relays its progress and metrics', async () => {
    const threaded = await importWith('on');
    const here = await importWith('off');
    expect([threaded.threaded, here.threaded]).toEqual([true, false]);
    expect(threaded.job.state).toBe('completed');
    expect(threaded.job.counts).toMatchObject({ read: 450, imported: 440, quarantined: 10 });
    expect(threaded.job.reasonsByCode).toEqual({ DUPLICATE_ROW: 5, ID_BAD_CHECK_CHARACTER: 5 });
    expect(threaded.job.counts).toEqual(here.job.counts);
    expect(threaded.job.reasonsByCode).toEqual(here.job.reasonsByCode);
    expect(threaded.job.committedRow).toBe(here.job.committedRow);
    const { total, distinctIds, byType, personStreams, streamsWithoutExactlyOneRegistration } = threaded.stats;
    expect({ total, distinctIds, byType, personStreams, streamsWithoutExactlyOneRegistration }).toEqual({
      total: here.stats.total,
      distinctIds: here.stats.distinctIds,
      byType: here.stats.byType,
      personStreams: here.stats.personStreams,
      streamsWithoutExactlyOneRegistration: 0,
    });
    expect(personStreams).toBe(440);
    // The thread's appends reach the service's metrics, and its read models, like its own.
    expect(threaded.appended).toBe(threaded.job.counts.events);
    // So does its heap, while it runs (with each progress report); its series go when it ends.
    const memory = threaded.importMemory;
    expect(memory.length).toBeGreaterThan(1);
    expect(memory[0]!.heapUsed).toBeGreaterThan(0);
    expect(memory[0]!.heapUsed).toBeLessThanOrEqual(memory[0]!.heapTotal);
    expect(memory[memory.length - 1]).toBeUndefined();
    expect(threaded.scraped).not.toContain('thread="import"');
    expect(here.importMemory).toEqual([]);
    const found = await threaded.app
      .http()
      .post('/v1/persons/lookup')
      .set(bearer(threaded.token))
      .send({ citizenId: people[439].citizen.id });
    expect(found.status).toBe(200);
  });
});

describe('a generated province through the CLI', () => {
  const province = join(work, 'province');
  const reference = join(work, 'reference'); // one uninterrupted run
  const crashed = join(work, 'crashed'); // killed mid-import, then run again
  const household = join(province, 'household-registration.csv');
  const enrollment = join(province, 'insurance-enrollment.csv');
  const importArgs = (source: string, file: string) => ['import', '--source', source, '--file', file];
  /** Everything the CLI processes printed: it must be as free of IDs as the log files. */
  let output = '';
  let referenceJob: ImportJob;

  beforeAll(async () => {
    ensureBuilt();
    const generated = await runCli(['generate', '--persons', '3000', '--seed', 'imports-e2e', '--out', province], work);
    output += generated.stdout + generated.stderr;
    const first = await runCli(importArgs('household-registration', household), reference);
    output += first.stdout + first.stderr;
    [referenceJob] = readJobs(reference);
  });

  it('imports the household file and reports counts that reconcile', () => {
    expect(referenceJob).toMatchObject({ state: 'completed', format: 'csv', encoding: 'gb18030' });
    const c = referenceJob.counts;
    expect(c.read).toBeGreaterThanOrEqual(3000);
    expect(c.read).toBe(c.imported + c.quarantined);
    expect(c.quarantined).toBeGreaterThan(0); // the generator's noise
  });

  it('registers exactly the distinct IDs the cleaning accepts, each once', async () => {
    const expected = await acceptedCitizenIds(household, 'household-registration');
    const stats = eventStats(reference);
    expect(stats.distinctIds).toBe(stats.total);
    expect(stats.streamsWithoutExactlyOneRegistration).toBe(0);
    expect(stats.personStreams).toBe(expected.size);
    expect(stats.householdPersons).toBe(expected.size);
  });

  it('resumes an import killed mid-file without duplicate or missing events', async () => {
    // Small batches, so that the kill lands between committed batches of a 3,000-row file.
    const run = startCli(importArgs('household-registration', household), crashed, {
      IMPORT_BATCH_ROWS: '300',
      IMPORT_PROGRESS_INTERVAL_MS: '0',
    });
    let exited = false;
    void run.done.then(() => (exited = true));
    const midway = await pollJob(
      crashed,
      (j) => j.committedRow > 0,
      () => !exited,
    );
    run.child.kill('SIGKILL');
    const killed = await run.done;
    output += killed.stdout + killed.stderr;
    expect(midway).toBeDefined();
    expect(killed.signal).toBe('SIGKILL');
    const [atKill] = readJobs(crashed);
    expect(atKill.state).toBe('running');
    expect(atKill.committedRow).toBeGreaterThan(0);
    expect(atKill.committedRow).toBeLessThan(referenceJob.counts.read);

    const again = await runCli(importArgs('household-registration', household), crashed);
    output += again.stdout + again.stderr;
    const [job] = readJobs(crashed);
    expect(job._id).toBe(referenceJob._id);
    expect(job.state).toBe('completed');
    expect(job.counts.read).toBe(job.counts.imported + job.counts.quarantined);
    expect({
      read: job.counts.read,
      imported: job.counts.imported,
      quarantined: job.counts.quarantined,
      reasons: job.reasonsByCode,
    }).toEqual({
      read: referenceJob.counts.read,
      imported: referenceJob.counts.imported,
      quarantined: referenceJob.counts.quarantined,
      reasons: referenceJob.reasonsByCode,
    });

    const resumed = eventStats(crashed);
    const uninterrupted = eventStats(reference);
    expect(resumed.distinctIds).toBe(resumed.total);
    expect(resumed.streamsWithoutExactlyOneRegistration).toBe(0);
    expect(resumed.personStreams).toBe(uninterrupted.personStreams);
    expect(resumed.byType).toEqual(uninterrupted.byType);
  });

  it('imports the enrolment file too, and the region counts total every household person', async () => {
    const second = await runCli(importArgs('insurance-enrollment', enrollment), reference);
    output += second.stdout + second.stderr;
    const jobs = readJobs(reference);
    const job = jobs.find((j) => j.source === 'insurance-enrollment')!;
    expect(job).toMatchObject({ state: 'completed', format: 'csv', encoding: 'utf-8' });
    expect(job.counts.read).toBe(job.counts.imported + job.counts.quarantined);
    expect(job.counts.events).toBeGreaterThan(0);
    const stats = eventStats(reference);
    expect(stats.streamsWithoutExactlyOneRegistration).toBe(0);

    const t = await startApp({ DATA_DIR: reference, LOG_FILE: join(reference, 'service.log') });
    try {
      await t.caughtUp();
      const token = t.token({ sub: 'importer', roles: ['province-admin'], region: '44' });
      const res = await t.http().get('/v1/reports/region-counts').query({ region: '44' }).set(bearer(token));
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(stats.householdPersons);
      expect(res.body.total).toBeGreaterThan(2500);
      expect(res.body.children.reduce((n: number, c: { total: number }) => n + c.total, 0)).toBe(res.body.total);
    } finally {
      await t.close();
    }
  });

  it('no citizen ID of the province reached a log or the terminal', () => {
    const truth = readFileSync(join(province, 'truth', 'persons.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (JSON.parse(l) as { citizenId: string }).citizenId);
    expect(truth.length).toBeGreaterThanOrEqual(3000);
    const logs = [reference, crashed]
      .map((d) => join(d, 'service.log'))
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expectNoCitizenIdIn(logs + output, truth);
  });
});
