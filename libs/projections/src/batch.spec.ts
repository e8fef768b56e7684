import type { RecordedEvent } from '@registry/event-store';
import type { Document } from '@registry/read-store';
import { BatchBuffer, DocumentLoadError, errorText } from './batch';

const event = (position: number, type = 'Something'): RecordedEvent => ({
  id: `e${position}`,
  type,
  data: {},
  metadata: { occurredAt: '2024-01-01T00:00:00Z' },
  stream: 's-1',
  revision: position - 1,
  position,
  recordedAt: '2024-01-01T00:00:00Z',
});

/** An in-memory "store" of stored documents per collection, counting loader calls. */
function loaderOver(stored: Record<string, Document[]>) {
  const calls: Array<{ collection: string; ids: string[] }> = [];
  const load = async (collection: string, ids: string[]) => {
    calls.push({ collection, ids });
    const found = new Map<string, Document>();
    for (const d of stored[collection] ?? []) if (ids.includes(d._id)) found.set(d._id, structuredClone(d));
    return found;
  };
  return { load, calls };
}

const collections = new Set(['persons', 'counts']);

describe('BatchBuffer and the event context', () => {
  it('stamps put documents with the event position and guards the write with it', async () => {
    const { load } = loaderOver({});
    const buffer = new BatchBuffer(collections, load);
    const ctx = buffer.begin(event(7));
    expect(await ctx.get('persons', 'p1')).toBeNull();
    ctx.put('persons', { _id: 'p1', name: 'x' });
    await ctx.commit();
    // Found absent: the store is told so (WriteOp.stored), and may insert without looking.
    expect(buffer.writes()).toEqual([
      { collection: 'persons', id: 'p1', doc: { _id: 'p1', name: 'x', _position: 7 }, position: 7, stored: null },
    ]);
  });

  it('for read-only projections, stamps a document it was given in place, and copies one it handed out (frozen)', async () => {
    const { load } = loaderOver({ persons: [{ _id: 'p0', name: 'stored', _position: 3 }] });
    const buffer = new BatchBuffer(collections, load, true);
    const first = buffer.begin(event(7));
    const fresh = { _id: 'p1', name: 'x' };
    first.put('persons', fresh);
    await first.commit();
    expect(buffer.writes()[0].doc).toBe(fresh);
    expect(fresh).toEqual({ _id: 'p1', name: 'x', _position: 7 });

    const second = buffer.begin(event(8));
    const read = (await second.get('persons', 'p0'))!;
    expect(Object.isFrozen(read)).toBe(true);
    second.put('persons', read);
    await second.commit();
    const written = buffer.writes().find((w) => w.id === 'p0')!.doc!;
    expect(written).not.toBe(read);
    expect(written).toEqual({ _id: 'p0', name: 'stored', _position: 8 });
    expect(read._position).toBe(3);
  });

  it('lets later events of the batch read earlier writes, and keeps one write per document', async () => {
    const buffer = new BatchBuffer(collections, loaderOver({}).load);
    const a = buffer.begin(event(1));
    a.put('counts', { _id: 'total', n: 1 });
    await a.commit();
    const b = buffer.begin(event(2));
    const doc = await b.get<{ _id: string; n: number }>('counts', 'total');
    expect(doc).toEqual({ _id: 'total', n: 1, _position: 1 });
    b.put('counts', { ...doc!, n: doc!.n + 1 });
    await b.commit();
    expect(buffer.writes()).toEqual([
      { collection: 'counts', id: 'total', doc: { _id: 'total', n: 2, _position: 2 }, position: 2, stored: null },
    ]);
  });

  it('ignores writes to a document that has already seen the event, but still shows it to apply', async () => {
    const stored = { persons: [{ _id: 'p1', region: 'A', _position: 10 }] };
    const buffer = new BatchBuffer(collections, loaderOver(stored).load);
    const ctx = buffer.begin(event(10));
    const seen = await ctx.get('persons', 'p1');
    expect(seen).toEqual({ _id: 'p1', region: 'A', _position: 10 });
    ctx.put('persons', { _id: 'p1', region: 'B' });
    ctx.put('counts', { _id: 'B', n: 1 });
    await ctx.commit();
    expect(buffer.writes().map((w) => `${w.collection}/${w.id}`)).toEqual(['counts/B']);
    // The ignored put is not visible either: the document stays as the store has it.
    expect(buffer.begin(event(11)).getLoaded('persons', 'p1')).toEqual({ _id: 'p1', region: 'A', _position: 10 });
  });

  it('applies the guard to blind writes (no get) by loading the document at commit', async () => {
    const stored = { persons: [{ _id: 'p1', _position: 12 }] };
    const { load, calls } = loaderOver(stored);
    const buffer = new BatchBuffer(collections, load);
    const ctx = buffer.begin(event(11));
    ctx.delete('persons', 'p1');
    ctx.put('persons', { _id: 'p2' });
    expect(ctx.commitSync()).toBe(false);
    await ctx.commit();
    expect(calls).toEqual([{ collection: 'persons', ids: ['p1', 'p2'] }]);
    expect(buffer.writes().map((w) => w.id)).toEqual(['p2']);
  });

  it('does not load a created document: the write goes out guarded, and later events of the batch read it', async () => {
    // The store holds a newer p1 (a replay): create does not look, the write's guard (position 11) is the store's to refuse.
    const { load, calls } = loaderOver({ persons: [{ _id: 'p1', _position: 12 }] });
    const buffer = new BatchBuffer(collections, load);
    const first = buffer.begin(event(11));
    first.create('persons', { _id: 'p1', v: 1 });
    first.create('persons', { _id: 'p2', v: 1 });
    expect(first.commitSync()).toBe(true);
    const second = buffer.begin(event(13));
    second.create('persons', { _id: 'p3', v: 1 });
    await second.commit();
    expect(calls).toEqual([]);
    expect(buffer.writes()).toEqual([
      { collection: 'persons', id: 'p1', doc: { _id: 'p1', v: 1, _position: 11 }, position: 11, stored: null },
      { collection: 'persons', id: 'p2', doc: { _id: 'p2', v: 1, _position: 11 }, position: 11, stored: null },
      { collection: 'persons', id: 'p3', doc: { _id: 'p3', v: 1, _position: 13 }, position: 13, stored: null },
    ]);
    const later = buffer.begin(event(14));
    expect(later.getLoaded('persons', 'p2')).toEqual({ _id: 'p2', v: 1, _position: 11 });
    // A plain put beside a create still loads its own document.
    later.put('persons', { _id: 'p4' });
    expect(later.commitSync()).toBe(false);
    await later.commit();
    expect(calls).toEqual([{ collection: 'persons', ids: ['p4'] }]);
  });

  it('tells the store what it found stored, from the first load on, and nothing for a document without a position', async () => {
    const stored = {
      persons: [
        { _id: 'p1', v: 1, _position: 3 },
        { _id: 'p2', v: 1 },
      ],
    };
    const buffer = new BatchBuffer(collections, loaderOver(stored).load);
    await buffer.prefetch([
      { collection: 'persons', id: 'p1' },
      { collection: 'persons', id: 'p2' },
    ]);
    for (const position of [4, 5]) {
      const ctx = buffer.begin(event(position));
      ctx.put('persons', { _id: 'p1', v: position });
      ctx.put('persons', { _id: 'p2', v: position });
      expect(ctx.commitSync()).toBe(true);
    }
    expect(buffer.writes().map(({ id, position, stored }) => ({ id, position, stored }))).toEqual([
      // Written twice in the batch: still the position the store held before it.
      { id: 'p1', position: 5, stored: 3 },
      { id: 'p2', position: 5, stored: undefined },
    ]);
  });

  it('applies a document written by an older event', async () => {
    const stored = { persons: [{ _id: 'p1', v: 1, _position: 3 }] };
    const buffer = new BatchBuffer(collections, loaderOver(stored).load);
    await buffer.prefetch([{ collection: 'persons', id: 'p1' }]);
    const ctx = buffer.begin(event(4));
    const doc = ctx.getLoaded('persons', 'p1');
    expect(doc).toEqual({ _id: 'p1', v: 1, _position: 3 });
    ctx.delete('persons', 'p1');
    expect(ctx.commitSync()).toBe(true);
    // The position the batch found stored goes with the write, as the store's hint.
    expect(buffer.writes()).toEqual([{ collection: 'persons', id: 'p1', doc: null, position: 4, stored: 3 }]);
    expect(buffer.begin(event(5)).getLoaded('persons', 'p1')).toBeNull();
  });

  it('leaves the batch untouched when apply fails before commit', async () => {
    const buffer = new BatchBuffer(collections, loaderOver({}).load);
    const failed = buffer.begin(event(1));
    failed.put('persons', { _id: 'p1' });
    // no commit: apply threw
    expect(buffer.writes()).toEqual([]);
    const retry = buffer.begin(event(1));
    expect(await retry.get('persons', 'p1')).toBeNull();
  });

  it('hands out copies, so mutating a read document changes nothing until put', async () => {
    const buffer = new BatchBuffer(collections, loaderOver({ counts: [{ _id: 't', n: 1, _position: 1 }] }).load);
    const ctx = buffer.begin(event(2));
    const doc = (await ctx.get<{ _id: string; n: number }>('counts', 't'))!;
    doc.n = 99;
    expect(ctx.getLoaded<{ _id: string; n: number }>('counts', 't')!.n).toBe(1);
  });

  it('shares shallow-frozen documents with projections that promise not to mutate them', async () => {
    const buffer = new BatchBuffer(collections, loaderOver({ counts: [{ _id: 't', n: 1, _position: 1 }] }).load, true);
    const ctx = buffer.begin(event(2));
    const doc = (await ctx.get<{ _id: string; n: number }>('counts', 't'))!;
    expect(Object.isFrozen(doc)).toBe(true);
    expect(() => {
      doc.n = 2;
    }).toThrow(TypeError);
    ctx.put('counts', { ...doc, n: 2 });
    await ctx.commit();
    expect(buffer.writes()[0].doc).toEqual({ _id: 't', n: 2, _position: 2 });
  });

  it('sees its own staged writes within the event', async () => {
    const buffer = new BatchBuffer(collections, loaderOver({}).load);
    const ctx = buffer.begin(event(5));
    ctx.put('counts', { _id: 't', n: 1 });
    expect(await ctx.get('counts', 't')).toEqual({ _id: 't', n: 1, _position: 5 });
  });

  it('prefetches a batch with one loader call per collection, skipping known documents', async () => {
    const { load, calls } = loaderOver({ persons: [{ _id: 'a', _position: 1 }] });
    const buffer = new BatchBuffer(collections, load);
    await buffer.prefetch([
      { collection: 'persons', id: 'a' },
      { collection: 'persons', id: 'b' },
      { collection: 'persons', id: 'a' },
      { collection: 'counts', id: 'x' },
    ]);
    await buffer.prefetch([{ collection: 'persons', id: 'b' }]);
    expect(calls).toEqual([
      { collection: 'persons', ids: ['a', 'b'] },
      { collection: 'counts', ids: ['x'] },
    ]);
    expect(buffer.size).toBe(3);
  });

  it('refuses undeclared collections and documents without an id', () => {
    const ctx = new BatchBuffer(collections, loaderOver({}).load).begin(event(1));
    expect(() => ctx.put('other', { _id: 'x' })).toThrow(/not declared/);
    expect(() => ctx.put('persons', { _id: '' })).toThrow(/_id/);
  });

  it('marks a store failure so the runner fails the batch instead of parking the event', async () => {
    const buffer = new BatchBuffer(collections, async () => {
      throw new Error('disk I/O error');
    });
    const ctx = buffer.begin(event(1));
    await expect(ctx.get('persons', 'p1')).rejects.toBeInstanceOf(DocumentLoadError);
    expect(ctx.storeFailed).toBe(true);
  });

  it('keeps state the events of a batch share until finish, which writes it as the event it names', async () => {
    const { load } = loaderOver({ counts: [{ _id: 'c', n: 10, _position: 2 }] });
    const buffer = new BatchBuffer(collections, load, true);
    await buffer.prefetch([{ collection: 'counts', id: 'c' }]);
    const owner = {};
    for (const position of [3, 4, 5]) {
      const ctx = buffer.begin(event(position));
      ctx.batchState(owner, () => ({ n: 0, last: 0 })).n += 1;
      ctx.batchState(owner, () => ({ n: 0, last: 0 })).last = position;
      await ctx.commit();
    }
    // Nothing reaches the buffer until the batch finishes.
    expect(buffer.writes()).toEqual([]);
    const finishing = {
      finishBatch: jest.fn(async (finish: import('./projection').BatchFinish) => {
        const gathered = finish.state<{ n: number; last: number }>(owner)!;
        const stored = finish.as(event(gathered.last)).getLoaded<Document & { n: number }>('counts', 'c')!;
        finish.as(event(gathered.last)).put('counts', { _id: 'c', n: stored.n + gathered.n });
        expect(finish.state({})).toBeUndefined();
      }),
    };
    await buffer.finish(finishing);
    expect(finishing.finishBatch).toHaveBeenCalledTimes(1);
    expect(buffer.writes()).toEqual([{ collection: 'counts', id: 'c', doc: { _id: 'c', n: 13, _position: 5 }, position: 5, stored: 2 }]);
    // The state went with the batch: finishing again calls nothing.
    await buffer.finish(finishing);
    expect(finishing.finishBatch).toHaveBeenCalledTimes(1);
  });

  it('shortens error texts', () => {
    expect(errorText(new TypeError('x'.repeat(1000)))).toHaveLength(300);
    expect(errorText('plain')).toBe('plain');
  });
});
