import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { describeWithServer } from '../../../../test/support/server-suite';
import { ConcurrencyError } from '../errors';
import type { RecordedEvent } from '../event-store.port';
import { collect, eventStoreContract, newEvent, nextEvent, within } from '../testing/event-store.contract';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store';

/**
 * Runs against the PostgreSQL server POSTGRES_URL names (`scripts/test-servers.sh start`).
 * Each run works in schemas of its own and drops them afterwards.
 */
describeWithServer(
  {
    title: 'PostgresEventStore',
    variable: 'POSTGRES_URL',
    howTo: 'Start one with `eval "$(scripts/test-servers.sh start)"` or point POSTGRES_URL at a PostgreSQL database.',
    requiredInCi: true,
  },
  (url) => {
    const runSchema = `es_test_${process.pid}_${randomBytes(3).toString('hex')}`;
    const schemas = new Set<string>([runSchema]);
    afterAll(async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    });

    eventStoreContract('postgresql', () => PostgresEventStore.connect(url, { schema: runSchema }));

    describe('PostgresEventStore specifics', () => {
      const stores: PostgresEventStore[] = [];
      let counter = 0;
      /** A schema of its own for each test, so positions and heads start at 0. */
      const freshSchema = (): string => {
        const schema = `${runSchema}_${++counter}`;
        schemas.add(schema);
        return schema;
      };
      const open = async (schema: string, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> => {
        const store = await PostgresEventStore.connect(url, { schema, ...options });
        stores.push(store);
        return store;
      };
      afterEach(async () => {
        await Promise.all(stores.splice(0).map((store) => store.close()));
      });

      it('a second instance (another process) is woken by NOTIFY, not by polling', async () => {
        const schema = freshSchema();
        const writer = await open(schema);
        const reader = await open(schema, { pollIntervalMs: 60_000 });
        const iterator = reader.subscribe()[Symbol.asyncIterator]();
        const first = nextEvent(iterator, 3000);
        await writer.appendToStream('s-1', [newEvent('First')]);
        expect((await first).type).toBe('First');
        const pending = nextEvent(iterator, 3000);
        await writer.appendToStream('s-1', [newEvent('Second')]);
        expect((await pending).type).toBe('Second');
      });

      it('readers never see a later position before an earlier one: concurrent writers, one subscriber, no gap', async () => {
        const schema = freshSchema();
        const writers = [await open(schema), await open(schema), await open(schema)];
        const reader = await open(schema);
        const iterator = reader.subscribe({ batchSize: 7 })[Symbol.asyncIterator]();
        const perWriter = 40;
        const writing = Promise.all(
          writers.map(async (writer, w) => {
            for (let i = 0; i < perWriter; i++) {
              const events = Array.from({ length: 1 + (i % 3) }, () => newEvent('E', { w, i }));
              await writer.appendMany([
                { stream: `w${w}-${i % 5}`, events: events.slice(0, 1) },
                { stream: `x${w}-${i}`, events: events.slice(1) },
              ]);
            }
          }),
        );
        let total = 0;
        for (let i = 0; i < perWriter; i++) total += writers.length * (1 + (i % 3));
        const received: RecordedEvent[] = [];
        while (received.length < total) received.push(await nextEvent(iterator, 10_000));
        await writing;
        expect(received.map((event) => event.position)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        expect(await reader.headPosition()).toBe(total);
      });

      it('a conflict rolls the whole call back and leaves no hole in the positions', async () => {
        const store = await open(freshSchema());
        await store.appendToStream('s-3', [newEvent('A')]);
        await expect(
          store.appendMany([
            { stream: 's-1', events: [newEvent('A')] },
            { stream: 's-2', events: [newEvent('A'), newEvent('B')], expectedRevision: 'no_stream' },
            { stream: 's-3', events: [newEvent('B')], expectedRevision: 5 },
          ]),
        ).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.headPosition()).toBe(1);
        const next = await store.appendToStream('s-1', [newEvent('A')]);
        expect(next.position).toBe(2);
        expect((await collect(store.readAll())).map((event) => event.stream)).toEqual(['s-3', 's-1']);
      });

      it('drops already-stored ids even when retried with a newer expected revision', async () => {
        const store = await open(freshSchema());
        const event = newEvent('A');
        await store.appendToStream('s-1', [event], { expectedRevision: 'no_stream' });
        await store.appendToStream('s-1', [newEvent('B')]);
        await expect(store.appendToStream('s-1', [event], { expectedRevision: 1 })).resolves.toEqual({ nextRevision: 1, position: 2 });
        expect(await store.readStream('s-1')).toHaveLength(2);
      });

      it('appendMany may touch one stream twice; the second append sees the first', async () => {
        const store = await open(freshSchema());
        const results = await store.appendMany([
          { stream: 'twice', events: [newEvent('A')], expectedRevision: 'no_stream' },
          { stream: 'twice', events: [newEvent('B')], expectedRevision: 0 },
        ]);
        expect(results.map((r) => r.nextRevision)).toEqual([0, 1]);
        expect((await store.readStream('twice')).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it('data survives close and reopen, positions continue, and data keeps its key order', async () => {
        const schema = freshSchema();
        const first = await open(schema);
        const written = await first.appendToStream('s-1', [newEvent('A', { z: 1, a: { y: 2, b: 3 } })]);
        await first.close();
        const second = await open(schema);
        const [event] = await second.readStream('s-1');
        expect(JSON.stringify(event.data)).toBe('{"z":1,"a":{"y":2,"b":3}}');
        expect((await second.appendToStream('s-1', [newEvent('B')], { expectedRevision: 0 })).position).toBe(written.position + 1);
      });

      it('recordedAt comes from the injected clock', async () => {
        const store = await open(freshSchema(), { now: () => new Date('2024-05-06T07:08:09.123Z') });
        await store.appendToStream('s-1', [newEvent('A')]);
        expect((await store.readStream('s-1'))[0].recordedAt).toBe('2024-05-06T07:08:09.123Z');
      });

      it('stream prefixes are matched literally (% and _ are not wildcards)', async () => {
        const store = await open(freshSchema());
        await store.appendMany([
          { stream: 'a%b-1', events: [newEvent('A')] },
          { stream: 'axb-1', events: [newEvent('A')] },
          { stream: 'a_b-1', events: [newEvent('A')] },
        ]);
        expect((await collect(store.readAll({ filter: { streamPrefixes: ['a%b'] } }))).map((e) => e.stream)).toEqual(['a%b-1']);
        expect((await collect(store.readAll({ filter: { streamPrefixes: ['a_b'] } }))).map((e) => e.stream)).toEqual(['a_b-1']);
      });

      it('refuses a database whose layout is newer than this code', async () => {
        const schema = freshSchema();
        await (await open(schema)).close();
        const client = new Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`UPDATE "${schema}".layout SET version = 99`);
        } finally {
          await client.end();
        }
        await expect(PostgresEventStore.connect(url, { schema })).rejects.toThrow(/layout 99/);
      });

      it('an unreachable server is EventStoreUnavailableError naming no data', async () => {
        const wrong = url.replace(/:\d+\//, ':1/');
        await expect(within(PostgresEventStore.connect(wrong, { schema: freshSchema() }), 10_000, 'the refusal')).rejects.toMatchObject({
          code: 'EVENT_STORE_UNAVAILABLE',
        });
      });

      it('the layout is set up once when several processes start at the same moment', async () => {
        const schema = freshSchema();
        const opened = await Promise.all([open(schema), open(schema), open(schema)]);
        await opened[0].appendToStream('s-1', [newEvent('A')]);
        expect(await opened[2].readStream('s-1')).toHaveLength(1);
      });
    });
  },
);
