/**
 * Files built to hurt: each is refused as a file or has its rows quarantined, with a stable
 * code, and the reader never holds more than its limit (asserted where it is deterministic:
 * the record guard's largest held prefix, the bytes read before a refusal).
 */
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { counted, longLine, writeXlsxBomb } from '../testing/hostile-files';
import { DEFAULT_READ_LIMITS, IngestError, KEPT_RAW_BYTES, ReadLimits } from './limits';
import { openRecords, readTextRecords } from './open-records';
import { FileUnreadableError, RawRecord, TextEncoding } from './types';

jest.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'ingest-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

async function readStream(
  bytes: Readable,
  format: 'csv' | 'ndjson' = 'csv',
  encoding: TextEncoding = 'utf-8',
  limits: Partial<ReadLimits> = {},
) {
  const { table, guard } = await readTextRecords(bytes, format, encoding, { ...DEFAULT_READ_LIMITS, ...limits }, () => undefined);
  const rows: RawRecord[] = [];
  for await (const row of table.rows) rows.push(row);
  return { headers: table.headers, rows, guard };
}

async function readFile(path: string, limits: Partial<ReadLimits> = {}) {
  const opened = await openRecords({ path }, { limits });
  const rows: RawRecord[] = [];
  for await (const row of opened.records) rows.push(row);
  return { opened, rows };
}

const codes = (rows: RawRecord[]) => rows.map((r) => r.problems?.[0]?.code ?? 'ok');

async function refusal(promise: Promise<unknown>): Promise<IngestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IngestError);
  return error as IngestError;
}

describe('a 2 GiB line without a line break', () => {
  it('after the header: one row quarantined as ROW_TOO_LARGE, its first 64 KiB kept, never more than 1 MiB held', async () => {
    const source = counted(longLine(2 * GiB, '公民身份号码,姓名\n110101199001011237,王五\n', ''));
    const { headers, rows, guard } = await readStream(source.stream);
    expect(headers).toEqual(['公民身份号码', '姓名']);
    expect(codes(rows)).toEqual(['ok', 'ROW_TOO_LARGE']);
    expect(rows[1].rowNumber).toBe(2);
    expect(rows[1].problems![0].message).toMatch(/longer than 1 MiB \(no line break\?\)/);
    expect(rows[1].rawLine).toHaveLength(KEPT_RAW_BYTES);
    expect(source.bytes()).toBeGreaterThan(2 * GiB);
    expect(guard.peakHeldBytes).toBeLessThanOrEqual(DEFAULT_READ_LIMITS.maxRecordBytes);
  });

  it('as the header: the file is refused (FILE_HEADER_TOO_LARGE) after reading little more than the limit', async () => {
    const source = counted(longLine(2 * GiB));
    const error = await refusal(readStream(source.stream));
    expect(error.code).toBe('FILE_HEADER_TOO_LARGE');
    expect(source.bytes()).toBeLessThan(DEFAULT_READ_LIMITS.maxRecordBytes + 4 * MiB);
  });

  it('in NDJSON: the line is quarantined and the lines after it are read', async () => {
    const { rows, guard } = await readStream(longLine(5 * MiB, '{"姓名":"甲"}\n{"x":"', '"}\n{"姓名":"乙"}\n'), 'ndjson');
    expect(codes(rows)).toEqual(['ok', 'ROW_TOO_LARGE', 'ok']);
    expect(rows[2].values).toEqual({ 姓名: '乙' });
    expect(guard.peakHeldBytes).toBeLessThanOrEqual(MiB);
  });

  it('between rows: the rows on either side are read, numbered in order', async () => {
    const { rows } = await readStream(longLine(3 * MiB, 'a,b\n1,2\n', '\r\n3,4\n'));
    expect(codes(rows)).toEqual(['ok', 'ROW_TOO_LARGE', 'ok']);
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
    expect(rows[2].values).toEqual({ a: '3', b: '4' });
  });

  it('in a CRLF file: the stand-in keeps its own line, so the next row stays a row of its own', async () => {
    const { rows } = await readStream(longLine(3 * MiB, 'a,b\r\n1,2\r\n', '\r\n3,4\r\n'));
    expect(codes(rows)).toEqual(['ok', 'ROW_TOO_LARGE', 'ok']);
    expect(rows[2].values).toEqual({ a: '3', b: '4' });
  });

  it('the limit is a setting: 64 KiB rows refuse what 1 MiB rows accept', async () => {
    const line = `a\n${'y'.repeat(100 * 1024)}\n`;
    expect(codes((await readStream(Readable.from([Buffer.from(line)]))).rows)).toEqual(['ok']);
    const small = await readStream(Readable.from([Buffer.from(line)]), 'csv', 'utf-8', { maxRecordBytes: 64 * 1024 });
    expect(codes(small.rows)).toEqual(['ROW_TOO_LARGE']);
  });
});

