import { Observable } from 'rxjs';
import type { EventSubscription, RecordedEvent } from '@registry/event-store';
import { EventPump } from './pump';

const ev = (position: number): RecordedEvent => ({
  id: `e${position}`,
  type: 'T',
  data: {},
  metadata: { occurredAt: '2024-01-01T00:00:00Z' },
  stream: 's',
  revision: position - 1,
  position,
  recordedAt: '2024-01-01T00:00:00Z',
});

/** A subscription over a fixed list that then fails or waits, counting pulls. */
function subscription(events: RecordedEvent[], end: 'wait' | 'fail' = 'wait') {
  const state = { pulled: 0, closed: false };
  let release: () => void = () => undefined;
  const sub: EventSubscription = {
    async *[Symbol.asyncIterator]() {
      for (const e of events) {
        if (state.closed) return;
        state.pulled++;
        yield e;
      }
      if (end === 'fail') throw new Error('store unavailable');
      await new Promise<void>((r) => (release = r));
    },
    asObservable: () => new Observable<RecordedEvent>(),
    async close() {
      state.closed = true;
      release();
    },
  };
  return { sub, state };
}

describe('EventPump', () => {
  it('hands out batches in order and stops pulling at the high-water mark', async () => {
    const events = Array.from({ length: 25 }, (_, i) => ev(i + 1));
    const { sub, state } = subscription(events);
    const pump = new EventPump(sub, 10);
    await pump.waitFor(10, 1000);
    await new Promise((r) => setTimeout(r, 5));
    expect(state.pulled).toBe(10);
    expect(pump.take(4).map((e) => e.position)).toEqual([1, 2, 3, 4]);
    await pump.waitFor(10, 1000);
    expect(pump.take(100).map((e) => e.position)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    await sub.close();
    pump.wake();
    await pump.done;
  });

  it('returns after the wait time with what has arrived', async () => {
    const { sub } = subscription([ev(1), ev(2)]);
    const pump = new EventPump(sub, 100);
    const started = Date.now();
    await pump.waitFor(50, 30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(pump.take(50)).toHaveLength(2);
    expect(() => pump.assertOpen()).not.toThrow();
    await sub.close();
    await pump.done;
  });

  it('reports the subscription failure once the queue is drained', async () => {
    const { sub } = subscription([ev(1)], 'fail');
    const pump = new EventPump(sub, 100);
    await pump.done;
    expect(() => pump.assertOpen()).not.toThrow(); // one event still queued
    expect(pump.take(10)).toHaveLength(1);
    expect(() => pump.assertOpen()).toThrow('store unavailable');
  });
});
