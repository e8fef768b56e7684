import Database from 'better-sqlite3';
import {
  Collection,
  Document,
  DuplicateKeyError,
  Filter,
  FindOptions,
  ScanOptions,
  IndexSpec,
  InvalidQueryError,
  Page,
  ReadStore,
  StoredHint,
  WriteGuard,
  WriteOp,
} from '../read-store.port';
import { decodeCursor, encodeCursor, normalizeLimit, normalizeSort } from '../query/cursor';
import { applyPatch, pickFields, validateFields, validatePatch } from '../query/documents';
import { assertId, guardPosition, prepareDocument, storedHint } from '../query/writes';
import { Condition, parseFilter } from '../query/filter';
import { assertCollectionName, assertIndexSpec } from '../query/names';
import {
  afterCursorSql,
  arrayRowsTest,
  filterSql,
  indexExpression,
  indexKey,
  keyBackfill,
  keyColumn,
  KeyedPaths,
  NO_KEYS,
  orderBySql,
  ScalarPaths,
  SqlParam,
  typeColumn,
} from './sql-filter';

export interface SqliteReadStoreOptions {
  /**
   * PRAGMA synchronous. Defaults to NORMAL: in WAL mode a power loss may drop the last
   * transactions but never corrupts the file, and read models are rebuildable from the event
   * log (the projection checkpoint is written in the same transaction, so it rewinds with
   * them). Use FULL where a rebuild after a crash is not acceptable.
   */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
  /**
   * Page cache per connection (MiB, default 32). A province's read models outgrow SQLite's
   * 2 MB default many times over; projections upsert documents at random ids, so a larger
   * cache saves a page read on most index levels.
   */
  cacheSizeMiB?: number;
  /** WAL pages before an automatic checkpoint (default 16384, 64 MB): bulk projection writes checkpoint less often. */
  walAutocheckpointPages?: number;
}

/** Tables carry a prefix so collection names can never collide with SQLite's own `sqlite_*` tables. */
const TABLE_PREFIX = 'c_';
const STATEMENT_CACHE_SIZE = 500;
/** Keeps `getMany` within SQLite's bound-parameter limit. */
const GET_MANY_CHUNK = 500;

interface Row {
  id: string;
  position: number | null;
  doc: string;
}

function tableName(collection: string): string {
  return TABLE_PREFIX + collection;
}

function quote(identifier: string): string {
  // Identifiers reaching here are already validated (letters, digits, `_`); quoting keeps
  // SQL keywords such as "order" usable as collection names.
  return `"${identifier}"`;
}

/**
 * Not `instanceof Error`: better-sqlite3's native addon keeps the SqliteError class of the
 * first JavaScript realm that loaded it, so under Jest (a realm per test file) the check fails.
 */
