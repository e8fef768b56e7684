import { parse } from 'csv-parse';
import { finished, Readable } from 'node:stream';
import { IngestError } from './limits';
import { RecordGuard } from './record-guard';
import { RawRecord, RowProblem } from './types';

interface ParsedRow {
  readonly record: string[];
  readonly raw: string;
}
interface SkippedRow {
  readonly skipped: true;
  readonly raw: string;
  readonly errorCode: string;
}
type Item = ParsedRow | SkippedRow;

export interface TableSource {
  readonly headers: readonly string[];
  readonly rows: AsyncIterable<RawRecord>;
  /** Bytes of the file read so far, for readers that do not read it front to back (XLSX). */
  readonly bytesRead?: () => number;
}

/** Refuses a header wider than the limit: every row would be built from it. */
export function checkHeaderWidth(columns: number, maxColumns: number): void {
  if (columns > maxColumns) {
    throw new IngestError('FILE_TOO_MANY_COLUMNS', `the header has ${columns} columns; at most ${maxColumns} are read`);
  }
}

/** The stand-in a RecordGuard put where it refused a record, as the row the reader hands over. */
export function guardedRow(guard: RecordGuard | undefined, cell: string, rowNumber: number): RawRecord | undefined {
  const found = guard?.standInFor(cell);
  return found && { rowNumber, values: {}, rawLine: found.raw, problems: [found.problem] };
}

export function cleanHeader(h: string): string {
  return h.replace(/^\uFEFF/, '').trim();
}

const LF = 0x0a;
const CR = 0x0d;

function stripLineEnd(raw: string): string {
  // csv-parse hands CRLF rows over with the \r but without the \n.
  let end = raw.length;
  if (end > 0 && raw.charCodeAt(end - 1) === LF) end--;
  if (end > 0 && raw.charCodeAt(end - 1) === CR) end--;
  return end === raw.length ? raw : raw.slice(0, end);
}

/**
 * The columns whose cells go into a row's values: a header repeated in the file keeps its
 * first cell, an empty header is dropped, and so, as it always was, is a name that
 * Object.prototype already has (`toString`, `__proto__`): storing it would shadow the
 * member or, for `__proto__`, store nothing. Worked out once per file, not per row.
 */
export function cellColumns(headers: readonly string[]): readonly number[] {
  const columns: number[] = [];
  headers.forEach((h, i) => {
    if (h !== '' && !(h in Object.prototype) && headers.indexOf(h) === i) columns.push(i);
  });
  return columns;
}

/** Builds the values object from the columns cellColumns kept; missing cells stay absent. */
export function zipRow(headers: readonly string[], columns: readonly number[], cells: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let c = 0; c < columns.length; c++) {
    const i = columns[c];
    if (i >= cells.length) break;
    values[headers[i]] = cells[i];
  }
  return values;
}

/**
 * The parser's output, read synchronously while it holds rows and awaited only when it is
 * empty: Node's async iterator over the stream would cost a promise per row on top of the
 * one the rows generator already costs. Ends and fails as that iterator does.
 */
class ParserOutput {
  private wake: () => void = () => undefined;
  /** undefined while running, null once ended, the error once failed. */
  private outcome: Error | null | undefined;

  constructor(private readonly parser: Readable) {
    parser.on('readable', () => this.wake());
    finished(parser, { writable: false }, (err) => {
      this.outcome = err ?? null;
      this.wake();
    });
  }

  /** The next item if the parser has one buffered, else null. Throws once the parser failed. */
  read(): Item | null {
    const item = this.parser.destroyed ? null : (this.parser.read() as Item | null);
    if (item === null && this.outcome) throw this.outcome;
    return item;
  }

  /** The next item, waiting for the parser when it has none buffered; null once it has ended. */
  async next(): Promise<Item | null> {
    for (;;) {
      const item = this.read();
      if (item !== null) return item;
      if (this.outcome === null) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/**
 * Streams a decoded CSV text stream. Wrong column counts and malformed quoting are
 * row-level problems, never a crash: one bad line in ten million must not stop a load.
 * `guard`, when the bytes passed one, stands in for records it refused (record-guard.ts).
 */
export async function readCsv(
  text: Readable,
  onRow: () => void,
  guard?: RecordGuard,
  maxColumns = Number.POSITIVE_INFINITY,
): Promise<TableSource> {
  const parser = parse({
    bom: true,
    raw: true,
    // Every line break ends a record, as the guard counts them; auto-detection would pick the
    // first one seen and let a file of CRLF then bare LF lines grow one record without bound.
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    // Pushed into the parser's own output so a skipped line keeps its place in the order.
    on_skip: (err, raw) => {
      const row: SkippedRow = { skipped: true, raw: raw ?? '', errorCode: err?.code ?? 'CSV_ERROR' };
      parser.push(row);
      return undefined;
    },
  });
  text.on('error', (e) => parser.destroy(e));
  text.pipe(parser);
  const output = new ParserOutput(parser);
  let first = await output.next();
  while (first !== null && 'skipped' in first) first = await output.next();
  const headers = first === null ? [] : first.record.map(cleanHeader);
  try {
    checkHeaderWidth(headers.length, maxColumns);
  } catch (error) {
    parser.destroy();
    text.destroy();
    throw error;
  }
  const columns = cellColumns(headers);

  async function* rows(): AsyncGenerator<RawRecord> {
    let rowNumber = 0;
    try {
      for (;;) {
        const item = output.read() ?? (await output.next());
        if (item === null) return;
        rowNumber++;
        onRow();
        if ('skipped' in item) {
          const problems: RowProblem[] = [{ code: 'ROW_MALFORMED', message: `CSV row could not be parsed (${item.errorCode})` }];
          yield { rowNumber, values: {}, rawLine: stripLineEnd(item.raw), problems };
          continue;
        }
        const stoodIn = item.record.length === 1 ? guardedRow(guard, item.record[0], rowNumber) : undefined;
        if (stoodIn) {
          yield stoodIn;
          continue;
        }
        const problems: RowProblem[] | undefined =
          item.record.length !== headers.length
            ? [{ code: 'ROW_COLUMN_COUNT', message: `row has ${item.record.length} columns, header has ${headers.length}` }]
            : undefined;
        yield { rowNumber, values: zipRow(headers, columns, item.record), rawLine: stripLineEnd(item.raw), problems };
      }
    } finally {
      parser.destroy();
      text.destroy();
    }
  }
  return { headers, rows: rows() };
}
