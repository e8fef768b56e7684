import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore } from '@registry/event-store/postgresql/postgres-event-store';
import type { Document } from '@registry/read-store';
import { MongoReadStore } from '@registry/read-store/mongodb/mongo-read-store';
import { describeWithServer } from '../../../test/support/server-suite';
import { ProjectionRunner } from './runner';
import { appendTicks, logicalDocs, runnerOptions, tally, waitFor } from './testing/fixtures';

type Counted = Document & { count: number };

/**
 * The production shape's multi-instance behaviour: two service instances, each with its own
 * connections to one PostgreSQL event store and one MongoDB wire server (FerretDB on
 * PostgreSQL in CI), share a projection: one processes it, the other takes over when the
 * first stops, or dies without releasing its lease, and no event is counted twice.
 */
describeWithServer(
  {
    title: 'ProjectionRunner instances on PostgreSQL events and a MongoDB read store',
    variable: 'POSTGRES_URL',
    howTo: 'Start the servers with `eval "$(scripts/test-servers.sh start)"`.',
    requiredInCi: true,
  },
  (postgresUrl) => {
    const mongoUri = process.env.MONGODB_URI?.trim() ?? '';
    const tag = `${process.pid}_${randomBytes(3).toString('hex')}`;
    const schemas: string[] = [];
    const database = `runner_test_${tag}`;
    const opened: Array<{ close(): Promise<void> }> = [];
    const runners: ProjectionRunner[] = [];

    /** One instance's connections, as a separate process would hold them; each test has an event log of its own. */
    const instance = async () => {
      const schema = schemas[schemas.length - 1];
      const eventStore = await PostgresEventStore.connect(postgresUrl, { schema, pollIntervalMs: 200 });
      const readStore = await MongoReadStore.connect(mongoUri, database);
      opened.push(eventStore, readStore);
      return { eventStore, readStore };
    };
    const runner = (stores: Awaited<ReturnType<typeof instance>>, instanceId: string) => {
      const r = new ProjectionRunner(runnerOptions(stores, { instanceId }));
      runners.push(r);
      return r;
    };

    beforeAll(() => {
      if (!mongoUri) throw new Error('MONGODB_URI must be set beside POSTGRES_URL (scripts/test-servers.sh start sets both)');
    });
    beforeEach(() => {
      schemas.push(`runner_test_${tag}_${schemas.length}`);
    });
    afterEach(async () => {
      for (const r of runners.splice(0)) await r.stop();
    });
    afterAll(async () => {
      for (const store of opened.splice(0).reverse()) await store.close().catch(() => undefined);
      const pg = new Client({ connectionString: postgresUrl });
      await pg.connect();
      try {
        for (const schema of schemas) await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pg.end();
      }
      const mongo = await MongoReadStore.connect(mongoUri, database);
      await mongo.db.dropDatabase().finally(() => mongo.close());
    });

    it('one instance processes, the other takes over when it stops, and nothing is counted twice', async () => {
      const one = await instance();
      const two = await instance();
      await appendTicks(one.eventStore, 300, 6);
      const a = runner(one, 'instance-a');
      const b = runner(two, 'instance-b');
      const batches = { a: 0, b: 0 };
      a.progress$.subscribe(() => batches.a++);
      b.progress$.subscribe(() => batches.b++);
      await a.start([tally({ name: 'handover' })]);
      await b.start([tally({ name: 'handover' })]);
      await a.waitUntilCaughtUp('handover', 20_000);
      expect(a.status()[0]).toMatchObject({ leaseHeld: true, leaseOwner: 'instance-a' });
      await waitFor(() => b.status()[0].leaseOwner === 'instance-a', 5000, 'standby sees the holder');
      expect(b.status()[0].leaseHeld).toBe(false);
      expect(batches.b).toBe(0);

      await a.stop();
      await waitFor(() => b.status()[0].leaseHeld, 10_000, 'takeover');
      await appendTicks(two.eventStore, 120, 6);
      await b.waitUntilCaughtUp('handover', 20_000);
      const totals = (await logicalDocs(b, 'handover', 'totals')) as Counted[];
      expect(totals.map((t) => t.count)).toEqual([420]);
      const streams = (await logicalDocs(b, 'handover', 'streams')) as Counted[];
      expect(streams.map((s) => s.count)).toEqual(Array.from({ length: 6 }, () => 70));
      expect(batches.b).toBeGreaterThan(0);
    });

    it('takes over from an instance that died holding the lease (no release), after the lease ran out', async () => {
      const one = await instance();
      const two = await instance();
      await appendTicks(one.eventStore, 90, 3);
      const a = runner(one, 'doomed');
      await a.start([tally({ name: 'crash' })]);
      await a.waitUntilCaughtUp('crash', 20_000);
      // Killed: its connections close without the lease being released.
      runners.splice(runners.indexOf(a), 1);
      await Promise.all([one.eventStore.close(), one.readStore.close()]);
      const b = runner(two, 'survivor');
      await b.start([tally({ name: 'crash' })]);
      await waitFor(() => b.status()[0].leaseHeld, 10_000, 'takeover after the lease expired');
      await appendTicks(two.eventStore, 30, 3);
      await b.waitUntilCaughtUp('crash', 20_000);
      expect(((await logicalDocs(b, 'crash', 'totals')) as Counted[]).map((t) => t.count)).toEqual([120]);
      // The dead instance's timers are all that is left of it.
      await a.stop().catch(() => undefined);
    });
  },
);
