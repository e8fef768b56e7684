import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import type { EventStore, RecordedEvent } from '@registry/event-store';
import type { Collection, Document, ReadStore } from '@registry/read-store';
import { errorText } from './batch';
import { Lease, type LeaseView } from './lease';
import { InvalidProjectionError, PARKED_COLLECTION, validateProjection } from './naming';
import type { Projection } from './projection';
import {
  ReadModels,
  generationInfo,
  readCheckpoint,
  readRegistry,
  writeRegistry,
  type GenerationInfo,
  type ProjectionState,
  type RegistryDoc,
} from './registry';
import {
  GenerationWorker,
  parkedId,
  projectionFilter,
  silentLogger,
  type BatchProgress,
  type ParkedEvent,
  type ProjectionLogger,
  type WorkerHost,
  type WorkerSettings,
} from './worker';

export interface ProjectionRunnerOptions {
  eventStore: EventStore;
  readStore: ReadStore;
  /** Identifies this process in leases; default host-pid-random. */
  instanceId?: string;
  /** How long a lease lasts without renewal (default 15 s): the takeover delay after a crash. */
  leaseTtlMs?: number;
  /** Lease renewal (and standby polling) interval; default a third of the TTL. */
  leaseRenewMs?: number;
  /**
   * Events per batch and per store write (default 8000). Larger batches write a document
   * that several of their events touch once (a person's enrolments, the province's
   * counters) and commit less often; measured on an import, 8000 beat 4000 by about 7 %.
   */
  batchSize?: number;
  /** How long a batch waits for more events once one has arrived (default 5 ms). */
  maxBatchWaitMs?: number;
  /** Retries of a throwing apply before the event is parked (default 2). */
  applyRetries?: number;
  /** Back-off after a failed batch (store down): initial and maximum delay (default 100 ms, 30 s). */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Minimum interval between head-position queries while processing (default 500 ms). */
  headRefreshMs?: number;
  /** Idle wait before re-checking the head when no event arrives (default 1 s). */
  idleWaitMs?: number;
  /** A rebuild switches in when at most this many events behind (default 0). */
  switchMaxLag?: number;
  /**
   * Grace delay before the collections of a replaced generation are dropped (default 10 s),
   * longer than the ReadModels cache TTL so no instance still reads them.
   */
  dropDelayMs?: number;
  /** Shared resolver; the runner invalidates it on a switch. Default: a new one on readStore. */
  readModels?: ReadModels;
  logger?: ProjectionLogger;
  now?: () => number;
}

export interface ProjectionStatus {
  name: string;
  /** Version in code. */
  version: number;
  /** Version of the generation serving queries (differs from `version` until a rebuild switches in). */
  activeVersion: number | null;
  generation: number | null;
  checkpoint: number;
  head: number;
  /** Events (matching the projection's filter) behind the head. */
  lag: number;
  state: ProjectionState;
  parked: number;
  lastError: string | null;
  leaseOwner: string | null;
  /** True when this instance holds the lease and processes the projection. */
  leaseHeld: boolean;
  rebuild: { version: number; generation: number; checkpoint: number; lag: number } | null;
}

export interface RetryParkedResult {
  retried: number;
  resolved: number;
  stillParked: number;
}

export class NotLeaseHolderError extends Error {
  readonly code = 'PROJECTION_NOT_LEASE_HOLDER';
  constructor(name: string) {
    super(`This instance does not hold the lease of projection ${name}`);
    this.name = 'NotLeaseHolderError';
  }
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** Runtime state of one projection in this runner. */
interface Slot {
  projection: Projection;
  held: boolean;
  lease: LeaseView | null;
  registry: RegistryDoc | null;
  active: GenerationWorker | null;
  pending: GenerationWorker | null;
  parked: number;
  lastError: string | null;
  /** Read from the store when this instance does not process the active generation. */
  observedCheckpoint: number;
  observedHead: number;
  lock: Promise<unknown>;
  rebuildWaiters: Waiter[];
  switching: boolean;
}

/**
 * Runs projections: one lease per projection (so among several instances exactly one
 * processes it), catch-up then live from the checkpoint, batched idempotent writes, parking of
 * poison events, and rebuilds beside the serving generation. No Nest dependency: a module in the
 * app wires it to the stores and to the application lifecycle.
 */
export class ProjectionRunner {
  readonly instanceId: string;
  readonly readModels: ReadModels;
  private readonly progress = new Subject<BatchProgress>();
  /** One value per written batch, for metrics (events/s, lag). */
  readonly progress$: Observable<BatchProgress> = this.progress.asObservable();

