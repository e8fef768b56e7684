export * from './event-store.port';
export * from './errors';
export { SqliteEventStore } from './sqlite/sqlite-event-store';
export type { SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
// The server adapters are not re-exported as values: importing this index would load their
// clients (gRPC, pg) in every process. createEventStore loads the one selected; tests import
// them from their own modules.
export type { EventStoreDbEventStore, EventStoreDbEventStoreOptions } from './eventstoredb/eventstoredb-event-store';
export type { PostgresEventStore, PostgresEventStoreOptions } from './postgresql/postgres-event-store';
export { createEventStore } from './create-event-store';
export type { EventStoreConfig } from './create-event-store';
export { matchesFilter } from './shared/event-filter';
export { canonicalEventText, canonicalPages, hasCanonicalReader } from './shared/canonical-text';
export type { CanonicalLogReader, CanonicalRow } from './shared/canonical-text';
