import ExcelJS from 'exceljs';
import { Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { cellColumns, cleanHeader, TableSource, zipRow } from './csv-reader';
import { FileUnreadableError, RawRecord } from './types';

/**
 * Cell text as a department meant it. Numbers stay as typed (an Excel date serial
 * stays a serial; the date rule converts it), dates typed as dates become ISO days.
 */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as ExcelJS.CellFormulaValue).result;
    return result === undefined ? '' : cellText(result as ExcelJS.CellValue);
  }
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('error' in value) return '';
  return '';
}

function isBlank(cell: string): boolean {
  return cell.trim() === '';
}

function rowCells(row: ExcelJS.Row): string[] {
  // row.values is 1-based and sparse: index 0 is always empty.
  const values = row.values as ExcelJS.CellValue[];
  const cells: string[] = [];
  for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
  while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
  return cells;
}

/** The WorkbookReader internals that receive raw XML bytes (not in ExcelJS's typings). */
interface ReaderInternals {
  _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Iterable<unknown>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
}

async function* decodeUtf8(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (text !== '') yield text;
  }
  const tail = decoder.end();
  if (tail !== '') yield tail;
}

/**
 * ExcelJS 4.4 decodes each decompressed chunk of sheet XML on its own, so a Chinese
 * character split across two chunks becomes U+FFFD (seen about once per 100 000 cells).
 * Its SAX step passes strings through untouched, so we hand it strings decoded with a
 * StringDecoder, which carries partial sequences over to the next chunk.
 */
function fixChunkDecoding(reader: ExcelJS.stream.xlsx.WorkbookReader): void {
  const internals = reader as unknown as ReaderInternals;
  const parseWorksheet = internals._parseWorksheet.bind(reader);
  const parseSharedStrings = internals._parseSharedStrings.bind(reader);
  internals._parseWorksheet = (iterator, sheetNo) => parseWorksheet(decodeUtf8(iterator), sheetNo);
  internals._parseSharedStrings = (entry) => {
    const decoder = new StringDecoder('utf8');
    const text = new Transform({
      readableObjectMode: true,
      transform(chunk: Buffer, _enc, cb) {
        const s = decoder.write(chunk);
        cb(null, s === '' ? undefined : s);
      },
      flush(cb) {
        const s = decoder.end();
        cb(null, s === '' ? undefined : s);
      },
    });
    entry.on('error', (e) => text.destroy(e));
    return parseSharedStrings(entry.pipe(text));
  };
}

/** Streams the first worksheet; the others are not read. */
export async function readXlsx(file: Readable, onRow: () => void): Promise<TableSource> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'ignore',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  fixChunkDecoding(reader);

  async function* allRows(): AsyncGenerator<string[]> {
    try {
      for await (const sheet of reader) {
        for await (const row of sheet) yield rowCells(row);
        return;
      }
    } catch (error) {
      // I/O errors (they name the failed system call) stay what they are; the zip, inflate and
      // XML layers fail on anything that is not a workbook, each in its own words.
      if ((error as NodeJS.ErrnoException | undefined)?.syscall !== undefined) throw error;
      throw new FileUnreadableError('xlsx');
    }
  }
  const source = allRows();
  let first = await source.next();
  while (!first.done && first.value.every(isBlank)) first = await source.next();
  const headers = first.done ? [] : first.value.map(cleanHeader);
  const columns = cellColumns(headers);

  async function* rows(): AsyncGenerator<RawRecord> {
    let rowNumber = 0;
    try {
      for await (const cells of source) {
        if (cells.every(isBlank)) continue;
        rowNumber++;
        onRow();
        const values = zipRow(headers, columns, cells);
        const problems =
          cells.length > headers.length
            ? [{ code: 'ROW_COLUMN_COUNT' as const, message: `row has ${cells.length} columns, header has ${headers.length}` }]
            : undefined;
        yield { rowNumber, values, rawLine: JSON.stringify(values), problems };
      }
    } finally {
      await source.return(undefined);
      file.destroy();
    }
  }
  return { headers, rows: rows() };
}
