import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite-event-store';

export interface EventStoreConfig {
  /** EVENTSTORE_CONNECTION_STRING: when set (non-blank), EventStoreDB/KurrentDB is used. */
  eventStoreConnectionString?: string;
  /** POSTGRES_URL: when set (non-blank), PostgreSQL is used. */
  postgresUrl?: string;
  /** POSTGRES_SCHEMA: schema of the PostgreSQL event tables. Default `public`. */
  postgresSchema?: string;
  /** Where the embedded SQLite file lives (`events.sqlite`); created when missing. */
  dataDir: string;
  /** See {@link SqliteEventStoreOptions.synchronous}. Default 'FULL'. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** See {@link SqliteEventStoreOptions.groupCommit}. Default true. */
  sqliteGroupCommit?: boolean;
}

/**
 * The embedded SQLite store when nothing is configured, so the service starts on a bare
 * machine; PostgreSQL or EventStoreDB when a connection string is given (both at once is a
 * configuration error, refused by the service's configuration check). Async because a server
 * is connected (and its tables set up) here, so a wrong setting stops the start. The server
 * adapters (and their clients) are loaded only when selected: a thread that opens the
 * embedded file from this module (a verification slice) starts without them.
 */
export async function createEventStore(config: EventStoreConfig): Promise<EventStore> {
  const connectionString = config.eventStoreConnectionString?.trim();
  const postgresUrl = config.postgresUrl?.trim();
  if (connectionString && postgresUrl) throw new Error('EVENTSTORE_CONNECTION_STRING and POSTGRES_URL both select an event store: set one');
  if (connectionString) {
    const { EventStoreDbEventStore } = await import('./eventstoredb/eventstoredb-event-store');
    return new EventStoreDbEventStore(connectionString);
  }
  if (postgresUrl) {
    const { PostgresEventStore } = await import('./postgresql/postgres-event-store');
    return PostgresEventStore.connect(postgresUrl, { schema: config.postgresSchema || undefined });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return new SqliteEventStore(join(config.dataDir, 'events.sqlite'), {
    synchronous: config.sqliteSynchronous ?? 'FULL',
    groupCommit: config.sqliteGroupCommit ?? true,
  });
}
