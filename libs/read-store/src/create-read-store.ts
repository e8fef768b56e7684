import { mkdirSync } from 'fs';
import { join } from 'path';
import { ReadStore } from './read-store.port';
import { SqliteReadStore, SqliteReadStoreOptions } from './sqlite/sqlite-read-store';

export interface ReadStoreConfig {
  /** Selects MongoDB when set (MONGODB_URI). */
  mongodbUri?: string;
  /** MongoDB database name (MONGODB_DATABASE); default `registry`. */
  mongodbDatabase?: string;
  /** Directory of the embedded store's `read.sqlite`; created when missing. */
  dataDir: string;
  /** PRAGMA synchronous of the embedded store; default NORMAL (see SqliteReadStoreOptions). */
  sqliteSynchronous?: SqliteReadStoreOptions['synchronous'];
}

export const DEFAULT_MONGODB_DATABASE = 'registry';

/**
 * The embedded SQLite store unless a MongoDB URI is configured. Async because MongoDB is
 * connected (and pinged) here, so a wrong URI stops the start instead of the first request.
 * The MongoDB adapter (and its driver) is loaded only when selected.
 */
export async function createReadStore(config: ReadStoreConfig): Promise<ReadStore> {
  if (config.mongodbUri) {
    const { MongoReadStore } = await import('./mongodb/mongo-read-store');
    return MongoReadStore.connect(config.mongodbUri, config.mongodbDatabase || DEFAULT_MONGODB_DATABASE);
  }
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteReadStore(join(config.dataDir, 'read.sqlite'), { synchronous: config.sqliteSynchronous });
}
