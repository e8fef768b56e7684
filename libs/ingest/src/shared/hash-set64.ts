/**
 * A set of 64-bit keys in two typed arrays with open addressing. A `Set<bigint>` costs
 * about 50–80 bytes per entry in V8 (boxed BigInt plus the hash table slot); this costs
 * 8 bytes per slot, with the load kept between 3/8 and 3/4, so 8–21 bytes per key, and
 * briefly 1.5x that while growing. 30 million keys: ~340 MB at the worst point.
 *
 * Keys come from a cryptographic hash, so their low bits are already uniform and the
 * low word serves as the slot index directly.
 */
export class HashSet64 {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the slot arrays, for the memory figure operators ask about. */
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  /** Adds the key; returns false when it was already present. (0,0) is reserved as empty and folded to (0,1). */
  add(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if (hi === 0 && lo === 0) lo = 1;
    let i = lo & this.mask;
    for (;;) {
      const h = this.hi[i];
      const l = this.lo[i];
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return false;
      i = (i + 1) & this.mask;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.count++;
    if (this.count * 4 > this.hi.length * 3) this.grow();
    return true;
  }

  has(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if (hi === 0 && lo === 0) lo = 1;
    let i = lo & this.mask;
    for (;;) {
      const h = this.hi[i];
      const l = this.lo[i];
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    const cap = oldHi.length * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldHi.length; i++) {
      if (oldHi[i] !== 0 || oldLo[i] !== 0) this.add(oldHi[i], oldLo[i]);
    }
  }
}
