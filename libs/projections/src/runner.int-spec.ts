import type { RecordedEvent } from '@registry/event-store';
import type { Document, WriteOp } from '@registry/read-store';
import { describeWithServer } from '../../../test/support/server-suite';
import { Lease } from './lease';
import type { Projection } from './projection';
import { CHECKPOINT_COLLECTION, LEASE_COLLECTION } from './naming';
import { ProjectionRunner, type ProjectionRunnerOptions } from './runner';
import {
  CrashingReadStore,
  HeldCheckpointReadStore,
  LateAnswerReadStore,
  NonTransactionalReadStore,
  allDocs,
  appendTicks,
  event,
  gate,
  logicalDocs,
  runnerOptions,
  tally,
  tempStores,
  mongoReadStores,
  sqliteReadStores,
  waitFor,
  type ReadStoreFactory,
  type TempStores,
} from './testing/fixtures';

type Counted = Document & { count: number };

/**
 * The runner's behaviour on one read store. SQLite is transactional (checkpoint commits with
 * the documents); MongoDB/FerretDB is not (the position guard makes replays harmless).
 */
function runnerSuite(readStores: ReadStoreFactory): void {
  let stores: TempStores;
  let runners: ProjectionRunner[];
  const runner = (options: Partial<ProjectionRunnerOptions> = {}, on: { eventStore: unknown; readStore: unknown } = stores) => {
    const r = new ProjectionRunner(runnerOptions(on as Pick<ProjectionRunnerOptions, 'eventStore' | 'readStore'>, options));
    runners.push(r);
    return r;
  };
  const totals = async (r: ProjectionRunner, name = 'tally') => (await (await r.collection<Counted>(name, 'totals')).get('all'))?.count;

  beforeEach(async () => {
    stores = await tempStores(readStores);
    runners = [];
  });
  afterEach(async () => {
    for (const r of runners) await r.stop();
    await stores.cleanup();
  });

  it('catches up, then goes live, in physical collections of generation 1', async () => {
    await appendTicks(stores.eventStore, 500, 10);
    const r = runner();
    await r.start([tally()]);
    await r.waitUntilCaughtUp('tally', 10_000);
    expect(await totals(r)).toBe(500);
    const streams = (await logicalDocs(r, 'tally', 'streams')) as Counted[];
    expect(streams).toHaveLength(10);
    expect(streams.every((s) => s.count === 50)).toBe(true);
    await waitFor(() => r.status()[0].state === 'live', 5000, 'live');

    await appendTicks(stores.eventStore, 20, 10);
    await r.waitUntilCaughtUp('tally', 5000);
    expect(await totals(r)).toBe(520);
    await waitFor(() => r.status()[0].checkpoint === 520, 5000, 'status checkpoint');
    expect(r.status()[0]).toMatchObject({
      name: 'tally',
      version: 1,
      activeVersion: 1,
      generation: 1,
      checkpoint: 520,
      lag: 0,
      parked: 0,
      leaseHeld: true,
      leaseOwner: r.instanceId,
      rebuild: null,
    });
    expect(await stores.readStore.listCollections()).toEqual(
      expect.arrayContaining([
        'tally_v1_g1_streams',
        'tally_v1_g1_totals',
        'projection_state',
        'projection_checkpoints',
        'projection_leases',
      ]),
    );
  });

  it('applying the same events twice gives the same documents', async () => {
    await appendTicks(stores.eventStore, 300, 7);
    const first = runner();
    await first.start([tally()]);
    await first.waitUntilCaughtUp('tally');
    const before = {
      streams: await allDocs(stores.readStore, 'tally_v1_g1_streams'),
      totals: await allDocs(stores.readStore, 'tally_v1_g1_totals'),
    };
    await first.stop();

    // Rewind the checkpoint to 0: every event is delivered and applied again.
    await stores.readStore
      .collection(CHECKPOINT_COLLECTION)
      .upsert({ _id: 'tally_g1', projection: 'tally', generation: 1, checkpoint: 0, _position: 0 });
    const again = runner();
    let replayed = 0;
    again.progress$.subscribe((p) => (replayed += p.events));
    await again.start([tally()]);
    await again.waitUntilCaughtUp('tally');
    expect(replayed).toBe(300);
    expect(await allDocs(stores.readStore, 'tally_v1_g1_streams')).toEqual(before.streams);
    expect(await allDocs(stores.readStore, 'tally_v1_g1_totals')).toEqual(before.totals);
    expect(await totals(again)).toBe(300);
  });

  it('resolves waitUntilCaughtUp only once this instance has reported what it wrote, however late the store answers', async () => {
    await appendTicks(stores.eventStore, 300, 7);
    // The checkpoint is readable from the store 150 ms before the writer hears back.
    const late = runner({}, { eventStore: stores.eventStore, readStore: new LateAnswerReadStore(stores.readStore, 150) });
    let reported = 0;
    late.progress$.subscribe((p) => (reported += p.events));
    await late.start([tally()]);
    await late.waitUntilCaughtUp('tally');
    expect(reported).toBe(300);
    expect(late.status()[0]).toMatchObject({ checkpoint: 300, lag: 0 });
  });

  it('parks a poison event, keeps projecting later events, and can retry it', async () => {
    let poisoned = true;
    await appendTicks(stores.eventStore, 5, 1);
    await stores.eventStore.appendToStream('odd-1', [event('Poison', { poison: true })]);
    await appendTicks(stores.eventStore, 5, 1);
    const r = runner({ applyRetries: 2 });
    await r.start([tally({ poisoned: () => poisoned })]);
    await r.waitUntilCaughtUp('tally');
    expect(await totals(r)).toBe(10);
    const status = r.status()[0];
    expect(status.parked).toBe(1);
    expect(status.checkpoint).toBe(11);
    expect(status.lastError).toMatch(/position 6 parked: Error: cannot project this event/);

    const parked = await r.listParked('tally');
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ projection: 'tally', generation: 1, position: 6, type: 'Poison', attempts: 3 });
    expect(parked[0].error).toBe('Error: cannot project this event');
    // No event data (it may be personal): only ids, positions, the type and the error.
    expect(Object.keys(parked[0]).sort()).toEqual(
      ['_id', 'attempts', 'error', 'eventId', 'generation', 'parkedAt', 'position', 'projection', 'type', 'version'].sort(),
    );

    poisoned = false;
    expect(await r.retryParked('tally')).toEqual({ retried: 1, resolved: 1, stillParked: 0 });
    expect(r.status()[0].parked).toBe(0);
    // Out of order: the stream document is new and takes the event; the total, already at a
    // later position, keeps its count (the guard drops the older write).
    expect(await (await r.collection<Counted>('tally', 'streams')).get('odd-1')).toMatchObject({ count: 1, _position: 6 });
    expect(await totals(r)).toBe(10);
  });

  it('parks the event whose document breaks a unique index, and projects the rest of its batch', async () => {
    const byCode: Projection = {
      name: 'codes',
      version: 1,
      eventTypes: ['CodeAssigned'],
      collections: [{ name: 'holders', indexes: [{ name: 'by_code', fields: [['code', 1]], unique: true }] }],
      apply(e, ctx) {
        ctx.put('holders', { _id: e.stream, code: (e.data as { code: string }).code });
      },
    };
    await stores.eventStore.appendMany([
      { stream: 'h-1', events: [event('CodeAssigned', { code: 'A' })] },
      { stream: 'h-2', events: [event('CodeAssigned', { code: 'A' })] },
      { stream: 'h-3', events: [event('CodeAssigned', { code: 'B' })] },
    ]);
    const r = runner();
    await r.start([byCode]);
    await r.waitUntilCaughtUp('codes');
    const holders = await logicalDocs(r, 'codes', 'holders');
    expect(holders.map((h) => h._id)).toEqual(['h-1', 'h-3']);
    const parked = await r.listParked('codes');
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ position: 2, type: 'CodeAssigned' });
    expect(parked[0].error).toMatch(/^DuplicateKeyError: unique index/);
    expect(r.status()[0]).toMatchObject({ parked: 1, checkpoint: 3 });
  });

  it('after a crash between documents and checkpoint (non-transactional store) nothing is applied twice', async () => {
    await appendTicks(stores.eventStore, 200, 4);
    const crashing = new CrashingReadStore(stores.readStore);
    crashing.crashNextWrite = true;
    // A long back-off keeps the crashed runner from resuming on its own: the restart below does.
    const crashed = runner({ batchSize: 50, backoffInitialMs: 60_000 }, { eventStore: stores.eventStore, readStore: crashing });
    await crashed.start([tally()]);
    await waitFor(() => crashing.crashes === 1, 5000, 'the crash');
    await crashed.stop();
    // The crash state: the first batch's documents are stored, the checkpoint is not.
    expect(await stores.readStore.collection(CHECKPOINT_COLLECTION).get('tally_g1')).toBeNull();
    expect((await stores.readStore.collection<Counted>('tally_v1_g1_totals').get('all'))?.count).toBe(50);

    const restarted = runner({ batchSize: 64 }, { eventStore: stores.eventStore, readStore: new CrashingReadStore(stores.readStore) });
    await restarted.start([tally()]);
    await restarted.waitUntilCaughtUp('tally');
    expect(await totals(restarted)).toBe(200);
    const streams = (await logicalDocs(restarted, 'tally', 'streams')) as Counted[];
    expect(streams.map((s) => s.count)).toEqual([50, 50, 50, 50]);
  });

  it('a batch projection whose store dies after the first document it writes counts every event once (its marker is written last)', async () => {
    await appendTicks(stores.eventStore, 120, 3);
    /** Reads its marker first and puts it last, as the audit projection does with its head. */
    const marked: Projection = {
      name: 'marked',
      version: 1,
      eventTypes: ['Ticked'],
      collections: [{ name: 'marker' }, { name: 'counts' }],
      async applyBatch(events: RecordedEvent[], ctx) {
        const marker = await ctx.get<Document & { last: number }>('marker', 'head');
        const fresh = events.filter((e) => e.position > (marker?.last ?? 0));
        if (fresh.length === 0) return;
        const counts = await ctx.get<Counted>('counts', 'all');
        const last = fresh[fresh.length - 1].position;
        ctx.put('counts', { _id: 'all', count: (counts?.count ?? 0) + fresh.length, _position: last });
        ctx.put('marker', { _id: 'head', last, _position: last });
      },
    };
    /** Applies a batch's ops one by one, like a store without transactions, and dies after the first. */
    class DiesAfterFirstOp extends NonTransactionalReadStore {
      dead = false;
      override async write(ops: WriteOp[]): Promise<void> {
        if (this.dead) throw new Error('the store is gone');
        if (!ops.some((o) => o.collection === CHECKPOINT_COLLECTION)) return this.inner.write(ops);
        this.dead = true;
        await this.inner.write([ops[0]]);
        throw new Error('simulated store death after the first op');
      }
    }
    const dying = new DiesAfterFirstOp(stores.readStore);
    const crashed = runner({ batchSize: 50, backoffInitialMs: 60_000 }, { eventStore: stores.eventStore, readStore: dying });
    await crashed.start([marked]);
    await waitFor(() => dying.dead, 5000, 'the store to die');
    await crashed.stop();
    expect(await stores.readStore.collection(CHECKPOINT_COLLECTION).get('marked_g1')).toBeNull();

    const restarted = runner({ batchSize: 50 });
    await restarted.start([marked]);
    await restarted.waitUntilCaughtUp('marked');
    const [counts] = (await logicalDocs(restarted, 'marked', 'counts')) as Counted[];
    expect(counts.count).toBe(120);
  });

  it("takes a projection's own batch size when it is smaller than the runner's, and never a larger one", async () => {
    await appendTicks(stores.eventStore, 100, 2);
    const sizes: Record<string, number[]> = { small: [], large: [] };
    const sized = (name: 'small' | 'large', batchEvents: number): Projection => ({
      name,
      version: 1,
      eventTypes: ['Ticked'],
      collections: [{ name: 'counts' }],
      batchEvents,
      async applyBatch(events: RecordedEvent[], ctx) {
        sizes[name].push(events.length);
        const counts = await ctx.get<Counted>('counts', 'all');
        ctx.put('counts', { _id: 'all', count: (counts?.count ?? 0) + events.length, _position: events[events.length - 1].position });
      },
    });
    const r = runner({ batchSize: 40, maxBatchWaitMs: 200 });
    await r.start([sized('small', 15), sized('large', 1000)]);
    await r.waitUntilCaughtUp('small');
    await r.waitUntilCaughtUp('large');
    for (const name of ['small', 'large'] as const) {
      const [counts] = (await logicalDocs(r, name, 'counts')) as Counted[];
      expect(counts.count).toBe(100);
    }
    expect(Math.max(...sizes.small)).toBe(15);
    expect(Math.max(...sizes.large)).toBe(40);
  });

  it('rebuilds a new version beside the old one, serves the old meanwhile, then switches and drops it', async () => {
    await appendTicks(stores.eventStore, 200, 5);
    const v1 = runner();
    await v1.start([tally()]);
    await v1.waitUntilCaughtUp('tally');
    await v1.stop();

    const held = gate();
    const v2 = runner({ batchSize: 50 });
    await v2.start([tally({ version: 2, gate: held.wait })]);
    await held.reached;
    // Building generation 2; queries still read version 1.
    expect(v2.status()[0]).toMatchObject({ version: 2, activeVersion: 1, generation: 1, state: 'rebuilding' });
    expect(v2.status()[0].rebuild).toMatchObject({ version: 2, generation: 2 });
    const during = await v2.collection<Counted>('tally', 'totals');
    expect(during.name).toBe('tally_v1_g1_totals');
    expect((await during.get('all'))?.count).toBe(200);
    await expect(v2.waitUntilCaughtUp('tally', 200)).rejects.toThrow(/not caught up/);

    await appendTicks(stores.eventStore, 10, 5); // live traffic during the rebuild
    held.open();
    await v2.waitUntilCaughtUp('tally', 10_000);
    const after = await v2.collection<Counted>('tally', 'totals');
    expect(after.name).toBe('tally_v2_g2_totals');
    expect((await after.get('all'))?.count).toBe(210);
    expect(v2.status()[0]).toMatchObject({ version: 2, activeVersion: 2, generation: 2, rebuild: null });
    await waitFor(async () => !(await stores.readStore.listCollections()).includes('tally_v1_g1_totals'), 5000, 'old collections dropped');
    expect(await stores.readStore.listCollections()).not.toContain('tally_v1_g1_streams');

    // An explicit rebuild of the same version gives the same documents in a new generation.
    const streamsBefore = (await logicalDocs(v2, 'tally', 'streams')).map(({ _id, count }) => ({ _id, count }));
    await v2.rebuild('tally');
    expect(v2.status()[0]).toMatchObject({ generation: 3, activeVersion: 2 });
    expect((await v2.collection('tally', 'streams')).name).toBe('tally_v2_g3_streams');
    expect((await logicalDocs(v2, 'tally', 'streams')).map(({ _id, count }) => ({ _id, count }))).toEqual(streamsBefore);
    await waitFor(async () => !(await stores.readStore.listCollections()).includes('tally_v2_g2_streams'), 5000, 'g2 dropped');
  });

  it('lets one of two instances process; the other takes over when it stops', async () => {
    await appendTicks(stores.eventStore, 100, 5);
    const a = runner({ instanceId: 'instance-a' });
    const b = runner({ instanceId: 'instance-b' }, await stores.open());
    const batches = { a: 0, b: 0 };
    a.progress$.subscribe(() => batches.a++);
    b.progress$.subscribe(() => batches.b++);
    await a.start([tally()]);
    await b.start([tally()]);
    await a.waitUntilCaughtUp('tally');
    await waitFor(() => b.status()[0].checkpoint === 100, 5000, 'standby status refresh');
    expect(a.status()[0]).toMatchObject({ leaseHeld: true, leaseOwner: 'instance-a' });
    expect(b.status()[0]).toMatchObject({ leaseHeld: false, leaseOwner: 'instance-a', state: 'standby', lag: 0 });
    expect(batches.a).toBeGreaterThan(0);
    expect(batches.b).toBe(0);

    await a.stop();
    await waitFor(() => b.status()[0].leaseHeld, 5000, 'takeover');
    await appendTicks(stores.eventStore, 50, 5);
    await b.waitUntilCaughtUp('tally');
    expect(await totals(b)).toBe(150);
    expect(batches.b).toBeGreaterThan(0);
  });

  it('takes over a lease that expired (its holder died without releasing it)', async () => {
    await appendTicks(stores.eventStore, 30, 3);
    await stores.readStore
      .collection(LEASE_COLLECTION)
      .upsert({ _id: 'tally', _position: 7, owner: 'dead-instance', expiresAt: Date.now() + 400 }, { position: 7 });
    const r = runner();
    await r.start([tally()]);
    expect(r.status()[0]).toMatchObject({ state: 'standby', leaseOwner: 'dead-instance', leaseHeld: false });
    await waitFor(() => r.status()[0].leaseHeld, 3000, 'takeover after expiry');
    await r.waitUntilCaughtUp('tally');
    expect(await totals(r)).toBe(30);
  });

  it('gives a contested lease to exactly one of two instances', async () => {
    const other = (await stores.open()).readStore;
    for (let round = 0; round < 5; round++) {
      const name = `contested${round}`;
      const one = new Lease(stores.readStore, 'one', 10_000, Date.now);
      const two = new Lease(other, 'two', 10_000, Date.now);
      const results = await Promise.all([one.acquire(name), two.acquire(name)]);
      expect(results.filter((x) => x.held)).toHaveLength(1);
    }
  });

  it('reports the lag while catching up', async () => {
    await appendTicks(stores.eventStore, 100, 4);
    const held = gate();
    const r = runner({ batchSize: 10 });
    await r.start([tally({ gate: held.wait })]);
    await held.reached;
    expect(r.status()[0]).toMatchObject({ state: 'catching-up', checkpoint: 0, head: 100, lag: 100 });
    held.open();
    await r.waitUntilCaughtUp('tally');
    await waitFor(() => r.status()[0].lag === 0, 5000, 'lag 0');
    expect(r.status()[0]).toMatchObject({ checkpoint: 100, head: 100 });
  });

  it('a worker just started reports the stored checkpoint and the head, not lag 0, before it has read them itself', async () => {
    await appendTicks(stores.eventStore, 100, 4);
    const first = runner();
    await first.start([tally()]);
    await first.waitUntilCaughtUp('tally');
    await first.stop();
    await appendTicks(stores.eventStore, 50, 4);

    // The runner reads the checkpoint once to start the worker; the worker's own read is held.
    const held = new HeldCheckpointReadStore(stores.readStore, 1);
    const r = runner({}, { eventStore: stores.eventStore, readStore: held });
    await r.start([tally()]);
    await Promise.race([held.reached, new Promise((resolve) => setTimeout(resolve, 5000))]);
    expect(r.status()[0]).toMatchObject({ state: 'catching-up', leaseHeld: true, checkpoint: 100, head: 150, lag: 50 });
    held.release();
    await r.waitUntilCaughtUp('tally');
    await waitFor(() => r.status()[0].state === 'live', 5000, 'live');
    expect(r.status()[0]).toMatchObject({ checkpoint: 150, head: 150, lag: 0 });
    expect(await totals(r)).toBe(150);
  });
}

describe('ProjectionRunner on the SQLite read store (transactional)', () => runnerSuite(sqliteReadStores));

/** Runs where a MongoDB wire-protocol server is configured (FerretDB in CI); otherwise skipped with the reason printed. */
describeWithServer(
  {
    title: 'ProjectionRunner on the MongoDB read store (non-transactional)',
    variable: 'MONGODB_URI',
    howTo: 'Start one with `eval "$(scripts/test-servers.sh start)"`.',
    requiredInCi: true,
  },
  (uri) => runnerSuite(mongoReadStores(uri)),
);
