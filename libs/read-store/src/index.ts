export * from './read-store.port';
export { SqliteReadStore } from './sqlite/sqlite-read-store';
export type { SqliteReadStoreOptions } from './sqlite/sqlite-read-store';
// The MongoDB adapter is not re-exported: importing this index would load its driver in every
// process. createReadStore loads it when selected; tests import it from its own module.
export type { MongoReadStore, MongoReadStoreOptions } from './mongodb/mongo-read-store';
export { createReadStore, DEFAULT_MONGODB_DATABASE } from './create-read-store';
export type { ReadStoreConfig } from './create-read-store';
export { COLLECTION_NAME, FIELD_PATH } from './query/names';
export { DEFAULT_LIMIT, MAX_LIMIT } from './query/cursor';
export { MAX_IN_VALUES } from './query/filter';
