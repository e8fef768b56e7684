import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import iconv from 'iconv-lite';
import { IngestError, KEPT_RAW_BYTES, formatBytes } from './limits';
import { RowProblem, TextEncoding } from './types';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/**
 * A stand-in record is padded to this many bytes so the streams between the guard and the
 * reader, which buffer by bytes, hold few of them (each keeps up to KEPT_RAW_BYTES aside).
 */
const STAND_IN_BYTES = 512;

export interface GuardOptions {
  /** CSV quoting decides where a record ends; otherwise (NDJSON) every line break does. */
  readonly csv: boolean;
  /** The first non-empty record is a header: never stood in for, and refused as a file when too large. */
  readonly header: boolean;
  readonly encoding: TextEncoding;
  readonly maxRecordBytes: number;
}

export interface GuardedRecord {
  readonly problem: RowProblem;
  /** The record as sent, decoded as best it can be (up to KEPT_RAW_BYTES of it), for the quarantine. */
  readonly raw: string;
}

/**
 * Finds line breaks in one chunk from left to right, remembering the next LF and the next CR
 * found so far: searching afresh for both at every line would scan a file without CRs to its
 * chunk's end once per line.
 */
class LineBreaks {
  private lf = -2;
  private cr = -2;

  constructor(private readonly chunk: Buffer) {}

  /** The first LF or CR at or after `from`, or -1. */
  from(from: number): number {
    if (this.lf !== -1 && this.lf < from) this.lf = this.chunk.indexOf(LF, from);
    if (this.cr !== -1 && this.cr < from) this.cr = this.chunk.indexOf(CR, from);
    return this.lf < 0 ? this.cr : this.cr < 0 ? this.lf : Math.min(this.lf, this.cr);
  }
}

/** A UTF-8 sequence of three or four bytes: how Chinese text looks in UTF-8 (a GB18030 line rarely validates as one). */
function hasLongUtf8Sequence(record: Buffer): boolean {
  for (let i = 0; i < record.length; i++) if (record[i] >= 0xe0) return true;
  return false;
}

/**
 * Watches the bytes of a text file before they are decoded and parsed, one record at a
 * time, holding at most one record (≤ maxRecordBytes) in memory:
 *
 * - a record longer than the limit (a 2 GB line without a line break, an unclosed quote
 *   swallowing the file) is cut: its first KEPT_RAW_BYTES are kept, the rest is skipped to
 *   the next line break, and the row is quarantined as ROW_TOO_LARGE; a header that long
 *   refuses the file (FILE_HEADER_TOO_LARGE);
 * - a record whose bytes are not the file's encoding (a GB18030 line in a UTF-8 file, a
 *   UTF-8 line in a GB18030 one) is ROW_ENCODING_MISMATCH, kept decoded in the encoding it
 *   is in; one carrying a byte-order mark after the file's start (two files joined) is
 *   ROW_BOM_INSIDE.
 *
 * Such a record reaches the parser as a one-cell stand-in, `marker + number`, which the
 * reader exchanges for the problem and raw text (`standInFor`). Quote, comma and line-break
 * bytes never occur inside a multi-byte character of UTF-8 or GB18030, so records can be
 * found before decoding. The quoting follows csv-parse with `relax_quotes` and every line
 * break as a record delimiter (csv-reader.ts), so both see the same records.
 */
export class RecordGuard extends Transform {
  /** Random per file: no cell of the file can forge a stand-in. */
  readonly marker = `\u0000record-guard-${randomBytes(8).toString('hex')}:`;
  /** The largest record prefix held at once, for tests of the bound. */
  peakHeldBytes = 0;
  private readonly standIns = new Map<number, GuardedRecord>();
  private nextStandIn = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private quoting = false;
  private quoteInQuoting = false;
  private fieldStart = true;
  private seenRecord = false;
  /** Line breaks since the last record's content. */
  private breakRun = 0;
  private skipping: { kept: Buffer; bytes: number; quoted: boolean } | undefined;

  constructor(private readonly options: GuardOptions) {
    super();
  }

