/** Helpers for the projection runner's integration tests: temp SQLite stores, events, a counting projection. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, NewEvent, RecordedEvent } from '@registry/event-store';
import { SqliteEventStore } from '@registry/event-store';
import { SqliteReadStore, type Document, type ReadStore, type WriteOp } from '@registry/read-store';
import { MongoReadStore } from '@registry/read-store/mongodb/mongo-read-store';
import type { Projection } from '../projection';
import { ProjectionRunner, type ProjectionRunnerOptions } from '../runner';

export interface TempStores {
  dir: string;
  eventStore: SqliteEventStore;
  readStore: ReadStore;
  /** Another pair of connections on the same stores, as a second process would have. */
  open(): Promise<{ eventStore: SqliteEventStore; readStore: ReadStore }>;
  cleanup(): Promise<void>;
}

/** Opens a read store; called once per connection, with the test's temp dir. */
export type ReadStoreFactory = (dir: string) => Promise<ReadStore>;

export const sqliteReadStores: ReadStoreFactory = async (dir) => new SqliteReadStore(join(dir, 'read.sqlite'));

/** A fresh database per test on the MongoDB server at `uri`; dropped collection by collection at cleanup. */
export function mongoReadStores(uri: string): ReadStoreFactory {
  const databases = new Map<string, string>();
  return async (dir) => {
    if (!databases.has(dir)) databases.set(dir, `projections_${process.pid}_${databases.size}_${Date.now() % 1e6}`);
    return MongoReadStore.connect(uri, databases.get(dir)!);
  };
}

