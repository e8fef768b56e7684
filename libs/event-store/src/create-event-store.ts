import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from './event-store.port';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb-event-store';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export interface EventStoreConfig {
  /** EVENTSTORE_CONNECTION_STRING: when set (non-blank), EventStoreDB/KurrentDB is used. */
  eventStoreConnectionString?: string;
  /** Where the embedded SQLite file lives (`events.sqlite`); created when missing. */
  dataDir: string;
  /** See {@link SqliteEventStoreOptions.synchronous}. Default 'FULL'. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
}

/**
 * The embedded SQLite store when nothing is configured, so the service starts on a bare
 * machine; EventStoreDB when a connection string is given. Async so that an adapter that
 * needs to connect first can be added without changing callers.
 */
export async function createEventStore(config: EventStoreConfig): Promise<EventStore> {
  const connectionString = config.eventStoreConnectionString?.trim();
  if (connectionString) return new EventStoreDbEventStore(connectionString);
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteEventStore(join(config.dataDir, 'events.sqlite'), { synchronous: config.sqliteSynchronous ?? 'FULL' });
}
