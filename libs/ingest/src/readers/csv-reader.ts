import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
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

export interface TableSource {
  readonly headers: readonly string[];
  readonly rows: AsyncIterable<RawRecord>;
}

export function cleanHeader(h: string): string {
  return h.replace(/^\uFEFF/, '').trim();
}

function stripLineEnd(raw: string): string {
  // csv-parse hands CRLF rows over with the \r but without the \n.
  return raw.replace(/\r?\n?$/, '');
}

/** Builds the values object; a header repeated in the file keeps its first cell. */
export function zipRow(headers: readonly string[], cells: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  const n = Math.min(headers.length, cells.length);
  for (let i = 0; i < n; i++) {
    const h = headers[i];
    if (h !== '' && !(h in values)) values[h] = cells[i];
  }
  return values;
}

/**
 * Streams a decoded CSV text stream. Wrong column counts and malformed quoting are
 * row-level problems, never a crash: one bad line in ten million must not stop a load.
 */
export async function readCsv(text: Readable, onRow: () => void): Promise<TableSource> {
  const parser = parse({
    bom: true,
    raw: true,
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
  const it = (parser as AsyncIterable<ParsedRow | SkippedRow>)[Symbol.asyncIterator]();

  let first = await it.next();
  while (!first.done && 'skipped' in first.value) first = await it.next();
  const headers = first.done ? [] : (first.value as ParsedRow).record.map(cleanHeader);

  async function* rows(): AsyncGenerator<RawRecord> {
    let rowNumber = 0;
    try {
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        const item = next.value;
        rowNumber++;
        onRow();
        if ('skipped' in item) {
          const problems: RowProblem[] = [{ code: 'ROW_MALFORMED', message: `CSV row could not be parsed (${item.errorCode})` }];
          yield { rowNumber, values: {}, rawLine: stripLineEnd(item.raw), problems };
          continue;
        }
        const problems: RowProblem[] | undefined =
          item.record.length !== headers.length
            ? [{ code: 'ROW_COLUMN_COUNT', message: `row has ${item.record.length} columns, header has ${headers.length}` }]
            : undefined;
        yield { rowNumber, values: zipRow(headers, item.record), rawLine: stripLineEnd(item.raw), problems };
      }
    } finally {
      parser.destroy();
      text.destroy();
    }
  }
  return { headers, rows: rows() };
}
