/**
 * Read-store port: JSON documents in named collections. Queries are typed filter objects,
 * never strings, so nothing from a request reaches the store unparsed.
 */

/** Every stored document has a string id and may remember the event position it reflects. */
export interface Document {
  _id: string;
  /** Global position of the last event applied to this document (projection guard). */
  _position?: number;
  [key: string]: unknown;
}

export type Scalar = string | number | boolean | null;

/**
 * Conditions on one field (a dotted path into the document). All listed conditions must hold.
 * MongoDB semantics on both adapters: on a field holding an array, a condition matches when
 * any element matches; `eq: null` matches null and missing; `ne` matches missing fields;
 * ranges compare numbers with numbers and strings with strings (by code point) only.
 * Paths walk through objects, not through arrays of objects. Values must be scalars.
 */
export interface FieldCondition {
  eq?: Scalar;
  ne?: Scalar;
  in?: Scalar[];
  gt?: string | number;
  gte?: string | number;
  lt?: string | number;
  lte?: string | number;
  exists?: boolean;
  /** The string value starts with this prefix (e.g. a region code prefix). */
  prefix?: string;
}

/** A conjunction of field conditions; a bare scalar means equality. */
export type Filter = Record<string, Scalar | FieldCondition>;

export type SortDirection = 1 | -1;

export interface FindOptions {
  /**
   * Sort keys in order; `_id` ascending is always appended as the tie-breaker. Missing and
   * null sort first ascending; a sort field should hold one scalar type (not arrays).
   */
  sort?: Array<[field: string, direction: SortDirection]>;
  /** Page size (default 50, at most 1000). */
  limit?: number;
  /** Opaque cursor from the previous page's `nextCursor` (valid only with the same sort). */
  cursor?: string;
  /** Only these top-level fields (plus `_id`). */
  fields?: string[];
}

export interface ScanOptions {
  /**
   * Where the store reads a scan in pages (SQLite), the order it pages in: the fields of the
   * index that serves the filter, so each page is one range of that index (as `FindOptions.sort`,
   * `_id` appended). Without it such a store pages by `_id` and tests the filter on every
   * document. A store that reads a scan in one pass (MongoDB) ignores it; either way the
   * documents come in no promised order.
   */
  sort?: FindOptions['sort'];
  /** Only these top-level fields (plus `_id`), as `FindOptions.fields`. */
  fields?: string[];
}

export interface Page<T> {
  items: T[];
  /** Present only when more documents follow. */
  nextCursor?: string;
}

export interface IndexSpec {
  name: string;
  fields: Array<[field: string, direction: SortDirection]>;
  unique?: boolean;
  /**
   * The (single) field holds an array in every document, and the index is there for "an
   * element equals" filters. MongoDB builds a multikey index for it, as for any index. The
   * SQLite store keeps none (and drops one an earlier version made): a B-tree over a
   * column can only hold the whole array's JSON text, which no element filter can use, so
   * such an index would only slow every write down. On SQLite these filters read the
   * collection (or whatever range another condition's index gives).
   */
  multikey?: boolean;
}

export interface WriteGuard {
  /**
   * Write only when the stored document does not exist or reflects a smaller position.
   * The written document records this position in `_position`.
   */
  position?: number;
}

/**
 * What the writer last read of the stored document, when it knows: the document's `_position`,
 * or null when none was stored (a document it creates). A hint, never a condition: a store may
 * use it instead of reading the document itself (the MongoDB adapter inserts a document
 * expected absent, and replaces one expected at a position with a compare-and-set on that
 * position); where the stored document turns out otherwise, the guard is checked against what
 * is stored, exactly as without the hint. Leave it out for a document without a `_position`.
 */
export type StoredHint = number | null;

export type WriteOp =
  | { kind: 'upsert'; collection: string; doc: Document; guard?: WriteGuard; stored?: StoredHint }
  | { kind: 'patch'; collection: string; id: string; set: Record<string, unknown>; guard?: WriteGuard; stored?: StoredHint }
  | { kind: 'delete'; collection: string; id: string; guard?: WriteGuard; stored?: StoredHint };

export interface Collection<T extends Document = Document> {
  readonly name: string;
  get(id: string): Promise<T | null>;
  getMany(ids: string[]): Promise<Map<string, T>>;
  /** Insert or replace; returns false when the guard refused the write. */
  upsert(doc: T, guard?: WriteGuard): Promise<boolean>;
  /** Set fields (dotted paths allowed) on an existing document; false when missing or guarded. */
  patch(id: string, set: Record<string, unknown>, guard?: WriteGuard): Promise<boolean>;
  delete(id: string, guard?: WriteGuard): Promise<boolean>;
  find(filter?: Filter, options?: FindOptions): Promise<Page<T>>;
  /**
   * Every document matching `filter`, each once, in no particular order, in one pass: for work
   * over a whole collection (a comparison run reads every person). Paging with `find` repeats
   * the query for each page, and a server that cannot serve the page's cursor from an index
   * (FerretDB pushes no range on `_id` down) reads the whole collection for every page. A
   * document written while the scan runs may or may not be seen.
   */
  scan(filter?: Filter, options?: ScanOptions): AsyncIterable<T>;
  count(filter?: Filter): Promise<number>;
  ensureIndexes(indexes: IndexSpec[]): Promise<void>;
}

/**
 * What an adapter guarantees beyond the port's common contract. Callers (and the contract
 * suite) decide by these, never by which adapter they hold.
 */
export interface ReadStoreCapabilities {
  /** `write` is atomic across all its operations (SQLite: one transaction). */
  readonly transactional: boolean;
  /**
   * The store is a file this process opens itself, no server: its work competes for this
   * process's cores, and another thread can open a connection of its own to the same file.
   */
  readonly embedded: boolean;
}

export interface ReadStore {
  /** What the store runs on (`sqlite`, `mongodb`), for logs, /health and store-info only. */
  readonly engine: string;
  readonly capabilities: ReadStoreCapabilities;
  collection<T extends Document = Document>(name: string): Collection<T>;
  /** Apply many writes, in order; atomically where `capabilities.transactional`. */
  write(ops: WriteOp[]): Promise<void>;
  listCollections(): Promise<string[]>;
  dropCollection(name: string): Promise<void>;
  /** Replace `to` with `from` (used to switch a rebuilt projection in). */
  renameCollection(from: string, to: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const READ_STORE = Symbol('READ_STORE');

/** A filter, sort or cursor that the store refuses (unknown operator, bad path, bad cursor). */
export class InvalidQueryError extends Error {
  readonly code = 'INVALID_QUERY';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

/**
 * A write broke a unique index. The message names the index, never the duplicated value
 * (which is usually personal data such as a citizen ID).
 */
export class DuplicateKeyError extends Error {
  readonly code = 'DUPLICATE_KEY';
  constructor(
    message: string,
    /** The violated index, when the store reports it. */
    readonly index?: string,
  ) {
    super(message);
    this.name = 'DuplicateKeyError';
  }
}
