import type { RecordedEvent } from '@registry/event-store';
import type { BatchProjectionContext } from '@registry/projections';
import type { Document } from '@registry/read-store';
import { auditProjection } from './audit.projection';
import { PERSONAL_DATA_READ } from './audit-events';

/**
 * The audit projection on a store without transactions (MongoDB, FerretDB): a batch's documents
 * are written one after another, so a store that dies part way keeps some of them and not the
 * head. The retried batch (often longer: more events arrived meanwhile) must end with the same
 * documents as a run that never failed.
 */

/** Documents by collection and id; a put is kept only over an older copy (the runner's position guard). */
class GuardedStore {
  readonly docs = new Map<string, Document>();

  /** Applies one batch; `keep` writes only the first n puts, in the order the runner writes them (collections by first put). */
  async batch(events: RecordedEvent[], keep = Infinity): Promise<number> {
    const puts = new Map<string, Map<string, Document>>();
    const ctx: BatchProjectionContext = {
      get: async <T extends Document>(collection: string, id: string) => {
        const doc = puts.get(collection)?.get(id) ?? this.docs.get(`${collection}/${id}`);
        return doc ? (structuredClone(doc) as T) : null;
      },
      put: (collection, doc) => {
        if (doc._position === undefined) doc._position = events[events.length - 1].position;
        let byId = puts.get(collection);
        if (!byId) puts.set(collection, (byId = new Map()));
        byId.set(doc._id, structuredClone(doc));
      },
    };
    await auditProjection('sha256').applyBatch!(events, ctx);
    let n = 0;
    for (const [collection, byId] of puts) {
      for (const doc of byId.values()) {
        if (n++ >= keep) continue;
        const key = `${collection}/${doc._id}`;
        const stored = this.docs.get(key);
        if (!stored || (stored._position ?? -1) < (doc._position ?? -1)) this.docs.set(key, doc);
      }
    }
    return n;
  }
}

/** A log of changes by a few sources over two days, with reads between them. */
function history(count: number): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  const shared = {
    occurredAt: '2026-01-01T08:00:00.000Z',
    operator: 'hr-system',
    role: 'service-client',
    region: '44',
    channel: 'http',
    sourceSystem: 'household-registration',
  };
  for (let i = 1; i <= count; i++) {
    const read = i % 7 === 0;
    const day = i <= count / 2 ? '2026-01-01' : '2026-01-02';
    out.push({
      id: `e${i}`,
      stream: read ? `reads-${i}` : `person-p${i % 5}`,
      revision: 0,
      position: i,
      type: read ? PERSONAL_DATA_READ : i % 3 === 0 ? 'EnrollmentRecorded' : 'PersonRegistered',
      data: read
        ? { entries: [{ at: `${day}T10:00:00.000Z`, view: 'person', persons: [`p${i % 5}`] }] }
        : { source: 'household-registration' },
      // Runs of events with one metadata object (one segment), broken by the reads and every 4th event.
      metadata: read
        ? { occurredAt: '2026-01-01T08:00:00.000Z', operator: 'op-1', role: 'county-operator', region: '440305', channel: 'http' }
        : i % 4 === 0
          ? { ...shared, correlationId: `c${i}` }
          : shared,
      recordedAt: `${day}T09:00:${String(i % 60).padStart(2, '0')}.000Z`,
    });
  }
  return out;
}

describe('the audit projection on a store without transactions', () => {
  const events = history(60);

  it('ends as a run that never failed, whichever of a failed batch’s writes were kept', async () => {
    const clean = new GuardedStore();
    await clean.batch(events.slice(0, 20));
    await clean.batch(events.slice(20, 60));

    // The second batch (events 21-35) dies after each possible number of its writes; the retry
    // takes everything up to 60, as a runner that resubscribes from its checkpoint does.
    const probe = new GuardedStore();
    await probe.batch(events.slice(0, 20));
    const writes = await probe.batch(events.slice(20, 35));
    expect(writes).toBeGreaterThan(3);

    for (let keep = 0; keep <= writes; keep++) {
      const store = new GuardedStore();
      await store.batch(events.slice(0, 20));
      await store.batch(events.slice(20, 35), keep);
      await store.batch(events.slice(20, 60));
      expect({ keep, docs: Object.fromEntries(store.docs) }).toEqual({ keep, docs: Object.fromEntries(clean.docs) });
    }
  });
});
