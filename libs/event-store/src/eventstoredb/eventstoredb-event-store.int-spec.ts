import { eventStoreContract } from '../testing/event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING?.trim();

if (connectionString) {
  eventStoreContract('eventstoredb', async () => new EventStoreDbEventStore(connectionString));
} else {
  describe('EventStore contract: eventstoredb', () => {
    it('is skipped: EVENTSTORE_CONNECTION_STRING is not set and no EventStoreDB server is available here', () => {
      console.warn(
        'SKIPPED the EventStoreDB contract suite: set EVENTSTORE_CONNECTION_STRING ' +
          '(e.g. esdb://localhost:2113?tls=false) to run it against a real server. ' +
          'The adapter mapping code is still covered by eventstoredb-mapping.spec.ts.',
      );
      expect(connectionString ?? '').toBe('');
    });
  });
}
