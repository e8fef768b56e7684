import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Document, READ_STORE, ReadStore } from '@registry/read-store';

export const RATE_LIMITS_COLLECTION = 'self_service_rate_limits';

interface CounterDoc extends Document {
  count: number;
  /** Epoch ms when the window ends; swept after. */
  expiresAt: number;
}

export type Take = { ok: true } | { ok: false; retryAt: number };

/**
 * Fixed-window counters for the limits that throttle callers rather than decide anything
 * about a person: phone codes per citizen ID per day and per channel client per hour. They
 * are operational state in the read store, not events: losing them (a new read store) only
 * opens a window early, and nobody needs their history. The per-phone rules (resend, daily
 * cap, freeze) are decisions on the phone's own stream instead.
 *
 * A take is a compare-and-set: the counter's `_position` is its count, and the write is
 * guarded by count + 1, which the store refuses when another take moved it first (the same
 * trick as the projection lease), so two instances never both take the last unit.
 */
@Injectable()
export class RateLimits implements OnModuleInit {
  constructor(@Inject(READ_STORE) private readonly reads: ReadStore) {}

  async onModuleInit(): Promise<void> {
    await this.reads.collection(RATE_LIMITS_COLLECTION).ensureIndexes([{ name: 'expires', fields: [['expiresAt', 1]] }]);
  }

  /** Takes one unit of `key`'s window at `now`, or says when the window ends. Keys carry no personal data (hashes, client ids). */
  async take(key: string, limit: number, windowMs: number, now: number): Promise<Take> {
    const start = Math.floor(now / windowMs) * windowMs;
    const id = `${key}@${start}`;
    const counters = this.reads.collection<CounterDoc>(RATE_LIMITS_COLLECTION);
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await counters.get(id);
      const count = current?.count ?? 0;
      if (count >= limit) return { ok: false, retryAt: start + windowMs };
      const next = count + 1;
      if (await counters.upsert({ _id: id, count: next, expiresAt: start + windowMs }, { position: next })) return { ok: true };
    }
    // Twenty lost races in a row: the window is being hammered; treat it as full.
    return { ok: false, retryAt: start + windowMs };
  }

  /** Drops counters of windows that have ended. */
  async sweep(now: number): Promise<number> {
    const counters = this.reads.collection<CounterDoc>(RATE_LIMITS_COLLECTION);
    let removed = 0;
    for (;;) {
      const page = await counters.find({ expiresAt: { lt: now } }, { limit: 500, fields: ['_id'] });
      for (const doc of page.items) if (await counters.delete(doc._id)) removed++;
      if (!page.nextCursor || page.items.length === 0) return removed;
    }
  }
}
