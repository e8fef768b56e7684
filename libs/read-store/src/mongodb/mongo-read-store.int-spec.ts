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
  },
);
