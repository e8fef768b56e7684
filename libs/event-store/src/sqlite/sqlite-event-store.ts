import Database from 'better-sqlite3';
import { ConcurrencyError, EventStoreUnavailableError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventStore,
  EventSubscription,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
} from '../event-store.port';
import { CloseSignal } from '../shared/close-signal';
import { AppendNotifier } from '../shared/append-notifier';
import { expectedRevisionHolds, normalizeExpectedRevision } from '../shared/event-filter';
import { PullSubscription } from '../shared/pull-subscription';
import { StoredTextEvent } from '../shared/stored-text-event';
import type { CanonicalLogReader, CanonicalRow } from '../shared/canonical-text';
import { CANONICAL_PAGE_SQL, READ_STREAMS_SQL, ROW_COLUMNS, headQuery, pageQuery, scanPageQuery } from './sqlite-filter';
import { PagePlan, type Page } from './sqlite-page-plan';
import { ensureLayout } from './sqlite-schema';

export interface SqliteEventStoreOptions {
  /**
   * 'FULL' (default): every acknowledged append is fsynced to the WAL before the call
   * returns, so it survives power loss. Costs one fsync per transaction: small appends are
   * bounded by the disk's fsync rate (a few thousand per second), large batches barely
   * notice (see bench/event-store.bench-part.ts for figures measured on this machine).
   * 'NORMAL': the WAL is fsynced only at checkpoints; the file stays consistent, but the
   * last acknowledged transactions can be lost on power loss (not on a process crash).
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * How often a waiting subscription re-reads the file. Appends made through this instance
   * wake subscribers at once; this poll only catches appends made by another process (or
   * another instance) on the same file. Default 500 ms.
   */
  pollIntervalMs?: number;
  /** Rows per page for readAll and subscription catch-up. Default 1000. */
  pageSize?: number;
  /** How long a writer waits for another process's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * SQLite page cache per connection, in MiB (allocated as used). Event ids and stream names
   * are random keys, so appends touch index pages all over the file; SQLite's 2 MiB default
   * makes them re-read pages constantly once the log grows. Default 64.
   */
  cacheSizeMiB?: number;
  /**
   * WAL pages after which a commit checkpoints the WAL back into the database file. Random
   * keys make a 1,000-event append dirty about 2,000 index pages, so SQLite's default (1,000)
   * would checkpoint after every batch and write each hot page twice; a larger WAL lets
   * pages rewritten by consecutive batches be copied back once (measured: about +30% for
   * 1,000-event batches). The WAL file is truncated back to 64 MiB after a checkpoint.
   * Default 16384 (64 MiB with 4 KiB pages).
   */
  walAutocheckpointPages?: number;
  /** Clock for recordedAt. Default: the real clock. */
  now?: () => Date;
  /**
   * Group commit (default true): appends made in one turn of the event loop (the HTTP
   * commands whose requests were read together) are written in one transaction, each in a
   * savepoint of its own, and committed once, so that a burst of small appends costs one fsync
   * instead of one each. Each call is still answered only after the commit that holds it
   * (durable with FULL), and alone: a call that fails (a revision conflict) rolls back its
   * own savepoint and is refused, the others commit. Appends are applied in call order, so
   * two appends to one stream in a group see each other as they would one after the other.
   */
  groupCommit?: boolean;
}

/** One appendMany call waiting for the group commit. */
interface PendingAppend {
  appends: StreamAppend[];
  /** When the call was made (Date.now()): a busy write lock is waited for until busyTimeoutMs after it. */
  since: number;
  resolve(results: AppendResult[]): void;
  reject(error: unknown): void;
}

/**
 * An event row as the store reads it (ROW_COLUMNS, in that order), as an array: better-sqlite3's
 * raw rows cost a third less to read than rows as objects, which define each column's property
 * one by one (reading the 747,426 events of 200,000 person streams: 2.8 -> 1.9 s).
 */
export type EventRow = [
  position: number,
  eventId: string,
  stream: string,
  revision: number,
  type: string,
  data: string,
  recordedAt: string,
  metadataId: number,
  /** readStreams only. */
  streamId?: number,
];
const POSITION = 0;
const EVENT_ID = 1;
const STREAM = 2;
const REVISION = 3;
const TYPE = 4;
const DATA = 5;
const RECORDED_AT = 6;
const METADATA_ID = 7;
const STREAM_ID = 8;

