import Database from 'better-sqlite3';
import { normalizeSort } from '../query/cursor';
import { Filter } from '../read-store.port';
import { parseFilter } from '../query/filter';
import { SqliteReadStore } from './sqlite-read-store';
import { afterCursorSql, filterSql, indexKey, orderBySql, prefixUpperBound } from './sql-filter';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('prefixUpperBound', () => {
  it('increments the last code point, in code point order', () => {
    expect(prefixUpperBound('33')).toBe('34');
    expect(prefixUpperBound('a%')).toBe('a&');
    expect(prefixUpperBound('𠀀')).toBe('𠀁');
    expect(prefixUpperBound('\uD7FF')).toBe('\uE000');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
    expect(prefixUpperBound('')).toBeUndefined();
  });
});

describe('SQL translation', () => {
  it('binds every value and writes only validated paths into the SQL text', () => {
    const secret = "x' OR 1=1 --";
    const { sql, params } = filterSql(parseFilter({ name: secret, 'a.b': { in: [secret, 1, true, null] }, c: { prefix: secret } }));
    expect(sql).not.toContain(secret);
    expect(params).toContain(secret);
  });

  describe('query plans use the indexes on key columns', () => {
    // What the store passes for a collection whose `region` is indexed.
    const keyed = new Set(['region']);
    let store: SqliteReadStore;
    let db: Database.Database;
    const plan = (sql: string, params: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    const wherePlan = (filter: Filter) => {
      const w = filterSql(parseFilter(filter), keyed);
      return plan(`SELECT doc FROM "c_people" AS t WHERE ${w.sql}`, w.params);
    };

    beforeAll(async () => {
      store = new SqliteReadStore(':memory:');
      await store.write(
        Array.from({ length: 2000 }, (_, i) => ({
          kind: 'upsert' as const,
          collection: 'people',
          doc: { _id: `p${i}`, region: String(330000 + (i % 500) * 100), types: ['pension'] },
        })),
      );
      await store.collection('people').ensureIndexes([{ name: 'byRegion', fields: [['region', 1]] }]);
      db = (store as unknown as { db: Database.Database }).db;
      db.exec('ANALYZE');
    });
    afterAll(() => store.close());

    it('equality and in: the value index plus the type index (MULTI-INDEX OR)', () => {
      for (const filter of [{ region: '330100' }, { region: { in: ['330100', '330200'] } }]) {
        const p = wherePlan(filter);
        expect(p).toContain('MULTI-INDEX OR');
        expect(p).toContain('c_people__byRegion');
        expect(p).not.toMatch(/SCAN t(?! USING)/);
      }
    });

    it('prefix and ranges: an index range', () => {
      expect(wherePlan({ region: { prefix: '33010' } })).toContain('c_people__byRegion');
      expect(wherePlan({ region: { gte: '330100', lt: '330500' } })).toContain('c_people__byRegion');
    });

    it('keyset paging seeks in the index instead of sorting the table', () => {
      const keys = normalizeSort([['region', 1]]);
      const after = afterCursorSql(keys, ['330100', 'p5'], keyed);
      const p = plan(`SELECT doc FROM "c_people" AS t WHERE 1 AND ${after.sql} ORDER BY ${orderBySql(keys, keyed)} LIMIT 10`, after.params);
      expect(p).toContain('c_people__byRegion');
      expect(p).not.toContain('USE TEMP B-TREE FOR ORDER BY');
    });
  });

  describe('key columns', () => {
    it('hold what json_extract and json_type give for the stored JSON, for every kind of value', () => {
      const db = new Database(':memory:');
      try {
        const doc = {
          _id: 'x',
          s: '参保 𠀀',
          i: 42,
          r: 2.5,
          neg: -0.125,
          t: true,
          f: false,
          n: null,
          arr: ['44', 4403, null, { a: 1 }],
          obj: { b: [1, 2], c: '丙' },
          nested: { deep: { v: 'w' }, list: [{ v: 1 }] },
          nan: Number.NaN,
          undef: undefined,
        };
        const paths = [
          's',
          'i',
          'r',
          'neg',
          't',
          'f',
          'n',
          'arr',
          'obj',
          'nested.deep.v',
          'nested.deep',
          'nested.list.v',
          'missing',
          'missing.x',
          's.length',
          'nan',
          'undef',
        ];
        const json = JSON.stringify(doc);
        for (const path of paths) {
          const fromSql = db.prepare(`SELECT json_extract(?, '$.${path}') AS v, json_type(?, '$.${path}') AS t`).get(json, json) as {
            v: unknown;
            t: unknown;
          };
          expect([path, ...indexKey(doc, path)]).toEqual([path, fromSql.v, fromSql.t]);
        }
      } finally {
        db.close();
      }
    });

    it('an index added to a collection with documents fills their key columns, and queries find them', async () => {
      const store = new SqliteReadStore(':memory:');
      try {
        const people = store.collection('people');
        await people.upsert({ _id: 'a', region: '330100', tags: ['x', 'y'], active: true });
        await people.upsert({ _id: 'b', region: '330200', tags: 'y', active: false });
        await people.ensureIndexes([
          { name: 'byRegion', fields: [['region', 1]] },
          { name: 'byTags', fields: [['tags', 1]] },
          { name: 'byActive', fields: [['active', 1]] },
        ]);
        await people.upsert({ _id: 'c', region: '330100', tags: ['y'], active: true });
        await people.patch('b', { region: '330100' });
        const ids = async (filter: Filter) =>
          (
            await people.find(filter, {
              sort: [
                ['region', 1],
                ['_id', 1],
              ],
            })
          ).items.map((d) => d._id);
        expect(await ids({ region: '330100' })).toEqual(['a', 'b', 'c']);
        expect(await ids({ tags: 'y' })).toEqual(['a', 'b', 'c']);
        expect(await ids({ tags: 'x' })).toEqual(['a']);
        expect(await ids({ active: true })).toEqual(['a', 'c']);
        expect(await ids({ active: 1 })).toEqual([]);
        expect(await people.count({ region: { prefix: '3302' } })).toBe(0);
        const db = (store as unknown as { db: Database.Database }).db;
        expect(db.prepare(`SELECT "k:region" FROM c_people ORDER BY id`).pluck().all()).toEqual(['330100', '330100', '330100']);
        // No index reads the documents' JSON any more.
        const indexSql = db
          .prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_people' AND sql IS NOT NULL`)
          .pluck()
          .all() as string[];
        expect(indexSql.length).toBe(6);
        for (const sql of indexSql) expect(sql).not.toMatch(/json_/);
      } finally {
        await store.close();
      }
    });

    it('a multikey index adds no index or key column, and drops the indexes an earlier declaration left', async () => {
      const store = new SqliteReadStore(':memory:');
      try {
        const people = store.collection('people');
        await people.upsert({ _id: 'a', tags: ['x', 'y'] });
        await people.ensureIndexes([{ name: 'byTags', fields: [['tags', 1]] }]);
        const db = (store as unknown as { db: Database.Database }).db;
        const indexNames = () =>
          db
            .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_people' AND sql IS NOT NULL ORDER BY name`)
            .pluck()
            .all();
        expect(indexNames()).toEqual(['c_people__byTags', 'c_people__byTags__arrays']);
        await people.ensureIndexes([{ name: 'byTags', fields: [['tags', 1]], multikey: true }]);
        expect(indexNames()).toEqual([]);
        await people.upsert({ _id: 'b', tags: ['y'] });
        expect((await people.find({ tags: 'y' }, { sort: [['_id', 1]] })).items.map((d) => d._id)).toEqual(['a', 'b']);

        const fresh = store.collection('fresh');
        await fresh.ensureIndexes([{ name: 'byTags', fields: [['tags', 1]], multikey: true }]);
        await fresh.upsert({ _id: 'a', tags: ['x'] });
        expect(db.prepare(`SELECT name FROM pragma_table_info('c_fresh') ORDER BY cid`).pluck().all()).toEqual(['id', 'position', 'doc']);
        expect(await fresh.count({ tags: 'x' })).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('indexes of the earlier layout (expressions over the JSON) are replaced by key-column indexes', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'read-store-'));
      try {
        const file = join(dir, 'read.sqlite');
        const old = new Database(file);
        old.exec(`CREATE TABLE "c_people" (id TEXT PRIMARY KEY NOT NULL, position INTEGER, doc TEXT NOT NULL);
          CREATE INDEX "c_people__byRegion" ON "c_people" (json_extract(doc, '$.region') ASC);
          CREATE INDEX "c_people__byRegion__arrays" ON "c_people" (json_type(doc, '$.region')) WHERE json_type(doc, '$.region') = 'array';`);
        old
          .prepare('INSERT INTO c_people (id, position, doc) VALUES (?, NULL, ?)')
          .run('a', JSON.stringify({ _id: 'a', region: '330100' }));
        old.close();
        const store = new SqliteReadStore(file);
        try {
          const people = store.collection('people');
          await people.ensureIndexes([{ name: 'byRegion', fields: [['region', 1]] }]);
          expect((await people.find({ region: '330100' })).items.map((d) => d._id)).toEqual(['a']);
          const db = (store as unknown as { db: Database.Database }).db;
          const indexSql = db
            .prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_people' AND sql IS NOT NULL`)
            .pluck()
            .all() as string[];
          expect(indexSql.join('\n')).toContain('"k:region"');
          expect(indexSql.join('\n')).not.toMatch(/json_/);
        } finally {
          await store.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
