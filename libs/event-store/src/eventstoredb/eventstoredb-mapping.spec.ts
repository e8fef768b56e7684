import {
  AccessDeniedError,
  ANY,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { RecordedEvent as EsdbRecordedEvent } from '@eventstore/db-client';
import { ConcurrencyError, EventStoreUnavailableError } from '../errors';
import {
  backoffDelayMs,
  isRetryableSubscriptionError,
  toAppendResult,
  toEsdbExpectedRevision,
  toGlobalPosition,
  toReadPosition,
  toRecordedEvent,
  toServerFilter,
  toStoreError,
} from './eventstoredb-mapping';

function esdbEvent(overrides: Partial<Record<keyof EsdbRecordedEvent, unknown>> = {}): EsdbRecordedEvent {
  return {
    streamId: 'person-abc',
    id: '0b8c3a8e-5c5e-4b0b-9a7e-6f4a1d2c3b4a',
    isJson: true,
    revision: BigInt(3),
    type: 'PersonRegistered',
    created: new Date('2024-03-01T08:00:01.000Z'),
    data: { region: '110101' },
    metadata: { occurredAt: '2024-03-01T08:00:00.000Z', operator: 'op-1' },
    position: { commit: BigInt(4096), prepare: BigInt(4096) },
    ...overrides,
  } as EsdbRecordedEvent;
}

describe('expected revision mapping', () => {
  it.each([
    ['no_stream', NO_STREAM],
    ['stream_exists', STREAM_EXISTS],
    ['any', ANY],
    [undefined, ANY],
    [-1, NO_STREAM],
    [0, BigInt(0)],
    [41, BigInt(41)],
  ] as const)('%p → %p', (expected, mapped) => {
    expect(toEsdbExpectedRevision(expected)).toBe(mapped);
  });

  it('rejects revisions that are not integers >= -1', () => {
    expect(() => toEsdbExpectedRevision(1.5)).toThrow(RangeError);
    expect(() => toEsdbExpectedRevision(-2)).toThrow(RangeError);
  });
});

describe('position mapping', () => {
  it('0 reads from the start; P resumes from {commit: P, prepare: P}', () => {
    expect(toReadPosition(0)).toBe(START);
    expect(toReadPosition(undefined)).toBe(START);
    expect(toReadPosition(1234)).toEqual({ commit: BigInt(1234), prepare: BigInt(1234) });
  });

  it('uses the commit position as the global position', () => {
    expect(toGlobalPosition({ commit: BigInt(987), prepare: BigInt(985) })).toBe(987);
    expect(toGlobalPosition(BigInt(5))).toBe(5);
    expect(toGlobalPosition(undefined)).toBe(0);
  });

  it('refuses positions a JS number cannot hold exactly', () => {
    expect(() => toGlobalPosition(BigInt(Number.MAX_SAFE_INTEGER) + BigInt(1))).toThrow(RangeError);
    expect(() => toReadPosition(-1)).toThrow(RangeError);
  });

  it('maps an append result', () => {
    expect(
      toAppendResult({ success: true, nextExpectedRevision: BigInt(7), position: { commit: BigInt(300), prepare: BigInt(300) } }),
    ).toEqual({ nextRevision: 7, position: 300 });
  });
});

describe('resolved event → RecordedEvent', () => {
  it('maps every field', () => {
    expect(toRecordedEvent({ event: esdbEvent() })).toEqual({
      id: '0b8c3a8e-5c5e-4b0b-9a7e-6f4a1d2c3b4a',
      stream: 'person-abc',
      revision: 3,
      position: 4096,
      type: 'PersonRegistered',
      data: { region: '110101' },
      metadata: { occurredAt: '2024-03-01T08:00:00.000Z', operator: 'op-1' },
      recordedAt: '2024-03-01T08:00:01.000Z',
    });
  });

  it('falls back to the commit position when the event has none (servers before 22.6)', () => {
    expect(toRecordedEvent({ event: esdbEvent({ position: undefined }), commitPosition: BigInt(77) })?.position).toBe(77);
  });

  it('gives metadata an occurredAt when the event was written without metadata', () => {
    expect(toRecordedEvent({ event: esdbEvent({ metadata: undefined }) })?.metadata).toEqual({ occurredAt: '2024-03-01T08:00:01.000Z' });
  });

  it('hides system events, unresolved links and binary events', () => {
    expect(toRecordedEvent({ event: esdbEvent({ type: '$metadata' }) })).toBeUndefined();
    expect(toRecordedEvent({ event: esdbEvent({ streamId: '$stats-127.0.0.1:2113' }) })).toBeUndefined();
    expect(toRecordedEvent({ event: esdbEvent({ isJson: false, data: new Uint8Array([1]) }) })).toBeUndefined();
    expect(toRecordedEvent({ commitPosition: BigInt(1) })).toBeUndefined();
  });
});

describe('server filter', () => {
  it('filters on stream prefixes when given (types are then checked client-side)', () => {
    expect(toServerFilter({ streamPrefixes: ['person-'], eventTypes: ['A'] })).toMatchObject({
      filterOn: 'streamName',
      prefixes: ['person-'],
    });
  });

  it('filters event types by an anchored, escaped alternation, not by prefix', () => {
    const filter = toServerFilter({ eventTypes: ['PersonMoved', 'A.B'] });
    expect(filter).toMatchObject({ filterOn: 'eventType' });
    const regex = new RegExp((filter as { regex: string }).regex);
    expect(regex.test('PersonMoved')).toBe(true);
    expect(regex.test('A.B')).toBe(true);
    expect(regex.test('PersonMovedAbroad')).toBe(false);
    expect(regex.test('AxB')).toBe(false);
  });

  it('excludes system events when there is no filter', () => {
    const filter = toServerFilter(undefined) as { regex: string };
    expect(new RegExp(filter.regex).test('$metadata')).toBe(false);
    expect(new RegExp(filter.regex).test('PersonRegistered')).toBe(true);
  });
});

describe('error mapping', () => {
  it('WrongExpectedVersionError → ConcurrencyError with the caller expectation', () => {
    const wrong = new WrongExpectedVersionError(undefined, { streamName: 'person-abc', expected: BigInt(1), current: BigInt(4) });
    const mapped = toStoreError(wrong, { stream: 'person-abc', expected: 1 });
    expect(mapped).toBeInstanceOf(ConcurrencyError);
    expect(mapped).toMatchObject({ stream: 'person-abc', expected: '1', actual: 4 });

    const missing = new WrongExpectedVersionError(undefined, { streamName: 'person-abc', expected: STREAM_EXISTS, current: NO_STREAM });
    expect(toStoreError(missing)).toMatchObject({ stream: 'person-abc', expected: 'stream_exists', actual: 'no_stream' });
  });

  it('connectivity errors → EventStoreUnavailableError; others pass through', () => {
    expect(toStoreError(new UnavailableError())).toBeInstanceOf(EventStoreUnavailableError);
    const other = new Error('boom');
    expect(toStoreError(other)).toBe(other);
  });
});

describe('resubscription', () => {
  it('backs off from 100 ms, doubling, capped at 10 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 50, 5000].map((attempt) => backoffDelayMs(attempt))).toEqual([
      100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000, 10_000,
    ]);
    expect(backoffDelayMs(2, { initialMs: 10, maxMs: 25 })).toBe(25);
  });

  it('retries dropped connections and unknown server errors, not permission or programming errors', () => {
    expect(isRetryableSubscriptionError(new UnavailableError())).toBe(true);
    expect(isRetryableSubscriptionError(new UnknownError())).toBe(true);
    expect(isRetryableSubscriptionError(new AccessDeniedError())).toBe(false);
    expect(isRetryableSubscriptionError(new TypeError('bug'))).toBe(false);
  });
});

describe('bare gRPC errors', () => {
  it('a raw UNAVAILABLE ServiceError (as the batch append rejects with) → EventStoreUnavailableError', () => {
    const grpcError = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'No connection established',
      metadata: { getMap: () => ({}) },
    });
    expect(toStoreError(grpcError)).toBeInstanceOf(EventStoreUnavailableError);
  });
});
