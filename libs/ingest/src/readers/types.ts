import type { ReadLimits } from './limits';

export type FileFormat = 'csv' | 'xlsx' | 'ndjson';
export type TextEncoding = 'utf-8' | 'gb18030' | 'gbk';

/** A problem with the row's shape, found while reading; the cleaner turns it into an Issue. */
export type RowProblemCode = 'ROW_COLUMN_COUNT' | 'ROW_MALFORMED' | 'ROW_TOO_LARGE' | 'ROW_ENCODING_MISMATCH' | 'ROW_BOM_INSIDE';

/**
 * The file as a whole cannot be read in its format (an XLSX that is not a zip package of
 * worksheets): the import stops with this code instead of an unexpected error. The message
 * names the format, never content.
 */
export class FileUnreadableError extends Error {
  readonly code = 'FILE_UNREADABLE';
  constructor(readonly format: FileFormat) {
    super(`The file is not a readable ${format.toUpperCase()} file.`);
    this.name = 'FileUnreadableError';
  }
}

export interface RowProblem {
  readonly code: RowProblemCode;
  /** Never contains cell content. */
  readonly message: string;
}

export interface RawRecord {
  /**
   * 1-based ordinal of the data record in the file, header excluded, blank lines not
   * counted. Stable across re-reads, so (file, rowNumber) addresses a row.
   */
  readonly rowNumber: number;
  /** Header (as spelled in the file, trimmed) → cell text. Missing cells are absent. */
  readonly values: Readonly<Record<string, string>>;
  /** The row as sent (CSV: the decoded source text; XLSX and NDJSON: a JSON rendering), for quarantine. */
  readonly rawLine: string;
  readonly problems?: readonly RowProblem[];
}

export interface ReadProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rowsRead: number;
  /** 0..1, by bytes. XLSX bytes are compressed bytes, still monotone and proportional. */
  readonly fraction: number;
  readonly elapsedMs: number;
  /** Linear estimate from bytes so far; undefined until something was read. */
  readonly etaMs?: number;
}

export interface OpenedRecords {
  readonly format: FileFormat;
  /** For XLSX (binary) always 'utf-8', the encoding inside the package. */
  readonly encoding: TextEncoding;
  readonly headers: readonly string[];
  /** Single-use: iterate once. Stopping early (break) closes the file. */
  readonly records: AsyncIterable<RawRecord>;
  progress(): ReadProgress;
}

export interface OpenRecordsOptions {
  readonly format?: FileFormat;
  readonly encoding?: TextEncoding;
  /** Injected so progress/ETA is testable; defaults to a monotonic clock. */
  readonly now?: () => number;
  /** Overrides of DEFAULT_READ_LIMITS (record size, columns, XLSX inflation). */
  readonly limits?: Partial<ReadLimits>;
}
