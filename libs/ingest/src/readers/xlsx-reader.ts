import type ExcelJS from 'exceljs';
import { Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import yauzl from 'yauzl';
import { cellColumns, checkHeaderWidth, cleanHeader, TableSource, zipRow } from './csv-reader';
import { IngestError, ReadLimits, formatBytes } from './limits';
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

/**
 * The row's cells up to `limit` columns (one more than the header may have, so a wider row
 * shows): a cell reference far to the right (ZZZZZ1) must not make a sparse row dense.
 */
function rowCells(row: ExcelJS.Row, limit: number): string[] {
  // row.values is 1-based and sparse: index 0 is always empty.
  const values = row.values as ExcelJS.CellValue[];
  const last = Math.min(values.length - 1, limit);
  const cells: string[] = [];
  for (let i = 1; i <= last; i++) cells.push(cellText(values[i]));
  while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
  return cells;
}

/** The WorkbookReader internals that parse one part each (not in ExcelJS's typings). */
interface ReaderInternals {
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
  _parseWorksheet(iterator: AsyncIterable<string>, sheetNo: string): Iterable<{ eventType: string; value: AsyncIterable<ExcelJS.Row> }>;
  workbookRels?: Array<{ Id: string; Target: string; Type: string }>;
  model?: { sheets?: Array<{ rId: string }> };
}

/** More entries than any workbook has: a central directory this long is not a spreadsheet. */
const MAX_ZIP_ENTRIES = 10_000;
/** Parts below this size may compress as well as they like (a sheet of blank rows does). */
const RATIO_FLOOR_BYTES = 1024 * 1024;
/** Relationship and workbook parts are a few KiB; anything near this is not one. */
const MAX_SMALL_PART_BYTES = 16 * 1024 * 1024;

/**
 * Not a workbook this reader can open: not a ZIP, an encrypted or oddly compressed part, a
 * part that inflates past its declared size. I/O errors (they name the failed system call)
 * stay what they are. The detail is for the reader's own tests; the import reports the code.
 */
function invalid(error: unknown): Error {
  if ((error as NodeJS.ErrnoException | undefined)?.syscall !== undefined) return error as Error;
  return new FileUnreadableError('xlsx');
}

async function openZip(path: string): Promise<{ zip: yauzl.ZipFile; entries: Map<string, yauzl.Entry> }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, opened) =>
      error ? reject(invalid(error)) : resolve(opened),
    ),
  );
  const entries = new Map<string, yauzl.Entry>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entries.size >= MAX_ZIP_ENTRIES) return reject(invalid(new Error(`more than ${MAX_ZIP_ENTRIES} parts`)));
        entries.set(entry.fileName, entry);
        zip.readEntry();
      });
      zip.once('end', () => resolve());
      zip.once('error', (error: Error) => reject(invalid(error)));
      zip.readEntry();
    });
  } catch (error) {
    zip.close();
    throw error;
  }
  return { zip, entries };
}

/**
 * The sizes the archive declares are checked before a byte is inflated, and yauzl stops a
 * part that inflates past its declared size (validateEntrySizes), so a zip bomb is refused
 * by its central directory or at its declared size, whatever its entries claim.
 */
function checkPart(entry: yauzl.Entry, name: string, maxBytes: number, limits: ReadLimits): void {
  if (entry.isEncrypted()) throw invalid(new Error(`the ${name} part is encrypted`));
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
    throw invalid(new Error(`the ${name} part uses compression method ${entry.compressionMethod}`));
  if (entry.uncompressedSize > maxBytes) {
    throw new IngestError(
      'FILE_XLSX_TOO_LARGE',
      `the ${name} part inflates to ${entry.uncompressedSize} bytes; at most ${formatBytes(maxBytes)} are read`,
    );
  }
  const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
  if (entry.uncompressedSize > RATIO_FLOOR_BYTES && ratio > limits.xlsxMaxCompressionRatio) {
    throw new IngestError(
      'FILE_XLSX_COMPRESSION_RATIO',
      `the ${name} part inflates ${Math.round(ratio)} times its compressed size; at most ${limits.xlsxMaxCompressionRatio} (a zip bomb?)`,
    );
  }
}

async function openPart(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  const stream = await new Promise<Readable>((resolve, reject) =>
    zip.openReadStream(entry, (error, opened) => (error ? reject(invalid(error)) : resolve(opened))),
  );
  return stream;
}

/** The part as text in object mode, decoded across chunk boundaries; read errors become FILE_UNREADABLE. */
function textOf(stream: Readable): Readable {
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
  stream.on('error', (e) => text.destroy(invalid(e)));
  return stream.pipe(text);
}

/** Index of the last `<row` tag start in `text` (not `<rowBreaks` and the like), or -1. */
function lastRowTag(text: string): number {
  for (let at = text.lastIndexOf('<row'); at >= 0; at = at === 0 ? -1 : text.lastIndexOf('<row', at - 1)) {
    const next = text.charCodeAt(at + 4);
    if (Number.isNaN(next) || !/[A-Za-z]/.test(text[at + 4])) return at;
  }
  return -1;
}

/**
 * The worksheet XML as text, decoded across chunk boundaries (ExcelJS 4.4 decodes each
 * inflated chunk on its own, so a Chinese character split across two became U+FFFD, about
 * once per 100 000 cells), with the XML between two row tags bounded: ExcelJS holds a row
 * while it reads its cells.
 */
