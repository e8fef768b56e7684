/**
 * The keys added along one line of sets, oldest first, shared by every set of the line.
 * Only ever appended to.
 */
interface KeyLog {
  readonly keys: string[];
  /** Position of each key: built once the log is too long to scan (most persons never get there). */
  positions?: Map<string, number>;
}

/** Up to this many keys a scan is cheaper than building and hashing into a Map. */
const SCAN_LIMIT = 8;

/**
 * The `sourceRecordKey`s a person's state has applied: a read-only set that grows by one
 * key per new source record without copying what it already holds.
 *
 * Every state folded from a stream has its own `processed`, and states must never change
 * once someone holds them. Copying a Set for each new record made folding quadratic and
 * was most of evolve's garbage. Instead the sets of one line of states share an
 * append-only log of keys, and each set sees only the first `size` keys of it. Appending
 * leaves every existing view as it was, so the newest set extends the log in place;
 * extending an older set (a second branch, e.g. after a refused command the caller goes on
 * from the state before it) copies its part of the log first.
 */
export class ProcessedKeys implements ReadonlySet<string> {
  readonly #log: KeyLog;
  readonly #size: number;

  private constructor(log: KeyLog, size: number) {
    this.#log = log;
    this.#size = size;
  }

  static of(key: string): ProcessedKeys {
    return new ProcessedKeys({ keys: [key] }, 1);
  }

  get size(): number {
    return this.#size;
  }

  has(key: string): boolean {
    const { keys, positions } = this.#log;
    const position = positions === undefined ? keys.indexOf(key) : (positions.get(key) ?? -1);
    return position !== -1 && position < this.#size;
  }

  /** This set plus `key`; the set itself when it already holds the key. */
  with(key: string): ProcessedKeys {
    if (this.has(key)) return this;
    // The newest set appends in place (no set sees past the end of the log, so none changes);
    // an older one first copies the part of the log it sees.
    const log = this.#size === this.#log.keys.length ? this.#log : { keys: this.#log.keys.slice(0, this.#size) };
    log.keys.push(key);
    if (log.positions) log.positions.set(key, this.#size);
    else if (log.keys.length > SCAN_LIMIT) log.positions = new Map(log.keys.map((k, i) => [k, i]));
    return new ProcessedKeys(log, this.#size + 1);
  }

  // Reading the whole set is rare (no rule needs it), so iteration works on a copy of the view.
  [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }

  values(): SetIterator<string> {
    return this.#log.keys.slice(0, this.#size).values();
  }

  keys(): SetIterator<string> {
    return this.values();
  }

  entries(): SetIterator<[string, string]> {
    return this.#log.keys
      .slice(0, this.#size)
      .map((key): [string, string] => [key, key])
      .values();
  }

  forEach(callback: (value: string, value2: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const key of this.values()) callback.call(thisArg, key, key, this);
  }
}
