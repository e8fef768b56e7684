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

/**
 * The source kind as this module's constant: the same characters, one string. Kinds read
 * back from a store or a request are copies; records, events and per-row comparisons use
 * the constant. Throws on a value that is not a source kind.
 */
export function ingestSourceKind(value: string): IngestSourceKind {
  const kind = INGEST_SOURCE_KINDS.find((k) => k === value);
  if (kind === undefined) throw new Error(`not a source kind: ${JSON.stringify(value)}; kinds are ${INGEST_SOURCE_KINDS.join(', ')}`);
  return kind;
}
