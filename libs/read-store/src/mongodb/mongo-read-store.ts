import {
  AnyBulkWriteOperation,
  Collection as MongoCollection,
  Db,
  Document as MongoDocument,
  MongoClient,
  MongoClientOptions,
} from 'mongodb';
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
import { pickFields, validateFields, validatePatch } from '../query/documents';
import { parseFilter } from '../query/filter';
import { assertCollectionName, assertIndexSpec, COLLECTION_NAME } from '../query/names';
import { assertId, guardPosition, prepareDocument, storedHint } from '../query/writes';
import { mongoAfterCursor, mongoFilter, mongoProjection, mongoSort } from './mongo-filter';

/** Stored shape: string ids, everything else free-form JSON. */
type StoredDoc = MongoDocument & { _id: string };

const INTERNAL_ERROR = 1;
const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;
const PATH_NOT_VIABLE = 28;
const INDEX_OPTIONS_CONFLICT = 85;
const INDEX_KEY_SPECS_CONFLICT = 86;
const NOT_IMPLEMENTED = 238;

function errorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * MongoDB's duplicate-key message quotes the duplicated value ("dup key: { citizenId: ... }"),
 * which is personal data; only the index name is kept.
 */
function toDuplicateKeyError(err: unknown, collection: string): DuplicateKeyError {
  const raw = (err as { message?: unknown } | null)?.message;
  const message = typeof raw === 'string' ? raw : '';
  const match = /index: ([A-Za-z0-9_]+) /.exec(message);
  const index = match && match[1] !== '_id_' ? match[1] : undefined;
  return new DuplicateKeyError(
    index ? `unique index "${index}" of collection "${collection}" violated` : `unique index of collection "${collection}" violated`,
    index,
  );
}

/** Maps server errors whose messages may quote document values to our value-free errors. */
function translateWriteError(err: unknown, collection: string): unknown {
  // FerretDB v1 reports a unique index that cannot be built over duplicates as an
  // InternalError carrying its backend's message (SQLite's, or PostgreSQL's unique-violation
  // SQLSTATE), not as E11000.
  const message = (err as { message?: unknown } | null)?.message;
  if (errorCode(err) === INTERNAL_ERROR && typeof message === 'string' && /UNIQUE constraint failed|SQLSTATE 23505/.test(message)) {
    return toDuplicateKeyError(err, collection);
  }
  switch (errorCode(err)) {
    case DUPLICATE_KEY:
      return toDuplicateKeyError(err, collection);
    case PATH_NOT_VIABLE:
      return new InvalidQueryError(`patch on collection "${collection}" sets a field under a value that is not an object`);
    default:
      return err;
  }
}

/**
 * Documents that a guarded write may replace: those without a position or with a smaller
 * one. `null` counts as "no position", as a NULL `position` column does on SQLite.
 */
function guardFilter(id: string, position: number | undefined): MongoDocument {
  if (position === undefined) return { _id: id };
  return { _id: id, $or: [{ _position: { $exists: false } }, { _position: null }, { _position: { $lt: position } }] };
}

export interface MongoReadStoreOptions {
  /** Passed to MongoClient; `ignoreUndefined` is always on so `undefined` behaves as in JSON. */
  client?: MongoClientOptions;
  /**
   * How documents are looked up by id: `in` (one `{_id: {$in}}` query per 1,000 ids) or `by-id`
   * (one `{_id}` query per id, a few at a time). `connect` picks `by-id` on FerretDB, which does
   * not push `$in` down to its backend and reads the whole collection for it (bench/RESULTS.md),
   * and `in` elsewhere.
   */
  lookups?: 'in' | 'by-id';
  /**
   * Update and delete commands the store keeps in flight, all writes together, and statements
   * per command (default 4 and 6; see UPDATE_COMMANDS). Their product is what a wire server
   * must have connections for.
   */
  updateCommands?: { concurrency: number; statements: number };
}

