import type { EventFilter, EventStore, RecordedEvent } from '@registry/event-store';
import { EventPump, Lease } from '@registry/projections';
import type { Document, ReadStore } from '@registry/read-store';

/**
 * A reaction to events that answers with commands (the survey cancelling a task when its
 * person enrolls): a filtered subscription from a checkpoint, handled in batches. `handle`
 * must be idempotent (commands with deterministic event ids): a crash after a batch's
 * commands and before its checkpoint replays that batch.
 */
export interface Reaction {
  /** Names the lease and the checkpoint: one instance at a time handles the reaction. */
  readonly name: string;
  readonly filter: EventFilter;
  handle(events: readonly RecordedEvent[]): Promise<void>;
}

export interface ReactorOptions {
  instanceId: string;
  /** Events per batch (default 2000). */
  batchSize?: number;
  /** Lease lifetime without renewal (default 15 s): how long another instance waits after a crash. */
  leaseTtlMs?: number;
  /** Idle wait before looking again (default 250 ms). */
  idleWaitMs?: number;
  logger?: { warn(message: string): void; error(message: string): void };
}

/** `reactor_checkpoints` holds one document per reaction: the position of the last event it handled. */
export const REACTOR_CHECKPOINTS = 'reactor_checkpoints';

interface CheckpointDoc extends Document {
  checkpoint: number;
  updatedAt: string;
}

/**
 * Runs one reaction the way the projection runner runs a projection: it takes the reaction's
 * lease (the same compare-and-set lease document projections use), catches up from the stored
 * checkpoint, then follows live events; after each batch it stores the checkpoint (a write
 * guarded by position, so it only moves forward). On an error it backs off and resubscribes
 * from the checkpoint. Another instance takes over when this one stops or its lease lapses.
 */
export class ReactorRunner {
  private readonly lease: Lease;
  private readonly batchSize: number;
  private readonly ttl: number;
  private readonly idle: number;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  checkpoint = 0;
  held = false;
  lastError: string | null = null;

  constructor(
    private readonly events: EventStore,
    private readonly reads: ReadStore,
    private readonly reaction: Reaction,
    private readonly options: ReactorOptions,
  ) {
    this.batchSize = options.batchSize ?? 2000;
    this.ttl = options.leaseTtlMs ?? 15_000;
    this.idle = options.idleWaitMs ?? 250;
    this.lease = new Lease(reads, options.instanceId, this.ttl, () => Date.now());
  }

  private get leaseName(): string {
    return `reactor:${this.reaction.name}`;
  }

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (this.held) await this.lease.release(this.leaseName).catch(() => undefined);
    this.held = false;
  }

  async readCheckpoint(): Promise<number> {
    const doc = await this.reads.collection<CheckpointDoc>(REACTOR_CHECKPOINTS).get(this.reaction.name);
    return doc?.checkpoint ?? 0;
  }

  /** Resolves once the reaction has handled every event up to the head it sees now (tests, benches). */
  async waitUntilCaughtUp(timeoutMs = 30_000): Promise<void> {
    const head = await this.events.headPosition(this.reaction.filter);
    const deadline = Date.now() + timeoutMs;
    while ((await this.readCheckpoint()) < head) {
      if (Date.now() > deadline) throw new Error(`reaction ${this.reaction.name} did not catch up within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        this.held = (await this.lease.acquire(this.leaseName)).held;
        if (!this.held) {
          await this.sleep(Math.floor(this.ttl / 3));
          continue;
        }
        await this.follow();
        failures = 0;
      } catch (error) {
        this.lastError = error instanceof Error ? `${error.name}: ${(error as { code?: string }).code ?? ''}` : 'error';
        this.options.logger?.error(`reaction ${this.reaction.name} failed (${this.lastError}); resubscribing from its checkpoint`);
        await this.sleep(Math.min(30_000, 100 * 2 ** Math.min(failures++, 8)));
      }
    }
  }

  /** Handles events while this instance holds the lease; returns when it loses it or stops. */
  private async follow(): Promise<void> {
    this.checkpoint = await this.readCheckpoint();
    const subscription = this.events.subscribe({ fromPosition: this.checkpoint, filter: this.reaction.filter, batchSize: this.batchSize });
    const pump = new EventPump(subscription, 2 * this.batchSize);
    const stop = () => pump.wake();
    this.wake = stop;
    let renewedAt = Date.now();
    try {
      while (!this.stopped) {
        await pump.waitFor(1, this.idle);
        if (pump.available > 0 && pump.available < this.batchSize) await pump.waitFor(this.batchSize, 20);
        const batch = pump.take(this.batchSize).filter((e) => e.position > this.checkpoint);
        if (batch.length > 0) {
          // Let the request that appended these events answer first: the reaction is not on its path.
          await new Promise((resolve) => setImmediate(resolve));
          await this.reaction.handle(batch);
          const checkpoint = batch[batch.length - 1].position;
          await this.reads
            .collection<CheckpointDoc>(REACTOR_CHECKPOINTS)
            .upsert({ _id: this.reaction.name, checkpoint, updatedAt: new Date().toISOString() }, { position: checkpoint });
          this.checkpoint = checkpoint;
        }
        if (Date.now() - renewedAt > this.ttl / 3) {
          this.held = (await this.lease.acquire(this.leaseName)).held;
          renewedAt = Date.now();
          if (!this.held) return;
        }
        if (!this.stopped) pump.assertOpen();
      }
    } finally {
      await subscription.close().catch(() => undefined);
      pump.wake();
      await pump.done;
    }
  }
}
