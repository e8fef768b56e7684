import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { createEventStore, EVENT_STORE, EventStore } from '@registry/event-store';
import { createReadStore, READ_STORE, ReadStore } from '@registry/read-store';
import { AppConfig } from '../config/app-config';
import { KeyRing } from '../config/key-ring';

/** Closes the stores when the application shuts down, so SQLite files are checkpointed cleanly. */
@Injectable()
class StoreLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {}

  async onApplicationShutdown(signal?: string): Promise<void> {
    await Promise.allSettled([this.events.close(), this.reads.close()]);
    // On a signal, one line on standard output (not the log) that the stop was orderly: the
    // process then ends by the same signal, as Nest re-raises it.
    if (signal) process.stdout.write(`Registry stopped on ${signal}: requests answered, stores closed\n`);
  }
}

/**
 * Chooses the adapters: SQLite files under DATA_DIR when nothing is configured;
 * PostgreSQL or EventStoreDB for events and MongoDB for read models when their
 * connection settings are present.
 */
@Global()
@Module({
  providers: [
    {
      provide: EVENT_STORE,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<EventStore> => {
        const store = await createEventStore({
          eventStoreConnectionString: config.EVENTSTORE_CONNECTION_STRING,
          postgresUrl: config.POSTGRES_URL,
          postgresSchema: config.POSTGRES_SCHEMA,
          dataDir: config.DATA_DIR,
          sqliteSynchronous: config.SQLITE_SYNCHRONOUS,
          sqliteGroupCommit: config.SQLITE_GROUP_COMMIT === 'on',
        });
        new Logger('Storage').log(`Event store: ${store.engine}`);
        return store;
      },
    },
    {
      provide: READ_STORE,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<ReadStore> => {
        const store = await createReadStore({
          mongodbUri: config.MONGODB_URI,
          mongodbDatabase: config.MONGODB_DATABASE,
          dataDir: config.DATA_DIR,
        });
        new Logger('Storage').log(`Read store: ${store.engine}`);
        return store;
      },
    },
    {
      provide: KeyRing,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        KeyRing.loadOrCreate(config.KEYS_FILE ?? KeyRing.defaultPath(config.DATA_DIR), config.ENCRYPTION_ALGORITHM),
    },
    StoreLifecycle,
  ],
  exports: [EVENT_STORE, READ_STORE, KeyRing],
})
export class StorageModule {}
