import { describeWithServer } from '../../../../test/support/server-suite';
import { eventStoreContract } from '../testing/event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

// No EventStoreDB server can run on the project's machines, so CI cannot require one; the
// adapter's mapping code is covered by eventstoredb-mapping.spec.ts wherever it runs.
describeWithServer(
  {
    title: 'EventStoreDbEventStore contract',
    variable: 'EVENTSTORE_CONNECTION_STRING',
    howTo: 'Set it (e.g. esdb://localhost:2113?tls=false, `docker compose up eventstore`) to run against a real server.',
    requiredInCi: false,
  },
  (connectionString) => eventStoreContract('eventstoredb', async () => new EventStoreDbEventStore(connectionString)),
);