async function* sheetText(stream: Readable, maxRowChars: number, inflated: { bytes: number }): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let sinceRow = 0;
  let tail = '';
  try {
    for await (const chunk of stream) {
      inflated.bytes += (chunk as Buffer).length;
      const text = decoder.write(chunk as Buffer);
      if (text === '') continue;
      const joined = tail + text;
      const at = lastRowTag(joined);
      sinceRow = at >= 0 ? joined.length - at : sinceRow + text.length;
      if (sinceRow > maxRowChars) {
        throw new IngestError(
          'FILE_XLSX_ROW_TOO_LARGE',
          `a worksheet row is more than ${formatBytes(maxRowChars)} characters of XML; not a department file`,
        );
      }
      tail = joined.slice(-4);
      yield text;
    }
  } catch (error) {
    if (error instanceof IngestError) throw error;
    throw invalid(error);
  }
  const rest = decoder.end();
  if (rest !== '') yield rest;
}

/** The first sheet of the workbook (by workbook order), else the lowest-numbered worksheet part. */
function firstSheetPath(internals: ReaderInternals, entries: Map<string, yauzl.Entry>): string | undefined {
  const rId = internals.model?.sheets?.[0]?.rId;
  const target = internals.workbookRels?.find((r) => r.Id === rId)?.Target;
  if (target) {
    const path = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
    if (entries.has(path)) return path;
  }
  const sheets = [...entries.keys()]
    .map((p) => /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(p))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]));
  return sheets[0]?.[0];
}

/**
 * Streams the first worksheet. The package is read by its central directory (yauzl), so
 * parts are taken in the order they are needed (relationships, workbook, shared strings,
 * then the sheet) and nothing is unpacked to disk; every part's declared size is checked
 * against the limits before it is inflated.
 */
export async function readXlsx(path: string, fileBytes: number, onRow: () => void, limits: ReadLimits): Promise<TableSource> {
  const { zip, entries } = await openZip(path);
  const inflated = { bytes: 0 };
  let sheetEntry: yauzl.Entry | undefined;
  let done = false;
  const bytesRead = (): number => {
    if (done) return fileBytes;
    if (!sheetEntry) return 0;
    const share = sheetEntry.uncompressedSize === 0 ? 1 : Math.min(1, inflated.bytes / sheetEntry.uncompressedSize);
    return Math.min(fileBytes, Math.round(sheetEntry.relativeOffsetOfLocalHeader + sheetEntry.compressedSize * share));
  };
  let source: AsyncGenerator<string[]>;
  let first: IteratorResult<string[]>;
  try {
    // Loaded at the first XLSX file: a process that reads only CSV never holds ExcelJS.
    const { default: excel } = await import('exceljs');
    const reader = new excel.stream.xlsx.WorkbookReader(Readable.from([]), {
      worksheets: 'emit',
      sharedStrings: 'cache',
      styles: 'ignore',
      hyperlinks: 'ignore',
      entries: 'ignore',
    });
    const internals = reader as unknown as ReaderInternals;
    const part = async (path: string, name: string, maxBytes: number): Promise<Readable | undefined> => {
      const entry = entries.get(path);
      if (!entry) return undefined;
      checkPart(entry, name, maxBytes, limits);
      return openPart(zip, entry);
    };
    const rels = await part('xl/_rels/workbook.xml.rels', 'workbook relationships', MAX_SMALL_PART_BYTES);
    if (rels) await internals._parseRels(textOf(rels));
    const workbook = await part('xl/workbook.xml', 'workbook', MAX_SMALL_PART_BYTES);
    if (workbook) await internals._parseWorkbook(textOf(workbook));
    const sharedStringsTarget = internals.workbookRels?.find((r) => r.Type.endsWith('/sharedStrings'))?.Target;
    const sharedStringsPath = sharedStringsTarget?.startsWith('/')
      ? sharedStringsTarget.slice(1)
      : `xl/${sharedStringsTarget ?? 'sharedStrings.xml'}`;
    const sharedStrings = await part(
      sharedStringsPath,
      'shared strings',
      Math.min(limits.xlsxMaxSharedStringsBytes, limits.xlsxMaxInflatedBytes),
    );
    if (sharedStrings) for await (const _ of internals._parseSharedStrings(textOf(sharedStrings)));
    const sheetPath = firstSheetPath(internals, entries);
    if (!sheetPath) throw invalid(new Error('no worksheet'));
    sheetEntry = entries.get(sheetPath)!;
    const sheet = (await part(sheetPath, 'worksheet', limits.xlsxMaxInflatedBytes))!;
    const sheetNo = /(\d+)\.xml$/.exec(sheetPath)?.[1] ?? '1';
    const [emitted] = internals._parseWorksheet(sheetText(sheet, limits.xlsxMaxRowXmlChars, inflated), sheetNo);
    const worksheet = emitted.value;
    const width = limits.maxColumns + 1;
    source = (async function* allRows(): AsyncGenerator<string[]> {
      try {
        for await (const row of worksheet) yield rowCells(row, width);
      } catch (error) {
        throw error instanceof IngestError ? error : invalid(error);
      }
    })();
    first = await source.next();
    while (!first.done && first.value.every(isBlank)) first = await source.next();
    checkHeaderWidth(first.done ? 0 : first.value.length, limits.maxColumns);
  } catch (error) {
    zip.close();
    // The XML layers fail on anything that is not a workbook, each in its own words.
    throw error instanceof IngestError || error instanceof FileUnreadableError ? error : invalid(error);
  }
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
      done = true;
    } finally {
      await source.return(undefined);
      zip.close();
    }
  }
  return { headers, rows: rows(), bytesRead };
}
