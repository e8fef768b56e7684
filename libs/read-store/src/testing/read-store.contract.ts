import {
  Document,
  DuplicateKeyError,
  Filter,
  FindOptions,
  InvalidQueryError,
  ReadStore,
  Scalar,
  ScanOptions,
  WriteOp,
} from '../read-store.port';

/**
 * The behaviour every ReadStore adapter must share. Run by each adapter's `.int-spec.ts`
 * against a real store; the factory is called once per suite and each test works in
 * collections of its own, so a server-backed run needs one database only.
 */
export function readStoreContract(name: string, factory: () => Promise<ReadStore>): void {
  describe(`ReadStore contract: ${name}`, () => {
    let store: ReadStore;
    let counter = 0;
    /** A fresh collection name per call, so tests never see each other's documents. */
    const fresh = (label: string) => `${label}_${++counter}`;

    beforeAll(async () => {
      store = await factory();
    });
    afterAll(async () => {
      await store?.close();
    });

    async function findAll<T extends Document>(collection: string, filter?: Filter, options: FindOptions = {}): Promise<T[]> {
      const out: T[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 1000; guard++) {
        const page = await store.collection<T>(collection).find(filter, { ...options, cursor });
        out.push(...page.items);
        if (!page.nextCursor) return out;
        cursor = page.nextCursor;
      }
      throw new Error('paging did not terminate');
    }

    const ids = (docs: Document[]) => docs.map((d) => d._id);
    const sortedIds = (docs: Document[]) => ids(docs).sort();

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      expect(store.engine).toMatch(/^[a-z]+$/);
    });

    describe('documents', () => {
      it('upserts, gets, replaces and deletes', async () => {
        const c = store.collection(fresh('crud'));
        expect(await c.get('p1')).toBeNull();
        expect(await c.upsert({ _id: 'p1', name: 'Li Lei', tags: ['a', 'b'], nested: { x: 1 } })).toBe(true);
        expect(await c.get('p1')).toEqual({ _id: 'p1', name: 'Li Lei', tags: ['a', 'b'], nested: { x: 1 } });
        // Upsert replaces the whole document: fields not given are gone.
        expect(await c.upsert({ _id: 'p1', name: 'Han Meimei' })).toBe(true);
        expect(await c.get('p1')).toEqual({ _id: 'p1', name: 'Han Meimei' });
        expect(await c.delete('p1')).toBe(true);
        expect(await c.delete('p1')).toBe(false);
        expect(await c.get('p1')).toBeNull();
      });

      it('reads from a collection that was never written as empty', async () => {
        const c = store.collection(fresh('never'));
        expect(await c.get('x')).toBeNull();
        expect((await c.getMany(['x'])).size).toBe(0);
        expect(await c.find({ a: 1 })).toEqual({ items: [] });
        expect(await c.count()).toBe(0);
        expect(await c.patch('x', { a: 1 })).toBe(false);
        expect(await c.delete('x')).toBe(false);
      });

      it('getMany returns found documents only, beyond one chunk', async () => {
        const coll = fresh('many');
        const ops: WriteOp[] = [];
        for (let i = 0; i < 620; i++) ops.push({ kind: 'upsert', collection: coll, doc: { _id: `id${i}`, n: i } });
        await store.write(ops);
        const wanted = [...Array.from({ length: 620 }, (_, i) => `id${i}`), 'missing', 'id3'];
        const found = await store.collection(coll).getMany(wanted);
        expect(found.size).toBe(620);
        expect(found.get('id619')).toEqual({ _id: 'id619', n: 619 });
        expect(found.has('missing')).toBe(false);
        expect((await store.collection(coll).getMany([])).size).toBe(0);
      });

      it('round-trips JSON values exactly', async () => {
        const c = store.collection(fresh('json'));
        const doc = {
          _id: 'j',
          int: 42,
          negative: -7,
          float: 3.25,
          big: 2 ** 40,
          t: true,
          f: false,
          nil: null,
          empty: '',
          // No array inside an array: FerretDB v1 refuses nested arrays, so read models avoid them.
          arr: [1, 'two', null, { three: 3, list: [4] }],
          obj: { deep: { deeper: { deepest: 'yes' } } },
          text: 'quote " backslash \\ newline \n tab \t 中文',
        };
        await c.upsert(doc);
        expect(await c.get('j')).toEqual(doc);
      });

      it('patches dotted paths, creating intermediate objects and keeping the rest', async () => {
        const c = store.collection(fresh('patch'));
        await c.upsert({ _id: 'p', name: 'a', address: { city: 'Hangzhou', street: 'X' }, list: [1] });
        expect(await c.patch('p', { 'address.city': 'Ningbo', 'contact.phone.mobile': '138', list: [1, 2], flag: true })).toBe(true);
        expect(await c.get('p')).toEqual({
          _id: 'p',
          name: 'a',
          address: { city: 'Ningbo', street: 'X' },
          contact: { phone: { mobile: '138' } },
          list: [1, 2],
          flag: true,
        });
        expect(await c.patch('missing', { a: 1 })).toBe(false);
        expect(await c.get('missing')).toBeNull();
      });

      it('refuses patches that change _id, overlap, or cross a non-object', async () => {
        const c = store.collection(fresh('patchbad'));
        await c.upsert({ _id: 'p', name: 'secret-value', n: 1 });
        await expect(c.patch('p', { _id: 'q' })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(c.patch('p', { a: 1, 'a.b': 2 })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(c.patch('p', { $inc: 1 } as Record<string, unknown>)).rejects.toBeInstanceOf(InvalidQueryError);
        const err = await c.patch('p', { 'name.first': 'x' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidQueryError);
        expect((err as Error).message).not.toContain('secret-value');
        expect(await c.get('p')).toEqual({ _id: 'p', name: 'secret-value', n: 1 });
      });
    });

    describe('position guards', () => {
      it('upsert: accepted on a missing document, refused when older or equal, accepted when newer', async () => {
        const c = store.collection(fresh('gup'));
        expect(await c.upsert({ _id: 'd', v: 1 }, { position: 10 })).toBe(true);
        expect(await c.get('d')).toEqual({ _id: 'd', v: 1, _position: 10 });
        expect(await c.upsert({ _id: 'd', v: 2 }, { position: 9 })).toBe(false);
        expect(await c.upsert({ _id: 'd', v: 3 }, { position: 10 })).toBe(false);
        expect(await c.get('d')).toEqual({ _id: 'd', v: 1, _position: 10 });
        expect(await c.upsert({ _id: 'd', v: 4 }, { position: 11 })).toBe(true);
        expect(await c.get('d')).toEqual({ _id: 'd', v: 4, _position: 11 });
      });

      it('upsert: a document without a position is older than any guard', async () => {
        const c = store.collection(fresh('gnopos'));
        await c.upsert({ _id: 'd', v: 1 });
        expect(await c.upsert({ _id: 'd', v: 2 }, { position: 0 })).toBe(true);
        expect(await c.get('d')).toEqual({ _id: 'd', v: 2, _position: 0 });
      });

      it('upsert: the guard position wins over a _position in the document', async () => {
        const c = store.collection(fresh('gwins'));
        await c.upsert({ _id: 'd', _position: 99 }, { position: 5 });
        expect((await c.get('d'))?._position).toBe(5);
      });

      it('patch: false on a missing document, refused when not newer, applied and recorded when newer', async () => {
        const c = store.collection(fresh('gpatch'));
        expect(await c.patch('d', { v: 1 }, { position: 1 })).toBe(false);
        expect(await c.get('d')).toBeNull();
        await c.upsert({ _id: 'd', v: 0 }, { position: 5 });
        expect(await c.patch('d', { v: 1 }, { position: 4 })).toBe(false);
        expect(await c.patch('d', { v: 2 }, { position: 5 })).toBe(false);
        expect(await c.get('d')).toEqual({ _id: 'd', v: 0, _position: 5 });
        expect(await c.patch('d', { 'sub.v': 3 }, { position: 6 })).toBe(true);
        expect(await c.get('d')).toEqual({ _id: 'd', v: 0, sub: { v: 3 }, _position: 6 });
        // A guarded patch that sets nothing still moves the position.
        expect(await c.patch('d', {}, { position: 7 })).toBe(true);
        expect((await c.get('d'))?._position).toBe(7);
      });

      it('delete: refused when not newer, applied when newer', async () => {
        const c = store.collection(fresh('gdel'));
        await c.upsert({ _id: 'd' }, { position: 5 });
        expect(await c.delete('d', { position: 5 })).toBe(false);
        expect(await c.delete('d', { position: 3 })).toBe(false);
        expect(await c.get('d')).not.toBeNull();
        expect(await c.delete('d', { position: 6 })).toBe(true);
        expect(await c.get('d')).toBeNull();
        expect(await c.delete('d', { position: 7 })).toBe(false);
      });

      it('refuses a malformed guard position', async () => {
        const c = store.collection(fresh('gbad'));
        await expect(c.upsert({ _id: 'd' }, { position: -1 })).rejects.toBeInstanceOf(InvalidQueryError);
        await expect(c.upsert({ _id: 'd' }, { position: 1.5 })).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it('concurrent guarded upserts of the same new document: exactly one wins', async () => {
        const c = store.collection(fresh('grace'));
        const results = await Promise.all(Array.from({ length: 5 }, (_, i) => c.upsert({ _id: 'lease', owner: `i${i}` }, { position: 1 })));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await c.get('lease')).toEqual({ _id: 'lease', owner: `i${winner}`, _position: 1 });
      });
    });

    describe('write batches', () => {
      it('applies many ops across two collections in order, honouring guards', async () => {
        const a = fresh('batch_a');
        const b = fresh('batch_b');
        const ops: WriteOp[] = [];
        for (let i = 0; i < 150; i++) {
          ops.push({ kind: 'upsert', collection: a, doc: { _id: `a${i}`, n: i }, guard: { position: 100 + i } });
          ops.push({ kind: 'upsert', collection: b, doc: { _id: `b${i}`, n: i } });
        }
        // Refused (older than what the same batch just wrote), then a newer one is applied.
        ops.push({ kind: 'upsert', collection: a, doc: { _id: 'a0', n: -1 }, guard: { position: 50 } });
        ops.push({ kind: 'upsert', collection: a, doc: { _id: 'a1', n: -1 }, guard: { position: 101 } });
        ops.push({ kind: 'patch', collection: a, id: 'a2', set: { 'extra.flag': true }, guard: { position: 500 } });
        ops.push({ kind: 'patch', collection: a, id: 'a3', set: { n: -3 }, guard: { position: 1 } });
        ops.push({ kind: 'patch', collection: b, id: 'nope', set: { n: 1 } });
        ops.push({ kind: 'delete', collection: b, id: 'b0' });
        ops.push({ kind: 'delete', collection: a, id: 'a4', guard: { position: 1 } });
        ops.push({ kind: 'delete', collection: a, id: 'a5', guard: { position: 1000 } });
        ops.push({ kind: 'upsert', collection: b, doc: { _id: 'b0', n: 'again' } });
        await store.write(ops);

        expect(await store.collection(a).count()).toBe(149);
        expect(await store.collection(b).count()).toBe(150);
        expect(await store.collection(a).get('a0')).toEqual({ _id: 'a0', n: 0, _position: 100 });
        expect(await store.collection(a).get('a1')).toEqual({ _id: 'a1', n: 1, _position: 101 });
        expect(await store.collection(a).get('a2')).toEqual({ _id: 'a2', n: 2, extra: { flag: true }, _position: 500 });
        expect(await store.collection(a).get('a3')).toEqual({ _id: 'a3', n: 3, _position: 103 });
        expect(await store.collection(a).get('a4')).not.toBeNull();
        expect(await store.collection(a).get('a5')).toBeNull();
        expect(await store.collection(b).get('b0')).toEqual({ _id: 'b0', n: 'again' });
        expect(await store.collection(b).get('nope')).toBeNull();
      });

      it('accepts an empty batch', async () => {
        await expect(store.write([])).resolves.toBeUndefined();
      });

      it('refuses a batch with an invalid op without applying any of it', async () => {
        const a = fresh('batch_bad');
        const ops = [
          { kind: 'upsert', collection: a, doc: { _id: 'x', n: 1 } },
          { kind: 'patch', collection: a, id: 'x', set: { $set: 1 } },
        ] as WriteOp[];
        await expect(store.write(ops)).rejects.toBeInstanceOf(InvalidQueryError);
        expect(await store.collection(a).get('x')).toBeNull();
        await expect(store.write([{ kind: 'upsert', collection: 'bad-name', doc: { _id: 'x' } }])).rejects.toBeInstanceOf(
          InvalidQueryError,
        );
      });
    });

    describe('stored hints (WriteOp.stored)', () => {
      const at = async (collection: string, id: string, position: number, extra: Record<string, unknown> = {}) =>
        store.collection(collection).upsert({ _id: id, n: 0, ...extra }, { position });

      it('an upsert expected absent is inserted; where a document is stored after all, its guard decides', async () => {
        const c = fresh('hint_new');
        await at(c, 'older', 5);
        await at(c, 'newer', 20);
        await store.write([
          { kind: 'upsert', collection: c, doc: { _id: 'new', n: 1 }, guard: { position: 10 }, stored: null },
          { kind: 'upsert', collection: c, doc: { _id: 'older', n: 1 }, guard: { position: 10 }, stored: null },
          { kind: 'upsert', collection: c, doc: { _id: 'newer', n: 1 }, guard: { position: 10 }, stored: null },
        ]);
        const docs = await findAll(c);
        expect(docs).toEqual([
          { _id: 'new', n: 1, _position: 10 },
          { _id: 'newer', n: 0, _position: 20 },
          { _id: 'older', n: 1, _position: 10 },
        ]);
      });

      it('an op expected at a position applies when the document is still there, and is checked against what is stored when not', async () => {
        const c = fresh('hint_at');
        // Forty documents at position 5, each written as the writer saw it (stored: 5); some
        // have moved since, among documents that have not, so a command matches fewer than it names.
        const ops: WriteOp[] = [];
        for (let i = 0; i < 40; i++) {
          await at(c, `d${i}`, 5);
          ops.push({ kind: 'upsert', collection: c, doc: { _id: `d${i}`, n: 1 }, guard: { position: 10 }, stored: 5 });
        }
        await at(c, 'd7', 7); // moved, still older than the guard: replaced
        await at(c, 'd21', 30); // moved past the guard: kept
        await store.collection(c).delete('d33'); // deleted since: written again, as without the hint
        await at(c, 'p1', 5);
        await at(c, 'p2', 12);
        await at(c, 'x1', 5);
        await at(c, 'x2', 12);
        await at(c, 'x3', 9);
        ops.push(
          { kind: 'patch', collection: c, id: 'p1', set: { n: 2 }, guard: { position: 10 }, stored: 5 },
          { kind: 'patch', collection: c, id: 'p2', set: { n: 2 }, guard: { position: 10 }, stored: 5 },
          { kind: 'delete', collection: c, id: 'x1', guard: { position: 10 }, stored: 5 },
          { kind: 'delete', collection: c, id: 'x2', guard: { position: 10 }, stored: 5 },
          { kind: 'delete', collection: c, id: 'x3', guard: { position: 10 }, stored: 4 },
          // A hint the guard already refuses (a replay): the stored document decides, and keeps it.
          { kind: 'upsert', collection: c, doc: { _id: 'd0', n: 9 }, guard: { position: 10 }, stored: 10 },
        );
        // d0 appears twice: the later op is refused by the guard the earlier one leaves.
        await store.write(ops);
        const byId = new Map((await findAll(c)).map((d) => [d._id, d]));
        for (let i = 0; i < 40; i++) {
          if (i === 21) expect(byId.get('d21')).toEqual({ _id: 'd21', n: 0, _position: 30 });
          else expect(byId.get(`d${i}`)).toEqual({ _id: `d${i}`, n: 1, _position: 10 });
        }
        expect(byId.get('p1')).toEqual({ _id: 'p1', n: 2, _position: 10 });
        expect(byId.get('p2')).toEqual({ _id: 'p2', n: 0, _position: 12 });
        expect(byId.has('x1')).toBe(false);
        expect(byId.get('x2')).toEqual({ _id: 'x2', n: 0, _position: 12 });
        expect(byId.has('x3')).toBe(false);
        expect(byId.size).toBe(43);
      });

      it('a patch or delete of a document expected absent still finds one stored after all', async () => {
        const c = fresh('hint_gone');
        await at(c, 'here', 5);
        await at(c, 'kept', 5);
        await store.write([
          { kind: 'delete', collection: c, id: 'here', guard: { position: 10 }, stored: null },
          { kind: 'patch', collection: c, id: 'kept', set: { n: 3 }, guard: { position: 10 }, stored: null },
          { kind: 'delete', collection: c, id: 'never', guard: { position: 10 }, stored: null },
        ]);
        expect(await findAll(c)).toEqual([{ _id: 'kept', n: 3, _position: 10 }]);
      });

      it('a created document that breaks a unique index surfaces as DuplicateKeyError', async () => {
        const c = store.collection(fresh('hint_uniq'));
        await c.ensureIndexes([{ name: 'byCode', fields: [['code', 1]], unique: true }]);
        await c.upsert({ _id: 'a', code: 'secret-code' }, { position: 1 });
        const err = await store
          .write([{ kind: 'upsert', collection: c.name, doc: { _id: 'b', code: 'secret-code' }, guard: { position: 2 }, stored: null }])
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateKeyError);
        expect((err as Error).message).not.toContain('secret-code');
        expect(await c.get('b')).toBeNull();
      });

      it('refuses a malformed hint without applying the batch', async () => {
        const c = fresh('hint_bad');
        for (const stored of [-1, 1.5, '3', {}]) {
          const ops = [
            { kind: 'upsert', collection: c, doc: { _id: 'x', n: 1 } },
            { kind: 'upsert', collection: c, doc: { _id: 'y', n: 1 }, guard: { position: 4 }, stored },
          ] as WriteOp[];
          await expect(store.write(ops)).rejects.toBeInstanceOf(InvalidQueryError);
        }
        expect(await store.collection(c).count()).toBe(0);
      });
    });

    describe('filters', () => {
      let coll: string;
      const people: Document[] = [
        {
          _id: 'p1',
          name: 'Zhang San',
          age: 30,
          region: { code: '330100', city: 'Hangzhou' },
          types: ['pension', 'medical'],
          active: true,
          note: null,
          score: 1.5,
        },
        { _id: 'p2', name: 'Li Si', age: 45, region: { code: '330200', city: 'Ningbo' }, types: ['medical'], active: false, score: 2 },
        { _id: 'p3', name: 'Wang Wu', age: 18, region: { code: '330102', city: 'Hangzhou' }, types: [], active: true, note: 'n' },
        { _id: 'p4', name: 'Zhao Liu', age: 62, region: { code: '110000', city: 'Beijing' }, types: ['pension'], active: 1, score: 0 },
        { _id: 'p5', name: '100%_match.', age: '45', region: { code: '3301' }, types: 'pension', flags: [1, 2, 3] },
        { _id: 'p6', name: 'Sun Qi', region: null, types: ['unemployment', 'injury'], flags: [true] },
      ];

      beforeAll(async () => {
        coll = fresh('filters');
        await store.write(people.map((doc) => ({ kind: 'upsert' as const, collection: coll, doc })));
      });

      const match = async (filter: Filter) => sortedIds(await findAll(coll, filter));

      it('matches everything without a filter', async () => {
        expect(await match({})).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
        expect(sortedIds(await findAll(coll))).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
      });

      it('eq: bare scalars and `eq`, on nested paths, with types kept apart', async () => {
        expect(await match({ name: 'Li Si' })).toEqual(['p2']);
        expect(await match({ 'region.city': 'Hangzhou' })).toEqual(['p1', 'p3']);
        expect(await match({ 'region.city': { eq: 'Hangzhou' }, age: { eq: 18 } })).toEqual(['p3']);
        expect(await match({ age: 45 })).toEqual(['p2']); // not the string '45'
        expect(await match({ age: '45' })).toEqual(['p5']);
        expect(await match({ active: true })).toEqual(['p1', 'p3']); // not the number 1
        expect(await match({ active: 1 })).toEqual(['p4']);
        expect(await match({ active: false })).toEqual(['p2']);
        expect(await match({ score: 2 })).toEqual(['p2']);
        expect(await match({ score: 1.5 })).toEqual(['p1']);
        expect(await match({ _id: 'p4' })).toEqual(['p4']);
        expect(await match({ _id: 4 })).toEqual([]);
      });

      it('eq null matches null and missing', async () => {
        expect(await match({ note: null })).toEqual(['p1', 'p2', 'p4', 'p5', 'p6']);
        expect(await match({ region: null })).toEqual(['p6']);
        expect(await match({ 'region.city': null })).toEqual(['p5', 'p6']);
      });

      it('eq and in on arrays match any element', async () => {
        expect(await match({ types: 'pension' })).toEqual(['p1', 'p4', 'p5']);
        expect(await match({ types: { eq: 'medical' } })).toEqual(['p1', 'p2']);
        expect(await match({ types: { in: ['injury', 'medical'] } })).toEqual(['p1', 'p2', 'p6']);
        expect(await match({ flags: 2 })).toEqual(['p5']);
        expect(await match({ flags: true })).toEqual(['p6']);
        expect(await match({ flags: 1 })).toEqual(['p5']);
      });

      it('ne: excludes equal values and arrays containing them, keeps missing fields', async () => {
        expect(await match({ types: { ne: 'pension' } })).toEqual(['p2', 'p3', 'p6']);
        expect(await match({ 'region.city': { ne: 'Hangzhou' } })).toEqual(['p2', 'p4', 'p5', 'p6']);
        expect(await match({ note: { ne: null } })).toEqual(['p3']);
        expect(await match({ active: { ne: true } })).toEqual(['p2', 'p4', 'p5', 'p6']);
      });

      it('in on scalars, mixed types and null', async () => {
        expect(await match({ age: { in: [18, 62, '45'] } })).toEqual(['p3', 'p4', 'p5']);
        expect(await match({ _id: { in: ['p2', 'p6', 'zz'] } })).toEqual(['p2', 'p6']);
        expect(await match({ score: { in: [null, 0] } })).toEqual(['p3', 'p4', 'p5', 'p6']);
        expect(await match({ age: { in: [] } })).toEqual([]);
      });

      it('ranges compare within one type (numbers with numbers, strings with strings)', async () => {
        expect(await match({ age: { gt: 30 } })).toEqual(['p2', 'p4']);
        expect(await match({ age: { gte: 30 } })).toEqual(['p1', 'p2', 'p4']);
        expect(await match({ age: { lt: 30 } })).toEqual(['p3']);
        expect(await match({ age: { lte: 30, gte: 18 } })).toEqual(['p1', 'p3']);
        expect(await match({ age: { gt: '4' } })).toEqual(['p5']);
        expect(await match({ 'region.code': { gte: '330100', lt: '330200' } })).toEqual(['p1', 'p3']);
        expect(await match({ _id: { gt: 'p4' } })).toEqual(['p5', 'p6']);
        expect(await match({ flags: { gt: 2 } })).toEqual(['p5']);
        expect(await match({ score: { gte: 0, lt: 2 } })).toEqual(['p1', 'p4']);
      });

      it('exists', async () => {
        expect(await match({ note: { exists: true } })).toEqual(['p1', 'p3']);
        expect(await match({ score: { exists: false } })).toEqual(['p3', 'p5', 'p6']);
        expect(await match({ 'region.city': { exists: true } })).toEqual(['p1', 'p2', 'p3', 'p4']);
        expect(await match({ region: { exists: true } })).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
      });

      it('prefix: literal, on nested paths and arrays, with LIKE and regex metacharacters', async () => {
        expect(await match({ 'region.code': { prefix: '3301' } })).toEqual(['p1', 'p3', 'p5']);
        expect(await match({ 'region.code': { prefix: '33' }, 'region.city': 'Hangzhou' })).toEqual(['p1', 'p3']);
        expect(await match({ types: { prefix: 'pen' } })).toEqual(['p1', 'p4', 'p5']);
        expect(await match({ name: { prefix: '100%_' } })).toEqual(['p5']);
        expect(await match({ name: { prefix: '100_' } })).toEqual([]);
        expect(await match({ name: { prefix: '1%' } })).toEqual([]);
        expect(await match({ name: { prefix: '100%_match.' } })).toEqual(['p5']);
        expect(await match({ name: { prefix: '.*' } })).toEqual([]);
        expect(await match({ name: { prefix: 'zhang' } })).toEqual([]); // case-sensitive
        expect(await match({ name: { prefix: '' } })).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
        expect(await match({ age: { prefix: '4' } })).toEqual(['p5']); // strings only
        expect(await match({ _id: { prefix: 'p' } })).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
      });

      it('counts with and without a filter', async () => {
        expect(await store.collection(coll).count()).toBe(6);
        expect(await store.collection(coll).count({ types: 'pension' })).toBe(3);
        expect(await store.collection(coll).count({ 'region.code': { prefix: '33' }, age: { gte: 30 } })).toBe(2);
      });

      it('projects top-level fields plus _id', async () => {
        const page = await store.collection(coll).find({ _id: 'p1' }, { fields: ['name', 'region', 'absent'] });
        expect(page.items).toEqual([{ _id: 'p1', name: 'Zhang San', region: { code: '330100', city: 'Hangzhou' } }]);
      });
    });

    describe('sorting and cursor paging', () => {
      let coll: string;
      const docs: Document[] = [];
      beforeAll(async () => {
        coll = fresh('paging');
        for (let i = 0; i < 57; i++) {
          const doc: Document = {
            _id: `d${String((i * 37) % 57).padStart(2, '0')}`,
            score: i % 5,
            name: `n${i % 7}`,
            nested: { rank: i % 3 },
          };
          if (i % 11 === 0) delete doc.score; // missing sort values sort first ascending
          if (i % 13 === 0) doc.score = null;
          docs.push(doc);
        }
        await store.write(docs.map((doc) => ({ kind: 'upsert' as const, collection: coll, doc })));
      });

      /** The reference order: missing/null first ascending, then by value; `_id` ascending breaks ties. */
      function expected(keys: Array<[string, 1 | -1]>, subset: Document[] = docs): string[] {
        const get = (d: Document, path: string): Scalar => {
          let v: unknown = d;
          for (const s of path.split('.')) v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[s];
          return (v ?? null) as Scalar;
        };
        const cmp = (a: Scalar, b: Scalar): number => {
          if (a === b) return 0;
          if (a === null) return -1;
          if (b === null) return 1;
          return a < b ? -1 : 1;
        };
        return [...subset]
          .sort((x, y) => {
            for (const [path, dir] of keys) {
              const c = cmp(get(x, path), get(y, path));
              if (c !== 0) return c * dir;
            }
            return x._id < y._id ? -1 : 1;
          })
          .map((d) => d._id);
      }

      it('orders by _id by default and pages through every document exactly once', async () => {
        const all = await findAll(coll, {}, { limit: 7 });
        expect(ids(all)).toEqual(expected([]));
        expect(new Set(ids(all)).size).toBe(57);
      });

      it('sorts ascending with ties and missing values, across pages', async () => {
        const all = await findAll(coll, {}, { sort: [['score', 1]], limit: 6 });
        expect(ids(all)).toEqual(expected([['score', 1]]));
      });

      it('sorts descending with ties and missing values, across pages', async () => {
        const all = await findAll(coll, {}, { sort: [['score', -1]], limit: 4 });
        expect(ids(all)).toEqual(expected([['score', -1]]));
      });

      it('sorts on several keys including a nested path, with a filter and a projection', async () => {
        const keys: Array<[string, 1 | -1]> = [
          ['nested.rank', -1],
          ['name', 1],
          ['score', -1],
        ];
        const all = await findAll(coll, { 'nested.rank': { in: [0, 2] } }, { sort: keys, limit: 5, fields: ['name'] });
        const subset = docs.filter((d) => (d.nested as { rank: number }).rank !== 1);
        expect(ids(all)).toEqual(expected(keys, subset));
        expect(Object.keys(all[0]).sort()).toEqual(['_id', 'name']);
      });

      it('gives no cursor on the last page and honours the limit', async () => {
        const page = await store.collection(coll).find({}, { limit: 57 });
        expect(page.items).toHaveLength(57);
        expect(page.nextCursor).toBeUndefined();
        const first = await store.collection(coll).find({}, { limit: 56 });
        expect(first.nextCursor).toBeDefined();
        const last = await store.collection(coll).find({}, { limit: 56, cursor: first.nextCursor });
        expect(ids(last.items)).toEqual([expected([])[56]]);
        expect(last.nextCursor).toBeUndefined();
      });

      it('defaults to 50 per page and caps the page size at 1000', async () => {
        expect((await store.collection(coll).find()).items).toHaveLength(50);
        const big = fresh('cap');
        await store.write(Array.from({ length: 1005 }, (_, i) => ({ kind: 'upsert' as const, collection: big, doc: { _id: `x${i}` } })));
        const page = await store.collection(big).find({}, { limit: 5000 });
        expect(page.items).toHaveLength(1000);
        expect(page.nextCursor).toBeDefined();
      });

      it('keeps paging correct when documents are inserted between pages', async () => {
        const c = fresh('live');
        await store.write(['b', 'd', 'f', 'h'].map((id) => ({ kind: 'upsert' as const, collection: c, doc: { _id: id } })));
        const first = await store.collection(c).find({}, { limit: 2 });
        expect(ids(first.items)).toEqual(['b', 'd']);
        await store.collection(c).upsert({ _id: 'a' });
        await store.collection(c).upsert({ _id: 'e' });
        const second = await store.collection(c).find({}, { limit: 10, cursor: first.nextCursor });
        expect(ids(second.items)).toEqual(['e', 'f', 'h']);
      });
    });

    describe('scan', () => {
      const scanAll = async <T extends Document>(collection: string, filter?: Filter, options?: ScanOptions): Promise<T[]> => {
        const out: T[] = [];
        for await (const doc of store.collection<T>(collection).scan(filter, options)) out.push(doc);
        return out;
      };

      it('reads every matching document once, past any batch size, and an unknown collection as empty', async () => {
        const c = fresh('scan');
        const docs = Array.from({ length: 2500 }, (_, i) => ({ _id: `d${String(i).padStart(5, '0')}`, n: i, odd: i % 2 === 1 }));
        for (let i = 0; i < docs.length; i += 500) {
          // Created, as the store is told (WriteOp.stored): no lookups, so a wire server fills it quickly.
          await store.write(docs.slice(i, i + 500).map((doc): WriteOp => ({ kind: 'upsert', collection: c, doc, stored: null })));
        }
        const all = await scanAll<{ _id: string; n: number; odd: boolean }>(c);
        expect(all).toHaveLength(2500);
        expect(sortedIds(all)).toEqual(ids(docs));
        expect(all.find((d) => d._id === 'd01234')).toEqual({ _id: 'd01234', n: 1234, odd: false });
        const odd = await scanAll(c, { odd: true, n: { gte: 2000 } });
        expect(sortedIds(odd)).toEqual(ids(docs.filter((d) => d.odd && d.n >= 2000)));
        expect(await scanAll(fresh('scan_never'))).toEqual([]);
      });

      it('with the order of an index that serves the filter, reads every matching document once, past any page', async () => {
        const c = fresh('scan_sorted');
        await store.collection(c).ensureIndexes([
          {
            name: 'kind_n',
            fields: [
              ['kind', 1],
              ['n', 1],
            ],
          },
        ]);
        // Several documents share each `n`, so pages end inside runs of equal keys.
        const docs = Array.from({ length: 6000 }, (_, i) => ({
          _id: `s${String(6000 - i).padStart(5, '0')}`,
          kind: i % 3 === 0 ? 'a' : 'b',
          n: i % 700,
        }));
        for (let i = 0; i < docs.length; i += 500) {
          await store.write(docs.slice(i, i + 500).map((doc): WriteOp => ({ kind: 'upsert', collection: c, doc, stored: null })));
        }
        const filter: Filter = { kind: 'a', n: { gte: 100 } };
        const sorted = await scanAll<{ _id: string }>(c, filter, { sort: [['n', 1]] });
        const expected = sortedIds(docs.filter((d) => d.kind === 'a' && d.n >= 100));
        expect(expected.length).toBeGreaterThan(1000);
        expect(sorted).toHaveLength(expected.length);
        expect(sortedIds(sorted)).toEqual(expected);
        expect(sortedIds(await scanAll<{ _id: string }>(c, filter))).toEqual(expected);
        // Only the fields asked for, in either mode.
        const picked = await scanAll<Document>(c, { n: 5 }, { fields: ['n'], sort: [['n', 1]] });
        expect(picked.length).toBeGreaterThan(0);
        for (const doc of picked) expect(Object.keys(doc).sort()).toEqual(['_id', 'n']);
        expect((await scanAll<Document>(c, { n: 5 }, { fields: ['kind'] })).map((d) => Object.keys(d).sort())[0]).toEqual(['_id', 'kind']);
      });

      it('refuses a bad filter when read', async () => {
        const c = fresh('scan_bad');
        await store.collection(c).upsert({ _id: 'a', n: 1 });
        await expect(scanAll(c, { n: { $where: 'x' } } as unknown as Filter)).rejects.toBeInstanceOf(InvalidQueryError);
      });
    });

    describe('refusals (InvalidQueryError, without values in the message)', () => {
      let c: ReturnType<ReadStore['collection']>;
      beforeAll(async () => {
        c = store.collection(fresh('refuse'));
        await c.upsert({ _id: 'x', name: 'n', a: { b: 1 } });
      });

      const refused = async (promise: Promise<unknown>, secret?: string) => {
        const err = await promise.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(InvalidQueryError);
        expect((err as InvalidQueryError).code).toBe('INVALID_QUERY');
        if (secret) expect((err as Error).message).not.toContain(secret);
      };

      it('refuses invalid field paths', async () => {
        for (const path of ['', 'a..b', '.a', 'a.', '$where', 'a.$gt', '1abc', 'a.0', 'a b', "a'b", 'a"]', 'a.__proto__', '_id.$oid']) {
          await refused(c.find({ [path]: 1 }));
          await refused(c.count({ [path]: 1 }));
        }
        await refused(c.find({ '110101199003070011': 1 }), '110101199003070011');
      });

      it('refuses unknown operators, including MongoDB ones smuggled in', async () => {
        await refused(c.find({ name: { $gt: '' } } as unknown as Filter));
        await refused(c.find({ name: { $ne: null } } as unknown as Filter));
        await refused(c.find({ name: { regex: '.*' } } as unknown as Filter));
        await refused(c.find({ name: { where: 'sleep(1000)' } } as unknown as Filter));
        await refused(c.find({ name: {} } as unknown as Filter));
        await refused(c.find({ $or: [{ name: 'n' }] } as unknown as Filter));
      });

      it('refuses objects and arrays where values belong (operator injection)', async () => {
        await refused(c.find({ name: { eq: { $gt: '' } } } as unknown as Filter));
        await refused(c.find({ name: { eq: { secret: 'Zhang San 110101199003070011' } } } as unknown as Filter), '110101199003070011');
        await refused(c.find({ name: { in: [{ $gt: '' }] } } as unknown as Filter));
        await refused(c.find({ name: { in: 'n' } } as unknown as Filter));
        await refused(c.find({ name: ['n'] } as unknown as Filter));
        await refused(c.find({ name: { gt: null } } as unknown as Filter));
        await refused(c.find({ name: { gt: true } } as unknown as Filter));
        await refused(c.find({ name: { prefix: 1 } } as unknown as Filter));
        await refused(c.find({ name: { exists: 1 } } as unknown as Filter));
        await refused(c.find({ age: Number.NaN }));
        await refused(c.find({ name: { in: Array.from({ length: 1001 }, (_, i) => `v${i}`) } }));
      });

      it('refuses bad cursors', async () => {
        await refused(c.find({}, { cursor: 'not a cursor!' }));
        await refused(c.find({}, { cursor: 'AAAA' }));
        await refused(c.find({}, { cursor: Buffer.from('{"s":"_id:1","v":[{"$gt":""}]}').toString('base64url') }));
        await refused(c.find({}, { cursor: Buffer.from('{"s":"_id:1","v":[1]}').toString('base64url') }));
        await refused(c.find({}, { cursor: Buffer.from('[1,2]').toString('base64url') }));
        const page = await c.find({}, { limit: 1, sort: [['name', 1]] });
        // A cursor from another sort order must not be reinterpreted.
        const other = await store.collection(fresh('cur')).find({}, { limit: 1 });
        expect(other.nextCursor).toBeUndefined();
        await c.upsert({ _id: 'y', name: 'm' });
        const paged = await c.find({}, { limit: 1, sort: [['name', 1]] });
        expect(paged.nextCursor).toBeDefined();
        await refused(c.find({}, { cursor: paged.nextCursor, sort: [['name', -1]] }));
        expect(page.items).toHaveLength(1);
      });

      it('refuses bad sorts, limits, projections, names and indexes', async () => {
        await refused(c.find({}, { sort: [['a.$x', 1]] }));
        await refused(c.find({}, { sort: [['name', 0 as 1]] }));
        await refused(c.find({}, { limit: 0 }));
        await refused(c.find({}, { limit: 2.5 }));
        await refused(c.find({}, { fields: ['a.b'] }));
        await refused(c.find({}, { fields: ['$where'] }));
        expect(() => store.collection('bad-name')).toThrow(InvalidQueryError);
        expect(() => store.collection('system.users')).toThrow(InvalidQueryError);
        expect(() => store.collection('_x')).toThrow(InvalidQueryError);
        expect(() => store.collection('x'.repeat(64))).toThrow(InvalidQueryError);
        await refused(store.dropCollection('a;drop'));
        await refused(c.ensureIndexes([{ name: 'bad name', fields: [['a', 1]] }]));
        await refused(c.ensureIndexes([{ name: 'ok', fields: [["a') --", 1]] }]));
        await refused(c.ensureIndexes([{ name: 'ok', fields: [] }]));
        await refused(c.get(''));
      });
    });

    describe('characters outside the Basic Multilingual Plane', () => {
      it('round-trip byte for byte and match by eq, in, prefix and range', async () => {
        const c = store.collection(fresh('astral'));
        const names = ['𠀀', '𪚥', '𠀀𪚥', '王𠀀', '\uFFFD', '\uE000', 'a', 'z', '𪚥a'];
        await store.write(
          names.map((name, i) => ({ kind: 'upsert' as const, collection: c.name, doc: { _id: `n${i}`, name, tags: [name] } })),
        );
        for (let i = 0; i < names.length; i++) {
          const doc = await c.get(`n${i}`);
          expect(Buffer.from(String(doc?.name), 'utf8').equals(Buffer.from(names[i], 'utf8'))).toBe(true);
        }
        const byName = async (filter: Filter) => (await findAll<Document & { name: string }>(c.name, filter)).map((d) => d.name).sort();
        expect(await byName({ name: '𪚥' })).toEqual(['𪚥']);
        expect(await byName({ tags: '𠀀𪚥' })).toEqual(['𠀀𪚥']);
        expect(await byName({ name: { in: ['王𠀀', '𠀀'] } })).toEqual(['王𠀀', '𠀀'].sort());
        expect(await byName({ name: { prefix: '𠀀' } })).toEqual(['𠀀', '𠀀𪚥'].sort());
        expect(await byName({ name: { prefix: '𪚥' } })).toEqual(['𪚥', '𪚥a'].sort());
        expect(await byName({ tags: { prefix: '王' } })).toEqual(['王𠀀']);
        // Strings compare by code point (UTF-8 byte order), so U+FFFD sorts before U+20000.
        const sorted = await findAll<Document & { name: string }>(c.name, {}, { sort: [['name', 1]], limit: 2 });
        const byCodePoint = [...names].sort((x, y) => Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8')));
        expect(sorted.map((d) => d.name)).toEqual(byCodePoint);
        expect(await byName({ name: { gt: '\uFFFD' } })).toEqual(['𠀀', '𠀀𪚥', '𪚥', '𪚥a'].sort());
      });
    });

    describe('indexes', () => {
      it('ensureIndexes is idempotent and queries keep working', async () => {
        const c = store.collection(fresh('idx'));
        await c.upsert({ _id: 'a', citizenId: 'C1', region: '330100', types: ['pension'] });
        const specs = [
          {
            name: 'byRegion',
            fields: [
              ['region', 1],
              ['_id', 1],
            ] as Array<[string, 1 | -1]>,
          },
          { name: 'byCitizen', fields: [['citizenId', 1]] as Array<[string, 1 | -1]>, unique: true },
          { name: 'byTypes', fields: [['types', 1]] as Array<[string, 1 | -1]> },
        ];
        await c.ensureIndexes(specs);
        await c.ensureIndexes(specs);
        await c.upsert({ _id: 'b', citizenId: 'C2', region: '330100', types: ['medical', 'pension'] });
        expect(sortedIds((await c.find({ region: '330100' })).items)).toEqual(['a', 'b']);
        expect(sortedIds((await c.find({ types: 'pension' })).items)).toEqual(['a', 'b']);
        expect(sortedIds((await c.find({ types: { in: ['medical'] } })).items)).toEqual(['b']);
      });

      it('a multikey index serves element filters, and a multikey index over two fields is refused', async () => {
        const c = store.collection(fresh('multi'));
        await c.upsert({ _id: 'a', types: ['110', '310'] });
        await c.ensureIndexes([{ name: 'byTypes', fields: [['types', 1]], multikey: true }]);
        await c.ensureIndexes([{ name: 'byTypes', fields: [['types', 1]], multikey: true }]);
        await c.upsert({ _id: 'b', types: ['310'] });
        await c.upsert({ _id: 'c', types: [] });
        expect(sortedIds((await c.find({ types: '310' })).items)).toEqual(['a', 'b']);
        expect(sortedIds((await c.find({ types: { in: ['110', '999'] } })).items)).toEqual(['a']);
        expect(await c.count({ types: '390' })).toBe(0);
        await expect(
          c.ensureIndexes([
            {
              name: 'two',
              fields: [
                ['types', 1],
                ['_id', 1],
              ],
              multikey: true,
            },
          ]),
        ).rejects.toBeInstanceOf(InvalidQueryError);
      });

      it('a unique index violation surfaces as DuplicateKeyError without the value', async () => {
        const c = store.collection(fresh('uniq'));
        await c.ensureIndexes([{ name: 'byCitizen', fields: [['citizenId', 1]], unique: true }]);
        await c.upsert({ _id: 'a', citizenId: '110101199003070011' });
        const err = await c.upsert({ _id: 'b', citizenId: '110101199003070011' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateKeyError);
        expect((err as Error).message).not.toContain('110101199003070011');
        expect(await c.get('b')).toBeNull();
        // Guarded, on a new id: still a violation, not a refused guard.
        await expect(c.upsert({ _id: 'c', citizenId: '110101199003070011' }, { position: 1 })).rejects.toBeInstanceOf(DuplicateKeyError);
        await expect(
          store.write([{ kind: 'upsert', collection: c.name, doc: { _id: 'd', citizenId: '110101199003070011' }, guard: { position: 1 } }]),
        ).rejects.toBeInstanceOf(DuplicateKeyError);
        await expect(c.patch('a', { citizenId: 'other' })).resolves.toBe(true);
        await expect(c.upsert({ _id: 'b', citizenId: '110101199003070011' })).resolves.toBe(true);
      });

      it('replacing indexed documents: filters find the new values whether a key changed, stayed or went, guards hold, unique indexes hold', async () => {
        const c = store.collection(fresh('rekey'));
        await c.ensureIndexes([
          { name: 'region', fields: [['region', 1]] },
          {
            name: 'status',
            fields: [
              ['status', 1],
              ['region', 1],
            ],
          },
          { name: 'code', fields: [['code', 1]], unique: true },
        ]);
        await c.upsert({ _id: 'a', region: '4401', status: 'x', code: 'c1', v: 1 }, { position: 1 });
        await c.upsert({ _id: 'b', region: '4402', status: 'x', code: 'c2', v: 1 }, { position: 1 });
        const ids = async (filter: Filter) => (await c.find(filter, { sort: [['_id', 1]] })).items.map((d) => `${d._id}${d.v}`);
        // Same keys, new body.
        expect(await c.upsert({ _id: 'a', region: '4401', status: 'x', code: 'c1', v: 2 }, { position: 2 })).toBe(true);
        expect(await ids({ region: '4401' })).toEqual(['a2']);
        // One key changed, one kept; then a key removed.
        expect(await c.upsert({ _id: 'a', region: '4401', status: 'y', code: 'c1', v: 3 }, { position: 3 })).toBe(true);
        expect(await ids({ status: 'x' })).toEqual(['b1']);
        expect(await ids({ status: 'y', region: '4401' })).toEqual(['a3']);
        expect(await c.upsert({ _id: 'b', status: 'y', code: 'c2', v: 2 }, { position: 2 })).toBe(true);
        expect(await ids({ region: '4402' })).toEqual([]);
        expect(await ids({ status: 'y' })).toEqual(['a3', 'b2']);
        // A stale guard changes nothing.
        expect(await c.upsert({ _id: 'a', region: '4409', status: 'z', code: 'c1', v: 9 }, { position: 3 })).toBe(false);
        expect(await ids({ region: '4401' })).toEqual(['a3']);
        // A replacement that takes another document's unique value is refused whole.
        await expect(c.upsert({ _id: 'b', status: 'z', code: 'c1', v: 3 }, { position: 5 })).rejects.toBeInstanceOf(DuplicateKeyError);
        expect(await c.get('b')).toEqual({ _id: 'b', status: 'y', code: 'c2', v: 2, _position: 2 });
        expect(await ids({ status: 'z' })).toEqual([]);
      });

      it('creating a unique index over duplicates fails', async () => {
        const c = store.collection(fresh('uniqlate'));
        await c.upsert({ _id: 'a', k: 'secret-dup' });
        await c.upsert({ _id: 'b', k: 'secret-dup' });
        const err = await c.ensureIndexes([{ name: 'byK', fields: [['k', 1]], unique: true }]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DuplicateKeyError);
        expect((err as Error).message).not.toContain('secret-dup');
      });
    });

    describe('collections', () => {
      it('lists and drops collections', async () => {
        const a = fresh('list');
        await store.collection(a).upsert({ _id: '1' });
        expect(await store.listCollections()).toContain(a);
        await store.dropCollection(a);
        expect(await store.listCollections()).not.toContain(a);
        expect(await store.collection(a).get('1')).toBeNull();
        await expect(store.dropCollection(a)).resolves.toBeUndefined();
        // A dropped collection can be written again.
        await store.collection(a).upsert({ _id: '2' });
        expect(await store.collection(a).count()).toBe(1);
      });

      it('renameCollection replaces the target, indexes included, and frees the source name', async () => {
        const live = fresh('live');
        const rebuilt = fresh('rebuild');
        await store.collection(live).upsert({ _id: 'old', k: 'x' });
        await store.collection(rebuilt).ensureIndexes([{ name: 'byK', fields: [['k', 1]], unique: true }]);
        await store.collection(rebuilt).upsert({ _id: 'new1', k: 'a' });
        await store.collection(rebuilt).upsert({ _id: 'new2', k: 'b' });
        await store.renameCollection(rebuilt, live);
        const names = await store.listCollections();
        expect(names).toContain(live);
        expect(names).not.toContain(rebuilt);
        expect(sortedIds(await findAll(live))).toEqual(['new1', 'new2']);
        await expect(store.collection(live).upsert({ _id: 'new3', k: 'a' })).rejects.toBeInstanceOf(DuplicateKeyError);
        // The next rebuild can reuse the source name and its index names.
        await store.collection(rebuilt).ensureIndexes([{ name: 'byK', fields: [['k', 1]], unique: true }]);
        await store.collection(rebuilt).upsert({ _id: 'n', k: 'a' });
        await store.renameCollection(rebuilt, live);
        expect(sortedIds(await findAll(live))).toEqual(['n']);
      });

      it('renaming a collection that does not exist leaves the target empty', async () => {
        const live = fresh('live');
        await store.collection(live).upsert({ _id: 'old' });
        await store.renameCollection(fresh('absent'), live);
        expect(await store.collection(live).count()).toBe(0);
      });
    });
  });
}