  private readonly slots = new Map<string, Slot>();
  private readonly lease: Lease;
  private readonly host: WorkerHost;
  private readonly leaseTtlMs: number;
  private readonly leaseRenewMs: number;
  private readonly dropDelayMs: number;
  private readonly now: () => number;
  private readonly logger: ProjectionLogger;
  private timer: ReturnType<typeof setInterval> | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private readonly dropTimers = new Set<NodeJS.Timeout>();
  private started = false;

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.leaseTtlMs = options.leaseTtlMs ?? 15_000;
    this.leaseRenewMs = options.leaseRenewMs ?? Math.max(10, Math.floor(this.leaseTtlMs / 3));
    if (this.leaseRenewMs >= this.leaseTtlMs) throw new InvalidProjectionError('leaseRenewMs must be shorter than leaseTtlMs');
    this.dropDelayMs = options.dropDelayMs ?? 10_000;
    this.readModels = options.readModels ?? new ReadModels(options.readStore);
    this.lease = new Lease(options.readStore, this.instanceId, this.leaseTtlMs, this.now);
    const settings: WorkerSettings = {
      batchSize: options.batchSize ?? 8000,
      maxBatchWaitMs: options.maxBatchWaitMs ?? 5,
      applyRetries: options.applyRetries ?? 2,
      backoffInitialMs: options.backoffInitialMs ?? 100,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      headRefreshMs: options.headRefreshMs ?? 500,
      idleWaitMs: options.idleWaitMs ?? 1000,
      switchMaxLag: options.switchMaxLag ?? 0,
      now: this.now,
    };
    this.host = {
      eventStore: options.eventStore,
      readStore: options.readStore,
      logger: this.logger,
      settings,
      holdsLease: () => false, // replaced per worker in newWorker
      onBatch: (w, p) => {
        const slot = this.slots.get(w.projection.name);
        // Parked events of a pending generation are counted from the store when it switches in.
        if (slot && slot.active === w) slot.parked += p.parked;
        this.progress.next(p);
      },
      onCaughtUp: (w) => this.caughtUp(w),
      onError: (w, error) => {
        const slot = this.slots.get(w.projection.name);
        if (slot) slot.lastError = error;
      },
    };
  }

