import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import { readCsv } from './csv-reader';
import { openRecords } from './open-records';
import { FileUnreadableError, RawRecord } from './types';

const dir = mkdtempSync(join(tmpdir(), 'ingest-readers-'));
const RARE = '𠀀𪚥𬌗'; // outside the BMP, and outside GBK

async function readAll(path: string, opts = {}) {
  const opened = await openRecords({ path }, opts);
  const rows: RawRecord[] = [];
  for await (const r of opened.records) rows.push(r);
  return { opened, rows };
}

const csvText =
  '公民身份号码, 姓名 ,地址\r\n' + `110101199001011237,王${RARE},"广东省,广州市\r\n天河区"\r\n` + '110101199001011238,"李""四",普通\r\n';

describe('openRecords', () => {
  it('reads UTF-8 with BOM: BOM stripped from the header, quoted newlines and CRLF kept', async () => {
    const path = join(dir, 'bom.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csvText, 'utf8')]));
    const { opened, rows } = await readAll(path);
    expect(opened.format).toBe('csv');
    expect(opened.encoding).toBe('utf-8');
    expect(opened.headers).toEqual(['公民身份号码', '姓名', '地址']);
    expect(rows).toHaveLength(2);
    expect(rows[0].rowNumber).toBe(1);
    expect(rows[0].values['姓名']).toBe(`王${RARE}`);
    expect(rows[0].values['地址']).toBe('广东省,广州市\r\n天河区');
    expect(rows[0].rawLine).toContain('天河区"');
    expect(rows[1].values['姓名']).toBe('李"四');
    expect(opened.progress().bytesRead).toBe(opened.progress().totalBytes);
    expect(opened.progress().rowsRead).toBe(2);
    expect(opened.progress().fraction).toBe(1);
  });

  it('reads UTF-8 without BOM', async () => {
    const path = join(dir, 'plain.csv');
    writeFileSync(path, csvText, 'utf8');
    const { opened, rows } = await readAll(path);
    expect(opened.encoding).toBe('utf-8');
    expect(rows[0].values['姓名']).toBe(`王${RARE}`);
  });

  it('detects GB18030 and keeps 4-byte characters outside GBK', async () => {
    const path = join(dir, 'gb18030.csv');
    writeFileSync(path, iconv.encode(csvText, 'gb18030'));
    const { opened, rows } = await readAll(path);
    expect(opened.encoding).toBe('gb18030');
    expect(rows[0].values['姓名']).toBe(`王${RARE}`);
    expect(rows[0].values['姓名'].codePointAt(1)).toBe(0x20000);
  });

  it('reads GBK files (as GB18030 when detected, or when told gbk)', async () => {
    const text = '身份证号,姓名\n110101199001011237,欧阳娜娜\n';
    const path = join(dir, 'gbk.csv');
    writeFileSync(path, iconv.encode(text, 'gbk'));
    const detected = await readAll(path);
    expect(detected.opened.encoding).toBe('gb18030');
    expect(detected.rows[0].values['姓名']).toBe('欧阳娜娜');
    const told = await readAll(path, { encoding: 'gbk' });
    expect(told.opened.encoding).toBe('gbk');
    expect(told.rows[0].values['姓名']).toBe('欧阳娜娜');
  });

  it('keeps UTF-8 detection when the 64 KiB sample cuts a character in half', async () => {
    const head = '姓名\n';
    const filler = 'a'.repeat(65536 - Buffer.byteLength(head) - 1);
    const path = join(dir, 'cut.csv');
    writeFileSync(path, head + filler + '王\n');
    const { opened, rows } = await readAll(path);
    expect(opened.encoding).toBe('utf-8');
    expect(rows[0].values['姓名'].endsWith('王')).toBe(true);
  });

  it('reports wrong column counts and malformed rows as row problems and goes on', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'a,b,c\n1,2,3\n1,2\n1,2,3,4\n"x"y,2,3\n7,8,9\n1,"unclosed,3\n5,6,7\n');
    const { rows } = await readAll(path);
    expect(rows.map((r) => r.problems?.[0]?.code)).toEqual([
      undefined,
      'ROW_COLUMN_COUNT',
      'ROW_COLUMN_COUNT',
      undefined,
      undefined,
      'ROW_MALFORMED',
    ]);
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    // A stray quote inside an unquoted cell is tolerated (relax_quotes): kept as text.
    expect(rows[3].values.a).toBe('"x"y');
    expect(rows[4].values).toEqual({ a: '7', b: '8', c: '9' });
    expect(rows[1].values).toEqual({ a: '1', b: '2' });
    for (const r of rows) for (const p of r.problems ?? []) expect(p.message).not.toMatch(/\d{3,}/);
  });

  it('reads XLSX (by content, whatever the extension), rare characters and numbers', async () => {
    const path = join(dir, 'cards.dat');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('卡库');
    ws.addRow(['公民身份号码', '姓名', '出生日期']);
    ws.addRow(['440104199001011234', `阿依古丽·${RARE}`, 32875]);
    ws.addRow([]);
    ws.addRow(['44010419900101123X', '张三', '1990-01-01']);
    await wb.xlsx.writeFile(path);
    const { opened, rows } = await readAll(path);
    expect(opened.format).toBe('xlsx');
    expect(opened.headers).toEqual(['公民身份号码', '姓名', '出生日期']);
    expect(rows).toHaveLength(2);
    expect(rows[0].values).toEqual({ 公民身份号码: '440104199001011234', 姓名: `阿依古丽·${RARE}`, 出生日期: '32875' });
    expect(JSON.parse(rows[1].rawLine)).toEqual(rows[1].values);
  });

  it('stops on a file that is not a workbook with FILE_UNREADABLE, not the zip layer’s own error', async () => {
    const path = join(dir, 'not-a-workbook.xlsx');
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010800000000', 'hex');
    writeFileSync(path, png);
    const read = readAll(path, { format: 'xlsx' });
    await expect(read).rejects.toBeInstanceOf(FileUnreadableError);
    await expect(read).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: 'The file is not a readable XLSX file.' });
  });

  it('reads long Chinese XLSX sheets without breaking characters at chunk boundaries (inline and shared strings)', async () => {
    const names = Array.from({ length: 6000 }, (_, i) => `欧阳${'娜丽华'[i % 3]}${RARE[0] + RARE[1]}${i}月日`);
    for (const useSharedStrings of [false, true]) {
      const path = join(dir, `long-${useSharedStrings}.xlsx`);
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings });
      const ws = wb.addWorksheet('s');
      ws.addRow(['姓名']).commit();
      for (const nm of names) ws.addRow([nm]).commit();
      ws.commit();
      await wb.commit();
      const { rows } = await readAll(path);
      expect(rows.map((r) => r.values['姓名'])).toEqual(names);
    }
  });

  it('reads NDJSON with a broken line as a row problem', async () => {
    const path = join(dir, 'health.ndjson');
    writeFileSync(path, `{"事件类型":"出生","姓名":"${RARE}","证明编号":123}\n\nnot json\n{"事件类型":"死亡","姓名":"李四"}\n`);
    const { opened, rows } = await readAll(path);
    expect(opened.format).toBe('ndjson');
    expect(opened.headers).toEqual(['事件类型', '姓名', '证明编号']);
    expect(rows.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
    expect(rows[0].values).toEqual({ 事件类型: '出生', 姓名: RARE, 证明编号: '123' });
    expect(rows[1].problems?.[0].code).toBe('ROW_MALFORMED');
    expect(rows[2].values['姓名']).toBe('李四');
  });

  it('closes the file when the caller stops early', async () => {
    const path = join(dir, 'early.csv');
    writeFileSync(path, 'a\n' + '1\n'.repeat(10000));
    const opened = await openRecords({ path });
    let n = 0;
    for await (const _ of opened.records) if (++n === 3) break;
    expect(n).toBe(3);
  });

  it('keeps the first of repeated headers and drops empty ones and Object.prototype names', async () => {
    const path = join(dir, 'headers.csv');
    writeFileSync(path, 'a,,a,toString,b\r\n1,2,3,4,5\r\n6\r\n');
    const { rows } = await readAll(path);
    expect(rows[0].values).toEqual({ a: '1', b: '5' });
    expect(Object.keys(rows[0].values)).toEqual(['a', 'b']);
    expect(rows[0].rawLine).toBe('1,2,3,4,5');
    expect(rows[1].values).toEqual({ a: '6' });
  });
});

describe('readCsv', () => {
  /** The lines, then (once everything before has been parsed) a read error. */
  async function* failing(lines: string[], error: Error): AsyncGenerator<string> {
    yield* lines;
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw error;
  }

  it('passes a read error on to the caller, before or after the header', async () => {
    const late = await readCsv(Readable.from(failing(['a,b\n1,2\n3,4\n'], new Error('disk gone'))), () => undefined);
    expect(late.headers).toEqual(['a', 'b']);
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const r of late.rows) seen.push(r.values);
      })(),
    ).rejects.toThrow('disk gone');
    // The parser holds the last line back until it knows the line is complete.
    expect(seen).toEqual([{ a: '1', b: '2' }]);
    await expect(readCsv(Readable.from(failing([], new Error('no file'))), () => undefined)).rejects.toThrow('no file');
  });

  it('counts each row as it is handed over', async () => {
    let n = 0;
    const table = await readCsv(Readable.from(['a\n', '1\n2\n', '3']), () => n++);
    const values: unknown[] = [];
    for await (const r of table.rows) values.push([r.rowNumber, r.values.a, n]);
    expect(values).toEqual([
      [1, '1', 1],
      [2, '2', 2],
      [3, '3', 3],
    ]);
  });
});
