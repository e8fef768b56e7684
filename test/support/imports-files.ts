/** Department files written by the import tests: household rows in every format and encoding the service reads. */
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { writeFileSync } from 'node:fs';
import { loadRegionTable } from '@registry/domain';
import { IngestSourceKind, createCleaner, loadMapping, openRecords } from '@registry/ingest';
import { TestCitizen } from './citizens';

/** The 公安户籍 layout the generator also writes. */
export const HOUSEHOLD_HEADER = [
  '记录编号',
  '公民身份号码',
  '姓名',
  '性别',
  '出生日期',
  '行政区划代码',
  '户籍地址',
  '户口状态',
  '联系电话',
];

export interface HouseholdPerson {
  recordId: string;
  citizen: TestCitizen;
  name: string;
  /** 9-digit township code. */
  region: string;
  status?: string;
}

export type Cells = string[];

/** One household row; the birth date in the department's compact form (19900102). */
export function householdRow(p: HouseholdPerson, overrides: Partial<Record<(typeof HOUSEHOLD_HEADER)[number], string>> = {}): Cells {
  const cells: Record<string, string> = {
    记录编号: p.recordId,
    公民身份号码: p.citizen.id,
    姓名: p.name,
    性别: p.citizen.gender === '1' ? '男' : '女',
    出生日期: p.citizen.birthDate.replace(/-/g, ''),
    行政区划代码: p.region,
    户籍地址: '',
    户口状态: p.status ?? '正常',
    联系电话: '',
    ...overrides,
  };
  return HOUSEHOLD_HEADER.map((h) => cells[h]);
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(cells: Cells): string {
  return cells.map(csvCell).join(',');
}

/** CSV text with CRLF line ends, as department exports usually come. */
export function csvText(header: Cells, rows: Cells[]): string {
  return [header, ...rows].map(csvLine).join('\r\n') + '\r\n';
}

export type TextEncodingCase = 'utf-8-bom' | 'utf-8' | 'gb18030' | 'gbk';

/** Encodes text; refuses a character the encoding cannot hold (iconv would write '?' silently). */
export function encodeText(text: string, encoding: TextEncodingCase): Buffer {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8');
  if (encoding === 'utf-8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  const bytes = iconv.encode(text, encoding);
  if (iconv.decode(bytes, encoding) !== text) throw new Error(`the test text does not fit in ${encoding}`);
  return bytes;
}

export function writeCsv(path: string, header: Cells, rows: Cells[], encoding: TextEncodingCase): void {
  writeFileSync(path, encodeText(csvText(header, rows), encoding));
}

/** First worksheet, header in row 1, every cell as text (as the 社保 card library exports). */
export async function writeXlsx(path: string, header: Cells, rows: Cells[]): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('人员');
  sheet.addRow(header);
  for (const row of rows) sheet.addRow(row);
  await workbook.xlsx.writeFile(path);
}

/** One JSON object per line keyed by the header names. */
export function writeNdjson(path: string, header: Cells, rows: Cells[]): void {
  const lines = rows.map((row) => JSON.stringify(Object.fromEntries(header.map((h, i) => [h, row[i]]))));
  writeFileSync(path, lines.join('\n') + '\n', 'utf8');
}

/**
 * The distinct citizen IDs of the rows a file's cleaning accepts, computed here with the
 * ingest library alone: what an import of the file must register, at most.
 */
export async function acceptedCitizenIds(path: string, kind: IngestSourceKind): Promise<Set<string>> {
  const cleaner = createCleaner(kind, loadMapping(kind), { regions: loadRegionTable(), today: new Date().toISOString().slice(0, 10) });
  const opened = await openRecords({ path });
  const ids = new Set<string>();
  for await (const row of opened.records) {
    const result = cleaner.clean(row);
    if (result.status === 'ok' && result.record.citizenId) ids.add(result.record.citizenId);
  }
  return ids;
}
