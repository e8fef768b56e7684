import type { Document } from '@registry/read-store';

/** Events per block document: a block is rewritten while it fills, so its size bounds that rewrite. */
export const BLOCK_EVENTS = 4096;
/** Bytes of each event's link kept in its block entry: enough to name the event whose link differs. */
export const LINK_TAG_BYTES = 8;
/** Every this many events a block keeps the full link too: where a check resumes after a finding. */
export const MARK_EVERY = 128;

/** What the chain records of one event. */
export interface ChainEntry {
  position: number;
  /** See idTag. */
  idTag: number;
  /** The first LINK_TAG_BYTES of the event's link, hex. */
  linkTag: string;
}

/**
 * Consecutive events of the chain, packed: per event the position (as the difference to the
 * one before, a LEB128 varint), its id tag (4 bytes) and the head of its link (8 bytes), the
 * whole as base64. `prevLink` is the full link before the first event and `lastLink` the full
 * link of the last, so a check can start at any block from its `prevLink`.
 */
export interface ChainBlockDocument extends Document {
  n: number;
  from: number;
  to: number;
  count: number;
  prevLink: string;
  lastLink: string;
  recordedFrom: string;
  recordedTo: string;
  entries: string;
  /** The full links after the MARK_EVERY-th, 2·MARK_EVERY-th … entry, hex, concatenated. */
  marks: string;
}

/** The full link after entry `index` (0-based) when the block marks it, else null. */
export function markAfter(block: Pick<ChainBlockDocument, 'marks'>, index: number): Buffer | null {
  if ((index + 1) % MARK_EVERY !== 0) return null;
  const k = (index + 1) / MARK_EVERY - 1;
  const hex = block.marks.slice(k * 64, k * 64 + 64);
  return hex.length === 64 ? Buffer.from(hex, 'hex') : null;
}

export function blockId(n: number): string {
  return `b${String(n).padStart(10, '0')}`;
}

/** Appends entries to a packed list; `after` is the position before the first one. */
export class EntryPacker {
  private bytes: Buffer;
  private length = 0;

  constructor(
    private last: number,
    existing?: Buffer,
  ) {
    this.bytes = Buffer.allocUnsafe(Math.max(1024, (existing?.length ?? 0) * 2));
    if (existing) {
      existing.copy(this.bytes, 0);
      this.length = existing.length;
    }
  }

  add(position: number, idTag: number, link: Buffer): void {
    if (this.bytes.length - this.length < 24) {
      const grown = Buffer.allocUnsafe(this.bytes.length * 2);
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    let delta = position - this.last;
    this.last = position;
    while (delta >= 0x80) {
      this.bytes[this.length++] = (delta % 0x80) | 0x80;
      delta = Math.floor(delta / 0x80);
    }
    this.bytes[this.length++] = delta;
    this.bytes.writeUInt32BE(idTag >>> 0, this.length);
    this.length += 4;
    link.copy(this.bytes, this.length, 0, LINK_TAG_BYTES);
    this.length += LINK_TAG_BYTES;
  }

  encode(): string {
    return this.bytes.subarray(0, this.length).toString('base64');
  }
}

/**
 * A block's entries as arrays (what a walk over many blocks reads, without an object per
 * entry): entry i is at `positions[i]`, has id tag `idTags[i]`, and the head of its link is
 * `linkTags[i·LINK_TAG_BYTES …]`.
 */
export interface DecodedEntries {
  count: number;
  positions: Float64Array;
  idTags: Uint32Array;
  linkTags: Buffer;
}

/** Decodes a block's packed entries. `from` is the block's first position. */
export function decodeEntries(block: Pick<ChainBlockDocument, 'from' | 'entries'>): DecodedEntries {
  const bytes = Buffer.from(block.entries, 'base64');
  // Every entry takes at least 1 + 4 + LINK_TAG_BYTES bytes.
  const most = Math.floor(bytes.length / (5 + LINK_TAG_BYTES));
  const positions = new Float64Array(most);
  const idTags = new Uint32Array(most);
  const linkTags = Buffer.allocUnsafe(most * LINK_TAG_BYTES);
  let position = block.from - firstDelta(bytes);
  let count = 0;
  let i = 0;
  while (i < bytes.length) {
    let delta = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[i++];
      delta += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    position += delta;
    positions[count] = position;
    idTags[count] = bytes.readUInt32BE(i);
    i += 4;
    bytes.copy(linkTags, count * LINK_TAG_BYTES, i, i + LINK_TAG_BYTES);
    i += LINK_TAG_BYTES;
    count++;
  }
  return { count, positions, idTags, linkTags };
}

/** The entries of a block, in order. `from` is the block's first position. */
export function unpackEntries(block: Pick<ChainBlockDocument, 'from' | 'entries'>): ChainEntry[] {
  const { count, positions, idTags, linkTags } = decodeEntries(block);
  const out: ChainEntry[] = [];
  for (let k = 0; k < count; k++) {
    out.push({
      position: positions[k],
      idTag: idTags[k],
      linkTag: linkTags.toString('hex', k * LINK_TAG_BYTES, (k + 1) * LINK_TAG_BYTES),
    });
  }
  return out;
}

/** The first entry's delta, so unpacking can start from the block's first position. */
function firstDelta(bytes: Buffer): number {
  let delta = 0;
  let scale = 1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    delta += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 0x80;
  }
  return delta;
}
