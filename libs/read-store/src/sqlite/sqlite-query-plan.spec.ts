import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { planOf } from '../testing/sqlite-plan';
import { SqliteReadStore } from './sqlite-read-store';

/**
 * Which plan SQLite takes for a filtered, sorted page: a filter on an indexed field that no
 * document holds as an array reads the field as a scalar, so an index range that is already in
 * the page's order answers the page without a sort; where some document does hold an array
 * there, the array branch comes back and the answers stay MongoDB's.
 */
const dir = mkdtempSync(join(tmpdir(), 'read-store-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite query plans of filtered pages', () => {
  let store: SqliteReadStore;

  beforeAll(async () => {
    store = new SqliteReadStore(join(dir, 'plans.sqlite'));
    const things = store.collection('things');
    await things.ensureIndexes([
      {
        name: 'area',
        fields: [
          ['area', 1],
          ['_id', 1],
        ],
      },
      {
        name: 'state_area',
        fields: [
          ['state', 1],
          ['area', 1],
          ['_id', 1],
        ],
      },
    ]);
    const docs = [];
    for (let i = 0; i < 400; i++) {
      docs.push({
        _id: `t${String(i).padStart(4, '0')}`,
        area: `44${String(i % 20).padStart(2, '0')}${String(i % 7).padStart(3, '0')}`,
        state: ['a', 'b', 'c'][i % 3],
      });
    }
    await store.write(docs.map((doc) => ({ kind: 'upsert' as const, collection: 'things', doc })));
  });
  afterAll(async () => {
    await store.close();
  });

  it('answers area prefix + state from the compound index, in its order, without a sort', async () => {
    const plan = await planOf(store, 'things', { area: { prefix: '4405' }, state: 'b' }, { sort: [['area', 1]], limit: 10 });
    expect(plan.join('\n')).toMatch(/USING INDEX c_things__state_area \(k:state=\? AND k:area>\? AND k:area<\?\)/);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('answers an area prefix alone from the area index, without a sort', async () => {
    const plan = await planOf(store, 'things', { area: { prefix: '4405' } }, { sort: [['area', 1]], limit: 10 });
    expect(plan.join('\n')).toMatch(/USING INDEX c_things__area \(k:area>\? AND k:area<\?\)/);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('the next page seeks in the same index from the cursor', async () => {
    const first = await store.collection('things').find({ area: { prefix: '4405' }, state: 'b' }, { sort: [['area', 1]], limit: 3 });
    expect(first.nextCursor).toBeDefined();
    const plan = await planOf(
      store,
      'things',
      { area: { prefix: '4405' }, state: 'b' },
      { sort: [['area', 1]], limit: 3, cursor: first.nextCursor },
    );
    expect(plan.join('\n')).toMatch(/USING INDEX c_things__state_area \(k:state=\? AND k:area>\? AND k:area<\?\)/);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it('with an array-valued document the array branch comes back, and the array still matches', async () => {
    const things = store.collection('things');
    await things.upsert({ _id: 'z-array', area: ['4405999', '9900000'], state: 'b' });
    try {
      const page = await things.find({ area: { prefix: '4405999' }, state: 'b' }, { sort: [['_id', 1]] });
      expect(page.items.map((d) => d._id)).toEqual(['z-array']);
      const plan = await planOf(store, 'things', { area: { prefix: '4405' }, state: 'b' }, { sort: [['area', 1]], limit: 10 });
      expect(plan.join('\n')).not.toMatch(/k:area>\? AND k:area<\?\)/);
      expect(await things.count({ area: { prefix: '4405999' } })).toBe(1);
    } finally {
      await things.delete('z-array');
    }
    const plan = await planOf(store, 'things', { area: { prefix: '4405' }, state: 'b' }, { sort: [['area', 1]], limit: 10 });
    expect(plan.join('\n')).toMatch(/k:area>\? AND k:area<\?\)/);
  });
});
