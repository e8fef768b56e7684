import type { Document } from '@registry/read-store';
import type { PersonalDataProtector } from '../privacy/personal-data';

export const IMPORT_JOBS = 'import_jobs';
export const IMPORT_REJECTIONS = 'import_rejections';

export type ImportState = 'queued' | 'running' | 'completed' | 'failed';

export interface ImportCounts {
  /** Rows read from the file (data rows, header excluded). */
  read: number;
  /** Rows accepted and applied through the person commands (including those that changed nothing). */
  imported: number;
  /** Rows kept aside with their reasons. read = imported + quarantined, always. */
  quarantined: number;
  /** Imported rows that carried at least one warning. */
  withWarnings: number;
  /** Imported rows that changed nothing (already known: a re-import). */
  unchanged: number;
  /** Events appended by this import. */
  events: number;
}

/**
 * An import's state, kept in the read store (operational state, not a projection). It is
 * stored after committed batches, at most every IMPORT_PROGRESS_INTERVAL_MS, and at the end;
 * `committedRow` is where a restarted import resumes.
 */
export interface ImportJob extends Document {
  source: string;
  /** Original file name as uploaded; shown to the submitter only, never logged. */
  fileName: string;
  filePath: string;
  fileHash: string;
  fileBytes: number;
  /** True once an uploaded copy was deleted after a completed import. */
  fileRemoved?: boolean;
  format?: string;
  encoding?: string;
  requestedFormat?: string;
  requestedEncoding?: string;
  state: ImportState;
  submittedBy: { operator: string; role: string; region: string; channel: string };
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Last row number whose outcome is committed (events appended, rejections stored). */
  committedRow: number;
  counts: ImportCounts;
  progress: { bytesRead: number; totalBytes: number; fraction: number; rowsPerSecond: number; etaSeconds?: number };
  reasonsByCode: Record<string, number>;
  warningsByCode: Record<string, number>;
  /** Rows read whose cell for the field was not blank, per registry field the file has a column for (data quality: completeness). */
  fieldsPresent?: Record<string, number>;
  /** Fields of the source's mapping the file has no column for. */
  fieldsMissing?: string[];
  error?: { code: string; message: string };
}

export interface ImportRejection extends Document {
  importId: string;
  rowNumber: number;
  reasons: Array<{ code: string; severity: string; field?: string; message: string }>;
  warnings: Array<{ code: string; field?: string }>;
  /** Sealed raw row (personal data). */
  raw: unknown;
  /** Sealed partial fields the cleaner could still read (for record linkage). */
  partial?: unknown;
}

/** Seals the fields the cleaner could still read from a quarantined row, bound to that row. */
export function sealRejectionPartial(protector: PersonalDataProtector, rejectionId: string, partial: unknown): unknown {
  return protector.sealForDocument(`${rejectionId}:partial`, { partial });
}

/** The fields a quarantined row kept for record linkage (see sealRejectionPartial); {} when it kept none. */
export function rejectionFields(
  protector: PersonalDataProtector,
  rejection: Pick<ImportRejection, '_id' | 'partial'>,
): Record<string, string> {
  if (rejection.partial === undefined) return {};
  return (
    protector.openFromDocument<{ partial: { fields: Record<string, string> } }>(`${rejection._id}:partial`, rejection.partial)?.partial
      .fields ?? {}
  );
}

export function emptyCounts(): ImportCounts {
  return { read: 0, imported: 0, quarantined: 0, withWarnings: 0, unchanged: 0, events: 0 };
}