describe('a CSV bomb of quoted line breaks', () => {
  const limits = { maxRecordBytes: 64 * 1024 };

  it('an unclosed quote swallows at most the record limit: quarantined, then reading resumes at the next line', async () => {
    // Row 2 opens a quote that never closes; 30,000 short lines (200 KiB) follow, then good rows.
    const swallowed = Array.from({ length: 30_000 }, (_, i) => `${i},${i}\n`).join('');
    const text = `a,b\n1,2\n3,"open\n${swallowed}7,8\n9,10\n`;
    const { rows, guard } = await readStream(Readable.from([Buffer.from(text)]), 'csv', 'utf-8', limits);
    expect(rows[0]).toMatchObject({ rowNumber: 1, values: { a: '1', b: '2' } });
    expect(rows[1].problems![0]).toMatchObject({ code: 'ROW_TOO_LARGE', message: expect.stringMatching(/unclosed quote/) });
    expect(rows[1].rawLine.startsWith('3,"open\n0,0\n1,1\n')).toBe(true);
    // The lines after the cut are rows again: none is lost, each read as itself.
    const after = rows.slice(2);
    expect(after.every((r) => r.problems === undefined)).toBe(true);
    expect(after.slice(-2).map((r) => r.values)).toEqual([
      { a: '7', b: '8' },
      { a: '9', b: '10' },
    ]);
    expect(guard.peakHeldBytes).toBeLessThanOrEqual(limits.maxRecordBytes);
  });

  it('a quoted cell of line breaks only (a newline bomb) is one row, cut at the limit', async () => {
    const source = counted(longLine(256 * MiB, 'a,b\n1,"', '"\n2,3\n', '\n'));
    const { rows, guard } = await readStream(source.stream, 'csv', 'utf-8', limits);
    // After the cut, the rest of the bomb is blank lines (skipped), then the closing quote
    // opens a new quoted cell that the file's end closes: a malformed row, and nothing else.
    expect(codes(rows)).toEqual(['ROW_TOO_LARGE', 'ROW_MALFORMED']);
    expect(guard.peakHeldBytes).toBeLessThanOrEqual(limits.maxRecordBytes);
    expect(source.bytes()).toBeGreaterThan(256 * MiB);
  });

  it('quoted line breaks within the limit are still cells (legitimate multi-line addresses)', async () => {
    const text = 'a,b\n1,"广东省\r\n广州市"\n2,3\n';
    const { rows } = await readStream(Readable.from([Buffer.from(text)]), 'csv', 'utf-8', limits);
    expect(rows.map((r) => r.values)).toEqual([
      { a: '1', b: '广东省\r\n广州市' },
      { a: '2', b: '3' },
    ]);
  });

  it('a CRLF file with bare LF lines after it: every line break ends a record, so no record grows unbounded', async () => {
    const text = 'a,b\r\n' + '1,2\n'.repeat(50_000);
    const { rows, guard } = await readStream(Readable.from([Buffer.from(text)]), 'csv', 'utf-8', limits);
    expect(rows).toHaveLength(50_000);
    expect(rows.every((r) => r.problems === undefined)).toBe(true);
    expect(guard.peakHeldBytes).toBeLessThan(1024);
  });
});

