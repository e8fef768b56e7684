import { createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';
import type ExcelJS from 'exceljs';
import iconv from 'iconv-lite';

export type Cell = string | number;

/**
 * Rows are buffered as text and handed to the file in ~256 KiB pieces; `flush` waits
 * for the disk when the stream's buffer is full, which is what keeps memory flat for a
 * million persons. `write` is synchronous so the hot loop makes no promise per row.
 */
export interface RowSink {
  readonly path: string;
  readonly rows: number;
  flush(force?: boolean): Promise<void>;
  close(): Promise<void>;
}

const FLUSH_AT = 256 * 1024;

abstract class TextSink implements RowSink {
  protected buffer = '';
  protected readonly stream: WriteStream;
  rows = 0;

  constructor(
    readonly path: string,
    private readonly encoding: 'utf-8' | 'gb18030',
    bom: boolean,
  ) {
    this.stream = createWriteStream(path);
    if (bom) this.stream.write(Buffer.from([0xef, 0xbb, 0xbf]));
  }

  async flush(force = false): Promise<void> {
    if (this.buffer.length === 0 || (!force && this.buffer.length < FLUSH_AT)) return;
    const bytes = this.encoding === 'utf-8' ? Buffer.from(this.buffer, 'utf8') : iconv.encode(this.buffer, 'gb18030');
    this.buffer = '';
    if (!this.stream.write(bytes)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush(true);
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

function csvCell(v: Cell): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export class CsvSink extends TextSink {
  constructor(path: string, encoding: 'utf-8' | 'gb18030', bom: boolean, headers: readonly string[]) {
    super(path, encoding, bom);
    this.buffer = headers.map(csvCell).join(',') + '\r\n';
  }

  write(cells: readonly Cell[]): void {
    this.buffer += cells.map(csvCell).join(',') + '\r\n';
    this.rows++;
  }
}

export class NdjsonSink extends TextSink {
  constructor(path: string) {
    super(path, 'utf-8', false);
  }

  write(obj: object): void {
    this.buffer += JSON.stringify(obj) + '\n';
    this.rows++;
  }
}

/** The archiver (zip) class ExcelJS streams into; reached only to fix entry dates. */
interface ZipPrototype {
  append(this: unknown, source: unknown, data: { name: string; date?: Date }): unknown;
}

/** ExcelJS, loaded at the first workbook written: a process that only reads files never holds it. */
function excel(): typeof ExcelJS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('exceljs') as typeof ExcelJS;
}

/** Fixed so that the same seed gives byte-identical packages (ExcelJS and archiver stamp "now" otherwise). */
const FIXED_DATE = new Date(Date.UTC(2024, 0, 1));

function archiverPrototype(): ZipPrototype {
  // The copy ExcelJS itself resolves, not whichever archiver a caller might have.
  const path = require.resolve('archiver/lib/core', { paths: [require.resolve('exceljs')] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path) as { prototype: ZipPrototype }).prototype;
}

/**
 * Runs `build` with every zip entry dated FIXED_DATE. The WorkbookWriter constructor
 * appends its first entries synchronously, so the patch must be on the prototype, and
 * it is restored before anything else can run; later entries are dated the same way by
 * the instance patch in XlsxSink.
 */
function withFixedZipDates<T>(build: () => T): T {
  const proto = archiverPrototype();
  const original = proto.append;
  proto.append = function (this: unknown, source, data) {
    return original.call(this, source, { ...data, date: FIXED_DATE });
  };
  try {
    return build();
  } finally {
    proto.append = original;
  }
}

export class XlsxSink implements RowSink {
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;
  rows = 0;

  constructor(
    readonly path: string,
    headers: readonly string[],
  ) {
    this.workbook = withFixedZipDates(
      () => new (excel().stream.xlsx.WorkbookWriter)({ filename: path, useStyles: false, useSharedStrings: false }),
    );
    this.workbook.created = FIXED_DATE;
    this.workbook.modified = FIXED_DATE;
    this.workbook.creator = 'registry synthetic province';
    const zip = (this.workbook as unknown as { zip: ZipPrototype }).zip;
    const append = zip.append.bind(zip);
    zip.append = (source, data) => append(source, { ...data, date: FIXED_DATE });
    this.sheet = this.workbook.addWorksheet('Sheet1');
    this.sheet.addRow([...headers]).commit();
  }

  write(cells: readonly Cell[]): void {
    this.sheet.addRow([...cells]).commit();
    this.rows++;
  }

  async flush(): Promise<void> {
    // ExcelJS streams committed rows itself; yielding lets its zip stream drain.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    this.sheet.commit();
    await this.workbook.commit();
  }
}
