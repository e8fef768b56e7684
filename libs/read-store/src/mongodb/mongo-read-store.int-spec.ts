import { randomBytes } from 'crypto';
import { MongoClient } from 'mongodb';
import { readStoreContract } from '../testing/read-store.contract';
import { MongoReadStore } from './mongo-read-store';

/**
 * Runs the contract against a real MongoDB wire-protocol server: MongoDB itself, or the
 * FerretDB test server from `scripts/ferretdb.sh start`. Each run uses a database of its own
 * and drops it afterwards, so runs never see each other's collections.
 */
const uri = process.env.MONGODB_URI;

if (uri) {
  const database = `read_store_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  afterAll(async () => {
    const client = await MongoClient.connect(uri);
    try {
      await client.db(database).dropDatabase();
    } finally {
      await client.close();
    }
  });
  readStoreContract(`MongoDB (${database})`, () => MongoReadStore.connect(uri, database, { client: { serverSelectionTimeoutMS: 10_000 } }));
} else if (process.env.CI) {
  describe('MongoReadStore', () => {
    it('needs MONGODB_URI on CI', () => {
      throw new Error(
        'MONGODB_URI is not set: CI must start a MongoDB-compatible server (scripts/ferretdb.sh start) and export MONGODB_URI',
      );
    });
  });
} else {
  describe('MongoReadStore', () => {
    it('is skipped because MONGODB_URI is not set', () => {
      console.warn(
        'MongoReadStore contract suite SKIPPED: MONGODB_URI is not set. Start a server with ' +
          '`eval "$(scripts/ferretdb.sh start)"` (FerretDB test server) or point MONGODB_URI at MongoDB.',
      );
      expect(process.env.MONGODB_URI).toBeUndefined();
    });
  });
}