describe('mixed encodings in one file', () => {
  const utf8Rows = Array.from({ length: 3000 }, (_, i) => `1101011990010${String(i).padStart(5, '0')},欧阳娜娜${i}\n`).join('');

  it('a GB18030 line in a UTF-8 file (past the detection sample) is quarantined, kept readable as GB18030', async () => {
    const path = join(dir, 'mixed-utf8.csv');
    const gbLine = iconv.encode('110101199001019999,张𬌗丽\n', 'gb18030');
    writeFileSync(path, Buffer.concat([Buffer.from(`公民身份号码,姓名\n${utf8Rows}`), gbLine, Buffer.from('110101199001018888,李四\n')]));
    expect(statSync(path).size).toBeGreaterThan(64 * 1024);
    const { opened, rows } = await readFile(path);
    expect(opened.encoding).toBe('utf-8');
    expect(codes(rows).filter((c) => c !== 'ok')).toEqual(['ROW_ENCODING_MISMATCH']);
    const bad = rows.find((r) => r.problems)!;
    expect(bad.rowNumber).toBe(3001);
    expect(bad.rawLine).toBe('110101199001019999,张𬌗丽');
    expect(rows[rows.length - 1].values['姓名']).toBe('李四');
  });

  it('a UTF-8 line in a GB18030 file is quarantined, kept readable as UTF-8; GB18030 lines around it are fine', async () => {
    const path = join(dir, 'mixed-gb.csv');
    const gb = iconv.encode('公民身份号码,姓名\n110101199001011237,王𬌗\n', 'gb18030');
    writeFileSync(
      path,
      Buffer.concat([gb, Buffer.from('110101199001011238,欧阳娜娜\n'), iconv.encode('110101199001011239,李四\n', 'gb18030')]),
    );
    const { opened, rows } = await readFile(path);
    expect(opened.encoding).toBe('gb18030');
    expect(codes(rows)).toEqual(['ok', 'ROW_ENCODING_MISMATCH', 'ok']);
    expect(rows[0].values['姓名']).toBe('王𬌗');
    expect(rows[1].rawLine).toBe('110101199001011238,欧阳娜娜');
    expect(rows[2].values['姓名']).toBe('李四');
  });

  it('in NDJSON too', async () => {
    const lines = Buffer.concat([
      Buffer.from('{"姓名":"甲"}\n'),
      iconv.encode('{"姓名":"乙"}\n', 'gb18030'),
      Buffer.from('{"姓名":"丙"}\n'),
    ]);
    const { rows } = await readStream(Readable.from([lines]), 'ndjson');
    expect(codes(rows)).toEqual(['ok', 'ROW_ENCODING_MISMATCH', 'ok']);
    expect(rows[1].rawLine).toBe('{"姓名":"乙"}');
  });
});

describe('a byte-order mark in the middle of a file', () => {
  it('two UTF-8 files joined: the second header (with its BOM) is quarantined as ROW_BOM_INSIDE, its rows are read', async () => {
    const part = (rows: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`公民身份号码,姓名\n${rows}`)]);
    const path = join(dir, 'joined.csv');
    writeFileSync(path, Buffer.concat([part('110101199001011237,甲\n'), part('110101199001011238,乙\n')]));
    const { opened, rows } = await readFile(path);
    expect(opened.headers).toEqual(['公民身份号码', '姓名']);
    expect(codes(rows)).toEqual(['ok', 'ROW_BOM_INSIDE', 'ok']);
    expect(rows[1].rawLine).toBe('\uFEFF公民身份号码,姓名');
    expect(rows[2].values).toEqual({ 公民身份号码: '110101199001011238', 姓名: '乙' });
  });

  it('a BOM inside a cell of a UTF-8 file, and at the start of a line of a GB18030 file', async () => {
    const utf8 = await readStream(Readable.from([Buffer.from('a,b\n1,\uFEFF2\n3,4\n')]));
    expect(codes(utf8.rows)).toEqual(['ROW_BOM_INSIDE', 'ok']);
    const gb = Buffer.concat([
      iconv.encode('姓名,号\n张三,1\n', 'gb18030'),
      Buffer.from([0xef, 0xbb, 0xbf]),
      iconv.encode('李四,2\n', 'gb18030'),
    ]);
    const read = await readStream(Readable.from([gb]), 'csv', 'gb18030');
    expect(codes(read.rows)).toEqual(['ok', 'ROW_BOM_INSIDE']);
  });
});

