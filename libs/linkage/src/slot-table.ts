import { hash32 } from './blocking/hash';
import type { IdColumn } from './id-column';

const EMPTY = -1;
/** A removed entry: lookups go on past it, an insert may take its place. */
const GONE = -2;

/**
 * Person id → the linker's slot for them: an open-addressing table (linear probing) of slot
 * numbers, which finds an entry's id in the linker's own column of ids instead of keeping
 * the strings a second time. A Map of a million ids costs some 36 bytes of heap each;
 * this, 8 bytes or less outside it. Slots are non-negative.
 */
export class SlotTable {
  private table = new Int32Array(1024).fill(EMPTY);
  /** Entries that are not EMPTY (removed ones included): the table grows by them. */
  private occupied = 0;
  private live = 0;

  constructor(private readonly ids: Pick<IdColumn, 'get' | 'holds'>) {}

  get size(): number {
    return this.live;
  }

  get bytes(): number {
    return this.table.byteLength;
  }

  get(id: string): number | undefined {
    const at = this.find(id);
    return at < 0 ? undefined : this.table[at];
  }

  set(id: string, slot: number): void {
    const at = this.find(id);
    if (at >= 0) {
      this.table[at] = slot;
      return;
    }
    if ((this.occupied + 1) * 2 > this.table.length) this.rehash(this.live + 1);
    const mask = this.table.length - 1;
    let i = hash32(id) & mask;
    while (this.table[i] >= 0) i = (i + 1) & mask;
    if (this.table[i] === EMPTY) this.occupied++;
    this.table[i] = slot;
    this.live++;
  }

  delete(id: string): boolean {
    const at = this.find(id);
    if (at < 0) return false;
    this.table[at] = GONE;
    this.live--;
    return true;
  }

  /** The position of id's entry, or -1. */
  private find(id: string): number {
    const mask = this.table.length - 1;
    for (let i = hash32(id) & mask; ; i = (i + 1) & mask) {
      const slot = this.table[i];
      if (slot === EMPTY) return -1;
      if (slot >= 0 && this.ids.holds(slot, id)) return i;
    }
  }

  /** A table at most a quarter full for `entries`, without the removed ones. */
  private rehash(entries: number): void {
    let size = 1024;
    while (size < entries * 4) size *= 2;
    const old = this.table;
    this.table = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    for (const slot of old) {
      if (slot < 0) continue;
      let i = hash32(this.ids.get(slot)) & mask;
      while (this.table[i] !== EMPTY) i = (i + 1) & mask;
      this.table[i] = slot;
    }
    this.occupied = this.live;
  }
}