/** Ids per `$in` lookup. */
const IN_CHUNK = 1000;
/** Concurrent `{_id}` lookups in `by-id` mode: enough to hide round trips, few enough for a 2-core server. */
const BY_ID_CONCURRENCY = 8;
/** Documents per insertMany. */
const INSERT_CHUNK = 1000;
/**
 * Update and delete commands in flight, and statements per command. FerretDB v1.24 commits
 * every statement in a transaction of its own, so a batch of updates is bound by round trips
 * and by the server's work per statement, and several commands in flight use both cores of the
 * server (measured in bench/RESULTS.md). But it also keeps one PostgreSQL connection per
 * statement of an update command until the command ends, from a pool of 50 by default: a
 * single command of 50 statements never finishes, and commands in flight whose statements add
 * up to the pool deadlock. So the bound holds for the whole store, whichever projections write
 * at once: 4 commands of 6 statements hold at most 24 connections, leaving half the pool to
 * lookups, leases and queries (a second service instance fits beside it, 48 of 50; more
 * instances need FerretDB's `pool_max_conns` raised in its PostgreSQL URL). MongoDB takes any
 * size; these bounds cost it one round trip per 6 documents, 4 at a time.
 */
const UPDATE_COMMANDS = { concurrency: 4, statements: 6 };

/**
 * Read store on MongoDB (or FerretDB). Not transactional: standalone MongoDB and FerretDB v1
 * have no multi-document transactions, so `write` is an ordered bulk write per run of
 * operations on one collection, and projections stay correct after a partial batch thanks to
 * the per-document position guards (a retried batch skips what was already applied).
 */
export class MongoReadStore implements ReadStore {
  readonly engine = 'mongodb';
  readonly capabilities = { transactional: false, embedded: false } as const;
  private readonly client: MongoClient;
  /** @internal */
  readonly db: Db;
  /** @internal */
  lookups: 'in' | 'by-id';
  private readonly updateCommands: { concurrency: number; statements: number };
  /** Update commands in flight, and the commands waiting for one of them to end (UPDATE_COMMANDS). */
  private commandsInFlight = 0;
  private readonly commandQueue: Array<() => void> = [];

  constructor(uri: string, database: string, options: MongoReadStoreOptions = {}) {
    if (typeof database !== 'string' || !/^[A-Za-z0-9_-]{1,63}$/.test(database)) {
      throw new Error('invalid MongoDB database name (letters, digits, _ and -, at most 63)');
    }
    this.client = new MongoClient(uri, { ...options.client, ignoreUndefined: true });
    this.db = this.client.db(database);
    this.lookups = options.lookups ?? 'in';
    const commands = options.updateCommands ?? UPDATE_COMMANDS;
    if (![commands.concurrency, commands.statements].every((n) => Number.isInteger(n) && n >= 1)) {
      throw new Error('updateCommands: concurrency and statements must be whole numbers of at least 1');
    }
    this.updateCommands = { ...commands };
  }

