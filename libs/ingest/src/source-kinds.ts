import type { SourceKind } from '@registry/domain/codes';

/**
 * The department sources that arrive as bulk files. A subset of the domain's SourceKind
 * (ministry answers, operators and self-service come through other channels), so a
 * value here can be stored in events unchanged.
 */
export const INGEST_SOURCE_KINDS = [
  'household-registration',
  'insurance-enrollment',
  'card-library',
  'health',
  'civil-affairs',
  'disability',
] as const satisfies readonly SourceKind[];

export type IngestSourceKind = (typeof INGEST_SOURCE_KINDS)[number];

export function isIngestSourceKind(value: unknown): value is IngestSourceKind {
  return typeof value === 'string' && (INGEST_SOURCE_KINDS as readonly string[]).includes(value);
}
