import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { TableSource } from './csv-reader';
import { RawRecord } from './types';

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

type Parsed = { ok: true; values: Record<string, string> } | { ok: false };

function parseLine(line: string): Parsed {
  try {
    const obj: unknown = JSON.parse(line);
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { ok: false };
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj)) values[k.trim()] = scalarText(v);
    return { ok: true, values };
  } catch {
    return { ok: false };
  }
}

/** One JSON object per line; headers are the first object's keys (later objects may add keys). */
export async function readNdjson(text: Readable, onRow: () => void): Promise<TableSource> {
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
    const p = parseLine(line);
    if (p.ok) {
      headers = Object.keys(p.values);
      break;
    }
  }

  async function* source(): AsyncGenerator<string> {
    yield* pending;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  }

  async function* rows(): AsyncGenerator<RawRecord> {
    let rowNumber = 0;
    try {
      for await (const line of source()) {
        if (line.trim() === '') continue;
        rowNumber++;
        onRow();
        const p = parseLine(line);
        if (p.ok) yield { rowNumber, values: p.values, rawLine: line };
        else yield { rowNumber, values: {}, rawLine: line, problems: [{ code: 'ROW_MALFORMED', message: 'line is not a JSON object' }] };
      }
    } finally {
      lines.close();
      text.destroy();
    }
  }
  return { headers, rows: rows() };
}
