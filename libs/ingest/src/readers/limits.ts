/**
 * What a department file may ask of the reader. A file that passes a limit is refused (the
 * whole file: IngestError) or has the offending row quarantined (a RowProblem), always with a
 * stable code, and always before the reader holds more than the limit in memory.
 */
export interface ReadLimits {
  /** Largest CSV record or NDJSON line, in bytes as sent (before decoding). */
  readonly maxRecordBytes: number;
  /** Most columns a header may name (CSV, XLSX) or the first NDJSON object may have. */
  readonly maxColumns: number;
  /** Largest inflated size of the XLSX parts read (the first worksheet, shared strings), by what the archive declares. */
  readonly xlsxMaxInflatedBytes: number;
  /** Largest inflated/compressed ratio of an XLSX part bigger than 1 MiB. */
  readonly xlsxMaxCompressionRatio: number;
  /** Largest shared-strings part, inflated: it is the one part held in memory whole. */
  readonly xlsxMaxSharedStringsBytes: number;
  /** Most characters of worksheet XML between two row tags: ExcelJS holds a row while it reads its cells. */
  readonly xlsxMaxRowXmlChars: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxRecordBytes: MiB,
  maxColumns: 1000,
  xlsxMaxInflatedBytes: 2048 * MiB,
  // Apache POI refuses below an inflate ratio of 1 %: the same figure. Real sheets measure 5–20.
  xlsxMaxCompressionRatio: 100,
  xlsxMaxSharedStringsBytes: 256 * MiB,
  xlsxMaxRowXmlChars: 4 * MiB,
};

/** The bytes of an over-long record kept as its raw text for the quarantine. */
export const KEPT_RAW_BYTES = 64 * 1024;

export type IngestErrorCode =
  'FILE_HEADER_TOO_LARGE' | 'FILE_TOO_MANY_COLUMNS' | 'FILE_XLSX_TOO_LARGE' | 'FILE_XLSX_COMPRESSION_RATIO' | 'FILE_XLSX_ROW_TOO_LARGE';

/** A file the reader refuses as a whole. Messages name limits and parts, never cell content. */
export class IngestError extends Error {
  constructor(
    readonly code: IngestErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IngestError';
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

export function readLimits(overrides: Partial<ReadLimits> | undefined): ReadLimits {
  const limits = { ...DEFAULT_READ_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`read limit ${key} must be a positive number`);
  }
  return limits;
}
