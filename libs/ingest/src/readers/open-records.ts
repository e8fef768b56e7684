import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { ByteCounter, progressOf } from './byte-counter';
import { readCsv, TableSource } from './csv-reader';
import { detectFormat, encodingOf, readSample, SAMPLE_BYTES } from './detect';
import { ReadLimits, readLimits } from './limits';
import { readNdjson } from './ndjson-reader';
import { RecordGuard } from './record-guard';
import { FileFormat, OpenedRecords, OpenRecordsOptions, TextEncoding } from './types';
import { readXlsx } from './xlsx-reader';

function decode(bytes: Readable, encoding: TextEncoding): Readable {
  // iconv-lite strips a leading BOM by default, for UTF-8 as well.
  const decoder = iconv.decodeStream(encoding);
  bytes.on('error', (e) => decoder.emit('error', e));
  return bytes.pipe(decoder) as unknown as Readable;
}

/**
 * Opens a department file for streaming. Memory stays flat: one chunk of bytes and the
 * rows the parser holds at once, whatever the file size; a record is never held past
 * `limits.maxRecordBytes` (record-guard.ts), an XLSX part never inflated past its limits.
 */
export async function openRecords(input: { path: string }, opts: OpenRecordsOptions = {}): Promise<OpenedRecords> {
  const now = opts.now ?? (() => performance.now());
  const startedAt = now();
  const { size } = await stat(input.path);
  const sample = await readSample(input.path);
  const format = opts.format ?? detectFormat(input.path, sample);
  const encoding: TextEncoding = format === 'xlsx' ? 'utf-8' : (opts.encoding ?? encodingOf(sample, size > SAMPLE_BYTES));

  const limits = readLimits(opts.limits);
  let rowsRead = 0;
  const onRow = (): void => {
    rowsRead++;
  };

  let table: TableSource;
  let bytesRead: () => number;
  if (format === 'xlsx') {
    table = await readXlsx(input.path, size, onRow, limits);
    bytesRead = table.bytesRead!;
  } else {
    const counter = new ByteCounter();
    const file = createReadStream(input.path, { highWaterMark: 256 * 1024 });
    file.on('error', (e) => counter.destroy(e));
    counter.once('close', () => file.destroy());
    table = (await readTextRecords(file.pipe(counter), format, encoding, limits, onRow)).table;
    bytesRead = () => counter.bytes;
  }

  return {
    format,
    encoding,
    headers: table.headers,
    records: table.rows,
    progress: () => progressOf(bytesRead(), size, rowsRead, startedAt, now()),
  };
}

/**
 * Reads CSV or NDJSON from a stream of bytes, through the record guard: what openRecords does
 * with a file, for callers (and tests) that have a stream.
 */
export async function readTextRecords(
  bytes: Readable,
  format: Exclude<FileFormat, 'xlsx'>,
  encoding: TextEncoding,
  limits: ReadLimits,
  onRow: () => void,
): Promise<{ table: TableSource; guard: RecordGuard }> {
  const guard = new RecordGuard({ csv: format === 'csv', header: format === 'csv', encoding, maxRecordBytes: limits.maxRecordBytes });
  bytes.on('error', (e) => guard.destroy(e));
  const text = decode(bytes.pipe(guard), encoding);
  // A reader that stops (a refused header, a caller's break) destroys the text stream: the file goes with it.
  text.once('close', () => {
    guard.destroy();
    bytes.destroy();
  });
  const table =
    format === 'ndjson' ? await readNdjson(text, onRow, guard, limits.maxColumns) : await readCsv(text, onRow, guard, limits.maxColumns);
  return { table, guard };
}

/** Data rows in a file (header excluded), by streaming it once; for progress bars that want a row total. */
export async function countRows(input: { path: string }, opts: OpenRecordsOptions = {}): Promise<number> {
  const opened = await openRecords(input, opts);
  let n = 0;
  for await (const _row of opened.records) n++;
  return n;
}