function isUniqueViolation(err: unknown): err is { code: string; message: string } {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function toDuplicateKeyError(err: { message: string }, collection: string): DuplicateKeyError {
  // SQLite says "UNIQUE constraint failed: index 'c_people__byCitizenId'"; only the index
  // name as the caller gave it (as MongoDB reports it) is passed on.
  const prefix = `${tableName(collection)}__`;
  const match = /index '([A-Za-z0-9_]+)'/.exec(err.message);
  const index = match && match[1].startsWith(prefix) ? match[1].slice(prefix.length) : undefined;
  return new DuplicateKeyError(
    index ? `unique index "${index}" of collection "${collection}" violated` : `unique index of collection "${collection}" violated`,
    index,
  );
}

/**
 * Read store in one SQLite file: one table per collection, documents as JSON text, an
 * `id` primary key and a `position` column mirroring `_position` so that guarded writes
 * compare integers instead of parsing JSON.
 *
 * better-sqlite3 is synchronous; the async methods exist to satisfy the port and so that
 * both adapters behave alike for callers (errors become rejections).
 */
export class SqliteReadStore implements ReadStore {
  readonly engine = 'sqlite';
  readonly capabilities = { transactional: true, embedded: true } as const;
  private readonly db: Database.Database;
  private readonly busyTimeoutMs: number;
  private readonly walAutocheckpointPages: number;
  /** Settles when the write waiting for the lock, and those queued behind it, are done. */
  private waitingWrite?: Promise<void>;
  private readonly statements = new Map<string, Database.Statement>();
  /** Tables known to exist, so writes skip CREATE TABLE. Cleared whenever the schema changes. */
  private readonly knownTables = new Set<string>();
  /** Per table: the indexed fields that have key columns, and the write statements' SQL. Cleared with knownTables. */
  private readonly tableShapes = new Map<string, TableShape>();

  constructor(path: string, options: SqliteReadStoreOptions = {}) {
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.db = new Database(path, { timeout: this.busyTimeoutMs });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma(`cache_size = ${-1024 * Math.max(1, Math.floor(options.cacheSizeMiB ?? 32))}`);
    this.walAutocheckpointPages = Math.max(1, Math.floor(options.walAutocheckpointPages ?? 16384));
    this.db.pragma(`wal_autocheckpoint = ${this.walAutocheckpointPages}`);
    this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    assertCollectionName(name);
    return new SqliteCollection<T>(this, name);
  }

  async write(ops: WriteOp[]): Promise<void> {
    const apply = this.db.transaction((list: WriteOp[]) => {
      for (const op of list) {
        assertCollectionName(op.collection);
        // The guard is checked against the stored row whatever the hint says; an upsert uses a
        // null hint (a document expected absent) to skip reading the row's key columns.
        if (op.stored !== undefined) storedHint(op.stored);
        switch (op.kind) {
          case 'upsert':
            this.upsertSync(op.collection, op.doc, op.guard, op.stored);
            break;
          case 'patch':
            this.patchSync(op.collection, op.id, op.set, op.guard);
            break;
          case 'delete':
            this.deleteSync(op.collection, op.id, op.guard);
            break;
          default:
            throw new InvalidQueryError(`unknown write kind ${JSON.stringify((op as { kind?: unknown }).kind)}`);
        }
      }
    });
    // IMMEDIATE: the write lock is taken at BEGIN. A deferred transaction that reads first (a
    // table's columns, a row to patch) holds a snapshot, and if another connection commits
    // before its first write, SQLite refuses the upgrade at once with SQLITE_BUSY.
    return this.writing(() => apply.immediate(ops));
  }

  /**
   * Runs a write (`fn`, synchronous) once the write lock is free. While another connection
   * holds it (the projection thread's batch, an import thread, another process), the caller
   * does not wait in SQLite's busy handler, which would hold this thread and every request on
   * it: the attempt gives up at once and is tried again a few milliseconds later, until
   * busyTimeoutMs of real time has passed (SQLite's own wait counts the sleeps it asked for,
   * and a profiler's signals cut them short). Writes made meanwhile queue behind the waiting
   * one, so this connection's writes keep their call order.
   */
  private async writing<T>(fn: () => T): Promise<T> {
    if (!this.waitingWrite) {
      const first = this.tryWrite(fn);
      if (first.done) return first.value;
    }
    const deadline = Date.now() + this.busyTimeoutMs;
    const turn = (this.waitingWrite ?? Promise.resolve()).then(async () => {
      for (let attempt = 1; ; attempt++) {
        const tried = this.tryWrite(fn, Date.now() >= deadline);
        if (tried.done) return tried.value;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, 8)));
      }
    });
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    this.waitingWrite = settled;
    try {
      return await turn;
    } finally {
      if (this.waitingWrite === settled) this.waitingWrite = undefined;
    }
  }

  /** One attempt at a write without waiting for the lock; `last` lets SQLITE_BUSY through. */
  private tryWrite<T>(fn: () => T, last = false): { done: true; value: T } | { done: false } {
    this.db.pragma('busy_timeout = 0', { simple: true });
    try {
      return { done: true, value: fn() };
    } catch (err) {
      // The attempt rolled back, tables it created included.
      this.knownTables.clear();
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || last) throw err;
      return { done: false };
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`, { simple: true });
    }
  }

  /**
   * Whether this connection copies the WAL back into the database file after a commit that
   * leaves it longer than walAutocheckpointPages (the default), or leaves that to another
   * connection calling `checkpoint` (`false`): the service's main thread hands it to the
   * projection thread, which writes most and for which a 100 ms checkpoint holds no request.
   */
  checkpointsAfterCommit(on: boolean): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${on ? this.walAutocheckpointPages : 0}`, { simple: true });
  }

  /** Copies what the WAL holds back into the database file, as far as readers allow, without waiting for anyone (PASSIVE). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  async listCollections(): Promise<string[]> {
    const rows = this.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ${TABLE_PREFIX.length}) = '${TABLE_PREFIX}' ORDER BY name`,
    ).all() as Array<{ name: string }>;
    return rows.map((r) => r.name.slice(TABLE_PREFIX.length));
  }

  async dropCollection(name: string): Promise<void> {
    assertCollectionName(name);
    await this.writing(() => this.schemaChange(() => this.db.exec(`DROP TABLE IF EXISTS ${quote(tableName(name))}`)));
  }

  async renameCollection(from: string, to: string): Promise<void> {
    assertCollectionName(from);
    assertCollectionName(to);
    if (from === to) return;
    const source = tableName(from);
    const target = tableName(to);
    await this.writing(() =>
      this.schemaChange(() =>
        this.db.transaction(() => {
          this.db.exec(`DROP TABLE IF EXISTS ${quote(target)}`);
          // A missing source is an empty collection: replacing `to` with it leaves `to` empty.
          // (MongoDB creates collections lazily, so a rebuild that wrote nothing has none.)
          if (!this.tableExists(source)) return;
          // Index names are global in SQLite and carry the collection name, so they are
          // recreated under the new name; otherwise the next rebuild of `from` would find its
          // index names taken.
          const indexes = this.db
            .prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`)
            .all(source) as Array<{ name: string; sql: string }>;
          for (const ix of indexes) this.db.exec(`DROP INDEX ${quote(ix.name)}`);
          this.db.exec(`ALTER TABLE ${quote(source)} RENAME TO ${quote(target)}`);
          for (const ix of indexes) {
            const renamed = target + ix.name.slice(source.length);
            const sql = ix.sql.replace(
              /^CREATE (UNIQUE )?INDEX "[A-Za-z0-9_]+" ON "[A-Za-z0-9_]+"/,
              (_m, unique: string | undefined) => `CREATE ${unique ?? ''}INDEX ${quote(renamed)} ON ${quote(target)}`,
            );
            this.db.exec(sql);
          }
        })(),
      ),
    );
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    this.statements.clear();
    if (!this.db.open) return;
    // Refreshes the planner's statistics where they are stale, as SQLite recommends at close;
    // with them it can tell a selective index range from one that covers the whole table.
    this.db.pragma('optimize');
    this.db.close();
  }

  // ---- used by SqliteCollection (synchronous so that `write` can run them in one transaction)

  /** @internal */
  prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      // Map keeps insertion order; re-inserting makes this a least-recently-used cache.
      this.statements.delete(sql);
    } else {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  /** @internal DDL only; never with values. */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** @internal */
  tableExists(table: string): boolean {
    if (this.knownTables.has(table)) return true;
    const found = this.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
    if (found) this.knownTables.add(table);
    return found;
  }

  /** @internal */
  ensureTable(collection: string): string {
    const table = tableName(collection);
    if (!this.knownTables.has(table)) {
      this.db.exec(`CREATE TABLE IF NOT EXISTS ${quote(table)} (id TEXT PRIMARY KEY NOT NULL, position INTEGER, doc TEXT NOT NULL)`);
      this.knownTables.add(table);
    }
    return table;
  }

  /** @internal */
  schemaChange(change: () => void): void {
    // Prepared statements against a dropped or renamed table are useless; forget them all.
    this.statements.clear();
    this.knownTables.clear();
    this.tableShapes.clear();
    try {
      change();
    } finally {
      // The change itself may have looked tables up before renaming or dropping them.
      this.knownTables.clear();
      this.tableShapes.clear();
    }
  }

  /** @internal The fields of a collection's table that have key columns (see KeyedPaths). */
  shape(table: string): TableShape {
    let shape = this.tableShapes.get(table);
    if (!shape) {
      const columns = this.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[];
      const keyed = columns.filter((c) => c.startsWith('k:')).map((c) => c.slice(2));
      // Keyed fields whose array-valued rows have a partial index of their own (see ensureIndexes).
      const partial = this.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`)
        .pluck()
        .all(table) as string[];
      const arrayIndexed = keyed.filter((path) => partial.some((sql) => sql.endsWith(` WHERE ${arrayRowsTest(path)}`)));
      shape = new TableShape(table, keyed, arrayIndexed);
      this.tableShapes.set(table, shape);
    }
    return shape;
  }

  /**
   * @internal Runs `read` in one read transaction, so that the statements it runs see one
   * snapshot of the file (another connection, the projection thread, may commit meanwhile).
   * Inside `write` (already a transaction) it simply runs.
   */
  readSnapshot<T>(read: () => T): T {
    if (this.db.inTransaction) return read();
    return this.db.transaction(read).deferred();
  }

  /** @internal Adds key columns for the fields, filled from the stored documents. */
  addKeyColumns(table: string, paths: string[]): void {
    const missing = paths.filter((p) => !this.shape(table).keyed.has(p));
    if (missing.length === 0) return;
    this.schemaChange(() =>
      this.db.transaction(() => {
        for (const path of missing) {
          this.db.exec(`ALTER TABLE ${quote(table)} ADD COLUMN ${keyColumn(path)}`);
          this.db.exec(`ALTER TABLE ${quote(table)} ADD COLUMN ${typeColumn(path)}`);
        }
        this.db.exec(`UPDATE ${quote(table)} SET ${missing.map(keyBackfill).join(', ')}`);
      })(),
    );
  }

  /**
   * @internal A single-document write of a collection, waiting for the lock as `write` does. It
   * runs in a transaction of its own (IMMEDIATE, as `write`): a patch, and an upsert of a stored
   * document, read the row before writing it, and another connection (the projection thread,
   * another process) must not write that row in between.
   */
  writeOne<T>(fn: () => T): Promise<T> {
    return this.writing(() => this.db.transaction(fn).immediate());
  }

  /**
   * @internal Insert or replace. In a table with key columns, a stored row is replaced by an
   * UPDATE that sets only the key columns whose values changed: SQLite moves an index entry for
   * every column a statement sets, changed or not, so an update that leaves the household region
   * and status as they were (most of them) would otherwise dirty a page of each index too. `stored`
   * null (the writer expects no document) skips reading the row first. Callers run it inside a
   * transaction (`write`, writeOne), so the row cannot change between the read and the write.
   */
  upsertSync(collection: string, doc: Document, guard?: WriteGuard, stored?: StoredHint): boolean {
    const prepared = prepareDocument(doc, guard);
    const shape = this.shape(this.ensureTable(collection));
    const position = positionOf(prepared);
    const keys = shape.keys(prepared);
    try {
      if (keys.length > 0 && stored !== null) {
        const row = this.prepare(shape.selectKeys).raw().get(prepared._id) as SqlParam[] | undefined;
        if (row) {
          if (guard?.position !== undefined && row[0] !== null && (row[0] as number) >= guard.position) return false;
          const update = shape.update(row.slice(1), keys);
          return this.prepare(update.sql).run(position, JSON.stringify(prepared), ...update.keys, prepared._id).changes > 0;
        }
      }
      const sql = guard?.position !== undefined ? shape.guardedUpsert : shape.upsert;
      return this.prepare(sql).run(prepared._id, position, JSON.stringify(prepared), ...keys).changes > 0;
    } catch (err) {
      if (isUniqueViolation(err)) throw toDuplicateKeyError(err, collection);
      throw err;
    }
  }

  /** @internal */
  patchSync(collection: string, id: string, set: Record<string, unknown>, guard?: WriteGuard): boolean {
    assertId(id);
    const entries = validatePatch(set);
    const position = guardPosition(guard);
    const table = tableName(collection);
    if (!this.tableExists(table)) return false;
    const row = this.prepare(`SELECT id, position, doc FROM ${quote(table)} WHERE id = ?`).get(id) as Row | undefined;
    if (!row) return false;
    if (position !== undefined && row.position !== null && row.position >= position) return false;
    // Read-modify-write is atomic here: it runs inside a transaction (`write`'s, or writeOne's).
    const doc = JSON.parse(row.doc) as Record<string, unknown>;
    const shape = this.shape(table);
    const before = shape.keys(doc);
    applyPatch(doc, entries);
    if (position !== undefined) doc._position = position;
    const newPosition = typeof doc._position === 'number' ? doc._position : null;
    const update = shape.update(before, shape.keys(doc));
    try {
      this.prepare(update.sql).run(newPosition, JSON.stringify(doc), ...update.keys, id);
    } catch (err) {
      if (isUniqueViolation(err)) throw toDuplicateKeyError(err, collection);
      throw err;
    }
    return true;
  }

  /** @internal */
  deleteSync(collection: string, id: string, guard?: WriteGuard): boolean {
    assertId(id);
    const position = guardPosition(guard);
    const table = tableName(collection);
    if (!this.tableExists(table)) return false;
    const sql = `DELETE FROM ${quote(table)} WHERE id = ?` + (position !== undefined ? ' AND (position IS NULL OR position < ?)' : '');
    const params: SqlParam[] = position !== undefined ? [id, position] : [id];
    return this.prepare(sql).run(...params).changes > 0;
  }
}

/** A collection table's key columns, and the write statements that fill them. */
class TableShape {
  readonly keyed: KeyedPaths;
  /** Keyed fields with a partial index of their array-valued rows: "does any row hold an array here" is one probe of it. */
  readonly arrayIndexed: KeyedPaths;
  readonly upsert: string;
  readonly guardedUpsert: string;
  /** The row's position and key column values, in column order. */
  readonly selectKeys: string;
  private readonly paths: readonly string[];
  private readonly columns: readonly string[];
  private readonly table: string;
  /** UPDATE statements by the key columns they set ('1' for each column set, '0' for each left). */
  private readonly updates = new Map<string, string>();

  constructor(table: string, paths: string[], arrayIndexed: string[]) {
    this.paths = paths;
    this.keyed = new Set(paths);
    this.arrayIndexed = new Set(arrayIndexed);
    const columns = paths.flatMap((p) => [keyColumn(p), typeColumn(p)]);
    this.columns = columns;
    this.table = table;
    this.selectKeys = `SELECT position${columns.map((c) => `, ${c}`).join('')} FROM ${quote(table)} WHERE id = ?`;
    const insert =
      `INSERT INTO ${quote(table)} AS t (id, position, doc${columns.map((c) => `, ${c}`).join('')}) VALUES (?, ?, ?${', ?'.repeat(columns.length)}) ` +
      `ON CONFLICT(id) DO UPDATE SET position = excluded.position, doc = excluded.doc${columns.map((c) => `, ${c} = excluded.${c}`).join('')}`;
    this.upsert = insert;
    this.guardedUpsert = `${insert} WHERE t.position IS NULL OR t.position < excluded.position`;
  }

  /**
   * The UPDATE (parameters: position, doc, `keys`, id) that replaces a row whose key column values
   * were `before` by one whose values are `after`, setting only the key columns that changed.
   */
  update(before: readonly SqlParam[], after: readonly SqlParam[]): { sql: string; keys: SqlParam[] } {
    let pattern = '';
    const keys: SqlParam[] = [];
    for (let i = 0; i < after.length; i++) {
      const changed = after[i] !== before[i];
      pattern += changed ? '1' : '0';
      if (changed) keys.push(after[i]);
    }
    let sql = this.updates.get(pattern);
    if (sql === undefined) {
      const set = this.columns.filter((_, i) => pattern[i] === '1').map((c) => `, ${c} = ?`);
      sql = `UPDATE ${quote(this.table)} SET position = ?, doc = ?${set.join('')} WHERE id = ?`;
      this.updates.set(pattern, sql);
    }
    return { sql, keys };
  }

  /** The key column values of a document, in column order. */
  keys(doc: Record<string, unknown>): SqlParam[] {
    const out: SqlParam[] = [];
    for (const path of this.paths) {
      const [value, type] = indexKey(doc, path);
      out.push(value, type);
    }
    return out;
  }
}

function positionOf(doc: Document): number | null {
  return typeof doc._position === 'number' ? doc._position : null;
}

class SqliteCollection<T extends Document> implements Collection<T> {
  private readonly table: string;

  constructor(
    private readonly store: SqliteReadStore,
    readonly name: string,
  ) {
    this.table = tableName(name);
  }

  async get(id: string): Promise<T | null> {
    assertId(id);
    if (!this.store.tableExists(this.table)) return null;
    const row = this.store.prepare(`SELECT doc FROM ${quote(this.table)} WHERE id = ?`).get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : null;
  }

  async getMany(ids: string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    ids.forEach((id) => assertId(id));
    if (ids.length === 0 || !this.store.tableExists(this.table)) return found;
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += GET_MANY_CHUNK) {
      const chunk = unique.slice(i, i + GET_MANY_CHUNK);
      const rows = this.store
        .prepare(`SELECT id, doc FROM ${quote(this.table)} WHERE id IN (${chunk.map(() => '?').join(', ')})`)
        .all(...chunk) as Array<{ id: string; doc: string }>;
      for (const row of rows) found.set(row.id, JSON.parse(row.doc) as T);
    }
    return found;
  }

  async upsert(doc: T, guard?: WriteGuard): Promise<boolean> {
    return this.store.writeOne(() => this.store.upsertSync(this.name, doc, guard));
  }

  async patch(id: string, set: Record<string, unknown>, guard?: WriteGuard): Promise<boolean> {
    return this.store.writeOne(() => this.store.patchSync(this.name, id, set, guard));
  }

  async delete(id: string, guard?: WriteGuard): Promise<boolean> {
    return this.store.writeOne(() => this.store.deleteSync(this.name, id, guard));
  }

  /**
   * Pages in `options.sort` order (by default `_id`'s): each page starts where the last ended,
   * through the index that has that order.
   */
  async *scan(filter?: Filter, options: ScanOptions = {}): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const page = await this.find(filter, { sort: options.sort, fields: options.fields, limit: 1000, cursor });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  async find(filter?: Filter, options: FindOptions = {}): Promise<Page<T>> {
    const keyed = this.keyed();
    const conditions = parseFilter(filter);
    const keys = normalizeSort(options.sort);
    const limit = normalizeLimit(options.limit);
    const fields = validateFields(options.fields);
    const after = options.cursor === undefined ? undefined : afterCursorSql(keys, decodeCursor(keys, options.cursor), keyed);
    if (!this.store.tableExists(this.table)) return { items: [] };
    const rows = this.store.readSnapshot(() => {
      const where = filterSql(conditions, keyed, this.scalarPaths(conditions));
      const params: SqlParam[] = [...where.params];
      let sql = `SELECT doc FROM ${quote(this.table)} AS t WHERE ${where.sql}`;
      if (after) {
        sql += ` AND ${after.sql}`;
        params.push(...after.params);
      }
      // One row more than the page tells whether another page exists without a count.
      sql += ` ORDER BY ${orderBySql(keys, keyed)} LIMIT ?`;
      params.push(limit + 1);
      return this.store.prepare(sql).all(...params) as Array<{ doc: string }>;
    });
    const docs = rows.slice(0, limit).map((r) => JSON.parse(r.doc) as T);
    const page: Page<T> = { items: fields ? docs.map((d) => pickFields(d, fields)) : docs };
    if (rows.length > limit) page.nextCursor = encodeCursor(keys, docs[docs.length - 1]);
    return page;
  }

  async count(filter?: Filter): Promise<number> {
    const conditions = parseFilter(filter);
    const keyed = this.keyed();
    if (!this.store.tableExists(this.table)) return 0;
    return this.store.readSnapshot(() => {
      const where = filterSql(conditions, keyed, this.scalarPaths(conditions));
      const row = this.store.prepare(`SELECT count(*) AS n FROM ${quote(this.table)} AS t WHERE ${where.sql}`).get(...where.params) as {
        n: number;
      };
      return row.n;
    });
  }

  /**
   * The filtered fields that no stored document holds as an array: for each keyed field with
   * a partial index of its array-valued rows, one probe of that index (empty where the field
   * is always a scalar, so the probe costs a page read). Called inside the query's read
   * transaction, so the answer holds for the query too.
   */
  private scalarPaths(conditions: Condition[]): ScalarPaths {
    const shape = this.store.shape(this.table);
    const scalars = new Set<string>();
    for (const { path } of conditions) {
      if (scalars.has(path) || !shape.arrayIndexed.has(path)) continue;
      const probe = `SELECT 1 FROM ${quote(this.table)} WHERE ${arrayRowsTest(path)} LIMIT 1`;
      if (this.store.prepare(probe).get() === undefined) scalars.add(path);
    }
    return scalars;
  }

  /** Fields with key columns; none while the table does not exist. */
  private keyed(): KeyedPaths {
    return this.store.tableExists(this.table) ? this.store.shape(this.table).keyed : NO_KEYS;
  }

  async ensureIndexes(indexes: IndexSpec[]): Promise<void> {
    const statements: Array<{ name: string; sql: string }> = [];
    /** Indexes this store keeps none of (multikey, see IndexSpec): dropped if an earlier version made them. */
    const unwanted: string[] = [];
    const table = tableName(this.name);
    const keyedPaths = new Set<string>();
    for (const spec of indexes) {
      assertIndexSpec(spec);
      const name = `${table}__${spec.name}`;
      if (spec.multikey) {
        unwanted.push(name, `${name}__arrays`);
        continue;
      }
      const columns = spec.fields.map(([path, direction]) => {
        if (path !== '_id') keyedPaths.add(path);
        return `${indexExpression(path)} ${direction === 1 ? 'ASC' : 'DESC'}`;
      });
      statements.push({
        name,
        sql: `CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX ${quote(name)} ON ${quote(table)} (${columns.join(', ')})`,
      });
      // Per field, a partial index of the rows whose field holds an array: it holds nothing
      // where the field is always a scalar, and costs nothing to keep there. A query first
      // probes it, and where it is empty reads the field as a scalar, which an index range can
      // serve (see filterSql). Where it is not, filters read `scalar OR array`, which SQLite
      // answers from two indexes at once (MULTI-INDEX OR) with this one for the array branch.
      spec.fields.forEach(([path], i) => {
        if (path === '_id') return;
        const typeName = i === 0 ? `${name}__arrays` : `${name}__arrays${i}`;
        statements.push({
          name: typeName,
          sql: `CREATE INDEX ${quote(typeName)} ON ${quote(table)} (${typeColumn(path)}) WHERE ${arrayRowsTest(path)}`,
        });
      });
    }
    const indexSql = (name: string) =>
      (this.store.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).get(name) as { sql: string } | undefined)?.sql;
    // Usually everything is in place already (every start, every run): then no lock is taken.
    const inPlace =
      this.store.tableExists(table) &&
      [...keyedPaths].every((path) => this.store.shape(table).keyed.has(path)) &&
      unwanted.every((name) => indexSql(name) === undefined) &&
      statements.every(({ name, sql }) => indexSql(name) === sql);
    if (inPlace) return;
    // A schema change waits for the write lock as writes do (see writing): in one IMMEDIATE
    // transaction, so that what it reads of the schema holds until it has changed it.
    await this.store.writeOne(() => {
      this.store.ensureTable(this.name);
      this.store.addKeyColumns(table, [...keyedPaths]);
      this.store.schemaChange(() => {
        for (const name of unwanted) this.store.exec(`DROP INDEX IF EXISTS ${quote(name)}`);
        for (const { name, sql } of statements) {
          const existing = indexSql(name);
          if (existing === sql) continue; // idempotent: same name, same definition
          // Same name, new definition: replace, as a redeployed projection expects.
          if (existing) this.store.exec(`DROP INDEX ${quote(name)}`);
          try {
            this.store.exec(sql);
          } catch (err) {
            if (isUniqueViolation(err)) throw toDuplicateKeyError(err, this.name);
            throw err;
          }
        }
      });
    });
  }
}
