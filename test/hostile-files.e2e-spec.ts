/**
 * Files built to hurt, sent to POST /v1/imports: an over-long line is quarantined and the
 * rest imported, a mixed-encoding row is quarantined readable, and a file the reader refuses
 * (a header line that never ends, 10,000 columns, an XLSX zip bomb) fails the import with
 * its code. The service answers the next request every time. The record limit is set to
 * 64 KiB here, so the over-long lines are megabytes, not gigabytes (the reader's own spec
 * reads a 2 GiB one).
 */
import iconv from 'iconv-lite';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { longLine, writeXlsxBomb } from '@registry/ingest/testing/hostile-files';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES } from './support/citizens';
import { HOUSEHOLD_HEADER, HouseholdPerson, csvLine, householdRow } from './support/imports-files';

jest.setTimeout(120_000);

const work = mkdtempSync(join(tmpdir(), 'registry-hostile-files-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await startApp({ IMPORT_MAX_ROW_BYTES: String(64 * 1024), LOOKUP_RATE_LIMIT: '10000' });
  token = t.token({ sub: 'importer', roles: ['province-admin'], region: '44' });
});
afterAll(async () => {
  await t?.close();
});

let serial = 0;
function person(name: string): HouseholdPerson {
  serial++;
  return {
    recordId: `HX${String(serial).padStart(6, '0')}`,
    citizen: newCitizen(PLACES.nanshan.county, serial % 2 ? '1' : '2'),
    name,
    region: PLACES.nanshan.township,
  };
}

async function importFile(path: string, source = 'household-registration') {
  const res = await t.http().post('/v1/imports').set(bearer(token)).field('source', source).attach('file', path, { filename: 'upload' });
  expect(res.status).toBe(202);
  await t.app.get(ImportService).waitFor(res.body.importId);
  const view = await t.http().get(`/v1/imports/${res.body.importId}`).set(bearer(token));
  expect(view.status).toBe(200);
  return view.body as {
    importId: string;
    state: string;
    reconciled: boolean;
    counts: { read: number; imported: number; quarantined: number };
    reasonsByCode: Record<string, number>;
    error?: { code: string; message: string };
  };
}

async function rejections(importId: string): Promise<Array<Record<string, string>>> {
  const res = await t.http().get(`/v1/imports/${importId}/rejections`).set(bearer(token));
  expect(res.status).toBe(200);
  return parse(res.text.replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
}

async function expectServiceUp(): Promise<void> {
  expect((await t.http().get('/v1/persons').query({ limit: '1' }).set(bearer(token))).status).toBe(200);
}

describe('imports of files built to hurt', () => {
  it('a 5 MiB line in the middle: that row is quarantined as ROW_TOO_LARGE, the rows around it are imported', async () => {
    const people = [person('甲'), person('乙')];
    const path = join(work, 'long-line.csv');
    const head = `${csvLine(HOUSEHOLD_HEADER)}\r\n${csvLine(householdRow(people[0]))}\r\n`;
    await pipeline(longLine(5 * 1024 * 1024, head, `\r\n${csvLine(householdRow(people[1]))}\r\n`), createWriteStream(path));
    const job = await importFile(path);
    expect(job).toMatchObject({ state: 'completed', reconciled: true, counts: { read: 3, imported: 2, quarantined: 1 } });
    expect(job.reasonsByCode.ROW_TOO_LARGE).toBe(1);
    const [row] = await rejections(job.importId);
    expect(row).toMatchObject({ rowNumber: '2', codes: expect.stringContaining('ROW_TOO_LARGE') });
    expect(row.raw).toHaveLength(64 * 1024);
    await expectServiceUp();
  });

  it('a GB18030 row in a UTF-8 file: quarantined as ROW_ENCODING_MISMATCH, its raw text readable', async () => {
    const people = Array.from({ length: 1200 }, (_, i) => person(`欧阳${'娜丽华'[i % 3]}`));
    const odd = person('张𬌗丽');
    const path = join(work, 'mixed.csv');
    const utf8 = [HOUSEHOLD_HEADER, ...people.map((p) => householdRow(p))].map(csvLine).join('\r\n') + '\r\n';
    writeFileSync(path, Buffer.concat([Buffer.from(utf8), iconv.encode(`${csvLine(householdRow(odd))}\r\n`, 'gb18030')]));
    const job = await importFile(path);
    expect(job).toMatchObject({ state: 'completed', reconciled: true, counts: { read: 1201, imported: 1200, quarantined: 1 } });
    const [row] = await rejections(job.importId);
    expect(row.codes).toContain('ROW_ENCODING_MISMATCH');
    expect(row.raw).toBe(csvLine(householdRow(odd)));
    await expectServiceUp();
  });

  it.each([
    [
      'a header line that never ends (FILE_HEADER_TOO_LARGE)',
      'FILE_HEADER_TOO_LARGE',
      async (path: string) => pipeline(longLine(3 * 1024 * 1024, '记录编号,'), createWriteStream(path)),
    ],
    [
      'a header of 10,000 columns (FILE_TOO_MANY_COLUMNS)',
      'FILE_TOO_MANY_COLUMNS',
      async (path: string) =>
        writeFileSync(
          path,
          `${[...HOUSEHOLD_HEADER, ...Array.from({ length: 10_000 - HOUSEHOLD_HEADER.length }, (_, i) => `c${i}`)].join(',')}\r\n`,
        ),
    ],
    [
      'an XLSX whose sheet inflates to 3 GiB (FILE_XLSX_TOO_LARGE)',
      'FILE_XLSX_TOO_LARGE',
      async (path: string) => {
        await writeXlsxBomb(path, { inflatedBytes: 3 * 1024 ** 3 });
      },
    ],
    [
      'an XLSX compressed a thousandfold (FILE_XLSX_COMPRESSION_RATIO)',
      'FILE_XLSX_COMPRESSION_RATIO',
      async (path: string) => {
        await writeXlsxBomb(path, { inflatedBytes: 256 * 1024 ** 2 });
      },
    ],
  ])('%s: the import fails with the code, nothing is imported, the service answers', async (_label, code, write) => {
    const path = join(work, `refused-${code}`);
    await write(path);
    const job = await importFile(path, code.startsWith('FILE_XLSX') ? 'card-library' : 'household-registration');
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe(code);
    expect(job.error?.message).not.toMatch(/\d{17}[\dX]/);
    expect(job.counts.imported).toBe(0);
    await expectServiceUp();
  });
});
