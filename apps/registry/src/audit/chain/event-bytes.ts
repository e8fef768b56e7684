import { hash } from 'node:crypto';
import type { RecordedEvent } from '@registry/event-store';
import { canonicalEventText } from '@registry/event-store/shared/canonical-text';

export const CHAIN_ALGORITHMS = ['sm3', 'sha256'] as const;
export type ChainAlgorithm = (typeof CHAIN_ALGORITHMS)[number];

/** Both algorithms give 32-byte digests; the chain starts from 32 zero bytes. */
export const LINK_BYTES = 32;
export const GENESIS_LINK: Buffer = Buffer.alloc(LINK_BYTES);

/**
 * The event's canonical text, `[id, stream, revision, type, data, metadata, recordedAt]` as
 * JSON: defined beside the event-store port (stores may hand it out without decoding events).
 */
export { canonicalEventText };

/**
 * Computes links: link(n) = H(link(n-1) ‖ canonical bytes of event n), H = SM3 (GB/T 32905)
 * or SHA-256. One buffer is reused for the hashed bytes (the previous link and the event's
 * UTF-8 text): no allocation per event but the digest.
 */
export class LinkHasher {
  private buffer = Buffer.allocUnsafe(64 * 1024);

  constructor(readonly algorithm: ChainAlgorithm) {}

  next(previous: Buffer, event: RecordedEvent): Buffer {
    return this.nextText(previous, canonicalEventText(event));
  }

  /** The link after an event given by its canonical text. */
  nextText(previous: Buffer, text: string): Buffer {
    const end = this.load(text);
    previous.copy(this.buffer, 0, 0, LINK_BYTES);
    return hash(this.algorithm, this.buffer.subarray(0, end), 'buffer') as unknown as Buffer;
  }

  /**
   * The same link with both links as latin1 strings (one character per byte): a walk that
   * hashes hundreds of thousands of events keeps no Buffer per link (measured: a fifth less
   * time per SM3 call than a Buffer result).
   */
  nextTextLatin1(previous: string, text: string): string {
    const end = this.load(text);
    this.buffer.write(previous, 0, LINK_BYTES, 'latin1');
    return hash(this.algorithm, this.buffer.subarray(0, end), 'binary'); // 'binary' is latin1
  }

  /** Puts the text's UTF-8 after the link's place in the buffer; returns where it ends. */
  private load(text: string): number {
    // At most 3 UTF-8 bytes per UTF-16 unit: a buffer that large always holds the text.
    if (this.buffer.length < LINK_BYTES + text.length * 3) this.buffer = Buffer.allocUnsafe(LINK_BYTES + text.length * 3);
    return LINK_BYTES + this.buffer.write(text, LINK_BYTES, 'utf8');
  }
}

/**
 * Four bytes that tell one event from another without hashing: event ids are UUIDs (random
 * or derived from the source record), whose first eight hex digits serve; any other id is hashed.
 */
export function idTag(id: string): number {
  if (id.length >= 8) {
    let n = 0;
    for (let i = 0; i < 8; i++) {
      const c = id.charCodeAt(i);
      const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (digit < 0) return hashedTag(id);
      n = n * 16 + digit;
    }
    return n >>> 0;
  }
  return hashedTag(id);
}

function hashedTag(id: string): number {
  return (hash('sha256', id, 'buffer') as unknown as Buffer).readUInt32BE(0);
}

export function isChainAlgorithm(value: unknown): value is ChainAlgorithm {
  return (CHAIN_ALGORITHMS as readonly unknown[]).includes(value);
}