interface StreamHeadRow {
  streamId: number;
  revision: number;
  position: number;
}

type Statement = Database.Statement<unknown[], unknown>;

/** Reads of named streams start from the stream's row, then its events in revision order. */
const BY_STREAM_JOINS = 'streams AS s CROSS JOIN events AS e ON e.stream_id = s.id';

/** Distinct metadata values remembered per instance (an import has one; HTTP commands one each). */
const METADATA_CACHE_SIZE = 256;

/** Rows per page of readCanonicalPages: a page costs one statement, so large ones spread that over many events. */
const CANONICAL_PAGE_ROWS = 4096;

/** Streams per readStreams query. */
const READ_STREAMS_CHUNK = 1000;

type GroupOutcome = { results: AppendResult[] } | { error: unknown };

interface KnownHeads {
  at: number;
  heads: Map<string, StreamHeadRow | null>;
}

/**
 * The embedded event store: one SQLite file in WAL mode. Positions are the table's
 * AUTOINCREMENT rowid; since SQLite has a single writer and never reuses an AUTOINCREMENT
 * value, positions become visible in increasing order with no holes filled in later, which
 * is what makes "read everything after my checkpoint" correct for subscriptions.
 */
export class SqliteEventStore implements EventStore, CanonicalLogReader {
  readonly engine = 'sqlite';
  readonly capabilities = { atomicAppendMany: true, embedded: true } as const;

  private readonly db: Database.Database;
  private readonly now: () => Date;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly notifier = new AppendNotifier();
  private readonly subscriptions = new Set<PullSubscription>();
  private readonly filteredStatements = new Map<string, Statement>();
  private readonly statements: {
    existingIds: Statement;
    streamId: Statement;
    insertStream: Statement;
    streamHead: Statement;
    streamHeads: Statement;
    metadataId: Statement;
    metadataJson: Statement;
    insertMetadata: Statement;
    insert: Statement;
    readStream: Statement;
    readStreams: Statement;
    head: Statement;
    ping: Statement;
    canonicalPage: Statement;
  };
  /** Metadata JSON → row id, for committed rows only (a rolled-back id must not be reused). */
  private readonly metadataIds = new Map<string, number>();
  /**
   * Row id → parsed metadata, shared (frozen) by the events that carry it: a page of an
   * import's events parses its one metadata value once instead of once per event.
   */
  private readonly parsedMetadata = new Map<number, RecordedEvent['metadata']>();
  /**
   * The heads of the streams the last readStreams read (null: no such stream), and the log's
   * last position in the same snapshot. Until that position moves, nothing has been
   * appended by anyone, so a large appendMany checks expected revisions against these
   * instead of looking every stream up again (an import reads its batch's streams, decides,
   * then appends to the same streams). This instance's own large appends keep it current;
   * any other append moves the position and retires it.
   */
  private knownHeads: KnownHeads | undefined;
  private readonly toRecordedEvent: (row: EventRow) => RecordedEvent;
  private readonly toStoredTextEvent = (row: EventRow): RecordedEvent =>
    new StoredTextEvent(
      row[EVENT_ID],
      row[STREAM],
      row[REVISION],
      row[POSITION],
      row[TYPE],
      row[DATA],
      this.metadataOf(row),
      row[RECORDED_AT],
    );
  private readonly appendTransaction: Database.Transaction<(appends: StreamAppend[], learned: Map<string, number>) => AppendResult[]>;
  private readonly groupTransaction: Database.Transaction<(group: PendingAppend[], learned: Map<string, number>) => GroupOutcome[]>;
  private readonly groupCommit: boolean;
  /** Calls waiting for the next group commit (see SqliteEventStoreOptions.groupCommit). */
  private pending: PendingAppend[] = [];
  /** The next try of a group that found the write lock taken, and how many tries it has had. */
  private retryTimer?: NodeJS.Timeout;
  private retryAttempts = 0;
  private readonly busyTimeoutMs: number;
  private readonly walAutocheckpointPages: number;
  private isClosed = false;

