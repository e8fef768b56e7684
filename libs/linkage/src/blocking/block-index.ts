/**
 * Key hash → person indices, for one blocking rule. Bulk adds go to flat typed arrays
 * and are radix-sorted once on the first lookup (8 bytes per entry, against ~100 for a
 * Map of arrays); adds after that wait in a small Map until it is worth re-sorting.
 */
export class BlockIndex {
  private keys = new Uint32Array(0);
  private members = new Int32Array(0);
  private pendingKeys = new Uint32Array(1024);
  private pendingMembers = new Int32Array(1024);
  private pendingCount = 0;
  /** Adds that arrived after the last sort, for lookups before the next one. */
  private late = new Map<number, number[]>();
  private lateCount = 0;
  private sorted = false;

  get size(): number {
    return this.keys.length + this.pendingCount;
  }

  /** Bytes held by the typed arrays (the late map is small and not counted). */
  get bytes(): number {
    return this.keys.byteLength + this.members.byteLength + this.pendingKeys.byteLength + this.pendingMembers.byteLength;
  }

  add(key: number, member: number): void {
    if (this.pendingCount === this.pendingKeys.length) {
      const n = this.pendingKeys.length * 2;
      const keys = new Uint32Array(n);
      keys.set(this.pendingKeys);
      const members = new Int32Array(n);
      members.set(this.pendingMembers);
      this.pendingKeys = keys;
      this.pendingMembers = members;
    }
    this.pendingKeys[this.pendingCount] = key;
    this.pendingMembers[this.pendingCount] = member;
    this.pendingCount++;
    if (this.sorted) {
      const list = this.late.get(key);
      if (list) list.push(member);
      else this.late.set(key, [member]);
      this.lateCount++;
    }
  }

  /**
   * Calls `visit` for each member of the block, unless the block is larger than `cap`,
   * in which case nothing is visited and the size is returned negated so the caller can
   * count skipped blocks. With `live`, only members it accepts count towards the cap (a
   * removed or replaced person stays in the arrays): counted only when the block is over the
   * cap by no more than `dead`, the number of members `live` refuses in the whole index.
   */
  lookup(key: number, cap: number, visit: (member: number) => void, live?: (member: number) => boolean, dead = 0): number {
    this.prepare();
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < this.keys.length && this.keys[end] === key) end++;
    const late = this.late.get(key);
    let size = end - lo + (late ? late.length : 0);
    if (size > cap && live && size - dead <= cap) {
      size = 0;
      for (let i = lo; i < end; i++) if (live(this.members[i])) size++;
      if (late) for (const m of late) if (live(m)) size++;
    }
    if (size > cap) return -size;
    for (let i = lo; i < end; i++) visit(this.members[i]);
    if (late) for (const m of late) visit(m);
    return size;
  }

  private prepare(): void {
    if (this.sorted && this.lateCount <= Math.max(4096, this.keys.length >>> 4)) return;
    // The pending buffer holds exactly the adds since the last sort (the late map mirrors them).
    const n = this.keys.length + this.pendingCount;
    const keys = new Uint32Array(n);
    const members = new Int32Array(n);
    keys.set(this.keys);
    members.set(this.members);
    keys.set(this.pendingKeys.subarray(0, this.pendingCount), this.keys.length);
    members.set(this.pendingMembers.subarray(0, this.pendingCount), this.keys.length);
    radixSort(keys, members);
    this.keys = keys;
    this.members = members;
    this.pendingKeys = new Uint32Array(1024);
    this.pendingMembers = new Int32Array(1024);
    this.pendingCount = 0;
    this.late.clear();
    this.lateCount = 0;
    this.sorted = true;
  }
}

/** Stable LSD radix sort of (key, member) pairs by key, two 16-bit passes: O(n). */
function radixSort(keys: Uint32Array, members: Int32Array): void {
  const n = keys.length;
  const tk = new Uint32Array(n);
  const tm = new Int32Array(n);
  const counts = new Uint32Array(65537);
  let [sk, sm, dk, dm]: [Uint32Array, Int32Array, Uint32Array, Int32Array] = [keys, members, tk, tm];
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((sk[i] >>> shift) & 0xffff) + 1]++;
    for (let i = 1; i <= 65536; i++) counts[i] += counts[i - 1];
    for (let i = 0; i < n; i++) {
      const d = (sk[i] >>> shift) & 0xffff;
      const at = counts[d]++;
      dk[at] = sk[i];
      dm[at] = sm[i];
    }
    [sk, sm, dk, dm] = [dk, dm, sk, sm];
  }
  // Two passes: the result is back in the original arrays.
}
