import { hash } from 'node:crypto';
import type { RecordedEvent } from '@registry/event-store';

export const CHAIN_ALGORITHMS = ['sm3', 'sha256'] as const;
export type ChainAlgorithm = (typeof CHAIN_ALGORITHMS)[number];

/** Both algorithms give 32-byte digests; the chain starts from 32 zero bytes. */
export const LINK_BYTES = 32;
export const GENESIS_LINK: Buffer = Buffer.alloc(LINK_BYTES);

/**
 * The metadata of an import's events is one object per batch (the event store hands it out
 * once per metadata value): serialised once, not once per event.
 */
const metadataJson = new WeakMap<object, string>();

function jsonOfMetadata(metadata: RecordedEvent['metadata']): string {
  if (metadata === null || typeof metadata !== 'object') return JSON.stringify(metadata ?? null);
  let json = metadataJson.get(metadata);
  if (json === undefined) metadataJson.set(metadata, (json = JSON.stringify(metadata)));
  return json;
}

/**
 * The event's canonical text: the JSON array `[id, stream, revision, type, data, metadata,
 * recordedAt]`, each member in ECMAScript JSON serialisation (JSON.stringify) of the value as
 * the store returns it, object members in the order they were written. Every adapter stores
 * data and metadata as the JSON text JSON.stringify wrote (SQLite text, EventStoreDB bytes,
 * PostgreSQL `json`), which parses and serialises back to the same text, so this is the
 * stored text itself; a changed value, a changed member order or a changed field of the
 * event changes it. (Sorting members as RFC 8785 does would cost three times as much per
 * event and say nothing more about events no writer reorders.)
 */
export function canonicalEventText(event: RecordedEvent): string {
  return (
    '[' +
    JSON.stringify(event.id) +
    ',' +
    JSON.stringify(event.stream) +
    ',' +
    String(event.revision) +
    ',' +
    JSON.stringify(event.type) +
    ',' +
    (JSON.stringify(event.data) ?? 'null') +
    ',' +
    jsonOfMetadata(event.metadata) +
    ',' +
    JSON.stringify(event.recordedAt) +
    ']'
  );
}

/**
 * Computes links: link(n) = H(link(n-1) ‖ canonical bytes of event n), H = SM3 (GB/T 32905)
 * or SHA-256. One buffer is reused for the hashed bytes (the previous link and the event's
 * UTF-8 text): no allocation per event but the digest.
 */
export class LinkHasher {
  private buffer = Buffer.allocUnsafe(64 * 1024);

  constructor(readonly algorithm: ChainAlgorithm) {}

  next(previous: Buffer, event: RecordedEvent): Buffer {
    const text = canonicalEventText(event);
    // At most 3 UTF-8 bytes per UTF-16 unit: a buffer that large always holds the text.
    if (this.buffer.length < LINK_BYTES + text.length * 3) this.buffer = Buffer.allocUnsafe(LINK_BYTES + text.length * 3);
    previous.copy(this.buffer, 0, 0, LINK_BYTES);
    const end = LINK_BYTES + this.buffer.write(text, LINK_BYTES, 'utf8');
    return hash(this.algorithm, this.buffer.subarray(0, end), 'buffer') as unknown as Buffer;
  }
}

/**
 * Four bytes that tell one event from another without hashing: event ids are UUIDs (random
 * or derived from the source record), whose first eight hex digits serve; any other id is hashed.
 */
export function idTag(id: string): number {
  if (id.length >= 8) {
    const n = Number.parseInt(id.slice(0, 8), 16);
    if (Number.isSafeInteger(n) && /^[0-9a-fA-F]{8}/.test(id)) return n >>> 0;
  }
  return (hash('sha256', id, 'buffer') as unknown as Buffer).readUInt32BE(0);
}

export function isChainAlgorithm(value: unknown): value is ChainAlgorithm {
  return (CHAIN_ALGORITHMS as readonly unknown[]).includes(value);
}