export async function tempStores(readStores: ReadStoreFactory = sqliteReadStores): Promise<TempStores> {
  const dir = mkdtempSync(join(tmpdir(), 'projections-'));
  const opened: Array<{ close(): Promise<void> }> = [];
  const open = async () => {
    const eventStore = new SqliteEventStore(join(dir, 'events.sqlite'), { synchronous: 'NORMAL', pollIntervalMs: 25 });
    const readStore = await readStores(dir);
    opened.push(eventStore, readStore);
    return { eventStore, readStore };
  };
  const first = await open();
  return {
    dir,
    ...first,
    open,
    async cleanup() {
      if (!first.readStore.capabilities.embedded) {
        for (const c of await first.readStore.listCollections()) await first.readStore.dropCollection(c);
      }
      for (const s of opened.reverse()) await s.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function event(type: string, data: Record<string, unknown>): NewEvent {
  return { id: randomUUID(), type, data, metadata: { occurredAt: '2024-03-01T08:00:00.000Z' } };
}

/** Appends `count` events spread round-robin over `streams` streams ("acct-<n>"). */
export async function appendTicks(store: EventStore, count: number, streams = 10, type = 'Ticked'): Promise<void> {
  const appends = new Map<string, NewEvent[]>();
  for (let i = 0; i < count; i++) {
    const stream = `acct-${i % streams}`;
    if (!appends.has(stream)) appends.set(stream, []);
    appends.get(stream)!.push(event(type, { n: i }));
  }
  await store.appendMany([...appends].map(([stream, events]) => ({ stream, events })));
}

export interface TallyOptions {
  name?: string;
  version?: number;
  /** Throws for events whose data has `poison: true` while this returns true. */
  poisoned?: () => boolean;
  /** Awaited before each event (to hold a projection mid-way in a test). */
  gate?: () => Promise<void>;
}

/**
 * Counts events per stream and in total. Not idempotent by itself (it increments), so it
 * shows any double application: only the runner's position guard keeps the counts exact.
 */
export function tally(options: TallyOptions = {}): Projection {
  return {
    name: options.name ?? 'tally',
    version: options.version ?? 1,
    eventTypes: ['Ticked', 'Poison'],
    collections: [{ name: 'streams', indexes: [{ name: 'by_count', fields: [['count', 1]] }] }, { name: 'totals' }],
    documentIds: (e) => [
      { collection: 'streams', id: e.stream },
      { collection: 'totals', id: 'all' },
    ],
    async apply(e: RecordedEvent, ctx) {
      if (options.gate) await options.gate();
      if ((e.data as { poison?: boolean }).poison && (options.poisoned?.() ?? true)) {
        throw new Error('cannot project this event');
      }
      const s = await ctx.get<Document & { count: number }>('streams', e.stream);
      ctx.put('streams', { _id: e.stream, count: (s?.count ?? 0) + 1, lastPosition: e.position });
      const t = await ctx.get<Document & { count: number }>('totals', 'all');
      ctx.put('totals', { _id: 'all', count: (t?.count ?? 0) + 1 });
    },
  };
}

export function runnerOptions(
  stores: { eventStore: EventStore; readStore: ReadStore },
  extra: Partial<ProjectionRunnerOptions> = {},
): ProjectionRunnerOptions {
  return {
    ...stores,
    leaseTtlMs: 800,
    leaseRenewMs: 100,
    idleWaitMs: 30,
    headRefreshMs: 20,
    dropDelayMs: 50,
    backoffInitialMs: 20,
    backoffMaxMs: 200,
    ...extra,
  };
}

export async function allDocs(store: ReadStore, collection: string): Promise<Document[]> {
  const out: Document[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.collection(collection).find({}, { limit: 1000, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export async function logicalDocs(runner: ProjectionRunner, name: string, collection: string): Promise<Document[]> {
  const c = await runner.collection(name, collection);
  const out: Document[] = [];
  let cursor: string | undefined;
  do {
    const page = await c.find({}, { limit: 1000, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A promise gate: `wait` blocks until `open` is called. */
export function gate(): { wait: () => Promise<void>; open: () => void; reached: Promise<void> } {
  let open!: () => void;
  let reach!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (reach = r));
  return {
    wait: () => {
      reach();
      return opened;
    },
    open,
    reached,
  };
}

/**
 * A read store that passes everything to another one, reporting itself non-transactional
 * (like MongoDB/FerretDB): tests override `write` to fail part-way through a batch.
 */
export class NonTransactionalReadStore implements ReadStore {
  readonly engine: string;
  readonly capabilities: ReadStore['capabilities'];

  constructor(protected readonly inner: ReadStore) {
    this.engine = inner.engine;
    this.capabilities = { ...inner.capabilities, transactional: false };
  }

  collection<T extends Document = Document>(name: string) {
    return this.inner.collection<T>(name);
  }

  write(ops: WriteOp[]): Promise<void> {
    return this.inner.write(ops);
  }

  listCollections() {
    return this.inner.listCollections();
  }
  dropCollection(name: string) {
    return this.inner.dropCollection(name);
  }
  renameCollection(from: string, to: string) {
    return this.inner.renameCollection(from, to);
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
}

/** The same store, non-transactional, that can "crash" a write: it applies the document writes of the batch, then fails before the checkpoint. */
export class CrashingReadStore extends NonTransactionalReadStore {
  crashNextWrite = false;
  crashes = 0;

  override async write(ops: WriteOp[]): Promise<void> {
    if (this.crashNextWrite && ops.some((o) => o.collection === 'projection_checkpoints')) {
      this.crashNextWrite = false;
      this.crashes++;
      // Op by op, like a non-transactional store, dying just before the checkpoint.
      for (const op of ops) {
        if (op.collection === 'projection_checkpoints') throw new Error('simulated crash before the checkpoint write');
        await this.inner.write([op]);
      }
    }
    return this.inner.write(ops);
  }
}

/**
 * The same store, holding every read of a checkpoint document after the first `passFirst` until
 * `release()`: a worker the runner has just started, still waiting for its own checkpoint read.
 */
export class HeldCheckpointReadStore extends NonTransactionalReadStore {
  private reads = 0;
  private readonly held = gate();
  /** Resolves when the first read is held. */
  readonly reached = this.held.reached;

  constructor(
    inner: ReadStore,
    private readonly passFirst: number,
  ) {
    super(inner);
  }

  release(): void {
    this.held.open();
  }

  override collection<T extends Document = Document>(name: string) {
    const coll = this.inner.collection<T>(name);
    if (name !== 'projection_checkpoints') return coll;
    const get = async (id: string) => {
      if (++this.reads > this.passFirst) await this.held.wait();
      return coll.get(id);
    };
    return new Proxy(coll, {
      get: (target, prop) => {
        if (prop === 'get') return get;
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}

/**
 * The same store, answering each write a while after it has applied it: what a loaded machine
 * does when the writer's answer is handled after another connection has already read the result.
 */
export class LateAnswerReadStore extends NonTransactionalReadStore {
  constructor(
    inner: ReadStore,
    private readonly delayMs: number,
  ) {
    super(inner);
  }

  override async write(ops: WriteOp[]): Promise<void> {
    await this.inner.write(ops);
    await new Promise((r) => setTimeout(r, this.delayMs));
  }
}
