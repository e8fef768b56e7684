import { Pool, type PoolClient, type PoolConfig, types as pgTypes } from 'pg';
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
import { AppendNotifier } from '../shared/append-notifier';
import type { CloseSignal } from '../shared/close-signal';
import { expectedRevisionHolds, normalizeExpectedRevision, normalizeFilter } from '../shared/event-filter';
import { PullSubscription } from '../shared/pull-subscription';
import { PostgresListener } from './postgres-listener';
import { APPEND_LOCK_CLASS, assertSchemaName, ensureLayout, lockKey } from './postgres-schema';

export interface PostgresEventStoreOptions {
  /** Schema of the event tables (created when missing). Default `public`. */
  schema?: string;
  /** Connections in the pool (appends, reads, subscriptions' pages). Default 10. */
  poolSize?: number;
  /**
   * How often a waiting subscription re-reads when no notification came. LISTEN/NOTIFY wakes
   * subscriptions at once on every append by any process; this poll only covers a listening
   * connection that dropped. Default 1000 ms.
   */
  pollIntervalMs?: number;
  /** Rows per page for readAll and subscription catch-up. Default 1000. */
  pageSize?: number;
  /** Clock for recordedAt. Default: the real clock. */
  now?: () => Date;
}

interface EventRow {
  position: number;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
}

interface Head {
  streamId: number;
  revision: number;
  position: number;
}

/** Streams per readStreams query. */
const READ_STREAMS_CHUNK = 1000;

const ROW_COLUMNS = 'e.position, e.event_id, s.name AS stream, e.revision, e.type, e.data, e.metadata, e.recorded_at';

/** Positions and ids are bigint; every value the store hands out stays far below 2^53. */
const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pgTypes.getTypeParser(oid, format)) as typeof pgTypes.getTypeParser,
};

/**
 * The event store on PostgreSQL (or a database derived from it that keeps its locking and
 * LISTEN/NOTIFY), through node-postgres.
 *
 * Global positions: every append takes one transaction-scoped advisory lock, reads the
 * log's last position and numbers its events after it, inside the same transaction. Appends
 * are therefore serialised, and PostgreSQL makes a transaction visible before it releases
 * its locks, so the next append can only number its events once the previous ones are
 * visible: readers see positions in order, with no gap that fills in later, and a
 * subscription may read "everything after my checkpoint". A rolled-back append consumes
 * nothing (no sequence), so positions have no holes either.
 *
 * Live subscriptions: each append sends NOTIFY on the store's channel inside its
 * transaction (delivered at commit); one LISTEN connection per store instance wakes its
 * subscriptions, with polling as the fallback.
 */
export class PostgresEventStore implements EventStore {
  readonly engine = 'postgresql';
  readonly capabilities = { atomicAppendMany: true, embedded: false } as const;

  private readonly pool: Pool;
  private readonly schema: string;
  private readonly tables: { events: string; streams: string };
  private readonly lockKey: number;
  private readonly channel: string;
  private readonly now: () => Date;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly notifier = new AppendNotifier();
  private readonly listener: PostgresListener;
  private readonly subscriptions = new Set<PullSubscription>();
  private isClosed = false;

  private constructor(connectionString: string, options: PostgresEventStoreOptions) {
    this.schema = options.schema ?? 'public';
    assertSchemaName(this.schema);
    this.tables = { events: `"${this.schema}".events`, streams: `"${this.schema}".streams` };
    this.lockKey = lockKey(this.schema);
    this.channel = `registry_events_${this.schema}`.slice(0, 63);
    this.now = options.now ?? (() => new Date());
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.pageSize = options.pageSize ?? 1000;
    const config: PoolConfig = { connectionString, max: options.poolSize ?? 10, types: typeParsers };
    this.pool = new Pool(config);
    // An idle pooled connection that the server closes must not bring the process down;
    // the next query on the pool reports the outage.
    this.pool.on('error', () => undefined);
    this.listener = new PostgresListener({ connectionString }, this.channel, this.notifier);
  }

  /** Connects, creates the tables when missing, and checks the layout. */
  static async connect(connectionString: string, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(connectionString, options);
    try {
      await store.withClient((client) => ensureLayout(client, store.schema));
    } catch (error) {
      await store.close();
      throw error instanceof EventStoreUnavailableError
        ? error
        : new EventStoreUnavailableError(`Cannot open the PostgreSQL event store: ${describe(error)}`, error);
    }
    return store;
  }

