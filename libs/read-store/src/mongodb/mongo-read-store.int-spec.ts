import { randomBytes } from 'crypto';
import { MongoClient } from 'mongodb';
import { describeWithServer } from '../../../../test/support/server-suite';
import { readStoreContract } from '../testing/read-store.contract';
import { MongoReadStore } from './mongo-read-store';

/**
 * Runs the contract against a real MongoDB wire-protocol server: MongoDB itself, or the
 * FerretDB test server from `scripts/test-servers.sh start` (PostgreSQL backend) or
 * `scripts/ferretdb.sh start` (SQLite backend). Each run uses a database of its own and drops
 * it afterwards, so runs never see each other's collections.
 */
describeWithServer(
  {
    title: 'MongoReadStore contract',
    variable: 'MONGODB_URI',
    howTo: 'Start a server with `eval "$(scripts/test-servers.sh start)"` (FerretDB test server) or point MONGODB_URI at MongoDB.',
    requiredInCi: true,
  },
  (uri) => {
    const database = `read_store_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
    afterAll(async () => {
      const client = await MongoClient.connect(uri);
      try {
        await client.db(database).dropDatabase();
      } finally {
        await client.close();
      }
    });
    readStoreContract(`MongoDB (${database})`, () =>
      MongoReadStore.connect(uri, database, { client: { serverSelectionTimeoutMS: 10_000 } }),
    );

    it('keeps no more update commands in flight than it is given, whichever writes run at once', async () => {
      // FerretDB holds a pooled connection per statement of an update command: writes of two
      // projections at once must not add up past what the store was given.
      const store = await MongoReadStore.connect(uri, database, {
        client: { serverSelectionTimeoutMS: 10_000, monitorCommands: true },
        updateCommands: { concurrency: 2, statements: 3 },
      });
      const client = (store as unknown as { client: MongoClient }).client;
      let inFlight = 0;
      let most = 0;
      const ours = new Set<number>();
      client.on('commandStarted', (e) => {
        if (e.commandName !== 'update' && e.commandName !== 'delete') return;
        ours.add(e.requestId);
        most = Math.max(most, ++inFlight);
      });
      const ended = (e: { requestId: number }) => {
        if (ours.delete(e.requestId)) inFlight--;
      };
      client.on('commandSucceeded', ended);
      client.on('commandFailed', ended);
      try {
        const collections = ['inflight_a', 'inflight_b'];
        for (const c of collections) {
          for (let i = 0; i < 24; i++) await store.collection(c).upsert({ _id: `d${i}`, n: 0 }, { position: 1 });
        }
        await Promise.all(
          collections.map((c) =>
            store.write(
              Array.from({ length: 24 }, (_, i) => ({
                kind: 'upsert' as const,
                collection: c,
                doc: { _id: `d${i}`, n: 1 },
                guard: { position: 2 },
                stored: 1,
              })),
            ),
          ),
        );
        expect(most).toBe(2);
        for (const c of collections) expect(await store.collection(c).count({ n: 1, _position: 2 })).toBe(24);
      } finally {
        await store.close();
      }
    });
  },
);
