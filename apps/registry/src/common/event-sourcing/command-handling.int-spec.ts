import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError, DomainEvent } from '@registry/domain';
import { ConcurrencyError, SqliteEventStore } from '@registry/event-store';
import { CommandContext } from './command-context';
import { Aggregate, deterministicEventId, handleCommand, handleCommands } from './command-handling';

/** A counter that may not go below zero: the smallest aggregate that can refuse. */
type CounterCommand = { type: 'Add'; data: { by: number; requestId: string } };
type CounterEvent = DomainEvent<'Added', { by: number }>;
class WouldGoNegative extends DomainError {
  readonly code = 'WOULD_GO_NEGATIVE';
}
const counter: Aggregate<CounterCommand, number, CounterEvent> = {
  decider: {
    initialState: () => 0,
    evolve: (total, e) => total + e.data.by,
    decide: (c, total) => {
      if (total + c.data.by < 0) throw new WouldGoNegative('the counter may not go below zero');
      return [{ type: 'Added', data: { by: c.data.by } }];
    },
  },
  streamName: (id) => `counter-${id}`,
  fromStored: (events) => events.map((e) => ({ type: 'Added', data: e.data as { by: number } })),
  toStored: (stream, command, event, index, context) => ({
    id: deterministicEventId(stream, command.data.requestId, index),
    type: event.type,
    data: event.data,
    metadata: { operator: context.operator, occurredAt: '2024-01-01T00:00:00Z' },
  }),
};
const context: CommandContext = { operator: 'spec', role: 'system', region: '44', channel: 'system' };
const add = (id: string, by: number, requestId: string, extra: { expectedRevision?: number; authorize?: (s: number) => void } = {}) => ({
  key: requestId,
  id,
  command: { type: 'Add' as const, data: { by, requestId } },
  ...extra,
});

describe('handleCommands: the one command path', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'registry-command-path-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const totals = async (id: string) => (await store.readStream(`counter-${id}`)).map((e) => (e.data as { by: number }).by);

  it('applies commands of one stream in order, each on the state the previous left, in one append', async () => {
    const outcomes = await handleCommands(store, counter, [add('a', 5, 'r1'), add('a', -3, 'r2'), add('b', 1, 'r3')], context);
    expect(outcomes.map((o) => o.status === 'applied' && [o.key, o.state, o.revision])).toEqual([
      ['r1', 5, 1],
      ['r2', 2, 1],
      ['r3', 1, 0],
    ]);
    expect(await totals('a')).toEqual([5, -3]);
  });

  it('leaves the states out of a counted batch and appends the same events, refusals included', async () => {
    await handleCommand(store, counter, add('a', 4, 'r0'), context);
    const outcomes = await handleCommands(store, counter, [add('a', -9, 'r1'), add('a', 2, 'r2'), add('b', 1, 'r3')], context, {
      states: false,
    });
    expect(outcomes.map((o) => (o.status === 'applied' ? [o.key, o.state, o.events.length, o.revision] : [o.key, o.error.code]))).toEqual([
      ['r1', 'WOULD_GO_NEGATIVE'],
      ['r2', undefined, 1, 1],
      ['r3', undefined, 1, 0],
    ]);
    expect(await totals('a')).toEqual([4, 2]);
    expect(await totals('b')).toEqual([1]);
  });

  it('reports a refused command with its domain error and still applies the others', async () => {
    const outcomes = await handleCommands(store, counter, [add('a', -1, 'r1'), add('a', 2, 'r2')], context);
    expect(outcomes[0]).toMatchObject({ key: 'r1', status: 'refused', error: expect.any(WouldGoNegative) });
    expect(outcomes[1]).toMatchObject({ key: 'r2', status: 'applied', state: 2 });
    expect(await totals('a')).toEqual([2]);
    await expect(handleCommand(store, counter, add('a', -9, 'r3'), context)).rejects.toBeInstanceOf(WouldGoNegative);
    expect(await totals('a')).toEqual([2]);
  });

  it('appends nothing of an all-or-nothing call when one command is refused, on any stream', async () => {
    await handleCommand(store, counter, add('a', 1, 'r0'), context);
    const outcomes = await handleCommands(store, counter, [add('a', 2, 'r1'), add('b', 1, 'r2'), add('a', -9, 'r3')], context, {
      allOrNothing: true,
    });
    expect(outcomes.map((o) => [o.key, o.status, o.status === 'refused' && o.error.code])).toEqual([
      ['r1', 'refused', 'WOULD_GO_NEGATIVE'],
      ['r2', 'refused', 'WOULD_GO_NEGATIVE'],
      ['r3', 'refused', 'WOULD_GO_NEGATIVE'],
    ]);
    expect(await totals('a')).toEqual([1]);
    expect(await totals('b')).toEqual([]);
    // Without a refusal the call applies as usual.
    const applied = await handleCommands(store, counter, [add('a', 2, 'r1'), add('b', 1, 'r2')], context, { allOrNothing: true });
    expect(applied.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(await totals('a')).toEqual([1, 2]);
  });

  it('is idempotent by event id: the same request again stores nothing new', async () => {
    await handleCommand(store, counter, add('a', 4, 'same'), context);
    await handleCommand(store, counter, add('a', 4, 'same'), context);
    // The second decision is made on the state after the first, but its event id is the first one's.
    expect(await totals('a')).toEqual([4]);
  });

  it('authorizes on the folded state: a refusal changes nothing, for any command of the call', async () => {
    await handleCommand(store, counter, add('a', 1, 'r1'), context);
    const forbid = (total: number) => {
      if (total > 0) throw new Error('not yours');
    };
    await expect(handleCommands(store, counter, [add('b', 1, 'r2'), add('a', 1, 'r3', { authorize: forbid })], context)).rejects.toThrow(
      'not yours',
    );
    expect(await totals('a')).toEqual([1]);
    expect(await totals('b')).toEqual([]);
  });

  it('fails on an expected revision that does not hold (If-Match), without retrying', async () => {
    await handleCommand(store, counter, add('a', 1, 'r1'), context);
    const reads = jest.spyOn(store, 'readStreams');
    await expect(handleCommand(store, counter, add('a', 1, 'r2', { expectedRevision: 5 }), context)).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    expect(reads).toHaveBeenCalledTimes(1);
    const ok = await handleCommand(store, counter, add('a', 1, 'r3', { expectedRevision: 0 }), context);
    expect(ok.revision).toBe(1);
  });

  it('re-decides the whole call when another writer appended between its read and its append', async () => {
    const readStreams = store.readStreams.bind(store);
    let interfered = false;
    jest.spyOn(store, 'readStreams').mockImplementation(async (streams) => {
      const read = await readStreams(streams);
      if (!interfered) {
        interfered = true;
        await store.appendToStream('counter-a', [
          { id: deterministicEventId('other'), type: 'Added', data: { by: 10 }, metadata: { occurredAt: '2024-01-01T00:00:00Z' } },
        ]);
      }
      return read;
    });
    const [outcome] = await handleCommands(store, counter, [add('a', 5, 'r1')], context);
    // First decided on 0 (an append expecting no stream, refused by the store), then on the other writer's 10.
    expect(outcome).toMatchObject({ status: 'applied', state: 15, revision: 1 });
    expect(await totals('a')).toEqual([10, 5]);
  });
});
