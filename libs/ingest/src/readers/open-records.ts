import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { ByteCounter, progressOf } from './byte-counter';
import { readCsv, TableSource } from './csv-reader';
import { detectFormat, encodingOf, readSample, SAMPLE_BYTES } from './detect';
import { readNdjson } from './ndjson-reader';
import { OpenedRecords, OpenRecordsOptions, TextEncoding } from './types';
import { readXlsx } from './xlsx-reader';

function decode(bytes: Readable, encoding: TextEncoding): Readable {
  // iconv-lite strips a leading BOM by default, for UTF-8 as well.
  const decoder = iconv.decodeStream(encoding);
  bytes.on('error', (e) => decoder.emit('error', e));
  return bytes.pipe(decoder) as unknown as Readable;
}

/**
 * Opens a department file for streaming. Memory stays flat: one chunk of bytes and the
 * rows the parser holds at once, whatever the file size.
 */
export async function openRecords(input: { path: string }, opts: OpenRecordsOptions = {}): Promise<OpenedRecords> {
  const now = opts.now ?? (() => performance.now());
  const startedAt = now();
  const { size } = await stat(input.path);
  const sample = await readSample(input.path);
  const format = opts.format ?? detectFormat(input.path, sample);
  const encoding: TextEncoding = format === 'xlsx' ? 'utf-8' : (opts.encoding ?? encodingOf(sample, size > SAMPLE_BYTES));

  const counter = new ByteCounter();
  const file = createReadStream(input.path, { highWaterMark: 256 * 1024 });
  file.on('error', (e) => counter.destroy(e));
  const bytes = file.pipe(counter);
  let rowsRead = 0;
  const onRow = (): void => {
    rowsRead++;
  };

  let table: TableSource;
  if (format === 'xlsx') table = await readXlsx(bytes, onRow);
  else if (format === 'ndjson') table = await readNdjson(decode(bytes, encoding), onRow);
  else table = await readCsv(decode(bytes, encoding), onRow);

  return {
    format,
    encoding,
    headers: table.headers,
    records: table.rows,
    progress: () => progressOf(counter.bytes, size, rowsRead, startedAt, now()),
  };
}

/** Data rows in a file (header excluded), by streaming it once; for progress bars that want a row total. */
export async function countRows(input: { path: string }, opts: OpenRecordsOptions = {}): Promise<number> {
  const opened = await openRecords(input, opts);
  let n = 0;
  for await (const _row of opened.records) n++;
  return n;
}