  constructor(
    readonly file: string,
    options: SqliteEventStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.pageSize = options.pageSize ?? 1000;
    this.groupCommit = options.groupCommit ?? true;
    this.busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
      this.db.pragma(`cache_size = ${-1024 * Math.max(1, Math.floor(options.cacheSizeMiB ?? 64))}`);
      this.walAutocheckpointPages = Math.max(1, Math.floor(options.walAutocheckpointPages ?? 16384));
      this.db.pragma(`wal_autocheckpoint = ${this.walAutocheckpointPages}`);
      this.db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      ensureLayout(this.db);
    } catch (error) {
      throw new EventStoreUnavailableError(`Cannot open the SQLite event store: ${describe(error)}`, error);
    }
    const byName = 'SELECT value FROM json_each(?)';
    this.statements = {
      existingIds: this.db
        .prepare('SELECT event_id FROM events WHERE stream_id = ? AND event_id IN (SELECT value FROM json_each(?))')
        .pluck(),
      streamId: this.db.prepare('SELECT id FROM streams WHERE name = ?').pluck(),
      insertStream: this.db.prepare('INSERT INTO streams (name) VALUES (?)'),
      streamHead: this.db.prepare('SELECT revision, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1'),
      // Heads of many streams in one statement (a bare column beside MAX() comes from the max row).
      streamHeads: this.db.prepare(
        `SELECT s.name AS stream, s.id AS streamId, MAX(e.revision) AS revision, e.position AS position FROM streams AS s CROSS JOIN events AS e ON e.stream_id = s.id WHERE s.name IN (${byName}) GROUP BY s.id`,
      ),
      metadataId: this.db.prepare('SELECT id FROM metadata WHERE json = ?').pluck(),
      metadataJson: this.db.prepare('SELECT json FROM metadata WHERE id = ?').pluck(),
      insertMetadata: this.db.prepare('INSERT INTO metadata (json) VALUES (?)'),
      insert: this.db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, data, metadata_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (stream_id, event_id) DO NOTHING',
      ),
      readStream: this.db
        .prepare(`SELECT ${ROW_COLUMNS} FROM ${BY_STREAM_JOINS} WHERE s.name = ? AND e.revision >= ? ORDER BY e.revision LIMIT ?`)
        .raw(),
      readStreams: this.db.prepare(READ_STREAMS_SQL).raw(),
      head: this.db.prepare('SELECT COALESCE(MAX(position), 0) FROM events').pluck(),
      ping: this.db.prepare('SELECT 1').pluck(),
      canonicalPage: this.db.prepare(CANONICAL_PAGE_SQL).raw(),
    };
    this.toRecordedEvent = (row) => ({
      id: row[EVENT_ID],
      stream: row[STREAM],
      revision: row[REVISION],
      position: row[POSITION],
      type: row[TYPE],
      data: JSON.parse(row[DATA]) as unknown,
      metadata: this.metadataOf(row),
      recordedAt: row[RECORDED_AT],
    });
    this.appendTransaction = this.db.transaction((appends: StreamAppend[], learned: Map<string, number>) =>
      this.appendInTransaction(appends, learned),
    );
    this.groupTransaction = this.db.transaction((group: PendingAppend[], learned: Map<string, number>) =>
      group.map((call): GroupOutcome => {
        const own = new Map<string, number>();
        try {
          // Inside the group's transaction this runs in a savepoint: a failure undoes this call only.
          const results = this.appendTransaction(call.appends, own);
          for (const [json, id] of own) learned.set(json, id);
          return { results };
        } catch (error) {
          this.knownHeads = undefined;
          return { error };
        }
      }),
    );
  }

  async appendToStream(stream: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const [result] = await this.appendMany([{ stream, events, expectedRevision: options.expectedRevision }]);
    return result;
  }

  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    if (!this.groupCommit) return this.appendNow(appends);
    return new Promise<AppendResult[]>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.commitGroup());
      this.pending.push({ appends, resolve, reject, since: Date.now() });
    });
  }

  /**
   * Writes every call waiting for the group commit in one transaction, then answers each.
   *
   * While another connection holds the write lock (the projection thread's checkpoint, an
   * import thread's batch, another process), the group does not wait in SQLite's busy
   * handler, which would hold this thread and every request on it: BEGIN gives up at once and
   * the group, with the calls made meanwhile, is tried again a few milliseconds later, until
   * `busyTimeoutMs` after its oldest call. `block` (on close) waits in SQLite instead.
   */
  private commitGroup(block = false): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    const learned = new Map<string, number>();
    let outcomes: GroupOutcome[];
    // SQLite sets a pragma while compiling it: a prepared PRAGMA statement does not set it again when run.
    if (!block) this.db.pragma('busy_timeout = 0', { simple: true });
    try {
      // Alone, a call needs no savepoint; its failure is then the transaction's.
      outcomes =
        group.length === 1
          ? [{ results: this.appendTransaction.immediate(group[0].appends, learned) }]
          : this.groupTransaction.immediate(group, learned);
    } catch (error) {
      // Nothing of the group was written: BEGIN or COMMIT failed, or the one call failed.
      this.knownHeads = undefined;
      if (!block && isBusy(error) && Date.now() - group[0].since < this.busyTimeoutMs) {
        this.pending = group.concat(this.pending);
        this.retryAttempts++;
        this.retryTimer = setTimeout(() => this.commitGroup(), Math.min(2 ** this.retryAttempts, 8));
        return;
      }
      this.retryAttempts = 0;
      const failure = toStoreError(error);
      for (const call of group) call.reject(failure);
      return;
    } finally {
      if (!block) this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`, { simple: true });
    }
    this.retryAttempts = 0;
    this.committed(learned);
    group.forEach((call, i) => {
      const outcome = outcomes[i];
      if ('results' in outcome) call.resolve(outcome.results);
      else call.reject(toStoreError(outcome.error));
    });
  }

  /** One call in a transaction of its own. */
  private async appendNow(appends: StreamAppend[]): Promise<AppendResult[]> {
    let results: AppendResult[];
    const learned = new Map<string, number>();
    try {
      // IMMEDIATE takes the write lock up front: with a deferred transaction, two processes
      // that both read then try to write would deadlock and one would fail with SQLITE_BUSY.
      results = this.appendTransaction.immediate(appends, learned);
    } catch (error) {
      this.knownHeads = undefined;
      throw toStoreError(error);
    }
    this.committed(learned);
    return results;
  }

  /** After a commit: the metadata rows it met or created are there for good, and readers may look. */
  private committed(learned: Map<string, number>): void {
    if (this.metadataIds.size + learned.size > METADATA_CACHE_SIZE) this.metadataIds.clear();
    for (const [json, id] of learned) this.metadataIds.set(json, id);
    this.notifier.notify();
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const rows = this.run(() => this.statements.readStream.all(stream, options.fromRevision ?? 0, options.maxCount ?? -1)) as EventRow[];
    return rows.map(this.toRecordedEvent);
  }

  async readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    this.assertOpen();
    const out = new Map<string, RecordedEvent[]>();
    for (const stream of streams) out.set(stream, []);
    const unique = [...out.keys()];
    const heads = new Map<string, StreamHeadRow | null>();
    // One read transaction: the rows and the log's last position come from one snapshot.
    const at = this.run(() =>
      this.db.transaction(() => {
        for (let i = 0; i < unique.length; i += READ_STREAMS_CHUNK) {
          const rows = this.statements.readStreams.all(JSON.stringify(unique.slice(i, i + READ_STREAMS_CHUNK))) as Array<
            EventRow & { stream_id: number }
          >;
          for (const row of rows) {
            out.get(row[STREAM])!.push(this.toRecordedEvent(row));
            heads.set(row[STREAM], { streamId: row[STREAM_ID]!, revision: row[REVISION], position: row[POSITION] });
          }
        }
        return this.statements.head.get() as number;
      })(),
    );
    for (const stream of unique) if (!heads.has(stream)) heads.set(stream, null);
    this.knownHeads = { at, heads };
    return out;
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent, void, undefined> {
    this.assertOpen();
    let after = options.fromPosition ?? 0;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    const plan = new PagePlan();
    while (remaining > 0) {
      // Read again for every page, so events appended while the caller iterates are included.
      const head = this.run(() => this.statements.head.get()) as number;
      if (after >= head) return;
      const page = this.readPage(after, head, options.filter, Math.min(this.pageSize, remaining), plan);
      for (const row of page.rows) yield this.toRecordedEvent(row);
      after = page.readTo;
      remaining -= page.rows.length;
    }
  }

  /**
   * The log as canonical rows (see canonicalEventText): SQLite builds each event's text from
   * the stored JSON of its data and metadata and json_quote of its strings (which escapes
   * exactly as JSON.stringify does), so no row is decoded into an object and serialised
   * again. A row whose stored text is not what JSON.stringify wrote (an edit behind the
   * store's back, even whitespace) gives a text that differs from the one chained.
   */
  async *readCanonicalPages(options: { fromPosition?: number; pageSize?: number } = {}): AsyncGenerator<CanonicalRow[], void, undefined> {
    this.assertOpen();
    const size = Math.max(1, Math.floor(options.pageSize ?? CANONICAL_PAGE_ROWS));
    let after = options.fromPosition ?? 0;
    for (;;) {
      const rows = this.run(() => this.statements.canonicalPage.all(after, size)) as CanonicalRow[];
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < size) return;
      after = rows[rows.length - 1][0];
    }
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    this.assertOpen();
    const batchSize = Math.max(1, options.batchSize ?? this.pageSize);
    const subscription = new PullSubscription(
      (signal) => this.subscriptionSource(options.fromPosition ?? 0, options.filter, batchSize, options.lazyData === true, signal),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(filter?: EventFilter): Promise<number> {
    this.assertOpen();
    const query = headQuery(filter);
    if (query.shapeKey === 't0p0') return this.run(() => this.statements.head.get()) as number;
    const statement = this.cachedStatement(`head:${query.shapeKey}`, () => this.db.prepare(query.sql).pluck());
    return (this.run(() => statement.get(query.params)) as number | undefined) ?? 0;
  }

  /**
   * Whether this connection copies the WAL back into the database file after a commit that
   * leaves it longer than walAutocheckpointPages (the default), or leaves that to another
   * connection calling `checkpoint` (`false`). A checkpoint copies and fsyncs up to 64 MiB,
   * some 100–200 ms: the service's main thread hands it to its projection thread, so an
   * HTTP append never pays for the checkpoint of an import's writes.
   */
  checkpointsAfterCommit(on: boolean): void {
    if (this.isClosed) return;
    this.db.pragma(`wal_autocheckpoint = ${on ? this.walAutocheckpointPages : 0}`, { simple: true });
  }

  /** Copies what the WAL holds back into the database file, as far as readers allow, without waiting for anyone (PASSIVE). */
  checkpoint(): void {
    this.assertOpen();
    this.run(() => this.db.pragma('wal_checkpoint(PASSIVE)'));
  }

  async ping(): Promise<void> {
    this.assertOpen();
    this.run(() => this.statements.ping.get());
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    // Calls already made are written (and answered) before the file closes.
    this.commitGroup(true);
    this.isClosed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.db.close();
  }

  /**
   * Runs inside the IMMEDIATE transaction, so the revision checks cannot race another writer.
   *
   * The port drops already-stored ids before checking the revision. Doing it literally costs
   * an index probe per event on every append; instead the check runs first, and
   * `ON CONFLICT(event_id) DO NOTHING` drops stored ids during the insert. The two orders
   * only differ when the check fails, and then the slow path asks whether the batch is
   * entirely stored (a retry), which is the one case that must succeed.
   */
  private appendInTransaction(appends: StreamAppend[], learned: Map<string, number>): AppendResult[] {
    const recordedAt = this.now().toISOString();
    const seenInCall = new Set<string>();
    const results: AppendResult[] = [];
    // Large batches (imports) look all their stream heads up at once instead of one query
    // per stream; the map is kept current as this call appends.
    const large = appends.length >= 16;
    const known = large ? this.currentKnownHeads() : undefined;
    this.knownHeads = undefined; // re-installed below once this append is done
    const heads = large ? this.streamHeads(appends, known) : undefined;
    // Events of one command share their metadata object: serialised and looked up once.
    let lastMetadata: unknown;
    let lastMetadataId = 0;
    for (const append of appends) {
      const expected = normalizeExpectedRevision(append.expectedRevision);
      const head = heads ? heads.get(append.stream) : this.streamHead(append.stream);
      let streamId = head?.streamId;
      let revision = head?.revision ?? -1;
      let position = head?.position ?? 0;
      if (!expectedRevisionHolds(expected, head?.revision)) {
        if (this.allStored(streamId, append.events)) {
          results.push({ nextRevision: revision, position });
          continue;
        }
        throw new ConcurrencyError(append.stream, String(expected), head?.revision ?? 'no_stream');
      }
      for (const event of append.events) {
        if (seenInCall.has(event.id)) continue;
        seenInCall.add(event.id);
        // A stream's row is created with its first event, so every stream row has events.
        streamId ??= Number(this.statements.insertStream.run(append.stream).lastInsertRowid);
        if (event.metadata !== lastMetadata) {
          lastMetadata = event.metadata;
          lastMetadataId = this.metadataId(JSON.stringify(event.metadata), learned);
        }
        const info = this.statements.insert.run(
          streamId,
          revision + 1,
          event.id,
          event.type,
          JSON.stringify(event.data),
          lastMetadataId,
          recordedAt,
        );
        if (info.changes === 0) continue; // the id is already in the stream: dropped
        revision += 1;
        position = Number(info.lastInsertRowid);
      }
      if (heads && streamId !== undefined) heads.set(append.stream, { streamId, revision, position });
      results.push({ nextRevision: revision, position });
    }
    if (known && heads) {
      // Still in the write transaction: nothing but these appends has moved the log since.
      for (const append of appends) known.heads.set(append.stream, heads.get(append.stream) ?? null);
      known.at = this.statements.head.get() as number;
      this.knownHeads = known; // dropped again by appendMany if the commit fails
    }
    return results;
  }

  /** The heads remembered by readStreams, if the log has not moved since (checked inside the write transaction). */
  private currentKnownHeads(): KnownHeads | undefined {
    const known = this.knownHeads;
    if (!known) return undefined;
    return (this.statements.head.get() as number) === known.at ? known : undefined;
  }

  private streamHead(stream: string): StreamHeadRow | undefined {
    const streamId = this.statements.streamId.get(stream) as number | undefined;
    if (streamId === undefined) return undefined;
    const row = this.statements.streamHead.get(streamId) as { revision: number; position: number };
    return { streamId, revision: row.revision, position: row.position };
  }

  /** The heads of the appends' streams (absent: no such stream), from `known` where it has them. */
  private streamHeads(appends: StreamAppend[], known: KnownHeads | undefined): Map<string, StreamHeadRow> {
    const out = new Map<string, StreamHeadRow>();
    const unknown = new Set<string>();
    for (const { stream } of appends) {
      const head = known?.heads.get(stream);
      if (head === undefined) unknown.add(stream);
      else if (head !== null) out.set(stream, head);
    }
    if (unknown.size > 0) {
      const rows = this.statements.streamHeads.all(JSON.stringify([...unknown])) as Array<StreamHeadRow & { stream: string }>;
      for (const r of rows) out.set(r.stream, { streamId: r.streamId, revision: r.revision, position: r.position });
    }
    return out;
  }

  /** The row id of a metadata value, created when new; `learned` collects what the commit may cache. */
  private metadataId(json: string, learned: Map<string, number>): number {
    let id = this.metadataIds.get(json) ?? learned.get(json);
    if (id !== undefined) return id;
    id = (this.statements.metadataId.get(json) as number | undefined) ?? Number(this.statements.insertMetadata.run(json).lastInsertRowid);
    learned.set(json, id);
    return id;
  }

  private metadataOf(row: EventRow): RecordedEvent['metadata'] {
    const id = row[METADATA_ID];
    let metadata = this.parsedMetadata.get(id);
    if (!metadata) {
      if (this.parsedMetadata.size >= METADATA_CACHE_SIZE) this.parsedMetadata.clear();
      const json = this.run(() => this.statements.metadataJson.get(id)) as string;
      metadata = Object.freeze(JSON.parse(json) as RecordedEvent['metadata']);
      this.parsedMetadata.set(id, metadata);
    }
    return metadata;
  }

  /** Whether every event's id is stored in the stream (including earlier in the current transaction). */
  private allStored(streamId: number | undefined, events: NewEvent[]): boolean {
    const ids = new Set(events.map((event) => event.id));
    if (ids.size === 0) return true;
    if (streamId === undefined) return false;
    const stored = this.statements.existingIds.all(streamId, JSON.stringify([...ids])) as string[];
    return stored.length === ids.size;
  }

  /**
   * Up to `limit` rows matching the filter with after < position <= upTo, in order, read
   * the way `plan` says (and `plan` learns from this page). A scan page covers a bounded
   * window, so it may end before upTo with fewer rows than the limit: `readTo` says where
   * the next page starts.
   */
  private readPage(after: number, upTo: number, filter: EventFilter | undefined, limit: number, plan: PagePlan): Page {
    const scan = plan.scan ? scanPageQuery(filter) : undefined;
    const query = scan ?? pageQuery(filter);
    const end = scan ? Math.min(upTo, after + limit * PagePlan.SCAN_WINDOW) : upTo;
    const statement = this.cachedStatement(`page:${query.shapeKey}`, () => this.db.prepare(query.sql).raw());
    const rows = this.run(() => statement.all({ ...query.params, after, upTo: end, limit })) as EventRow[];
    const readTo = rows.length === limit ? rows[rows.length - 1][POSITION] : end;
    plan.learn(rows.length, readTo - after);
    return { rows, readTo };
  }

  /**
   * Catch-up and live are one loop: always read `position > lastDelivered`, so there is no
   * switch-over where an event could be missed or delivered twice. The body runs only when
   * the consumer pulls, so a slow consumer never has more than one page in memory.
   */
  private async *subscriptionSource(
    fromPosition: number,
    filter: EventFilter | undefined,
    batchSize: number,
    lazyData: boolean,
    signal: CloseSignal,
  ): AsyncGenerator<RecordedEvent, void, undefined> {
    const decode = lazyData ? this.toStoredTextEvent : this.toRecordedEvent;
    let after = fromPosition;
    const plan = new PagePlan();
    while (!signal.closed && !this.isClosed) {
      // Taken before reading, so an append that lands after the read still wakes the wait below.
      const seenAppends = this.notifier.count;
      const head = this.run(() => this.statements.head.get()) as number;
      if (head > after) {
        const page = this.readPage(after, head, filter, batchSize, plan);
        for (const row of page.rows) {
          if (signal.closed) return;
          yield decode(row);
        }
        // Every row up to readTo has now been delivered or filtered out. Skipping past them
        // keeps an idle filtered subscription from rescanning non-matching rows on every poll.
        // Safe because a committed position <= head can never appear later (single writer).
        after = page.readTo;
        if (after < head || page.rows.length > 0) continue;
      }
      await this.notifier.wait(seenAppends, this.pollIntervalMs, signal);
    }
  }

  private cachedStatement(key: string, prepare: () => Statement): Statement {
    let statement = this.filteredStatements.get(key);
    if (!statement) {
      statement = prepare();
      this.filteredStatements.set(key, statement);
    }
    return statement;
  }

  private run<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new EventStoreUnavailableError('The SQLite event store is closed');
  }
}

/**
 * Storage failures become EventStoreUnavailableError; conflicts and programming errors
 * (e.g. data that JSON.stringify rejects) pass through unchanged. SQLite's messages name
 * tables and columns, never bound values, so no personal data leaks into them.
 */
/**
 * The code of an error raised by SQLite. Told by its name and code rather than `instanceof`:
 * better-sqlite3's native addon keeps the SqliteError class of the first JavaScript realm that
 * loaded it, so under Jest (a realm per test file) neither SqliteError nor Error matches.
 */
function sqliteErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || (error as { name?: unknown }).name !== 'SqliteError') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLITE_BUSY and its extended codes: another connection holds the lock. */
function isBusy(error: unknown): boolean {
  return sqliteErrorCode(error)?.startsWith('SQLITE_BUSY') === true;
}

function toStoreError(error: unknown): unknown {
  if (error instanceof ConcurrencyError || error instanceof EventStoreUnavailableError) return error;
  const code = sqliteErrorCode(error);
  if (code !== undefined) {
    return new EventStoreUnavailableError(`SQLite event store failure (${code}): ${(error as { message?: string }).message}`, error);
  }
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new EventStoreUnavailableError('The SQLite event store is closed', error);
  }
  return error;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
