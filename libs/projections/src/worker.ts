import type { EventFilter, EventStore, EventSubscription, RecordedEvent } from '@registry/event-store';
import type { Document, ReadStore, WriteOp } from '@registry/read-store';
import { BatchBuffer, DocumentLoadError, EventContext, errorText } from './batch';
import { CHECKPOINT_COLLECTION, PARKED_COLLECTION, generationKey } from './naming';
import type { Projection } from './projection';
import type { CheckpointDoc, GenerationInfo } from './registry';
import { readCheckpoint } from './registry';
import { EventPump } from './pump';

/** Where logs go. Messages and fields carry names, ids, positions and types, never event data. */
export interface ProjectionLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: ProjectionLogger = { info() {}, warn() {}, error() {} };

/** A poison event set aside so later events keep flowing. Holds no event data (it may be personal). */
export interface ParkedEvent extends Document {
  projection: string;
  version: number;
  generation: number;
  eventId: string;
  position: number;
  type: string;
  error: string;
  attempts: number;
  parkedAt: string;
}

export interface BatchProgress {
  projection: string;
  generation: number;
  role: 'active' | 'pending';
  events: number;
  parked: number;
  checkpoint: number;
  head: number;
  lag: number;
  durationMs: number;
}

export interface WorkerSettings {
  batchSize: number;
  maxBatchWaitMs: number;
  applyRetries: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  headRefreshMs: number;
  /** How long to wait for the next event before running the caught-up check. */
  idleWaitMs: number;
  /** A rebuild switches in when at most this many events behind the head. */
  switchMaxLag: number;
  now: () => number;
}

/** What a worker needs from the runner that owns it. */
export interface WorkerHost {
  readonly eventStore: EventStore;
  readonly readStore: ReadStore;
  readonly logger: ProjectionLogger;
  readonly settings: WorkerSettings;
  /** False when the lease is lost or about to expire: stop writing. */
  holdsLease(): boolean;
  onBatch(worker: GenerationWorker, progress: BatchProgress): void;
  /** The worker reached the head (checkpoint >= head). Called again after every idle batch. */
  onCaughtUp(worker: GenerationWorker): void;
  onError(worker: GenerationWorker, error: string): void;
}

class LeaseLostError extends Error {
  constructor() {
    super('projection lease lost');
    this.name = 'LeaseLostError';
  }
}

const STOP = Symbol('stop');
const noop = (): void => {};

export function projectionFilter(p: Pick<Projection, 'eventTypes' | 'streamPrefixes'>): EventFilter {
  const filter: EventFilter = {};
  if (p.eventTypes !== 'all') filter.eventTypes = p.eventTypes;
  if (p.streamPrefixes?.length) filter.streamPrefixes = p.streamPrefixes;
  return filter;
}

/**
 * Builds one generation of one projection: subscribes from the generation's checkpoint, applies
 * events in batches, and writes each batch's documents plus the checkpoint in one store write
 * (atomic on transactional stores; elsewhere the per-document position guard makes a replay of
 * a half-written batch harmless).
 */
export class GenerationWorker {
  checkpoint: number;
  /**
   * The checkpoint as last reported to the host (`onBatch`): the stored checkpoint this worker
   * read at start, then every written batch's once it has been reported.
   */
  reported: number;
  head: number;
  live = false;
  failing = false;
  lastError: string | null = null;

  private stopped = false;
  private signalStop: () => void = noop;
  private readonly stopSignal: Promise<typeof STOP>;
  private subscription: EventSubscription | null = null;
  private pump: EventPump | null = null;
  private done: Promise<void> = Promise.resolve();
  private headReadAt = -Infinity;
  private readonly collections: ReadonlySet<string>;
  private readonly filter: EventFilter;

  constructor(
    private readonly host: WorkerHost,
    readonly projection: Projection,
    readonly gen: GenerationInfo,
    public role: 'active' | 'pending',
    /**
     * The generation's stored checkpoint and the head as the runner read them before starting
     * this worker: what its status shows until it has read them itself, so a worker just started
     * never reports checkpoint and head 0 (lag 0) for a projection that is behind.
     */
    start: { checkpoint: number; head: number } = { checkpoint: 0, head: 0 },
  ) {
    this.checkpoint = start.checkpoint;
    this.reported = start.checkpoint;
    this.head = Math.max(start.head, start.checkpoint);
    this.stopSignal = new Promise((resolve) => (this.signalStop = () => resolve(STOP)));
    this.collections = new Set(Object.keys(gen.collections));
    this.filter = projectionFilter(projection);
  }

