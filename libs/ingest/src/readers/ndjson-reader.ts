import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { TableSource, checkHeaderWidth, guardedRow } from './csv-reader';
import { RecordGuard } from './record-guard';
import { RawRecord } from './types';

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The line's object as header → cell text, or undefined when the line is not a JSON object. */
function parseLine(line: string): Record<string, string> | undefined {
  try {
    const obj: unknown = JSON.parse(line);
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
    const values: Record<string, string> = {};
    // JSON.parse builds plain objects, so for...in sees exactly Object.entries' keys, in order.
    for (const k in obj) values[k.trim()] = scalarText((obj as Record<string, unknown>)[k]);
    return values;
  } catch {
    return undefined;
  }
}

/**
 * One JSON object per line; headers are the first object's keys (later objects may add keys).
 * `guard`, when the bytes passed one, bounds a line and stands in for lines it refused.
 */
export async function readNdjson(
  text: Readable,
  onRow: () => void,
  guard?: RecordGuard,
  maxColumns = Number.POSITIVE_INFINITY,
): Promise<TableSource> {
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  const it = lines[Symbol.asyncIterator]();
  const pending: string[] = [];
  let headers: string[] = [];
  for (;;) {
    const n = await it.next();
    if (n.done) break;
    const line = n.value.replace(/^\uFEFF/, '');
    if (line.trim() === '') continue;
    pending.push(line);
    const values = parseLine(line);
    if (values) {
      headers = Object.keys(values);
      break;
    }
  }
  try {
    checkHeaderWidth(headers.length, maxColumns);
  } catch (error) {
    lines.close();
    text.destroy();
    throw error;
  }
  let rowNumber = 0;
  function record(line: string): RawRecord {
    rowNumber++;
    onRow();
    const stoodIn = guardedRow(guard, line, rowNumber);
    if (stoodIn) return stoodIn;
    const values = parseLine(line);
    return values
      ? { rowNumber, values, rawLine: line }
      : { rowNumber, values: {}, rawLine: line, problems: [{ code: 'ROW_MALFORMED', message: 'line is not a JSON object' }] };
  }
  async function* rows(): AsyncGenerator<RawRecord> {
    try {
      for (const line of pending) if (line.trim() !== '') yield record(line);
      for (;;) {
        const n = await it.next();
        if (n.done) return;
        if (n.value.trim() !== '') yield record(n.value);
      }
    } finally {
      lines.close();
      text.destroy();
    }
  }
  return { headers, rows: rows() };
}
