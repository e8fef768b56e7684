/**
 * The adapter's own logic (resubscription, duplicate skipping, close, idempotent retries)
 * against a fake client: no EventStoreDB server is available on the project's machines.
 * The real-server behaviour is covered by eventstoredb-event-store.int-spec.ts.
 */
import { PassThrough, Readable } from 'node:stream';
import { EventStoreDBClient, StreamNotFoundError, UnavailableError, WrongExpectedVersionError } from '@eventstore/db-client';
import type { RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { ConcurrencyError } from '../errors';
import { nextEvent, newEvent, within } from '../testing/event-store.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';

function resolved(position: number, overrides: Partial<Record<keyof EsdbRecordedEvent, unknown>> = {}): { event: EsdbRecordedEvent } {
  return {
    event: {
      streamId: 'person-1',
      id: `id-${position}`,
      isJson: true,
      revision: BigInt(position),
      type: 'PersonRegistered',
      created: new Date('2024-03-01T08:00:00.000Z'),
      data: { n: position },
      metadata: { occurredAt: '2024-03-01T08:00:00.000Z' },
      position: { commit: BigInt(position), prepare: BigInt(position) },
      ...overrides,
    } as EsdbRecordedEvent,
  };
}

type FakeSubscription = PassThrough & { unsubscribe: () => Promise<void> };

class FakeClient {
  readonly subscribeCalls: Array<{ options: Record<string, unknown>; readableOptions: Record<string, unknown> }> = [];
  readonly subscriptions: FakeSubscription[] = [];
  appendToStream = jest.fn();
  readStream = jest.fn();
  dispose = jest.fn(async () => undefined);

  subscribeToAll(options: Record<string, unknown>, readableOptions: Record<string, unknown>): FakeSubscription {
    this.subscribeCalls.push({ options, readableOptions });
    const stream = new PassThrough({ objectMode: true }) as FakeSubscription;
    stream.unsubscribe = async () => {
      stream.end();
    };
    this.subscriptions.push(stream);
    return stream;
  }
}

async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function storeWith(client: FakeClient, options: ConstructorParameters<typeof EventStoreDbEventStore>[1] = {}): EventStoreDbEventStore {
  return new EventStoreDbEventStore(client as unknown as EventStoreDBClient, { backoff: { initialMs: 5, maxMs: 20 }, ...options });
}

describe('EventStoreDbEventStore with a fake client', () => {
  it('resubscribes from the last delivered position after a drop, without duplicates', async () => {
    const client = new FakeClient();
    const dropped = jest.fn();
    const store = storeWith(client, { onSubscriptionDropped: dropped });
    const subscription = store.subscribe({ fromPosition: 50, batchSize: 64 });
    const iterator = subscription[Symbol.asyncIterator]();

    const first = nextEvent(iterator);
    await waitFor(() => client.subscriptions.length === 1);
    expect(client.subscribeCalls[0].options.fromPosition).toEqual({ commit: BigInt(50), prepare: BigInt(50) });
    // The buffer the client may fill ahead of the consumer is the batch size (back-pressure).
    expect(client.subscribeCalls[0].readableOptions).toEqual({ highWaterMark: 64 });
    client.subscriptions[0].write(resolved(100));
    client.subscriptions[0].write(resolved(200));
    expect((await first).position).toBe(100);
    expect((await nextEvent(iterator)).position).toBe(200);

    const third = nextEvent(iterator);
    client.subscriptions[0].destroy(new UnavailableError());
    await waitFor(() => client.subscriptions.length === 2);
    expect(dropped).toHaveBeenCalledTimes(1);
    expect(client.subscribeCalls[1].options.fromPosition).toEqual({ commit: BigInt(200), prepare: BigInt(200) });
    client.subscriptions[1].write(resolved(200)); // a server replaying the checkpoint must not duplicate it
    client.subscriptions[1].write(resolved(250, { type: '$metadata', streamId: '$$person-1' }));
    client.subscriptions[1].write(resolved(300));
    expect((await third).position).toBe(300);

    await subscription.close();
    await store.close();
  });

  it('close() ends a subscription waiting for live events', async () => {
    const client = new FakeClient();
    const store = storeWith(client);
    const subscription = store.subscribe();
    const pending = subscription[Symbol.asyncIterator]().next();
    await waitFor(() => client.subscriptions.length === 1);
    await subscription.close();
    await expect(within(pending, 2000)).resolves.toMatchObject({ done: true });
    await store.close();
    expect(client.dispose).toHaveBeenCalled();
  });

  it('re-checks the filter client-side', async () => {
    const client = new FakeClient();
    const store = storeWith(client);
    const iterator = store.subscribe({ filter: { streamPrefixes: ['person-'], eventTypes: ['Wanted'] } })[Symbol.asyncIterator]();
    const next = nextEvent(iterator);
    await waitFor(() => client.subscriptions.length === 1);
    expect(client.subscribeCalls[0].options.filter).toMatchObject({ filterOn: 'streamName', prefixes: ['person-'] });
    client.subscriptions[0].write(resolved(1, { type: 'Unwanted' }));
    client.subscriptions[0].write(resolved(2, { type: 'Wanted' }));
    expect(await next).toMatchObject({ position: 2, type: 'Wanted' });
    await store.close();
  });

  it('a conflicting retry whose events are all in the stream tail succeeds (idempotence)', async () => {
    const client = new FakeClient();
    const store = storeWith(client);
    const event = newEvent('PersonRegistered');
    client.appendToStream.mockRejectedValue(
      new WrongExpectedVersionError(undefined, { streamName: 'person-1', expected: BigInt(0), current: BigInt(1) }),
    );
    client.readStream.mockImplementation(() =>
      Readable.from([resolved(7, { id: 'other', revision: BigInt(1) }), resolved(5, { id: event.id, revision: BigInt(0) })]),
    );
    await expect(store.appendToStream('person-1', [event], { expectedRevision: 0 })).resolves.toEqual({ nextRevision: 1, position: 7 });

    const conflict = store.appendToStream('person-1', [newEvent('PersonMoved')], { expectedRevision: 0 });
    await expect(conflict).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(conflict).rejects.toMatchObject({ stream: 'person-1', expected: '0', actual: 1 });
  });

  it('appendMany drops ids repeated across the call and appends stream by stream', async () => {
    const client = new FakeClient();
    const store = storeWith(client);
    client.appendToStream.mockResolvedValue({
      success: true,
      nextExpectedRevision: BigInt(0),
      position: { commit: BigInt(9), prepare: BigInt(9) },
    });
    client.readStream.mockImplementation(() => Readable.from([]));
    const shared = newEvent('A');
    const results = await store.appendMany([
      { stream: 's-1', events: [shared, shared] },
      { stream: 's-2', events: [shared] },
    ]);
    expect(client.appendToStream).toHaveBeenCalledTimes(1);
    expect((client.appendToStream.mock.calls[0] as unknown[])[1]).toHaveLength(1);
    expect(results).toEqual([
      { nextRevision: 0, position: 9 },
      { nextRevision: -1, position: 0 },
    ]);
  });

  it('reads a missing stream as []', async () => {
    const client = new FakeClient();
    const store = storeWith(client);
    client.readStream.mockImplementation(
      () =>
        new Readable({
          objectMode: true,
          read() {
            this.destroy(new StreamNotFoundError(undefined, 'person-x'));
          },
        }),
    );
    await expect(store.readStream('person-x')).resolves.toEqual([]);
  });
});