  /** The problem and raw text a stand-in's cell names; undefined when the cell is not one. */
  standInFor(cell: string): GuardedRecord | undefined {
    if (!cell.startsWith(this.marker)) return undefined;
    const n = Number.parseInt(cell.slice(this.marker.length), 10);
    const found = this.standIns.get(n);
    this.standIns.delete(n);
    return found;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.scan(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.skipping) this.endSkip();
      else if (this.heldBytes > 0) {
        const record = Buffer.concat(this.held);
        this.held = [];
        this.heldBytes = 0;
        const problem = this.check(record);
        if (problem) this.standIn(problem);
        else this.push(record);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /** Bytes of the chunk being scanned from here on are not pushed yet. */
  private passFrom = 0;
  /** Where the current record starts in the chunk being scanned (held bytes come before it). */
  private recordStart = 0;

  private scan(chunk: Buffer): void {
    const n = chunk.length;
    this.passFrom = 0;
    this.recordStart = 0;
    // Most chunks of most files hold no quote at all: their records end at line breaks, found natively.
    const plain = !this.options.csv || (!this.quoting && !this.quoteInQuoting && chunk.indexOf(QUOTE) < 0);
    const breaks = new LineBreaks(chunk);
    let i = 0;
    while (i < n) {
      if (this.skipping) {
        const end = breaks.from(i);
        if (end < 0) {
          this.skipping.bytes += n - i;
          return;
        }
        this.skipping.bytes += end - i;
        this.endSkip();
        // The line break itself goes on: it ends the stand-in's line.
        i = this.passFrom = this.recordStart = end;
      }
      i = plain ? this.scanPlain(chunk, i, breaks) : this.scanQuoted(chunk, i);
      if (i < n) {
        // Over the limit at byte i: the record so far is kept in part, the rest skipped.
        this.beginSkip(chunk, i + 1);
        i = this.passFrom = this.recordStart = i + 1;
      }
    }
    if (this.skipping) return;
    if (this.recordStart > this.passFrom) this.push(chunk.subarray(this.passFrom, this.recordStart));
    if (this.recordStart < n) {
      // Copied: the chunk's buffer may be reused by the file stream.
      this.held.push(Buffer.from(chunk.subarray(this.recordStart)));
      this.heldBytes += n - this.recordStart;
      if (this.heldBytes > this.peakHeldBytes) this.peakHeldBytes = this.heldBytes;
      this.fieldStart = chunk[n - 1] === COMMA;
    }
  }

  /** Scans a chunk without quotes from `i`; returns the chunk's length, or the byte at which the record passed the limit. */
  private scanPlain(chunk: Buffer, i: number, breaks: LineBreaks): number {
    const n = chunk.length;
    const max = this.options.maxRecordBytes;
    while (i < n) {
      let end = breaks.from(i);
      if (end < 0) end = n;
      const over = this.recordStart + max - this.heldBytes;
      if (end > over) return over;
      if (end === n) return n;
      if (this.heldBytes === 0 && this.recordStart === end) {
        i = this.blankLines(chunk, end);
        continue;
      }
      this.lineBreak(chunk, end);
      i = end + 1;
    }
    return n;
  }

  /** Scans byte by byte, following quotes as csv-parse does; returns as scanPlain. */
  private scanQuoted(chunk: Buffer, i: number): number {
    const n = chunk.length;
    const max = this.options.maxRecordBytes;
    for (; i < n; i++) {
      const b = chunk[i];
      if (this.quoteInQuoting) {
        this.quoteInQuoting = false;
        // "" inside quotes is a quote; any other quote ends the quoted part (relax_quotes).
        if (b === QUOTE) continue;
        this.quoting = false;
      } else if (this.quoting) {
        if (b === QUOTE) this.quoteInQuoting = true;
        if (this.heldBytes + i + 1 - this.recordStart > max) return i;
        continue;
      } else if (b === QUOTE && this.fieldStart) {
        this.quoting = true;
        this.fieldStart = false;
        continue;
      }
      if (b === LF || b === CR) {
        this.lineBreak(chunk, i);
        continue;
      }
      this.fieldStart = b === COMMA;
      if (this.heldBytes + i + 1 - this.recordStart > max) return i;
    }
    return n;
  }

  /** A run of line breaks from `start` with nothing before them: the first two go on (a CRLF), the rest are dropped. */
  private blankLines(chunk: Buffer, start: number): number {
    let end = start;
    while (end < chunk.length && (chunk[end] === LF || chunk[end] === CR)) end++;
    const kept = Math.max(0, Math.min(end - start, 2 - this.breakRun));
    this.breakRun += end - start;
    if (end - start > kept) {
      if (start + kept > this.passFrom) this.push(chunk.subarray(this.passFrom, start + kept));
      this.passFrom = end;
    }
    this.recordStart = end;
    this.fieldStart = true;
    return end;
  }

  /** A line break outside quotes at byte i: the record before it is complete. */
  private lineBreak(chunk: Buffer, i: number): void {
    if (this.heldBytes === 0 && this.recordStart === i) {
      // A blank line. Past the second break in a row (CRLF is two) it is dropped here: the
      // parsers skip blank lines anyway, one by one, and a file of line breaks would keep
      // them busy for minutes.
      if (++this.breakRun > 2) {
        if (i > this.passFrom) this.push(chunk.subarray(this.passFrom, i));
        this.passFrom = i + 1;
      }
    } else {
      this.endRecord(chunk, i);
      this.breakRun = 1;
    }
    this.recordStart = i + 1;
    this.fieldStart = true;
  }

  /** The record from recordStart to `end` (after what is held) is complete. */
  private endRecord(chunk: Buffer, end: number): void {
    const recordStart = this.recordStart;
    const record =
      this.heldBytes === 0 ? chunk.subarray(recordStart, end) : Buffer.concat([...this.held, chunk.subarray(recordStart, end)]);
    const problem = this.check(record);
    if (!problem) {
      // Held bytes are the start of the chunk's first record: nothing of the chunk was pushed before them.
      for (const part of this.held) this.push(part);
      this.dropHeld();
      return;
    }
    if (recordStart > this.passFrom) this.push(chunk.subarray(this.passFrom, recordStart));
    this.dropHeld();
    this.standIn(problem);
    this.passFrom = end;
  }

  private dropHeld(): void {
    this.held = [];
    this.heldBytes = 0;
  }

  private check(record: Buffer): GuardedRecord | undefined {
    const first = !this.seenRecord;
    this.seenRecord = true;
    if (first && this.options.header) return undefined;
    const utf8File = this.options.encoding === 'utf-8';
    // At the start of the file a BOM is the file's own (the decoder drops it). In a GB18030 file the
    // same three bytes can be a character pair, so there only a record that starts with them counts.
    const bom = record.indexOf(UTF8_BOM);
    const bomInside = utf8File ? bom > 0 || (bom === 0 && !first) : bom === 0 && !first;
    if (bomInside) {
      return this.problem(
        'ROW_BOM_INSIDE',
        'the row carries a byte-order mark (U+FEFF) after the start of the file: were two files joined?',
        record,
        this.options.encoding,
      );
    }
    if (utf8File) {
      if (!isUtf8(record)) {
        return this.problem(
          'ROW_ENCODING_MISMATCH',
          'the row is not valid UTF-8 as the rest of the file is; read as GB18030',
          record,
          'gb18030',
        );
      }
    } else if (hasLongUtf8Sequence(record) && isUtf8(record)) {
      return this.problem('ROW_ENCODING_MISMATCH', `the row is UTF-8 in a ${this.options.encoding} file; read as UTF-8`, record, 'utf-8');
    }
    return undefined;
  }

  private problem(code: RowProblem['code'], message: string, record: Buffer, encoding: TextEncoding): GuardedRecord {
    return { problem: { code, message }, raw: iconv.decode(record.subarray(0, KEPT_RAW_BYTES), encoding, { stripBOM: false }) };
  }

  private beginSkip(chunk: Buffer, upto: number): void {
    const first = !this.seenRecord;
    if (first && this.options.header) {
      throw new IngestError(
        'FILE_HEADER_TOO_LARGE',
        `the header line is longer than ${formatBytes(this.options.maxRecordBytes)}: not a department file (or no line breaks)`,
      );
    }
    const recordStart = this.recordStart;
    if (recordStart > this.passFrom) this.push(chunk.subarray(this.passFrom, recordStart));
    const keptParts = [...this.held, chunk.subarray(recordStart, upto)];
    const kept = Buffer.concat(keptParts).subarray(0, KEPT_RAW_BYTES);
    this.skipping = { kept: Buffer.from(kept), bytes: this.heldBytes + upto - recordStart, quoted: this.quoting };
    this.dropHeld();
    this.quoting = false;
    this.quoteInQuoting = false;
    this.fieldStart = true;
  }

  private endSkip(): void {
    const { kept, bytes, quoted } = this.skipping!;
    this.skipping = undefined;
    this.seenRecord = true;
    const where = quoted ? ' inside a quoted cell (an unclosed quote?)' : ' (no line break?)';
    this.standIn({
      problem: {
        code: 'ROW_TOO_LARGE',
        message:
          `the row is longer than ${formatBytes(this.options.maxRecordBytes)}${where}: ${bytes} bytes skipped up to the next line break, ` +
          `the first ${formatBytes(kept.length)} kept`,
      },
      raw: iconv.decode(kept, this.options.encoding, { stripBOM: false }),
    });
  }

  private standIn(record: GuardedRecord): void {
    const n = this.nextStandIn++;
    this.standIns.set(n, record);
    // Ends its own line: the line break that ended the refused record may be dropped as blank.
    this.push(Buffer.from(`${`${this.marker}${n}`.padEnd(STAND_IN_BYTES - 1, ' ')}\n`, 'latin1'));
    this.breakRun = 1;
  }
}
