/** The registry's person ids: `p_` and 26 base32 characters (libs/domain person-stream.ts). */
const PREFIX = 'p_';
const PACKED = 26;
const ID_LENGTH = PREFIX.length + PACKED;
/** A slot whose id is not of that form starts with this byte and is kept in `others`. */
const OTHER = 0;

/** Whether an id is as long as a registry id and starts with its prefix (its characters are checked as packed). */
function hasRegistryShape(id: string): boolean {
  return id.length === ID_LENGTH && id.startsWith(PREFIX);
}

/** Whether a character code is of the lower-case base32 alphabet (a–z, 2–7). */
function isBase32(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 50 && c <= 55);
}

/**
 * A growing column of ids, slot after slot, for structures that hold one per person of the
 * province for as long as a comparison runs (the linker, the determination's judgements).
 * A person id of the registry's form is kept as its 26 characters in one buffer outside the
 * heap: 26 bytes, against about 56 for a string and the array slot pointing at it, which
 * V8 lets the heap grow to twice before it collects. Any other id is kept as it is, so the
 * column holds whatever ids its owner is given.
 */
export class IdColumn {
  private bytes = Buffer.alloc(PACKED * 1024);
  private readonly others = new Map<number, string>();
  private count = 0;
  /** Where `get` assembles an id: one flat string, not a concatenation V8 must flatten later. */
  private readonly scratch = Buffer.from(PREFIX.padEnd(ID_LENGTH, ' '), 'latin1');

  get length(): number {
    return this.count;
  }

  /** Bytes held outside the heap. */
  get byteLength(): number {
    return this.bytes.byteLength;
  }

  /** Appends an id; returns its slot. */
  push(id: string): number {
    const slot = this.count++;
    if (this.count * PACKED > this.bytes.length) {
      // By half again, not double: a province's column is tens of megabytes, and the part not
      // yet filled is allocated all the same.
      const bigger = Buffer.alloc(PACKED * Math.ceil((this.bytes.length / PACKED) * 1.5));
      this.bytes.copy(bigger);
      this.bytes = bigger;
    }
    if (!this.pack(slot, id)) {
      this.bytes[slot * PACKED] = OTHER;
      this.others.set(slot, id);
    }
    return slot;
  }

  get(slot: number): string {
    const at = slot * PACKED;
    if (this.bytes[at] === OTHER) return this.others.get(slot)!;
    this.bytes.copy(this.scratch, PREFIX.length, at, at + PACKED);
    return this.scratch.toString('latin1');
  }

  /** Whether the slot holds this id, compared without building a string. */
  holds(slot: number, id: string): boolean {
    const at = slot * PACKED;
    if (this.bytes[at] === OTHER) return this.others.get(slot) === id;
    if (!hasRegistryShape(id)) return false;
    for (let i = 0; i < PACKED; i++) if (this.bytes[at + i] !== id.charCodeAt(PREFIX.length + i)) return false;
    return true;
  }

  /** The two slots' ids in string order (negative, 0, positive), as `a < b` compares them. */
  compare(a: number, b: number): number {
    const at = a * PACKED;
    const bt = b * PACKED;
    if (this.bytes[at] !== OTHER && this.bytes[bt] !== OTHER) return this.bytes.compare(this.bytes, bt, bt + PACKED, at, at + PACKED);
    const x = this.get(a);
    const y = this.get(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  private pack(slot: number, id: string): boolean {
    if (!hasRegistryShape(id)) return false;
    const at = slot * PACKED;
    for (let i = 0; i < PACKED; i++) {
      const c = id.charCodeAt(PREFIX.length + i);
      if (!isBase32(c)) return false;
      this.bytes[at + i] = c;
    }
    return true;
  }
}