  get running(): boolean {
    return !this.stopped;
  }

  get lag(): number {
    return Math.max(0, this.head - this.checkpoint);
  }

  start(): void {
    this.done = this.run();
  }

  /** Stops after the batch in flight (if any) is written; never leaves a batch half-applied in memory. */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.signalStop();
      await this.subscription?.close().catch(noop);
      this.pump?.wake();
    }
    await this.done;
  }

  async refreshHead(force = false): Promise<number> {
    const now = this.host.settings.now();
    if (force || now - this.headReadAt >= this.host.settings.headRefreshMs) {
      this.headReadAt = now;
      this.head = Math.max(this.head, await this.host.eventStore.headPosition(this.filter));
    }
    return this.head;
  }

  private async run(): Promise<void> {
    const settings = this.host.settings;
    const own = this.projection.batchEvents;
    const s = own !== undefined && own > 0 && own < settings.batchSize ? { ...settings, batchSize: own } : settings;
    let failures = 0;
    while (!this.stopped) {
      let pump: EventPump | null = null;
      try {
        this.checkpoint = await readCheckpoint(this.host.readStore, this.projection.name, this.gen.generation);
        this.reported = Math.max(this.reported, this.checkpoint);
        await this.refreshHead(true);
        this.subscription = this.host.eventStore.subscribe({
          fromPosition: this.checkpoint,
          filter: this.filter,
          batchSize: s.batchSize,
          lazyData: this.projection.lazyData === true,
        });
        if (this.stopped) break;
        pump = this.pump = new EventPump(this.subscription, 2 * s.batchSize);
        while (!this.stopped) {
          // Wait for a first event (up to idleWaitMs), then up to maxBatchWaitMs for a full batch.
          await pump.waitFor(1, s.idleWaitMs);
          if (pump.available > 0 && pump.available < s.batchSize) await pump.waitFor(s.batchSize, s.maxBatchWaitMs);
          if (this.stopped) break;
          const events = pump.take(s.batchSize);
          if (events.length > 0) {
            await this.process(events);
            failures = 0;
            if (this.failing) this.failing = false;
          }
          if (!this.stopped) pump.assertOpen();
          // The subscription had nothing more at hand: we may be at the head.
          if (pump.available === 0 && events.length < s.batchSize) await this.checkCaughtUp();
        }
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof LeaseLostError) {
          // The runner notices on its next lease tick and hands over; writing on would race the new owner.
          this.stopped = true;
          break;
        }
        this.failing = true;
        this.live = false;
        this.lastError = errorText(err);
        this.host.onError(this, this.lastError);
        this.host.logger.error('projection batch failed; resubscribing from the checkpoint', {
          projection: this.projection.name,
          generation: this.gen.generation,
          checkpoint: this.checkpoint,
          error: this.lastError,
        });
        const delay = Math.min(s.backoffMaxMs, s.backoffInitialMs * 2 ** Math.min(failures++, 16));
        await this.sleep(delay);
      } finally {
        const sub = this.subscription;
        this.subscription = null;
        await sub?.close().catch(noop);
        pump?.wake();
        await pump?.done;
      }
    }
  }

  private async checkCaughtUp(): Promise<void> {
    await this.refreshHead(this.role === 'pending' || !this.live);
    if (this.checkpoint >= this.head) this.live = true;
    // A rebuild under steady traffic may never see lag exactly 0; a few events behind is close
    // enough to switch (the new generation keeps going live; queries see them milliseconds later).
    if (this.lag <= (this.role === 'pending' ? this.host.settings.switchMaxLag : 0)) this.host.onCaughtUp(this);
  }

  private async process(events: RecordedEvent[]): Promise<void> {
    const fresh = events.filter((e) => e.position > this.checkpoint);
    if (fresh.length === 0) return;
    try {
      await this.applyAndWrite(fresh);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // A unique index refused a projected document. Retrying the batch would fail forever, so
      // find the event responsible by writing one event at a time, and park that one.
      for (const event of fresh) {
        if (event.position <= this.checkpoint) continue;
        try {
          await this.applyAndWrite([event]);
        } catch (single) {
          if (!isDuplicateKey(single)) throw single;
          await this.write([this.parkOp(event, { error: errorText(single), attempts: 1 })], event.position, 1, this.host.settings.now());
        }
      }
    }
  }

  private async applyAndWrite(events: RecordedEvent[]): Promise<void> {
    const started = this.host.settings.now();
    if (this.projection.applyBatch) {
      const ops = await this.applyBatch(events);
      await this.write(ops, events[events.length - 1].position, events.length, started, 0);
      return;
    }
    const buffer = this.newBuffer();
    await this.prefetch(buffer, events);
    const parkedOps: WriteOp[] = [];
    for (const event of events) {
      const failure = await this.applyWithRetries(buffer, event);
      if (failure !== null) parkedOps.push(this.parkOp(event, failure));
    }
    await buffer.finish(this.projection);
    await this.write(
      [...this.documentOps(buffer), ...parkedOps],
      events[events.length - 1].position,
      events.length,
      started,
      parkedOps.length,
    );
  }

  /** The documents a batch projection writes for these events, each guarded by the position it reflects. */
  private async applyBatch(events: RecordedEvent[]): Promise<WriteOp[]> {
    const last = events[events.length - 1].position;
    const written = new Map<string, Map<string, Document>>();
    const collections = this.gen.collections;
    const declared = (collection: string) => {
      if (!(collection in collections)) throw new Error(`collection ${JSON.stringify(collection)} is not declared by the projection`);
    };
    // Collections are written in the order of their first put, never of their first get: a
    // projection that reads its marker document first and puts it last (the audit head) must
    // have it written last, or a store that dies mid-write keeps a marker ahead of the
    // documents it vouches for, and the replay after the crash skips them.
    const known = (collection: string) => {
      declared(collection);
      let byId = written.get(collection);
      if (!byId) written.set(collection, (byId = new Map()));
      return byId;
    };
    await this.projection.applyBatch!(events, {
      get: async <T extends Document>(collection: string, id: string) => {
        declared(collection);
        const pending = written.get(collection)?.get(id);
        if (pending) return pending as T;
        try {
          return await this.host.readStore.collection<T>(collections[collection]).get(id);
        } catch (err) {
          throw new DocumentLoadError(collection, err);
        }
      },
      put: (collection, doc) => {
        if (typeof doc?._id !== 'string' || doc._id === '') throw new Error('a projected document needs a non-empty string _id');
        if (doc._position === undefined) doc._position = last;
        known(collection).set(doc._id, doc);
      },
    });
    const ops: WriteOp[] = [];
    for (const [collection, byId] of written) {
      for (const doc of byId.values()) {
        ops.push({ kind: 'upsert', collection: collections[collection], doc, guard: { position: doc._position! } });
      }
    }
    return ops;
  }

  /**
   * One store write: the batch's documents, its parked events, then the checkpoint. Checkpoint
   * last: on a store that applies ops one by one, a crash can leave documents ahead of the
   * checkpoint (harmless, the position guard drops the replay) but never the reverse.
   */
  private async write(ops: WriteOp[], last: number, events: number, started: number, parked = ops.length): Promise<void> {
    const checkpoint: CheckpointDoc = {
      _id: generationKey(this.projection.name, this.gen.generation),
      projection: this.projection.name,
      generation: this.gen.generation,
      checkpoint: last,
    };
    ops.push({ kind: 'upsert', collection: CHECKPOINT_COLLECTION, doc: checkpoint, guard: { position: last } });
    if (!this.host.holdsLease()) throw new LeaseLostError();
    await this.host.readStore.write(ops);
    this.checkpoint = last;
    if (last > this.head) this.head = last;
    await this.refreshHead().catch(noop);
    if (this.checkpoint < this.head) this.live = false;
    this.host.onBatch(this, {
      projection: this.projection.name,
      generation: this.gen.generation,
      role: this.role,
      events,
      parked,
      checkpoint: this.checkpoint,
      head: this.head,
      lag: this.lag,
      durationMs: this.host.settings.now() - started,
    });
    this.reported = last;
  }

  /**
   * Re-applies parked events (after a fix in data the projection reads, or a transient fault).
   * Out of order by nature: documents that later events already moved past keep their state,
   * because the replay guard drops writes older than the document. Returns the events that
   * now apply; the caller unparks those.
   */
  async reapply(events: RecordedEvent[]): Promise<{ ok: RecordedEvent[]; failed: Array<{ event: RecordedEvent; error: string }> }> {
    const buffer = this.newBuffer();
    await this.prefetch(buffer, events);
    const ok: RecordedEvent[] = [];
    const failed: Array<{ event: RecordedEvent; error: string }> = [];
    for (const event of events) {
      const failure = await this.applyWithRetries(buffer, event);
      if (failure === null) ok.push(event);
      else failed.push({ event, error: failure.error });
    }
    await buffer.finish(this.projection);
    if (!this.host.holdsLease()) throw new LeaseLostError();
    const ops = this.documentOps(buffer);
    if (ops.length > 0) await this.host.readStore.write(ops);
    return { ok, failed };
  }

  private newBuffer(): BatchBuffer {
    return new BatchBuffer(
      this.collections,
      async (collection, ids) => this.host.readStore.collection(this.gen.collections[collection]).getMany(ids),
      this.projection.readonlyDocuments === true,
    );
  }

  private async prefetch(buffer: BatchBuffer, events: RecordedEvent[]): Promise<void> {
    const documentIds = this.projection.documentIds?.bind(this.projection);
    if (!documentIds) return;
    const refs = [];
    for (const e of events) {
      try {
        refs.push(...documentIds(e));
      } catch {
        // A throwing hook is the event's problem: apply will fail on it too and park it.
      }
    }
    await buffer.prefetch(refs.filter((r) => this.collections.has(r.collection)));
  }

  /** Null when applied; otherwise the failure to park. Store failures are rethrown (the batch fails). */
  private async applyWithRetries(buffer: BatchBuffer, event: RecordedEvent): Promise<{ error: string; attempts: number } | null> {
    const attempts = 1 + this.host.settings.applyRetries;
    let error = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const ctx = buffer.begin(event);
      try {
        if (!this.projection.apply) throw new Error('a batch projection applies whole batches');
        const result = this.projection.apply(event, ctx);
        if (result !== undefined && typeof (result as Promise<void>).then === 'function') await result;
        if (!ctx.commitSync()) await ctx.commit();
        return null;
      } catch (err) {
        if ((ctx as EventContext).storeFailed) throw err;
        error = errorText(err);
      }
    }
    return { error, attempts };
  }

  private parkOp(event: RecordedEvent, failure: { error: string; attempts: number }): WriteOp {
    this.lastError = `event at position ${event.position} parked: ${failure.error}`;
    this.host.logger.warn('projection parked an event it could not apply', {
      projection: this.projection.name,
      generation: this.gen.generation,
      eventId: event.id,
      position: event.position,
      type: event.type,
      attempts: failure.attempts,
      error: failure.error,
    });
    const doc: ParkedEvent = {
      _id: parkedId(this.projection.name, this.gen.generation, event.id),
      projection: this.projection.name,
      version: this.gen.version,
      generation: this.gen.generation,
      eventId: event.id,
      position: event.position,
      type: event.type,
      error: failure.error,
      attempts: failure.attempts,
      parkedAt: new Date(this.host.settings.now()).toISOString(),
    };
    return { kind: 'upsert', collection: PARKED_COLLECTION, doc };
  }

  private documentOps(buffer: BatchBuffer): WriteOp[] {
    return buffer.writes().map((w): WriteOp => {
      const collection = this.gen.collections[w.collection];
      const guard = { position: w.position };
      // What this batch found stored goes along, so the store need not read it again (WriteOp.stored).
      return w.doc === null
        ? { kind: 'delete', collection, id: w.id, guard, stored: w.stored }
        : { kind: 'upsert', collection, doc: w.doc, guard, stored: w.stored };
    });
  }

  private async sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, ms))), this.stopSignal]);
    clearTimeout(timer);
  }
}

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'DUPLICATE_KEY';
}

export function parkedId(projection: string, generation: number, eventId: string): string {
  return `${projection}:g${generation}:${eventId}`;
}
