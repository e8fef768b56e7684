import { SqliteReadStore } from '@registry/read-store';
import { planOf } from '@registry/read-store/testing/sqlite-plan';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PersonDocumentCodec } from './projections/person-document';
import { PERSONS_COLLECTION, personsProjection } from './projections/persons.projection';
import { LIST_ORDER } from './persons.service';

/**
 * The persons list (`GET /v1/persons`) on the embedded read store, with the projection's own
 * indexes and the list's own order: a page filtered by region and coverage status is one range
 * of the coverage index, already in the page's order. Before, SQLite answered it from an index
 * of the status alone (every person of that status in the province read and checked, then
 * sorted); this fails if the plan goes back to anything but the intended range.
 */
describe('persons list query plan (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'persons-plan-'));
  let store: SqliteReadStore;

  beforeAll(async () => {
    store = new SqliteReadStore(join(dir, 'read.sqlite'));
    const projection = personsProjection({} as PersonDocumentCodec, '44');
    const persons = projection.collections.find((c) => c.name === PERSONS_COLLECTION);
    await store.collection(PERSONS_COLLECTION).ensureIndexes(persons?.indexes ?? []);
    const statuses = ['insured-local', 'uninsured', 'unresolved', 'exempt'];
    const docs = Array.from({ length: 600 }, (_, i) => ({
      _id: `p_${i.toString(36).padStart(6, '0')}`,
      householdRegion: `4401${String(i % 12).padStart(2, '0')}${String(i % 9).padStart(3, '0')}${String(i % 5).padStart(3, '0')}`,
      coverageStatus: statuses[i % statuses.length],
      insuranceTypes: i % 2 ? ['employee-medical'] : [],
      enrollmentStatuses: [],
      updatedAt: '2026-01-01T00:00:00.000Z',
    }));
    await store.write(docs.map((doc) => ({ kind: 'upsert' as const, collection: PERSONS_COLLECTION, doc })));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const plan = async (filter: Record<string, unknown>, cursor?: string) =>
    (await planOf(store, PERSONS_COLLECTION, filter as never, { sort: LIST_ORDER, limit: 50, cursor })).join('\n');

  it('county + coverage status: a range of the coverage index, no sort, and the page is right', async () => {
    const filter = { householdRegion: { prefix: '440105' }, coverageStatus: 'uninsured' };
    const detail = await plan(filter);
    expect(detail).toMatch(/USING INDEX c_persons__coverage \(k:coverageStatus=\? AND k:householdRegion>\? AND k:householdRegion<\?\)/);
    expect(detail).not.toMatch(/TEMP B-TREE|SCAN/);
    const page = await store.collection(PERSONS_COLLECTION).find(filter, { sort: LIST_ORDER, limit: 5 });
    expect(page.items.length).toBe(5);
    for (const doc of page.items) {
      expect(doc.coverageStatus).toBe('uninsured');
      expect(String(doc.householdRegion).startsWith('440105')).toBe(true);
    }
    const keys = page.items.map((d) => `${String(d.householdRegion)}|${d._id}`);
    expect([...keys].sort()).toEqual(keys);
    // The next page seeks in the same range from the cursor.
    expect(await plan(filter, page.nextCursor)).toMatch(
      /USING INDEX c_persons__coverage \(k:coverageStatus=\? AND k:householdRegion>\? AND/,
    );
  });

  it('region alone: a range of the region index, no sort', async () => {
    const detail = await plan({ householdRegion: { prefix: '4401' } });
    expect(detail).toMatch(/USING INDEX c_persons__region \(k:householdRegion>\? AND k:householdRegion<\?\)/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });

  it('coverage status alone (a province-wide caller): the coverage index in order, no sort', async () => {
    const detail = await plan({ coverageStatus: 'exempt' });
    expect(detail).toMatch(/USING INDEX c_persons__coverage \(k:coverageStatus=\?\)/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
  });
});
