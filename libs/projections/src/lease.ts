import type { Document, ReadStore } from '@registry/read-store';
import { LEASE_COLLECTION } from './naming';

/**
 * The lease document of one projection. `_position` is the lease epoch: every take or renewal is
 * an upsert guarded by epoch + 1, which the store refuses when the stored epoch has already
 * moved. Two instances that read the same epoch race, and exactly one of them wins; this gives
 * a compare-and-set on both the transactional (SQLite) and the filter-based (MongoDB) adapters
 * without widening the ReadStore port.
 */
export interface LeaseDoc extends Document {
  _id: string;
  _position: number;
  owner: string | null;
  /** Epoch milliseconds; the lease is free after this instant. */
  expiresAt: number;
}

export interface LeaseView {
  owner: string | null;
  expiresAt: number;
  epoch: number;
}

export class Lease {
  constructor(
    private readonly store: ReadStore,
    private readonly instanceId: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  async read(name: string): Promise<LeaseView | null> {
    const doc = await this.store.collection<LeaseDoc>(LEASE_COLLECTION).get(name);
    return doc ? { owner: doc.owner, expiresAt: doc.expiresAt, epoch: doc._position ?? 0 } : null;
  }

  /**
   * Takes the lease when it is free, expired or already ours (then it is a renewal).
   * Returns the lease as it stands afterwards and whether this instance holds it.
   */
  async acquire(name: string): Promise<{ held: boolean; lease: LeaseView }> {
    const current = await this.read(name);
    const now = this.now();
    const free = !current || current.owner === null || current.expiresAt <= now || current.owner === this.instanceId;
    if (!free) return { held: false, lease: current };
    const epoch = (current?.epoch ?? 0) + 1;
    const doc: LeaseDoc = { _id: name, _position: epoch, owner: this.instanceId, expiresAt: now + this.ttlMs };
    const won = await this.store.collection<LeaseDoc>(LEASE_COLLECTION).upsert(doc, { position: epoch });
    if (won) return { held: true, lease: { owner: this.instanceId, expiresAt: doc.expiresAt, epoch } };
    // Someone else moved the epoch between our read and our write: report what they hold.
    const after = await this.read(name);
    return { held: after?.owner === this.instanceId && after.expiresAt > now, lease: after ?? { owner: null, expiresAt: 0, epoch } };
  }

  /** Gives the lease up so another instance can take it at once instead of waiting for expiry. */
  async release(name: string): Promise<void> {
    const current = await this.read(name);
    if (!current || current.owner !== this.instanceId) return;
    const epoch = current.epoch + 1;
    await this.store
      .collection<LeaseDoc>(LEASE_COLLECTION)
      .upsert({ _id: name, _position: epoch, owner: null, expiresAt: 0 }, { position: epoch });
  }
}
