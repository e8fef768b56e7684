import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import iconv from 'iconv-lite';
import { ProblemException } from '../problem';

export type TableFormat = 'csv' | 'xlsx';
export type TextEncodingName = 'utf-8' | 'gb18030';

export interface TableColumn<R> {
  /** The header as users read it (Chinese). */
  header: string;
  value(row: R): string | number | null | undefined;
  /** Column width in characters, for XLSX. */
  width?: number;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** `?format=` with the Accept header as the fallback: json (default), csv or xlsx, plus any extra formats the caller accepts. */
export function negotiateFormat<F extends string>(
  raw: string | undefined,
  accept: string | undefined,
  extra: readonly F[] = [],
): 'json' | TableFormat | F {
  const known = ['json', 'csv', 'xlsx', ...extra];
  if (raw !== undefined) {
    if (!known.includes(raw)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'FORMAT_UNKNOWN', `format must be one of ${known.join(', ')}.`, {
        errors: [{ field: 'format', code: 'FORMAT_UNKNOWN', message: `one of ${known.join(', ')}` }],
      });
    }
    return raw as 'json' | TableFormat | F;
  }
  const a = (accept ?? '').toLowerCase();
  if (a.includes(XLSX_TYPE)) return 'xlsx';
  if (a.includes('text/csv')) return 'csv';
  if (extra.includes('svg' as F) && a.includes('image/svg+xml')) return 'svg' as F;
  if (extra.includes('png' as F) && a.includes('image/png')) return 'png' as F;
  return 'json';
}

export function parseEncoding(raw: string | undefined): TextEncodingName {
  if (raw === undefined || raw.toLowerCase() === 'utf-8' || raw.toLowerCase() === 'utf8') return 'utf-8';
  if (raw.toLowerCase() === 'gb18030') return 'gb18030';
  throw new ProblemException(HttpStatus.BAD_REQUEST, 'ENCODING_UNKNOWN', 'encoding must be utf-8 or gb18030.', {
    errors: [{ field: 'encoding', code: 'ENCODING_UNKNOWN', message: 'utf-8 or gb18030' }],
  });
}

function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  // Quoted when needed; a leading = + - @ would be read as a formula by spreadsheets: quoted and prefixed.
  const guarded = /^[=+\-@]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(guarded) || guarded !== s ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/**
 * Writes rows as CSV (UTF-8 with a BOM, so spreadsheets read it as UTF-8, or GB18030 for tools
 * that expect the national encoding) or as an XLSX workbook, streamed as they come.
 */
export async function sendTable<R>(
  res: Response,
  options: {
    format: TableFormat;
    encoding: TextEncodingName;
    fileName: string;
    sheet: string;
    columns: ReadonlyArray<TableColumn<R>>;
    rows: AsyncIterable<R> | Iterable<R>;
    /** Lines written above the header (a title, a note on suppressed cells). */
    preamble?: string[];
  },
): Promise<void> {
  const { columns } = options;
  const disposition = (ext: string) =>
    `attachment; filename="${options.fileName}.${ext}"; filename*=UTF-8''${encodeURIComponent(options.fileName)}.${ext}`;
  if (options.format === 'xlsx') {
    res.status(200).setHeader('Content-Type', XLSX_TYPE);
    res.setHeader('Content-Disposition', disposition('xlsx'));
    // Loaded at the first XLSX export: the service does not hold ExcelJS until one is asked for.
    const { default: excel } = await import('exceljs');
    const workbook = new excel.stream.xlsx.WorkbookWriter({ stream: res, useStyles: true });
    const sheet = workbook.addWorksheet(options.sheet);
    sheet.columns = columns.map((c, i) => ({ key: String(i), width: c.width ?? Math.max(10, c.header.length * 2 + 2) }));
    for (const line of options.preamble ?? []) sheet.addRow([line]).commit();
    const header = sheet.addRow(columns.map((c) => c.header));
    header.font = { bold: true };
    header.commit();
    for await (const row of options.rows) sheet.addRow(columns.map((c) => c.value(row) ?? null)).commit();
    sheet.commit();
    await workbook.commit();
    return;
  }
  const gb = options.encoding === 'gb18030';
  res.status(200).setHeader('Content-Type', `text/csv; charset=${gb ? 'GB18030' : 'utf-8'}`);
  res.setHeader('Content-Disposition', disposition('csv'));
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const ok = res.write(gb ? iconv.encode(text, 'gb18030') : text, (e) => (e ? reject(e) : undefined));
      if (ok) resolve();
      else res.once('drain', () => resolve());
    });
  let chunk = gb ? '' : '\ufeff';
  for (const line of options.preamble ?? []) chunk += `${csvCell(line)}\r\n`;
  chunk += `${columns.map((c) => csvCell(c.header)).join(',')}\r\n`;
  for await (const row of options.rows) {
    chunk += `${columns.map((c) => csvCell(c.value(row))).join(',')}\r\n`;
    if (chunk.length > 64 * 1024) {
      await write(chunk);
      chunk = '';
    }
  }
  if (chunk) await write(chunk);
  res.end();
}
