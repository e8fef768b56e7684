/**
 * The one contract every EventStore adapter must pass. Each adapter's .int-spec.ts calls
 * eventStoreContract with a factory for a fresh store. Stream names and event types carry a
 * random suffix per test, so the suite also runs against a shared, non-empty server.
 */
import { randomUUID } from 'node:crypto';
import { firstValueFrom, take, toArray } from 'rxjs';
import { ConcurrencyError } from '../errors';
import type { EventStore, EventSubscription, NewEvent, RecordedEvent } from '../event-store.port';
import { canonicalEventText } from '../shared/canonical-text';

export function newEvent(type: string, data: Record<string, unknown> = {}): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: { occurredAt: '2024-03-01T08:00:00.000Z', operator: 'op-1', correlationId: randomUUID() },
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Rejects instead of hanging the suite when an expected event never comes. */
export function within<T>(promise: Promise<T>, ms = 5000, what = 'the next event'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function nextEvent(iterator: AsyncIterator<RecordedEvent>, ms = 5000): Promise<RecordedEvent> {
  const next = await within(iterator.next(), ms);
  if (next.done) throw new Error('The subscription ended while an event was expected');
  return next.value;
}

const ids = (events: Array<{ id: string }>): string[] => events.map((event) => event.id);

export function eventStoreContract(name: string, factory: () => Promise<EventStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let prefix: string;
    let suffix: string;
    const openSubscriptions: EventSubscription[] = [];

    /** A stream name private to the current test. */
    const stream = (label: string): string => `${prefix}${label}`;
    /** An event type private to the current test (the store may be shared). */
    const type = (label: string): string => `${label}${suffix}`;
    const subscribe = (...args: Parameters<EventStore['subscribe']>): EventSubscription => {
      const subscription = store.subscribe(...args);
      openSubscriptions.push(subscription);
      return subscription;
    };

    beforeEach(async () => {
      store = await factory();
      suffix = randomUUID().replace(/-/g, '').slice(0, 10);
      prefix = `contract${suffix}-`;
    });

    afterEach(async () => {
      await Promise.all(openSubscriptions.splice(0).map((subscription) => subscription.close()));
      await store.close();
    });

    describe('expected revision', () => {
      it("'no_stream' creates a stream and fails on an existing one", async () => {
        const s = stream('person-1');
        const result = await store.appendToStream(s, [newEvent(type('A')), newEvent(type('B'))], { expectedRevision: 'no_stream' });
        expect(result.nextRevision).toBe(1);
        expect(result.position).toBeGreaterThan(0);

        const conflict = store.appendToStream(s, [newEvent(type('C'))], { expectedRevision: 'no_stream' });
        await expect(conflict).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(conflict).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', stream: s });
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it("'stream_exists' fails on a missing stream and succeeds on an existing one", async () => {
        const s = stream('person-1');
        await expect(store.appendToStream(s, [newEvent(type('A'))], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(
          ConcurrencyError,
        );
        expect(await store.readStream(s)).toEqual([]);
        await store.appendToStream(s, [newEvent(type('A'))]);
        const result = await store.appendToStream(s, [newEvent(type('B'))], { expectedRevision: 'stream_exists' });
        expect(result.nextRevision).toBe(1);
      });

      it('a number must equal the revision of the last event', async () => {
        const s = stream('person-1');
        await store.appendToStream(s, [newEvent(type('A')), newEvent(type('B'))], { expectedRevision: 'no_stream' });
        const result = await store.appendToStream(s, [newEvent(type('C'))], { expectedRevision: 1 });
        expect(result.nextRevision).toBe(2);

        const stale = store.appendToStream(s, [newEvent(type('D'))], { expectedRevision: 1 });
        await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(stale).rejects.toMatchObject({ stream: s, expected: '1', actual: 2 });
        await expect(store.appendToStream(stream('missing'), [newEvent(type('A'))], { expectedRevision: 0 })).rejects.toMatchObject({
          actual: 'no_stream',
        });
        expect(await store.readStream(s)).toHaveLength(3);
      });

      it('-1 (what an empty stream reports as nextRevision) means no stream', async () => {
        const s = stream('person-1');
        await expect(store.appendToStream(s, [newEvent(type('A'))], { expectedRevision: -1 })).resolves.toMatchObject({ nextRevision: 0 });
        await expect(store.appendToStream(s, [newEvent(type('A'))], { expectedRevision: -1 })).rejects.toBeInstanceOf(ConcurrencyError);
      });

      it("'any' (the default) never conflicts", async () => {
        const s = stream('person-1');
        await store.appendToStream(s, [newEvent(type('A'))], { expectedRevision: 'any' });
        await store.appendToStream(s, [newEvent(type('B'))]);
        expect((await store.readStream(s)).map((event) => event.revision)).toEqual([0, 1]);
      });

      it('the conflict message carries no event data', async () => {
        const s = stream('person-1');
        const secret = `110101199003077777-${suffix}`;
        await store.appendToStream(s, [newEvent(type('A'), { citizenId: secret })]);
        const error = await store
          .appendToStream(s, [newEvent(type('B'), { citizenId: secret })], { expectedRevision: 'no_stream' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect((error as Error).message).not.toContain(secret);
      });

      it('of 10 concurrent appends expecting the same revision, exactly one wins', async () => {
        const s = stream('person-1');
        await store.appendToStream(s, [newEvent(type('Registered'))], { expectedRevision: 'no_stream' });
        const attempts = Array.from({ length: 10 }, (_, i) =>
          store.appendToStream(s, [newEvent(type('Moved'), { attempt: i })], { expectedRevision: 0 }),
        );
        const settled = await Promise.allSettled(attempts);
        const won = settled.filter((outcome) => outcome.status === 'fulfilled');
        const lost = settled.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(9);
        for (const outcome of lost) expect(outcome.reason).toBeInstanceOf(ConcurrencyError);
        expect(await store.readStream(s)).toHaveLength(2);
      });
    });

    describe('idempotent event ids', () => {
      it('a retried append with the same ids and expectation stores nothing new and succeeds', async () => {
        const s = stream('person-1');
        const events = [newEvent(type('A')), newEvent(type('B'))];
        const first = await store.appendToStream(s, events, { expectedRevision: 'no_stream' });
        const retry = await store.appendToStream(s, events, { expectedRevision: 'no_stream' });
        expect(retry.nextRevision).toBe(1);
        expect(retry.position).toBe(first.position);
        expect(ids(await store.readStream(s))).toEqual(ids(events));
      });

      it('the same id twice in one append is stored once', async () => {
        const s = stream('person-1');
        const event = newEvent(type('A'));
        const result = await store.appendToStream(s, [event, event, newEvent(type('B'))]);
        expect(result.nextRevision).toBe(1);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('appendMany: a retried call stores nothing new, and an id repeated within a call is stored once', async () => {
        const [s1, s2, s3] = [stream('p-1'), stream('p-2'), stream('p-3')];
        const appends = [
          { stream: s1, events: [newEvent(type('A'))], expectedRevision: 'no_stream' as const },
          { stream: s2, events: [newEvent(type('A'))], expectedRevision: 'no_stream' as const },
        ];
        await store.appendMany(appends);
        const retry = await store.appendMany(appends);
        expect(retry.map((result) => result.nextRevision)).toEqual([0, 0]);
        expect(await store.readStream(s1)).toHaveLength(1);
        expect(await store.readStream(s2)).toHaveLength(1);

        const shared = newEvent(type('B'));
        await store.appendMany([
          { stream: s1, events: [shared] },
          { stream: s3, events: [shared] },
        ]);
        expect(ids(await store.readStream(s1))).toContain(shared.id);
        expect(await store.readStream(s3)).toEqual([]);
      });

      it('ids are unique within a stream: a later append of the same id to another stream stores it there', async () => {
        const [s1, s2] = [stream('p-1'), stream('p-2')];
        const event = newEvent(type('A'));
        await store.appendToStream(s1, [event], { expectedRevision: 'no_stream' });
        await store.appendToStream(s2, [event], { expectedRevision: 'no_stream' });
        expect(ids(await store.readStream(s2))).toEqual([event.id]);
      });
    });

    describe('reading', () => {
      it('round-trips data, metadata, ids, revisions, positions and recordedAt', async () => {
        const s = stream('person-1');
        const event = newEvent(type('Registered'), { name: { family: '张', given: '三' }, tags: [1, 'two', null], ok: true });
        const result = await store.appendToStream(s, [event]);
        const [read] = await store.readStream(s);
        expect(read).toMatchObject({ id: event.id, type: event.type, data: event.data, stream: s, revision: 0, position: result.position });
        expect(read.metadata).toMatchObject(event.metadata);
        expect(Number.isNaN(Date.parse(read.recordedAt))).toBe(false);
      });

      it('readStream from a revision, with maxCount; a missing stream reads as []', async () => {
        const s = stream('person-1');
        await store.appendToStream(
          s,
          Array.from({ length: 5 }, (_, i) => newEvent(type('E'), { i })),
        );
        expect((await store.readStream(s, { fromRevision: 2 })).map((event) => event.revision)).toEqual([2, 3, 4]);
        expect((await store.readStream(s, { fromRevision: 1, maxCount: 2 })).map((event) => event.revision)).toEqual([1, 2]);
        expect(await store.readStream(stream('missing'))).toEqual([]);
      });

      it('readStreams reads many streams at once, each in revision order, missing ones as []', async () => {
        const [a, b, missing] = [stream('a'), stream('b'), stream('missing')];
        await store.appendMany([
          { stream: a, events: [newEvent(type('E'), { n: 'a0' })] },
          { stream: b, events: [newEvent(type('E'), { n: 'b0' }), newEvent(type('E'), { n: 'b1' })] },
        ]);
        await store.appendToStream(a, [newEvent(type('E'), { n: 'a1' })]);
        const read = await store.readStreams([b, missing, a, b]);
        expect([...read.keys()].sort()).toEqual([a, b, missing].sort());
        expect(read.get(a)!.map((e) => [e.revision, (e.data as { n: string }).n])).toEqual([
          [0, 'a0'],
          [1, 'a1'],
        ]);
        expect(read.get(b)!.map((e) => (e.data as { n: string }).n)).toEqual(['b0', 'b1']);
        expect(read.get(missing)).toEqual([]);
        expect(read.get(a)).toEqual(await store.readStream(a));
        expect((await store.readStreams([])).size).toBe(0);
      });

      it('readStreams answers for more streams than one query takes', async () => {
        const streams = Array.from({ length: 1100 }, (_, i) => stream(`many-${i}`));
        await store.appendMany(streams.slice(0, 1050).map((s, i) => ({ stream: s, events: [newEvent(type('E'), { i })] })));
        const read = await store.readStreams(streams);
        expect(read.size).toBe(1100);
        expect(streams.slice(0, 1050).every((s, i) => (read.get(s)![0].data as { i: number }).i === i)).toBe(true);
        expect(streams.slice(1050).every((s) => read.get(s)!.length === 0)).toBe(true);
      });

      it('keeps one global order across streams', async () => {
        const [a, b] = [stream('a'), stream('b')];
        const results = [];
        for (const s of [a, b, a, b, a]) results.push(await store.appendToStream(s, [newEvent(type('E'))]));
        const all = await collect(store.readAll({ filter: { streamPrefixes: [prefix] } }));
        expect(all.map((event) => event.stream)).toEqual([a, b, a, b, a]);
        expect(all.map((event) => event.position)).toEqual(results.map((result) => result.position));
        for (let i = 1; i < all.length; i++) expect(all[i].position).toBeGreaterThan(all[i - 1].position);
      });

      it('appendMany returns one result per append, in order', async () => {
        const [s1, s2] = [stream('p-1'), stream('p-2')];
        await store.appendToStream(s1, [newEvent(type('A'))]);
        const results = await store.appendMany([
          { stream: s1, events: [newEvent(type('B'))], expectedRevision: 0 },
          { stream: s2, events: [newEvent(type('A')), newEvent(type('B'))], expectedRevision: 'no_stream' },
        ]);
        expect(results.map((result) => result.nextRevision)).toEqual([1, 1]);
        expect(results[1].position).toBeGreaterThan(results[0].position);
        const all = await collect(store.readAll({ filter: { streamPrefixes: [prefix] } }));
        expect(all.map((event) => `${event.stream}@${event.revision}`)).toEqual([`${s1}@0`, `${s1}@1`, `${s2}@0`, `${s2}@1`]);
      });

      it('readAll filters by event types and by stream prefixes', async () => {
        const [x1, x2, y1] = [stream('x-1'), stream('x-2'), stream('y-1')];
        await store.appendToStream(x1, [newEvent(type('Registered')), newEvent(type('Moved'))]);
        await store.appendToStream(y1, [newEvent(type('Registered')), newEvent(type('Suspended'))]);
        await store.appendToStream(x2, [newEvent(type('Suspended'))]);

        const byType = await collect(store.readAll({ filter: { eventTypes: [type('Registered'), type('Suspended')] } }));
        expect(byType.map((event) => `${event.stream}:${event.type}`)).toEqual([
          `${x1}:${type('Registered')}`,
          `${y1}:${type('Registered')}`,
          `${y1}:${type('Suspended')}`,
          `${x2}:${type('Suspended')}`,
        ]);

        const byPrefix = await collect(store.readAll({ filter: { streamPrefixes: [stream('x-')] } }));
        expect(byPrefix.map((event) => event.stream)).toEqual([x1, x1, x2]);

        const both = await collect(store.readAll({ filter: { streamPrefixes: [stream('x-')], eventTypes: [type('Suspended')] } }));
        expect(both.map((event) => event.stream)).toEqual([x2]);

        const limited = await collect(store.readAll({ maxCount: 2, filter: { streamPrefixes: [prefix] } }));
        expect(limited.map((event) => event.stream)).toEqual([x1, x1]);
      });

      it('readAll reads strictly after a position', async () => {
        const s = stream('person-1');
        const results = [];
        for (let i = 0; i < 4; i++) results.push(await store.appendToStream(s, [newEvent(type('E'), { i })]));
        const after = await collect(store.readAll({ fromPosition: results[1].position, filter: { streamPrefixes: [prefix] } }));
        expect(after.map((event) => event.revision)).toEqual([2, 3]);
      });

      it('headPosition is the position of the newest (matching) event', async () => {
        const [a, b] = [stream('a'), stream('b')];
        const first = await store.appendToStream(a, [newEvent(type('A'))]);
        const second = await store.appendToStream(b, [newEvent(type('B'))]);
        expect(await store.headPosition()).toBeGreaterThanOrEqual(second.position);
        expect(await store.headPosition({ streamPrefixes: [prefix] })).toBe(second.position);
        expect(await store.headPosition({ eventTypes: [type('A')] })).toBe(first.position);
        expect(await store.headPosition({ streamPrefixes: [stream('none-')] })).toBe(0);
      });

      it('ping succeeds on an open store', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('appendMany when one append conflicts', () => {
      it('throws ConcurrencyError; an atomic appendMany stores nothing of the call, another keeps the appends before the conflict', async () => {
        const [s1, s2] = [stream('p-1'), stream('p-2')];
        await store.appendToStream(s2, [newEvent(type('A'))]);
        const call = store.appendMany([
          { stream: s1, events: [newEvent(type('A'))], expectedRevision: 'no_stream' },
          { stream: s2, events: [newEvent(type('B'))], expectedRevision: 'no_stream' },
        ]);
        await expect(call).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.readStream(s1)).toHaveLength(store.capabilities.atomicAppendMany ? 0 : 1);
        expect(await store.readStream(s2)).toHaveLength(1);
      });
    });

    describe('subscriptions', () => {
      it('catch up, then go live, without gap or duplicate', async () => {
        const s = stream('person-1');
        const events = Array.from({ length: 6 }, (_, i) => newEvent(type('E'), { i }));
        await store.appendToStream(s, events.slice(0, 3));
        const iterator = subscribe({ filter: { streamPrefixes: [prefix] } })[Symbol.asyncIterator]();

        const received: RecordedEvent[] = [await nextEvent(iterator), await nextEvent(iterator)];
        // Appended in the middle of catch-up: must come after the third, once each.
        await store.appendToStream(s, events.slice(3, 5));
        for (let i = 0; i < 3; i++) received.push(await nextEvent(iterator));
        // Now caught up: the consumer waits for a live event.
        const live = nextEvent(iterator);
        await store.appendToStream(s, [events[5]]);
        received.push(await live);

        expect(ids(received)).toEqual(ids(events));
        expect(received.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4, 5]);
      });

      it('resumes strictly after a checkpoint', async () => {
        const s = stream('person-1');
        const results = [];
        const events = Array.from({ length: 4 }, (_, i) => newEvent(type('E'), { i }));
        for (const event of events) results.push(await store.appendToStream(s, [event]));
        const iterator = subscribe({ fromPosition: results[1].position, filter: { streamPrefixes: [prefix] } })[Symbol.asyncIterator]();
        expect([(await nextEvent(iterator)).id, (await nextEvent(iterator)).id]).toEqual(ids(events.slice(2)));
      });

      it('filters by event type while live', async () => {
        const s = stream('person-1');
        const iterator = subscribe({ filter: { eventTypes: [type('Wanted')] } })[Symbol.asyncIterator]();
        const pending = nextEvent(iterator);
        await store.appendToStream(s, [newEvent(type('Unwanted')), newEvent(type('Wanted'), { n: 1 })]);
        expect(await pending).toMatchObject({ type: type('Wanted'), data: { n: 1 } });
      });

      it('close() ends a subscription that is waiting for events', async () => {
        const subscription = subscribe({ filter: { streamPrefixes: [prefix] } });
        const iterator = subscription[Symbol.asyncIterator]();
        const pending = iterator.next();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await subscription.close();
        await expect(within(pending, 2000, 'the subscription to end')).resolves.toMatchObject({ done: true });
      });

      it('asObservable delivers the same events, catch-up then live', async () => {
        const s = stream('person-1');
        const events = Array.from({ length: 4 }, (_, i) => newEvent(type('E'), { i }));
        await store.appendToStream(s, events.slice(0, 2));
        const received = firstValueFrom(
          subscribe({ filter: { streamPrefixes: [prefix] } })
            .asObservable()
            .pipe(take(4), toArray()),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
        await store.appendToStream(s, events.slice(2));
        expect(ids(await within(received))).toEqual(ids(events));
      });

      it('with lazyData, the same events: data (read on demand) and canonical text as without it', async () => {
        const s = stream('person-1');
        const datas = [{ name: '张三', n: 1.5, nested: { list: [1, null, 'é'] } }, {}, { quote: '"\u2028\\', big: 1e21, small: -0.000001 }];
        await store.appendToStream(
          s,
          datas.map((d) => newEvent(type('E'), d)),
        );
        const read = async (lazyData: boolean) => {
          const iterator = subscribe({ filter: { streamPrefixes: [prefix] }, lazyData })[Symbol.asyncIterator]();
          const out: RecordedEvent[] = [];
          for (let i = 0; i < datas.length; i++) out.push(await nextEvent(iterator));
          return out;
        };
        const [eager, lazy] = [await read(false), await read(true)];
        expect(lazy.map((e) => canonicalEventText(e))).toEqual(eager.map((e) => canonicalEventText(e)));
        expect(lazy.map((e) => e.data)).toEqual(datas);
        // Everything but data, which a lazy event does not hold as an own property.
        const envelope = ({ id, stream: st, revision, position, type: t, metadata, recordedAt }: RecordedEvent) => ({
          id,
          st,
          revision,
          position,
          t,
          metadata,
          recordedAt,
        });
        expect(lazy.map(envelope)).toEqual(eager.map(envelope));
        // Read twice, the same object: parsed once.
        expect(lazy[0].data).toBe(lazy[0].data);
      });

      it('a subscription is consumed once', async () => {
        const subscription = subscribe();
        subscription[Symbol.asyncIterator]();
        expect(() => subscription[Symbol.asyncIterator]()).toThrow(/consumed once/);
      });
    });
  });
}