  /** Registers the projections and starts competing for their leases; resolves after the first round. */
  async start(projections: Projection[]): Promise<void> {
    for (const p of projections) {
      validateProjection(p);
      if (this.slots.has(p.name)) throw new InvalidProjectionError(`projection ${p.name} registered twice`);
      this.slots.set(p.name, {
        projection: p,
        held: false,
        lease: null,
        registry: null,
        active: null,
        pending: null,
        parked: 0,
        lastError: null,
        observedCheckpoint: 0,
        observedHead: 0,
        lock: Promise.resolve(),
        rebuildWaiters: [],
        switching: false,
      });
    }
    await this.options.readStore.collection(PARKED_COLLECTION).ensureIndexes([
      {
        name: 'by_generation',
        fields: [
          ['projection', 1],
          ['generation', 1],
          ['position', 1],
        ],
      },
    ]);
    this.started = true;
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.leaseRenewMs);
    this.timer.unref();
  }

  /** Stops processing after the batches in flight and releases the leases for a quick handover. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    for (const t of this.dropTimers) clearTimeout(t);
    this.dropTimers.clear();
    await Promise.all(
      [...this.slots.values()].map((slot) =>
        this.locked(slot, async () => {
          const wasHeld = slot.held;
          await this.deactivate(slot, new Error('runner stopped'));
          if (wasHeld) {
            await this.persistState(slot, 'stopped').catch(() => undefined);
            await this.lease.release(slot.projection.name).catch(() => undefined);
          }
        }),
      ),
    );
  }

  /** The active physical collection behind a projection's logical collection. */
  collection<T extends Document = Document>(projection: string, logical: string): Promise<Collection<T>> {
    return this.readModels.collection<T>(projection, logical);
  }

  status(): ProjectionStatus[] {
    return [...this.slots.values()].map((slot) => this.slotStatus(slot));
  }

  /**
   * Resolves when every named projection (default: all) has processed every event that existed
   * when it was called, in a generation of the code's version that serves queries; and, for
   * those this instance processes, once it has also reported those batches (`progress$`,
   * `status()`). The store alone is not enough for that: another connection can read a
   * checkpoint the server has committed before the writer has its answer, and on a loaded
   * machine the reader's answer is handled first.
   */
  async waitUntilCaughtUp(name?: string, timeoutMs = 30_000): Promise<void> {
    const slots = name === undefined ? [...this.slots.values()] : [this.slot(name)];
    const deadline = Date.now() + timeoutMs;
    const heads = await Promise.all(slots.map((s) => this.options.eventStore.headPosition(projectionFilter(s.projection))));
    await waitForProjections(
      this.options.eventStore,
      this.options.readStore,
      slots.map((s) => s.projection),
      timeoutMs,
    );
    const unreported = () =>
      slots.filter((slot, i) => {
        const worker = slot.active;
        // Not ours (any more), or not the serving version: the store's word is all there is.
        if (!slot.held || !worker?.running || worker.gen.version !== slot.projection.version) return false;
        return worker.reported < heads[i];
      });
    for (let behind = unreported(); behind.length > 0; behind = unreported()) {
      if (Date.now() >= deadline) {
        const names = behind.map((s) => `${s.projection.name} (reported ${s.active?.reported ?? 0})`);
        throw new Error(`Projections not caught up within ${timeoutMs} ms: ${names.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /**
   * Builds a new generation from position 0 beside the serving one and switches queries to it
   * once it has caught up; the old collections are then dropped. Resolves at the switch.
   * Only the lease holder can rebuild.
   */
  rebuild(name: string): Promise<void> {
    const slot = this.slot(name);
    return new Promise<void>((resolve, reject) => {
      void this.locked(slot, async () => {
        if (!slot.held || !slot.registry) throw new NotLeaseHolderError(name);
        slot.rebuildWaiters.push({ resolve, reject });
        if (slot.pending) return;
        const reg = slot.registry;
        const gen = generationInfo(slot.projection, reg.lastGeneration + 1);
        await this.saveRegistry(slot, { ...reg, pending: gen, lastGeneration: gen.generation, state: 'rebuilding' });
        await this.startWorker(slot, gen, 'pending');
      }).catch(reject);
    });
  }

  /** Parked events of the serving generation, oldest first. */
  async listParked(name: string): Promise<ParkedEvent[]> {
    const slot = this.slot(name);
    const reg = slot.registry ?? (await readRegistry(this.options.readStore, name));
    if (!reg) return [];
    const coll = this.options.readStore.collection<ParkedEvent>(PARKED_COLLECTION);
    const out: ParkedEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await coll.find(
        { projection: name, generation: reg.active.generation },
        { sort: [['position', 1]], limit: 1000, cursor },
      );
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /**
   * Applies the parked events of the serving generation again (after fixing what made them
   * fail); those that now apply are unparked. Writes to documents that later events have
   * already moved past are dropped by the position guard: for a change in the projection's
   * logic, bump its version (a full rebuild) instead.
   */
  async retryParked(name: string): Promise<RetryParkedResult> {
    const slot = this.slot(name);
    const worker = slot.active;
    if (!slot.held || !worker) throw new NotLeaseHolderError(name);
    const parked = await this.listParked(name);
    const events: RecordedEvent[] = [];
    for (const p of parked) {
      for await (const e of this.options.eventStore.readAll({ fromPosition: p.position - 1, maxCount: 1 })) {
        if (e.id === p.eventId) events.push(e);
      }
    }
    const { ok, failed } = await worker.reapply(events);
    const coll = this.options.readStore.collection<ParkedEvent>(PARKED_COLLECTION);
    for (const e of ok) await coll.delete(parkedId(name, worker.gen.generation, e.id));
    for (const f of failed) {
      await coll.patch(parkedId(name, worker.gen.generation, f.event.id), { error: f.error });
    }
    slot.parked = await coll.count({ projection: name, generation: worker.gen.generation });
    return { retried: events.length, resolved: ok.length, stillParked: slot.parked };
  }

  // ---- lease round ----------------------------------------------------------------------

  private tick(): Promise<void> {
    // One round at a time: a slow store must not pile up overlapping rounds.
    this.ticking = this.ticking.then(async () => {
      if (!this.started) return;
      await Promise.all([...this.slots.values()].map((slot) => this.locked(slot, () => this.tickSlot(slot)).catch(() => undefined)));
    });
    return this.ticking;
  }

  private async tickSlot(slot: Slot): Promise<void> {
    if (!this.started) return;
    const name = slot.projection.name;
    try {
      const { held, lease } = await this.lease.acquire(name);
      slot.lease = lease;
      if (held && !slot.held) {
        slot.held = true;
        this.logger.info('projection lease acquired', { projection: name, instance: this.instanceId });
        await this.activate(slot);
      } else if (!held && slot.held) {
        this.logger.warn('projection lease lost', { projection: name, instance: this.instanceId, owner: lease.owner });
        await this.deactivate(slot, new Error('lease lost'));
      } else if (held) {
        // A worker that stopped itself (it saw the lease expire before we renewed) restarts here.
        const reg = slot.registry;
        const activeDown = reg?.active.version === slot.projection.version && !slot.active?.running;
        const pendingDown = reg?.pending != null && !slot.pending?.running;
        if (!reg || activeDown || pendingDown) await this.activate(slot);
      }
      if (!slot.held) await this.observe(slot);
    } catch (err) {
      slot.lastError = errorText(err);
      this.logger.error('projection lease round failed', { projection: name, error: slot.lastError });
      // Without a renewal our lease runs out: holdsLease() stops the writers; the next round retries.
    }
  }

  /** Standby: keep status fresh from the store so any instance can report every projection. */
  private async observe(slot: Slot): Promise<void> {
    const store = this.options.readStore;
    const name = slot.projection.name;
    slot.registry = await readRegistry(store, name);
    if (!slot.registry) return;
    slot.observedCheckpoint = await readCheckpoint(store, name, slot.registry.active.generation);
    slot.observedHead = await this.options.eventStore.headPosition(projectionFilter(slot.projection));
    slot.parked = await store.collection(PARKED_COLLECTION).count({ projection: name, generation: slot.registry.active.generation });
    slot.lastError = slot.registry.lastError;
  }

  private holdsLease(slot: Slot): boolean {
    // A safety margin so a writer stops before another instance may legally take over.
    const margin = Math.min(1000, this.leaseTtlMs / 5);
    return (
      this.started && slot.held && slot.lease !== null && slot.lease.owner === this.instanceId && slot.lease.expiresAt - margin > this.now()
    );
  }

  // ---- generations ----------------------------------------------------------------------

  /** We hold the lease: reconcile the registry with the code's version and start the workers. */
  private async activate(slot: Slot): Promise<void> {
    const p = slot.projection;
    const store = this.options.readStore;
    await this.stopWorkers(slot);
    let reg = await readRegistry(store, p.name);
    if (!reg) {
      const gen = generationInfo(p, 1);
      reg = await this.saveRegistry(slot, {
        _id: p.name,
        _position: 0,
        active: gen,
        pending: null,
        lastGeneration: 1,
        retired: [],
        state: 'catching-up',
        lastError: null,
        updatedAt: '',
      });
    } else {
      slot.registry = reg;
      let next = reg;
      // An unfinished rebuild of another version (code rolled forward or back): abandon it.
      if (next.pending && next.pending.version !== p.version) {
        next = { ...next, pending: null, retired: [...next.retired, ...Object.values(next.pending.collections)] };
      }
      // The serving generation was built by other code: build ours beside it and keep serving it meanwhile.
      if (next.active.version !== p.version && !next.pending) {
        const gen = generationInfo(p, next.lastGeneration + 1);
        next = { ...next, pending: gen, lastGeneration: gen.generation };
        this.logger.info('projection version changed; rebuilding beside the serving generation', {
          projection: p.name,
          from: reg.active.version,
          to: p.version,
        });
      }
      const state: ProjectionState = next.pending ? 'rebuilding' : 'catching-up';
      if (next !== reg || reg.state !== state) reg = await this.saveRegistry(slot, { ...next, state });
    }
    this.readModels.remember(p.name, reg.active);
    // Starting the serving generation's worker reads its checkpoint (and the head) for the status.
    if (reg.active.version === p.version) await this.startWorker(slot, reg.active, 'active');
    else slot.observedCheckpoint = await readCheckpoint(store, p.name, reg.active.generation);
    if (reg.pending) await this.startWorker(slot, reg.pending, 'pending');
    slot.parked = await store.collection(PARKED_COLLECTION).count({ projection: p.name, generation: reg.active.generation });
    if (reg.retired.length > 0) this.scheduleDrop(slot);
  }

  private async startWorker(slot: Slot, gen: GenerationInfo, role: 'active' | 'pending'): Promise<void> {
    const indexes = slot.projection.collections.filter((c) => c.indexes?.length);
    for (const c of indexes) await this.options.readStore.collection(gen.collections[c.name]).ensureIndexes(c.indexes!);
    const start = {
      checkpoint: await readCheckpoint(this.options.readStore, slot.projection.name, gen.generation),
      head: await this.options.eventStore.headPosition(projectionFilter(slot.projection)),
    };
    if (role === 'active') [slot.observedCheckpoint, slot.observedHead] = [start.checkpoint, start.head];
    const worker = new GenerationWorker({ ...this.host, holdsLease: () => this.holdsLease(slot) }, slot.projection, gen, role, start);
    if (role === 'active') slot.active = worker;
    else slot.pending = worker;
    worker.start();
  }

  private async stopWorkers(slot: Slot): Promise<void> {
    const workers = [slot.active, slot.pending].filter((w): w is GenerationWorker => w !== null);
    slot.active = null;
    slot.pending = null;
    await Promise.all(workers.map((w) => w.stop()));
  }

  private async deactivate(slot: Slot, reason: Error): Promise<void> {
    await this.stopWorkers(slot);
    slot.held = false;
    const waiters = slot.rebuildWaiters.splice(0);
    for (const w of waiters) w.reject(reason);
  }

  private caughtUp(worker: GenerationWorker): void {
    const slot = this.slots.get(worker.projection.name);
    if (!slot || worker.role !== 'pending' || slot.pending !== worker || slot.switching) return;
    slot.switching = true;
    // Not awaited by the worker: the switch stops the old worker, and must not wait on its own caller.
    void this.locked(slot, () => this.switchTo(slot, worker))
      .catch((err) => {
        slot.lastError = errorText(err);
        this.logger.error('projection generation switch failed', { projection: slot.projection.name, error: slot.lastError });
      })
      .finally(() => {
        slot.switching = false;
      });
  }

  /**
   * Makes a caught-up pending generation the serving one: stop the old worker, then one guarded
   * registry write (atomic on every store) moves queries over; old collections are dropped later.
   */
  private async switchTo(slot: Slot, worker: GenerationWorker): Promise<void> {
    if (slot.pending !== worker || !worker.running || !slot.registry || !this.holdsLease(slot)) return;
    await worker.refreshHead(true);
    if (worker.lag > this.host.settings.switchMaxLag) return; // more arrived; the worker calls again
    const old = slot.active;
    if (old) await old.stop();
    const reg = slot.registry;
    const oldGen = reg.active;
    const next = await this.saveRegistry(slot, {
      ...reg,
      active: worker.gen,
      pending: null,
      retired: [...reg.retired, ...Object.values(oldGen.collections)],
      state: worker.live ? 'live' : 'catching-up',
    });
    worker.role = 'active';
    slot.active = worker;
    slot.pending = null;
    this.readModels.remember(slot.projection.name, next.active);
    const parked = this.options.readStore.collection(PARKED_COLLECTION);
    slot.parked = await parked.count({ projection: slot.projection.name, generation: worker.gen.generation });
    this.logger.info('projection switched to a rebuilt generation', {
      projection: slot.projection.name,
      from: oldGen.generation,
      to: worker.gen.generation,
      version: worker.gen.version,
    });
    this.scheduleDrop(slot, oldGen.generation);
    for (const w of slot.rebuildWaiters.splice(0)) w.resolve();
  }

  /** Drops retired collections after the grace delay (and the old generation's parked records). */
  private scheduleDrop(slot: Slot, oldGeneration?: number): void {
    const t = setTimeout(() => {
      this.dropTimers.delete(t);
      void this.locked(slot, async () => {
        if (!this.holdsLease(slot) || !slot.registry) return;
        const store = this.options.readStore;
        const name = slot.projection.name;
        for (const c of slot.registry.retired) await store.dropCollection(c);
        if (oldGeneration !== undefined) {
          const parked = store.collection<ParkedEvent>(PARKED_COLLECTION);
          for (;;) {
            const page = await parked.find({ projection: name, generation: oldGeneration }, { limit: 1000, fields: ['_id'] });
            if (page.items.length === 0) break;
            await store.write(page.items.map((d) => ({ kind: 'delete' as const, collection: PARKED_COLLECTION, id: d._id })));
          }
        }
        await this.saveRegistry(slot, { ...slot.registry, retired: [] });
      }).catch((err) =>
        this.logger.warn('dropping old projection collections failed; retried at next start', {
          projection: slot.projection.name,
          error: errorText(err),
        }),
      );
    }, this.dropDelayMs);
    t.unref();
    this.dropTimers.add(t);
  }

  private async saveRegistry(slot: Slot, doc: RegistryDoc): Promise<RegistryDoc> {
    const written = await writeRegistry(this.options.readStore, doc);
    if (!written) {
      // Another instance changed it: it must hold the lease now. Stand down on the next round.
      slot.lease = null;
      throw new Error(`projection ${slot.projection.name}: registry changed by another instance`);
    }
    slot.registry = written;
    return written;
  }

  private async persistState(slot: Slot, state: ProjectionState): Promise<void> {
    if (!slot.registry) return;
    await this.saveRegistry(slot, { ...slot.registry, state, lastError: slot.lastError });
  }

  // ---- helpers ----------------------------------------------------------------------------

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new InvalidProjectionError(`projection ${name} is not registered with this runner`);
    return slot;
  }

  /** Serialises lifecycle changes of one projection (lease round, rebuild, switch, drop, stop). */
  private locked<T>(slot: Slot, fn: () => Promise<T>): Promise<T> {
    const run = slot.lock.then(fn, fn);
    slot.lock = run.catch(() => undefined);
    return run;
  }

  private slotStatus(slot: Slot): ProjectionStatus {
    const p = slot.projection;
    const reg = slot.registry;
    const active = slot.active;
    const pending = slot.pending;
    const head = Math.max(active?.head ?? 0, pending?.head ?? 0, slot.observedHead);
    const checkpoint = active ? active.checkpoint : slot.observedCheckpoint;
    let state: ProjectionState;
    if (!this.started) state = 'stopped';
    else if (!slot.held) state = 'standby';
    else if (active?.failing || pending?.failing) state = 'failing';
    else if (pending) state = 'rebuilding';
    else if (active?.live) state = 'live';
    else state = 'catching-up';
    const lastError = active?.lastError ?? pending?.lastError ?? slot.lastError;
    return {
      name: p.name,
      version: p.version,
      activeVersion: reg?.active.version ?? null,
      generation: reg?.active.generation ?? null,
      checkpoint,
      head,
      lag: Math.max(0, head - checkpoint),
      state,
      parked: slot.parked,
      lastError,
      leaseOwner: slot.lease?.owner ?? null,
      leaseHeld: slot.held,
      rebuild: pending
        ? { version: pending.gen.version, generation: pending.gen.generation, checkpoint: pending.checkpoint, lag: pending.lag }
        : null,
    };
  }
}

/**
 * Resolves when every given projection has processed every event that existed when it was
 * called, in a generation of the given version that serves queries. Reads only the store
 * (registry and checkpoints), so it works from any instance or thread, processing or not.
 */
export async function waitForProjections(
  eventStore: EventStore,
  readStore: ReadStore,
  projections: ReadonlyArray<Pick<Projection, 'name' | 'version' | 'eventTypes' | 'streamPrefixes'>>,
  timeoutMs = 30_000,
): Promise<void> {
  const targets = await Promise.all(projections.map(async (p) => ({ p, head: await eventStore.headPosition(projectionFilter(p)) })));
  const deadline = Date.now() + timeoutMs;
  let behind: string[] = [];
  for (;;) {
    behind = [];
    for (const { p, head } of targets) {
      const reg = await readRegistry(readStore, p.name);
      const checkpoint = reg ? await readCheckpoint(readStore, p.name, reg.active.generation) : 0;
      if (!reg || reg.active.version !== p.version || checkpoint < head) behind.push(`${p.name} (checkpoint ${checkpoint} of ${head})`);
    }
    if (behind.length === 0) return;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Projections not caught up within ${timeoutMs} ms: ${behind.join(', ')}`);
}
