/**
 * Coverage and data-quality reports on a generated province imported over two days (the
 * event store's clock is the test's): the coverage report reconciles with the person read
 * model today and with the persons folded from the log as of the first day; the change since
 * is the difference; reporting consumers get suppressed cells that cannot be worked out;
 * exports (XLSX, CSV in GB18030), charts (SVG, PNG) carry Chinese labels.
 */
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { generateProvince } from '@registry/ingest';
import { EVENT_STORE, EventStore, RecordedEvent } from '@registry/event-store';
import { Principal } from '../apps/registry/src/auth/principal';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { PersonalDataProtector } from '../apps/registry/src/privacy/personal-data';
import { personDocumentCodec } from '../apps/registry/src/projections/catalogue';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { PersonDocument, evolvePersonDocument } from '../apps/registry/src/persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../apps/registry/src/persons/projections/persons.projection';
import { COLUMNS, countTable, tableRows } from '../apps/registry/src/reports/coverage-table';
import { chartFont } from '../apps/registry/src/reports/chart';
import { bearer, startApp, TestApp } from './support/app';
import { expectProblem } from './support/requests';
import { intervalAttack, linearAttack } from './support/suppression-attacks';

jest.setTimeout(180_000);

const binary = (res: Response, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

interface Row {
  region: string | null;
  kind: string;
  values: Record<string, number | null>;
  coverageRate: number | null;
  suppressed: string[];
  change?: Record<string, number | null>;
}

/** Counts of person documents by region (the report's row region, display code) and column key. */
function countDocs(docs: PersonDocument[], rows: Row[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const row of rows) {
    if (row.kind !== 'child' && row.kind !== 'region') continue;
    const prefix = row.region!.replace(/(00)+$/, '');
    const counts: Record<string, number> = { householdPopulation: 0 };
    for (const d of docs) {
      if (!d.householdRegion?.startsWith(prefix)) continue;
      counts.householdPopulation++;
      counts[d.coverageStatus] = (counts[d.coverageStatus] ?? 0) + 1;
    }
    out.set(row.region!, counts);
  }
  return out;
}

const statusesOf = (row: Row) => ({
  householdPopulation: row.values.householdPopulation,
  ...Object.fromEntries(['insured-local', 'insured-elsewhere', 'uninsured', 'exempt', 'unresolved'].map((s) => [s, row.values[s]])),
});

describe('coverage and data-quality reports', () => {
  let t: TestApp;
  let dir: string;
  let admin: string;
  let consumer: string;
  let now = new Date('2024-03-01T09:00:00.000Z');
  const DAY1 = '2024-03-01';
  const DAY2 = '2024-03-05';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reports-e2e-'));
    const manifest = await generateProvince({ persons: 400, seed: 'reports-e2e', outDir: dir });
    t = await startApp({}, { clock: () => now });
    admin = t.token({ role: 'province-admin', sub: 'admin', region: '44' });
    consumer = t.token({ role: 'reporting-consumer', sub: 'stats-bureau', region: '44' });
    const imports = t.app.get(ImportService);
    const caller = new Principal('importer', ['province-admin'], '44');
    for (const [source, day] of [
      ['household-registration', '2024-03-01T09:00:00.000Z'],
      ['insurance-enrollment', '2024-03-05T09:00:00.000Z'],
    ] as const) {
      now = new Date(day);
      const file = manifest.files.find((f) => f.kind === source)!.file;
      const job = await imports.submit({ source, filePath: join(dir, file), fileName: file, caller, channel: 'cli' });
      expect((await imports.waitFor(job._id)).state).toBe('completed');
      await t.caughtUp();
    }
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconciles with the person read model today, city by city', async () => {
    const res = await t.http().get('/v1/reports/coverage').query({ region: '44' }).set(bearer(admin)).expect(200);
    const rows: Row[] = res.body.rows;
    const persons = await t.app.get(ProjectionsService).collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    const docs: PersonDocument[] = [];
    let cursor: string | undefined;
    do {
      const page = await persons.find({}, { limit: 1000, cursor });
      docs.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const expected = countDocs(docs, rows);
    expect(rows.filter((r) => r.kind === 'child').length).toBeGreaterThan(5);
    for (const row of rows.filter((r) => r.kind !== 'remainder')) {
      const want = expected.get(row.region!)!;
      expect({ region: row.region, ...statusesOf(row) }).toEqual({
        region: row.region,
        householdPopulation: want.householdPopulation,
        'insured-local': want['insured-local'] ?? 0,
        'insured-elsewhere': want['insured-elsewhere'] ?? 0,
        uninsured: want.uninsured ?? 0,
        exempt: want.exempt ?? 0,
        unresolved: want.unresolved ?? 0,
      });
    }
    const province = rows[0];
    expect(province.values['insured-local']).toBeGreaterThan(0);
    const covered = province.values['insured-local']! + province.values['insured-elsewhere']!;
    expect(province.coverageRate).toBeCloseTo(covered / (province.values.householdPopulation! - province.values.exempt!), 4);
  });

  it('as of the first day: what the log held by its end, folded person by person; and the change since', async () => {
    const asOf = await t.http().get('/v1/reports/coverage').query({ region: '44', asOf: DAY1 }).set(bearer(admin)).expect(200);
    const codec = personDocumentCodec(t.app.get(PersonalDataProtector));
    const byStream = new Map<string, PersonDocument | null>();
    for await (const e of t.app.get<EventStore>(EVENT_STORE).readAll({ filter: { streamPrefixes: ['person-'] } })) {
      if (e.recordedAt > `${DAY1}T23:59:59.999Z`) continue;
      byStream.set(e.stream, evolvePersonDocument(byStream.get(e.stream) ?? null, e as RecordedEvent, codec, '44'));
    }
    const then = countDocs(
      [...byStream.values()].filter((d): d is PersonDocument => d !== null),
      asOf.body.rows,
    );
    for (const row of (asOf.body.rows as Row[]).filter((r) => r.kind !== 'remainder')) {
      expect({ region: row.region, population: row.values.householdPopulation, local: row.values['insured-local'] }).toEqual({
        region: row.region,
        population: then.get(row.region!)!.householdPopulation,
        local: then.get(row.region!)!['insured-local'] ?? 0,
      });
    }
    // Before the enrolment file nobody was insured here.
    expect(asOf.body.rows[0].values['insured-local']).toBe(0);

    const now2 = await t.http().get('/v1/reports/coverage').query({ region: '44', asOf: DAY2 }).set(bearer(admin)).expect(200);
    const since = await t
      .http()
      .get('/v1/reports/coverage')
      .query({ region: '44', asOf: DAY2, since: DAY1 })
      .set(bearer(admin))
      .expect(200);
    const p = since.body.rows[0];
    expect(p.change['insured-local']).toBe(now2.body.rows[0].values['insured-local'] - asOf.body.rows[0].values['insured-local']);
    expect(p.change.householdPopulation).toBe(now2.body.rows[0].values.householdPopulation - asOf.body.rows[0].values.householdPopulation);
    expectProblem(
      await t.http().get('/v1/reports/coverage').query({ asOf: DAY1, since: DAY2 }).set(bearer(admin)),
      400,
      'SINCE_AFTER_AS_OF',
    );
    expectProblem(await t.http().get('/v1/reports/coverage').query({ asOf: '2024-02-30' }).set(bearer(admin)), 400, 'VALIDATION_FAILED');
  });

  it('hides small counts from reporting consumers so that none can be worked out, the same in every format', async () => {
    for (const region of ['44', '4403']) {
      const open = await t.http().get('/v1/reports/coverage').query({ region }).set(bearer(admin)).expect(200);
      const hidden = await t.http().get('/v1/reports/coverage').query({ region }).set(bearer(consumer)).expect(200);
      expect(hidden.body.minCell).toBe(5);
      const rows: Row[] = hidden.body.rows;
      const cells = new Set<number>();
      rows.forEach((row, i) => {
        COLUMNS.forEach((c, j) => {
          const v = row.values[c.key];
          if (v === null) cells.add(i * COLUMNS.length + j);
          else {
            expect({ region: row.region, column: c.key, value: v >= 5 }).toEqual({ region: row.region, column: c.key, value: true });
            expect(v).toBe((open.body.rows as Row[])[i].values[c.key]);
          }
        });
      });
      expect(cells.size).toBeGreaterThan(0);
      // The intruder knows the relations and everything shown: no hidden cell comes out.
      const table = countTable(
        tableRows(
          { region, counts: toCounts(open.body.rows[0]) },
          (open.body.rows as Row[]).filter((r) => r.kind === 'child').map((r) => ({ region: r.region!, counts: toCounts(r) })),
        ),
      );
      expect(intervalAttack(table, cells)).toEqual([]);
      expect(linearAttack(table, cells)).toEqual([]);
      // CSV shows the same cells hidden.
      const csv = await t
        .http()
        .get('/v1/reports/coverage')
        .query({ region, format: 'csv' })
        .set(bearer(consumer))
        .buffer(true)
        .parse(binary)
        .expect(200);
      const lines = (csv.body as Buffer)
        .toString('utf8')
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n');
      const header = lines.findIndex((l) => l.startsWith('区划代码'));
      const stars = lines.slice(header + 1).reduce(
        (n, l) =>
          n +
          l
            .split(',')
            .slice(2, 2 + COLUMNS.length)
            .filter((c) => c === '*').length,
        0,
      );
      expect(stars).toBe(cells.size);
    }
  });

  it('exports XLSX with Chinese headers, CSV in GB18030, and charts with Chinese labels', async () => {
    const xlsx = await t
      .http()
      .get('/v1/reports/coverage')
      .query({ region: '44', format: 'xlsx' })
      .set(bearer(admin))
      .buffer(true)
      .parse(binary)
      .expect(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Uint8Array.from(xlsx.body as Buffer).buffer);
    const sheet = book.getWorksheet('参保情况')!;
    const headerRow = [1, 2, 3, 4].map((i) => sheet.getRow(i)).find((r) => r.getCell(1).value === '区划代码')!;
    expect([headerRow.getCell(2).value, headerRow.getCell(3).value, headerRow.getCell(4).value]).toEqual([
      '区划名称',
      '户籍人口',
      '本省参保',
    ]);

    const csv = await t
      .http()
      .get('/v1/reports/coverage')
      .query({ region: '44', format: 'csv', encoding: 'gb18030' })
      .set(bearer(admin))
      .buffer(true)
      .parse(binary)
      .expect(200);
    const text = iconv.decode(csv.body as Buffer, 'gb18030');
    expect(text).toContain('区划代码,区划名称,户籍人口');
    expect(text).toContain('广州市');

    const svg = await t.http().get('/v1/reports/coverage').query({ region: '44', format: 'svg' }).set(bearer(admin)).expect(200);
    const svgText = String(svg.text ?? (svg.body as Buffer).toString('utf8'));
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
    expect(svgText).toContain('<svg');
    expect(svgText).toContain('广州市');
    expect(svgText).toContain('参保率');

    if (!chartFont()) {
      console.warn('PNG chart not checked: no CJK font on this machine (apt-get install fonts-wqy-microhei); CI installs one');
      expectProblem(
        await t.http().get('/v1/reports/coverage').query({ region: '44', format: 'png' }).set(bearer(admin)),
        503,
        'CHART_FONT_MISSING',
      );
      return;
    }
    const png = await t
      .http()
      .get('/v1/reports/coverage')
      .query({ region: '44', format: 'png' })
      .set(bearer(admin))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect([...(png.body as Buffer).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect((png.body as Buffer).length).toBeGreaterThan(5000);
  });

  it('reports data quality per import: completeness, validity, consistency, timeliness, duplicates, oldest first', async () => {
    const res = await t.http().get('/v1/reports/data-quality').set(bearer(admin)).expect(200);
    const imports = res.body.rows.filter((r: { kind: string }) => r.kind === 'import');
    expect(imports.map((r: { source: string }) => r.source)).toEqual(['household-registration', 'insurance-enrollment']);
    const household = imports[0];
    expect(household.rows).toBe(household.imported + household.quarantined);
    expect(household.completeness.citizenId).toBeGreaterThan(0.9);
    expect(household.completeness.citizenId).toBeLessThan(1);
    expect(Object.keys(household.validity.rejectedByCode).length).toBeGreaterThan(0);
    expect(household.timeliness.medianSeconds).not.toBeNull();
    expect(household.duplicates.duplicateRows).toBeGreaterThanOrEqual(0);
    const one = await t.http().get('/v1/reports/data-quality').query({ importId: household.importId }).set(bearer(admin)).expect(200);
    expect(one.body.rows.map((r: { unit: string }) => r.unit)).toEqual([household.importId]);
    const bySource = await t
      .http()
      .get('/v1/reports/data-quality')
      .query({ source: 'insurance-enrollment' })
      .set(bearer(admin))
      .expect(200);
    expect(bySource.body.rows.every((r: { source: string }) => r.source === 'insurance-enrollment')).toBe(true);
    const hidden = await t.http().get('/v1/reports/data-quality').set(bearer(consumer)).expect(200);
    const shown = JSON.stringify(hidden.body.rows.map((r: { validity: unknown; consistency: unknown }) => [r.validity, r.consistency]));
    for (const n of shown.match(/:(\d+)[,}]/g) ?? []) expect(Number(n.slice(1, -1))).toBeGreaterThanOrEqual(5);
    const xlsx = await t
      .http()
      .get('/v1/reports/data-quality')
      .query({ format: 'xlsx' })
      .set(bearer(admin))
      .buffer(true)
      .parse(binary)
      .expect(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Uint8Array.from(xlsx.body as Buffer).buffer);
    expect(book.getWorksheet('数据质量')!.getRow(1).getCell(5).value).toBe('读取行数');
  });
});

function toCounts(row: Row) {
  const v = row.values as Record<string, number>;
  return {
    total: v.householdPopulation,
    coverage: Object.fromEntries(['insured-local', 'insured-elsewhere', 'uninsured', 'exempt', 'unresolved'].map((s) => [s, v[s]])),
    exempt: Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k.startsWith('exempt:') && k !== 'exempt:other')
        .map(([k, n]) => [k.slice(7), n]),
    ),
    localTypes: Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k.startsWith('local:'))
        .map(([k, n]) => [k.slice(6), n]),
    ),
  };
}