  /** Connects and checks the server answers, so a wrong URI fails at start, not at first query. */
  static async connect(uri: string, database: string, options: MongoReadStoreOptions = {}): Promise<MongoReadStore> {
    const store = new MongoReadStore(uri, database, options);
    try {
      await store.client.connect();
      await store.ping();
      if (!options.lookups) {
        const build = await store.db.admin().command({ buildInfo: 1 });
        if (build.ferretdbVersion !== undefined) store.lookups = 'by-id';
      }
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /** @internal The stored documents of `ids` (absent ones missing), by the store's lookup mode; `fields` limits what is read. */
  async lookup(collection: string, ids: string[], fields?: MongoDocument): Promise<Map<string, StoredDoc>> {
    const found = new Map<string, StoredDoc>();
    const unique = [...new Set(ids)];
    const raw = this.raw(collection);
    if (this.lookups === 'in') {
      for (let i = 0; i < unique.length; i += IN_CHUNK) {
        const docs = await raw.find({ _id: { $in: unique.slice(i, i + IN_CHUNK) } }, { projection: fields }).toArray();
        for (const d of docs) found.set(d._id, d);
      }
      return found;
    }
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < unique.length) {
        const id = unique[next++];
        const doc = await raw.findOne({ _id: id }, { projection: fields });
        if (doc) found.set(id, doc);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BY_ID_CONCURRENCY, unique.length) }, lane));
    return found;
  }

  collection<T extends Document = Document>(name: string): Collection<T> {
    assertCollectionName(name);
    return new MongoReadCollection<T>(this, name);
  }

  /** @internal */
  raw(name: string): MongoCollection<StoredDoc> {
    return this.db.collection<StoredDoc>(name);
  }

  /**
   * Applies the ops in order, a run of consecutive ops on one collection at a time, in the
   * shapes a MongoDB wire server serves from its `_id` index (bench/RESULTS.md):
   * - documents the writer created (`stored: null`) are inserted with insertMany, which costs
   *   FerretDB one transaction per 100 documents instead of one per document;
   * - documents the writer read at a position (`stored: n`) are replaced, patched or deleted by
   *   a compare-and-set on `{_id, _position: n}`, which FerretDB on PostgreSQL serves from the
   *   `_id` index and checks on the one document found;
   * - the others have their positions read by id first and are checked against their guards
   *   here, then inserted, or replaced, patched or deleted with `_id`-only filters. So do the
   *   hinted ones the store disagrees with (an insert meeting a stored document, a
   *   compare-and-set matching fewer documents than it names).
   * Checking there keeps the filters to `_id` alone: FerretDB pushes down no `$or` and, on SQLite,
   * no filter beyond `_id`, so an in-filter guard reads the collection. It holds because one
   * writer at a time writes a projection's collections (the lease); the compare-and-set writes
   * of leases and registries go through Collection.upsert, whose guard the server checks. An
   * insert that meets a document created since the read falls back to that guarded form.
   */
  async write(ops: WriteOp[]): Promise<void> {
    // Validate everything first: a malformed op must not leave the batch half applied.
    const prepared = ops.map((op) => prepareOp(op));
    let start = 0;
    while (start < prepared.length) {
      let end = start + 1;
      while (end < prepared.length && prepared[end].collection === prepared[start].collection) end++;
      await this.writeRun(prepared[start].collection, prepared.slice(start, end));
      start = end;
    }
  }

  /** One collection's ops; split where an id repeats, so each part may be applied in any order. */
  private async writeRun(collection: string, run: PreparedOp[]): Promise<void> {
    let part: PreparedOp[] = [];
    const ids = new Set<string>();
    for (const op of run) {
      if (ids.has(op.id)) {
        await this.writePart(collection, part);
        part = [];
        ids.clear();
      }
      ids.add(op.id);
      part.push(op);
    }
    if (part.length > 0) await this.writePart(collection, part);
  }

  private async writePart(collection: string, part: PreparedOp[]): Promise<void> {
    const creates: PreparedOp[] = [];
    const swaps: PreparedOp[] = [];
    const unknown: PreparedOp[] = [];
    for (const op of part) {
      if (op.kind !== 'upsert' && op.model === null) continue; // a patch that sets nothing
      if (op.stored === null && op.kind === 'upsert') creates.push(op);
      // A hinted position the guard already refuses, or a patch or delete of a document expected
      // absent, is what a replay meets: the stored document decides.
      else if (typeof op.stored === 'number' && (op.position === undefined || op.stored < op.position)) swaps.push(op);
      else unknown.push(op);
    }
    if (swaps.length > 0) unknown.push(...(await this.compareAndSet(collection, swaps)));
    if (creates.length > 0) unknown.push(...(await this.insert(collection, creates, false)));
    if (unknown.length > 0) await this.writeChecked(collection, unknown);
  }

  /**
   * Replaces, patches or deletes by `{_id, _position: stored}`; returns the ops of commands that
   * matched fewer documents than they named (the store does not say which), to be checked.
   */
  private async compareAndSet(collection: string, ops: PreparedOp[]): Promise<PreparedOp[]> {
    const statements = ops.map((op): AnyBulkWriteOperation<StoredDoc> => {
      const filter = { _id: op.id, _position: op.stored as number };
      if (op.kind === 'upsert') return { replaceOne: { filter, replacement: op.doc! } };
      if (op.kind === 'delete') return { deleteOne: { filter } };
      return { updateOne: { filter, update: (op.model as { updateOne: { update: MongoDocument } }).updateOne.update } };
    });
    const missed: PreparedOp[] = [];
    await this.commands(collection, statements, (from, to, result) => {
      if (result.matchedCount + result.deletedCount < to - from) missed.push(...ops.slice(from, to));
    });
    return missed;
  }

  /**
   * Inserts with insertMany; a document already stored is returned to be checked when `checked`
   * is false (its writer expected it absent), and written with the server-checked guard when
   * true (created by someone else since this write read the positions).
   */
  private async insert(collection: string, ops: PreparedOp[], checked: boolean): Promise<PreparedOp[]> {
    const raw = this.raw(collection);
    const stored: PreparedOp[] = [];
    for (let i = 0; i < ops.length; i += INSERT_CHUNK) {
      const chunk = ops.slice(i, i + INSERT_CHUNK);
      try {
        await raw.insertMany(
          chunk.map((op) => op.doc!),
          { ordered: false },
        );
      } catch (err) {
        const failed = writeErrors(err);
        if (failed.length === 0 || failed.some((e) => e.code !== DUPLICATE_KEY || !chunk[e.index]?.doc)) {
          throw translateWriteError(failed.length > 0 ? { code: failed[0].code, message: failed[0].message } : err, collection);
        }
        for (const e of failed) {
          const op = chunk[e.index];
          if (!checked) stored.push(op);
          else await this.collection(collection).upsert(op.doc!, guardOf(op));
        }
      }
    }
    return stored;
  }

  /** Reads the stored positions by id, checks the guards here, and writes with `_id`-only filters. */
  private async writeChecked(collection: string, part: PreparedOp[]): Promise<void> {
    const stored = await this.lookup(
      collection,
      part.map((op) => op.id),
      { _position: 1 },
    );
    const inserts: PreparedOp[] = [];
    const statements: AnyBulkWriteOperation<StoredDoc>[] = [];
    for (const op of part) {
      const current = stored.get(op.id);
      if (!current) {
        if (op.kind === 'upsert') inserts.push(op);
        continue; // a patch or delete of a missing document does nothing
      }
      if (op.position !== undefined && typeof current._position === 'number' && current._position >= op.position) continue;
      if (op.kind === 'upsert') statements.push({ replaceOne: { filter: { _id: op.id }, replacement: op.doc! } });
      else if (op.model) statements.push(op.model);
    }
    await this.insert(collection, inserts, true);
    await this.commands(collection, statements);
  }

  /** Sends update and delete statements in bounded commands, several in flight, no more than UPDATE_COMMANDS store-wide. */
  private async commands(
    collection: string,
    statements: AnyBulkWriteOperation<StoredDoc>[],
    onResult?: (from: number, to: number, result: { matchedCount: number; deletedCount: number }) => void,
  ): Promise<void> {
    const raw = this.raw(collection);
    const { concurrency, statements: size } = this.updateCommands;
    let next = 0;
    let failure: unknown;
    const lane = async (): Promise<void> => {
      while (next < statements.length && failure === undefined) {
        const from = next;
        const to = Math.min(statements.length, from + size);
        next = to;
        await this.commandSlot();
        try {
          const result = await raw.bulkWrite(statements.slice(from, to), { ordered: false });
          onResult?.(from, to, result);
        } catch (err) {
          const failed = writeErrors(err);
          failure ??= translateWriteError(failed.length > 0 ? { code: failed[0].code, message: failed[0].message } : err, collection);
        } finally {
          this.releaseCommandSlot();
        }
      }
    };
    const lanes = Math.min(concurrency, Math.ceil(statements.length / size));
    await Promise.all(Array.from({ length: lanes }, lane));
    if (failure !== undefined) throw failure;
  }

  private async commandSlot(): Promise<void> {
    if (this.commandsInFlight < this.updateCommands.concurrency) {
      this.commandsInFlight++;
      return;
    }
    // The slot passes straight from the command that ends to the one waiting longest.
    await new Promise<void>((resolve) => this.commandQueue.push(resolve));
  }

  private releaseCommandSlot(): void {
    const next = this.commandQueue.shift();
    if (next) next();
    else this.commandsInFlight--;
  }

  /** @internal Whether a duplicate-key error on a guarded upsert was the guard refusing it. */
  async isRefusedUpsert(collection: string, id: string, position: number): Promise<boolean> {
    return (await this.raw(collection).countDocuments({ _id: id, _position: { $gte: position } }, { limit: 1 })) > 0;
  }

  async listCollections(): Promise<string[]> {
    const infos = await this.db.listCollections({}, { nameOnly: true }).toArray();
    return infos
      .map((i) => i.name)
      .filter((n) => COLLECTION_NAME.test(n))
      .sort();
  }

  async dropCollection(name: string): Promise<void> {
    assertCollectionName(name);
    try {
      await this.db.dropCollection(name);
    } catch (err) {
      if (errorCode(err) !== NAMESPACE_NOT_FOUND) throw err;
    }
  }

  async renameCollection(from: string, to: string): Promise<void> {
    assertCollectionName(from);
    assertCollectionName(to);
    if (from === to) return;
    const exists = (await this.db.listCollections({ name: from }, { nameOnly: true }).toArray()).length > 0;
    if (!exists) {
      // MongoDB creates collections lazily, so a rebuild that wrote nothing has no `from`:
      // replacing `to` with an empty collection means dropping it.
      await this.dropCollection(to);
      return;
    }
    try {
      await this.db.renameCollection(from, to, { dropTarget: true });
    } catch (err) {
      if (errorCode(err) !== NOT_IMPLEMENTED) throw err;
      // FerretDB v1 does not implement dropTarget. Drop, then rename: readers may briefly
      // see `to` missing (an empty read model), never a mix of old and new documents.
      await this.dropCollection(to);
      await this.db.renameCollection(from, to);
    }
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

interface PreparedOp {
  collection: string;
  kind: WriteOp['kind'];
  id: string;
  /** The guard's position, if any. */
  position?: number;
  /** The writer's `stored` hint: undefined when it gave none. */
  stored?: StoredHint;
  /** The document to store (upserts). */
  doc?: StoredDoc;
  /** The `_id`-only statement of a patch or delete; null for a patch that sets nothing: a no-op. */
  model: AnyBulkWriteOperation<StoredDoc> | null;
}

function guardOf(op: PreparedOp): WriteGuard | undefined {
  return op.position === undefined ? undefined : { position: op.position };
}

function prepareOp(op: WriteOp): PreparedOp {
  assertCollectionName(op.collection);
  switch (op.kind) {
    case 'upsert': {
      const doc = prepareDocument(op.doc, op.guard) as StoredDoc;
      return {
        collection: op.collection,
        kind: 'upsert',
        id: doc._id,
        position: guardPosition(op.guard),
        stored: storedHint(op.stored),
        doc,
        model: null,
      };
    }
    case 'patch': {
      assertId(op.id);
      const update = patchUpdate(op.set, op.guard);
      return {
        collection: op.collection,
        kind: 'patch',
        id: op.id,
        position: guardPosition(op.guard),
        stored: storedHint(op.stored),
        model: update ? { updateOne: { filter: { _id: op.id }, update } } : null,
      };
    }
    case 'delete':
      assertId(op.id);
      return {
        collection: op.collection,
        kind: 'delete',
        id: op.id,
        position: guardPosition(op.guard),
        stored: storedHint(op.stored),
        model: { deleteOne: { filter: { _id: op.id } } },
      };
    default:
      throw new InvalidQueryError(`unknown write kind ${JSON.stringify((op as { kind?: unknown }).kind)}`);
  }
}

/** `$set` for a patch; null when it would set nothing (an empty `$set` is an error on older servers). */
function patchUpdate(set: Record<string, unknown>, guard: WriteGuard | undefined): MongoDocument | null {
  const entries = validatePatch(set);
  const position = guardPosition(guard);
  const $set: MongoDocument = Object.fromEntries(entries);
  if (position !== undefined) $set._position = position;
  return Object.keys($set).length > 0 ? { $set } : null;
}

function writeErrors(err: unknown): Array<{ index: number; code?: number; message: string }> {
  const raw = (err as { writeErrors?: unknown } | null)?.writeErrors;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<{
    index?: unknown;
    code?: unknown;
    errmsg?: unknown;
    message?: unknown;
  }>;
  return list
    .filter((e) => typeof e.index === 'number')
    .map((e) => ({
      index: e.index as number,
      code: typeof e.code === 'number' ? e.code : undefined,
      message: String(e.errmsg ?? e.message ?? ''),
    }));
}

class MongoReadCollection<T extends Document> implements Collection<T> {
  constructor(
    private readonly store: MongoReadStore,
    readonly name: string,
  ) {}

  private get raw(): MongoCollection<StoredDoc> {
    return this.store.raw(this.name);
  }

  async get(id: string): Promise<T | null> {
    assertId(id);
    return (await this.raw.findOne({ _id: id })) as T | null;
  }

  async getMany(ids: string[]): Promise<Map<string, T>> {
    ids.forEach((id) => assertId(id));
    return (await this.store.lookup(this.name, ids)) as unknown as Map<string, T>;
  }

  async upsert(doc: T, guard?: WriteGuard): Promise<boolean> {
    const stored = prepareDocument(doc, guard);
    const position = guardPosition(guard);
    try {
      await this.raw.replaceOne(guardFilter(stored._id, position), stored as StoredDoc, { upsert: true });
      // Matched (replaced, even if identical) or inserted: either way the write applied.
      return true;
    } catch (err) {
      if (
        errorCode(err) === DUPLICATE_KEY &&
        position !== undefined &&
        (await this.store.isRefusedUpsert(this.name, stored._id, position))
      ) {
        return false;
      }
      throw translateWriteError(err, this.name);
    }
  }

  async patch(id: string, set: Record<string, unknown>, guard?: WriteGuard): Promise<boolean> {
    assertId(id);
    const update = patchUpdate(set, guard);
    if (!update) return (await this.raw.countDocuments({ _id: id }, { limit: 1 })) > 0;
    try {
      const result = await this.raw.updateOne(guardFilter(id, guardPosition(guard)), update);
      return result.matchedCount > 0;
    } catch (err) {
      throw translateWriteError(err, this.name);
    }
  }

  async delete(id: string, guard?: WriteGuard): Promise<boolean> {
    assertId(id);
    const result = await this.raw.deleteOne(guardFilter(id, guardPosition(guard)));
    return result.deletedCount > 0;
  }

  async find(filter?: Filter, options: FindOptions = {}): Promise<Page<T>> {
    const query = mongoFilter(parseFilter(filter));
    const keys = normalizeSort(options.sort);
    const limit = normalizeLimit(options.limit);
    const fields = validateFields(options.fields);
    const clauses: MongoDocument[] = Object.keys(query).length > 0 ? [query] : [];
    if (options.cursor !== undefined) clauses.push(mongoAfterCursor(keys, decodeCursor(keys, options.cursor)));
    const where = clauses.length === 0 ? {} : clauses.length === 1 ? clauses[0] : { $and: clauses };
    const docs = (await this.raw
      .find(where, {
        sort: mongoSort(keys),
        // One more than the page tells whether another page exists without a count.
        limit: limit + 1,
        projection: fields ? mongoProjection(fields, keys) : undefined,
      })
      .toArray()) as unknown as T[];
    const items = docs.slice(0, limit);
    const page: Page<T> = { items: fields ? items.map((d) => pickFields(d, fields)) : items };
    if (docs.length > limit) page.nextCursor = encodeCursor(keys, items[items.length - 1]);
    return page;
  }

  /**
   * One query, read in batches by the server's cursor: the collection is read once, whatever its
   * size (no sort: a server that cannot sort from an index, FerretDB, would sort it all first).
   */
  async *scan(filter?: Filter, options: ScanOptions = {}): AsyncGenerator<T> {
    const fields = validateFields(options.fields);
    const query = mongoFilter(parseFilter(filter));
    const cursor = this.raw.find(query, { batchSize: 1000, projection: fields ? mongoProjection(fields, []) : undefined });
    try {
      for await (const doc of cursor) yield (fields ? pickFields(doc as Document, fields) : doc) as unknown as T;
    } finally {
      await cursor.close();
    }
  }

  async count(filter?: Filter): Promise<number> {
    return this.raw.countDocuments(mongoFilter(parseFilter(filter)));
  }

  async ensureIndexes(indexes: IndexSpec[]): Promise<void> {
    const specs = indexes.map((spec) => {
      // MongoDB makes any index over an array field multikey by itself: `multikey` needs no option here.
      assertIndexSpec(spec);
      const key: Record<string, 1 | -1> = {};
      for (const [path, direction] of spec.fields) key[path] = direction;
      return { name: spec.name, key, ...(spec.unique ? { unique: true } : {}) };
    });
    for (const spec of specs) {
      try {
        await this.raw.createIndex(spec.key, { name: spec.name, unique: spec.unique });
      } catch (err) {
        const code = errorCode(err);
        if (code === INDEX_OPTIONS_CONFLICT || code === INDEX_KEY_SPECS_CONFLICT) {
          // Same name, new definition: replace it, as the SQLite adapter does.
          await this.raw.dropIndex(spec.name);
          try {
            await this.raw.createIndex(spec.key, { name: spec.name, unique: spec.unique });
          } catch (retryErr) {
            throw translateWriteError(retryErr, this.name);
          }
          continue;
        }
        throw translateWriteError(err, this.name);
      }
    }
  }
}
