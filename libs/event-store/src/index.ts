export * from './event-store.port';
export * from './errors';
export { SqliteEventStore } from './sqlite/sqlite-event-store';
export type { SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
export { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
export type { EventStoreDbEventStoreOptions } from './eventstoredb/eventstoredb-event-store';
export { createEventStore } from './create-event-store';
export type { EventStoreConfig } from './create-event-store';
export { matchesFilter } from './shared/event-filter';