describe('10,000 columns', () => {
  const wide = Array.from({ length: 10_000 }, (_, i) => `列${i}`);

  it('a CSV header that wide refuses the file (FILE_TOO_MANY_COLUMNS)', async () => {
    const error = await refusal(readStream(Readable.from([Buffer.from(`${wide.join(',')}\n1,2\n`)])));
    expect(error.code).toBe('FILE_TOO_MANY_COLUMNS');
    expect(error.message).toBe('the header has 10000 columns; at most 1000 are read');
  });

  it('an NDJSON first object and an XLSX header that wide too', async () => {
    const object = JSON.stringify(Object.fromEntries(wide.map((k) => [k, '1'])));
    expect((await refusal(readStream(Readable.from([Buffer.from(`${object}\n`)]), 'ndjson'))).code).toBe('FILE_TOO_MANY_COLUMNS');
    const path = join(dir, 'wide.xlsx');
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path });
    const ws = wb.addWorksheet('s');
    ws.addRow(wide).commit();
    ws.addRow(['1']).commit();
    ws.commit();
    await wb.commit();
    expect((await refusal(readFile(path))).code).toBe('FILE_TOO_MANY_COLUMNS');
  });

  it('a data row that wide under a normal header is quarantined (ROW_COLUMN_COUNT) and reading goes on', async () => {
    const { rows } = await readStream(Readable.from([Buffer.from(`a,b\n${wide.join(',')}\n1,2\n`)]));
    expect(codes(rows)).toEqual(['ROW_COLUMN_COUNT', 'ok']);
  });
});

describe('an XLSX zip bomb', () => {
  it('the builder makes readable workbooks: a small one reads as a sheet', async () => {
    const path = join(dir, 'small-bomb.xlsx');
    await writeXlsxBomb(path, { inflatedBytes: 2 * MiB });
    const { opened, rows } = await readFile(path, { xlsxMaxCompressionRatio: 1e9 });
    expect(opened.format).toBe('xlsx');
    expect(opened.headers).toEqual(['姓名', '公民身份号码']);
    expect(rows.length).toBeGreaterThan(8000);
    expect(rows[0].values).toEqual({ 姓名: '张三', 公民身份号码: 'x' });
  });

  it('a sheet declared to inflate to 3 GiB is refused by its directory (FILE_XLSX_TOO_LARGE), nothing inflated', async () => {
    const path = join(dir, 'bomb-3g.xlsx');
    const made = await writeXlsxBomb(path, { inflatedBytes: 3 * GiB });
    expect(statSync(path).size).toBeLessThan(16 * MiB);
    expect(made.inflatedBytes).toBeGreaterThan(3 * GiB);
    const error = await refusal(readFile(path));
    expect(error.code).toBe('FILE_XLSX_TOO_LARGE');
    expect(error.message).toMatch(/worksheet part inflates to \d+ bytes; at most 2048 MiB/);
  });

  it('one within the size limit but compressed a thousandfold is refused by its ratio (FILE_XLSX_COMPRESSION_RATIO)', async () => {
    const path = join(dir, 'bomb-ratio.xlsx');
    await writeXlsxBomb(path, { inflatedBytes: 512 * MiB });
    expect((await refusal(readFile(path))).code).toBe('FILE_XLSX_COMPRESSION_RATIO');
  });

  it('one whose directory lies about its size is stopped at the declared size (FILE_UNREADABLE)', async () => {
    const path = join(dir, 'bomb-liar.xlsx');
    await writeXlsxBomb(path, { inflatedBytes: 1 * GiB, declaredSize: 64 * 1024 });
    await expect(readFile(path)).rejects.toBeInstanceOf(FileUnreadableError);
  });

  it('a shared-strings part over its own limit is refused before it is cached', async () => {
    const path = join(dir, 'bomb-strings.xlsx');
    await writeXlsxBomb(path, { inflatedBytes: 300 * MiB, part: 'sharedStrings' });
    const error = await refusal(readFile(path, { xlsxMaxCompressionRatio: 1e9 }));
    expect(error.code).toBe('FILE_XLSX_TOO_LARGE');
    expect(error.message).toMatch(/shared strings part/);
  });

  it('a worksheet row longer than its XML limit is refused (FILE_XLSX_ROW_TOO_LARGE)', async () => {
    const path = join(dir, 'long-row.xlsx');
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path });
    const ws = wb.addWorksheet('s');
    ws.addRow(['姓名']).commit();
    ws.addRow(Array.from({ length: 900 }, (_, i) => `${Math.random()}${i}`)).commit();
    ws.commit();
    await wb.commit();
    expect((await readFile(path)).rows).toHaveLength(1);
    expect((await refusal(readFile(path, { xlsxMaxRowXmlChars: 16 * 1024 }))).code).toBe('FILE_XLSX_ROW_TOO_LARGE');
  });

  it('a file that is not a zip at all, named .xlsx and starting like one, is FILE_UNREADABLE', async () => {
    const path = join(dir, 'broken.xlsx');
    writeFileSync(path, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(1000, 7)]));
    await expect(readFile(path)).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });
});