  async appendToStream(stream: string, events: NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const [result] = await this.appendMany([{ stream, events, expectedRevision: options.expectedRevision }]);
    return result;
  }

  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    // Validated before any round trip: a bad expectation is a programming error, not a conflict.
    const expectations = appends.map((append) => normalizeExpectedRevision(append.expectedRevision));
    const results = await this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const out = await this.appendInTransaction(client, appends, expectations);
        await client.query('COMMIT');
        return out;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    this.notifier.notify();
    return results;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const { rows } = await this.query<EventRow>(
      `SELECT ${ROW_COLUMNS} FROM ${this.tables.streams} AS s JOIN ${this.tables.events} AS e ON e.stream_id = s.id
       WHERE s.name = $1 AND e.revision >= $2 ORDER BY e.revision LIMIT $3`,
      [stream, options.fromRevision ?? 0, options.maxCount ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  async readStreams(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    this.assertOpen();
    const out = new Map<string, RecordedEvent[]>();
    for (const stream of streams) out.set(stream, []);
    const unique = [...out.keys()];
    for (let i = 0; i < unique.length; i += READ_STREAMS_CHUNK) {
      const { rows } = await this.query<EventRow>(
        `SELECT ${ROW_COLUMNS} FROM ${this.tables.streams} AS s JOIN ${this.tables.events} AS e ON e.stream_id = s.id
         WHERE s.name = ANY($1::text[]) ORDER BY e.stream_id, e.revision`,
        [unique.slice(i, i + READ_STREAMS_CHUNK)],
      );
      for (const row of rows) out.get(row.stream)!.push(toRecordedEvent(row));
    }
    return out;
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent, void, undefined> {
    this.assertOpen();
    let after = options.fromPosition ?? 0;
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      // Read again for every page, so events appended while the caller iterates are included.
      const head = await this.headPosition();
      if (after >= head) return;
      const page = await this.readPage(after, head, options.filter, Math.min(this.pageSize, remaining));
      for (const row of page.rows) yield toRecordedEvent(row);
      after = page.readTo;
      remaining -= page.rows.length;
    }
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    this.assertOpen();
    const batchSize = Math.max(1, options.batchSize ?? this.pageSize);
    const subscription = new PullSubscription(
      (signal) => this.subscriptionSource(options.fromPosition ?? 0, options.filter, batchSize, signal),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(filter?: EventFilter): Promise<number> {
    this.assertOpen();
    const where = this.filterSql(filter, []);
    const params = where.params;
    const join = where.needsStreams ? ` JOIN ${this.tables.streams} AS s ON s.id = e.stream_id` : '';
    const { rows } = await this.query<{ head: number }>(
      `SELECT COALESCE(MAX(e.position), 0) AS head FROM ${this.tables.events} AS e${join}${where.sql ? ` WHERE ${where.sql}` : ''}`,
      params,
    );
    return rows[0].head;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.query('SELECT 1', []);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.listener.close();
    await this.pool.end().catch(() => undefined);
  }

  /**
   * Under the append lock, the port's rules in the SQLite adapter's order: each append's
   * expected revision is checked against the stream as this call has left it so far; a
   * failed check is a success only when every event of the append is already stored (a
   * retry); otherwise ids already stored in the stream, or repeated within the call, are
   * dropped and the rest numbered after the log's last position.
   */
  private async appendInTransaction(
    client: PoolClient,
    appends: StreamAppend[],
    expectations: ReturnType<typeof normalizeExpectedRevision>[],
  ): Promise<AppendResult[]> {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [APPEND_LOCK_CLASS, this.lockKey]);
    const names = [...new Set(appends.map((append) => append.stream))];
    const heads = await this.streamHeads(client, names);
    const stored = await this.storedIds(client, appends, heads);
    const { rows: top } = await client.query<{ head: number }>(`SELECT COALESCE(MAX(position), 0) AS head FROM ${this.tables.events}`);
    let position = top[0].head;

    const recordedAt = this.now();
    const seenInCall = new Set<string>();
    const addedTo = new Map<string, Set<string>>();
    const rows: Array<{ stream: string; revision: number; position: number; event: NewEvent }> = [];
    const results: AppendResult[] = [];
    appends.forEach((append, index) => {
      const head = heads.get(append.stream);
      const storedHere = (id: string) => stored.get(append.stream)?.has(id) || addedTo.get(append.stream)?.has(id);
      if (!expectedRevisionHolds(expectations[index], head?.revision)) {
        if (append.events.every((event) => storedHere(event.id))) {
          results.push({ nextRevision: head?.revision ?? -1, position: head?.position ?? 0 });
          return;
        }
        throw new ConcurrencyError(append.stream, String(expectations[index]), head?.revision ?? 'no_stream');
      }
      let revision = head?.revision ?? -1;
      let last = head?.position ?? 0;
      for (const event of append.events) {
        if (seenInCall.has(event.id)) continue;
        seenInCall.add(event.id);
        if (storedHere(event.id)) continue;
        revision += 1;
        last = ++position;
        rows.push({ stream: append.stream, revision, position: last, event });
        let added = addedTo.get(append.stream);
        if (!added) addedTo.set(append.stream, (added = new Set()));
        added.add(event.id);
      }
      if (revision >= 0) heads.set(append.stream, { streamId: head?.streamId ?? 0, revision, position: last });
      results.push({ nextRevision: revision, position: last });
    });
    if (rows.length === 0) return results;

    const streamIds = await this.streamIds(client, rows, heads);
    // Events of one command share their metadata object: serialised once.
    let lastMetadata: unknown;
    let lastJson = '';
    const metadataJson = (metadata: unknown): string => {
      if (metadata !== lastMetadata) {
        lastMetadata = metadata;
        lastJson = JSON.stringify(metadata);
      }
      return lastJson;
    };
    // One statement whatever the batch size: columns travel as arrays and unnest into rows.
    await client.query(
      `INSERT INTO ${this.tables.events} (position, stream_id, revision, event_id, type, data, metadata, recorded_at)
       SELECT u.position, u.stream_id, u.revision, u.event_id, u.type, u.data, u.metadata, $8::timestamptz
       FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::text[], $5::text[], $6::json[], $7::json[])
         AS u(position, stream_id, revision, event_id, type, data, metadata)`,
      [
        rows.map((r) => r.position),
        rows.map((r) => streamIds.get(r.stream)!),
        rows.map((r) => r.revision),
        rows.map((r) => r.event.id),
        rows.map((r) => r.event.type),
        rows.map((r) => JSON.stringify(r.event.data)),
        rows.map((r) => metadataJson(r.event.metadata)),
        recordedAt,
      ],
    );
    await client.query('SELECT pg_notify($1, $2)', [this.channel, String(position)]);
    return results;
  }

  /** The last revision and position of each named stream that exists. */
  private async streamHeads(client: PoolClient, names: string[]): Promise<Map<string, Head>> {
    const { rows } = await client.query<{ name: string; stream_id: number; revision: number; position: number }>(
      `SELECT s.name, s.id AS stream_id, h.revision, h.position FROM ${this.tables.streams} AS s
       CROSS JOIN LATERAL (SELECT revision, position FROM ${this.tables.events} AS e WHERE e.stream_id = s.id ORDER BY revision DESC LIMIT 1) AS h
       WHERE s.name = ANY($1::text[])`,
      [names],
    );
    return new Map(rows.map((r) => [r.name, { streamId: r.stream_id, revision: r.revision, position: r.position }]));
  }

  /** Which of the call's event ids are already stored in their (existing) stream: one query for the whole call. */
  private async storedIds(client: PoolClient, appends: StreamAppend[], heads: Map<string, Head>): Promise<Map<string, Set<string>>> {
    const streamIds: number[] = [];
    const eventIds: string[] = [];
    const nameOf = new Map<number, string>();
    for (const append of appends) {
      const head = heads.get(append.stream);
      if (!head) continue;
      nameOf.set(head.streamId, append.stream);
      for (const event of append.events) {
        streamIds.push(head.streamId);
        eventIds.push(event.id);
      }
    }
    const out = new Map<string, Set<string>>();
    if (eventIds.length === 0) return out;
    const { rows } = await client.query<{ stream_id: number; event_id: string }>(
      `SELECT e.stream_id, e.event_id FROM unnest($1::bigint[], $2::text[]) AS w(stream_id, event_id)
       JOIN ${this.tables.events} AS e ON e.stream_id = w.stream_id AND e.event_id = w.event_id`,
      [streamIds, eventIds],
    );
    for (const row of rows) {
      const name = nameOf.get(row.stream_id)!;
      let ids = out.get(name);
      if (!ids) out.set(name, (ids = new Set()));
      ids.add(row.event_id);
    }
    return out;
  }

  /** Stream ids for the rows about to be inserted, creating the rows of new streams. */
  private async streamIds(client: PoolClient, rows: Array<{ stream: string }>, heads: Map<string, Head>): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const fresh: string[] = [];
    for (const { stream } of rows) {
      if (ids.has(stream)) continue;
      const id = heads.get(stream)?.streamId ?? 0;
      ids.set(stream, id);
      if (id === 0) fresh.push(stream);
    }
    if (fresh.length > 0) {
      const { rows: created } = await client.query<{ id: number; name: string }>(
        `INSERT INTO ${this.tables.streams} (name) SELECT unnest($1::text[]) RETURNING id, name`,
        [fresh],
      );
      for (const row of created) ids.set(row.name, row.id);
    }
    return ids;
  }

  /** SQL conditions (on `e` and, for prefixes, `s`) for a filter; parameters are appended to `params`. */
  private filterSql(filter: EventFilter | undefined, params: unknown[]): { sql: string; params: unknown[]; needsStreams: boolean } {
    const { eventTypes, streamPrefixes } = normalizeFilter(filter);
    const conditions: string[] = [];
    if (eventTypes) {
      params.push(eventTypes);
      conditions.push(`e.type = ANY($${params.length}::text[])`);
    }
    if (streamPrefixes) {
      params.push(streamPrefixes.map((prefix) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
      conditions.push(`s.name LIKE ANY($${params.length}::text[])`);
    }
    return { sql: conditions.join(' AND '), params, needsStreams: streamPrefixes !== undefined };
  }

  /**
   * Up to `limit` matching rows with after < position <= upTo, in order, and the position up
   * to which every matching row has been returned (upTo when the page is not full).
   */
  private async readPage(
    after: number,
    upTo: number,
    filter: EventFilter | undefined,
    limit: number,
  ): Promise<{ rows: EventRow[]; readTo: number }> {
    const params: unknown[] = [after, upTo, limit];
    const where = this.filterSql(filter, params);
    const { rows } = await this.query<EventRow>(
      `SELECT ${ROW_COLUMNS} FROM ${this.tables.events} AS e JOIN ${this.tables.streams} AS s ON s.id = e.stream_id
       WHERE e.position > $1 AND e.position <= $2${where.sql ? ` AND ${where.sql}` : ''} ORDER BY e.position LIMIT $3`,
      params,
    );
    return { rows, readTo: rows.length === limit ? rows[rows.length - 1].position : upTo };
  }

  /**
   * Catch-up and live are one loop, as on SQLite: always read `position > lastDelivered`.
   * The body runs only when the consumer pulls, so a slow consumer holds one page at most.
   */
  private async *subscriptionSource(
    fromPosition: number,
    filter: EventFilter | undefined,
    batchSize: number,
    signal: CloseSignal,
  ): AsyncGenerator<RecordedEvent, void, undefined> {
    let after = fromPosition;
    while (!signal.closed && !this.isClosed) {
      // Taken before reading, so a notification that arrives after the read still wakes the wait below.
      const seenAppends = this.notifier.count;
      const head = await this.headPosition();
      if (head > after) {
        const page = await this.readPage(after, head, filter, batchSize);
        for (const row of page.rows) {
          if (signal.closed) return;
          yield toRecordedEvent(row);
        }
        // Every position up to readTo is committed and was delivered or filtered out; none can appear later.
        after = page.readTo;
        if (after < head || page.rows.length > 0) continue;
      }
      this.listener.ensure();
      await this.notifier.wait(seenAppends, this.pollIntervalMs, signal);
    }
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      throw toStoreError(error);
    } finally {
      // A connection that failed mid-transaction is discarded, not handed to the next caller.
      client.release(broken);
    }
  }

  private async query<R extends object>(sql: string, params: unknown[]): Promise<{ rows: R[] }> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new EventStoreUnavailableError('The PostgreSQL event store is closed');
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at.toISOString(),
  };
}

/** SQLSTATE classes of a lost or refused connection, and Node's socket errors. */
function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error instanceof Error && /Connection terminated|not queryable/i.test(error.message);
  return /^(08|57P|53)/.test(code) || /^E[A-Z]+$/.test(code);
}

/**
 * Database failures become EventStoreUnavailableError; conflicts and programming errors pass
 * through. A server message can quote a value it refused, so only its SQLSTATE is kept;
 * socket errors keep theirs (they name host and port, never data).
 */
function toStoreError(error: unknown): unknown {
  if (error instanceof ConcurrencyError || error instanceof EventStoreUnavailableError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    return new EventStoreUnavailableError(`PostgreSQL event store failure (SQLSTATE ${code})`, error);
  }
  if (isConnectionError(error)) return new EventStoreUnavailableError(`PostgreSQL event store unreachable: ${describe(error)}`, error);
  return error;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
