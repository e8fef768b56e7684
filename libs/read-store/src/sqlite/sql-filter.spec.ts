import Database from 'better-sqlite3';
import { normalizeSort } from '../query/cursor';
import { Filter } from '../read-store.port';
import { parseFilter } from '../query/filter';
import { SqliteReadStore } from './sqlite-read-store';
import { afterCursorSql, filterSql, orderBySql, prefixUpperBound } from './sql-filter';

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

  describe('query plans use the expression indexes', () => {
    let store: SqliteReadStore;
    let db: Database.Database;
    const plan = (sql: string, params: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    const wherePlan = (filter: Filter) => {
      const w = filterSql(parseFilter(filter));
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
      const after = afterCursorSql(keys, ['330100', 'p5']);
      const p = plan(`SELECT doc FROM "c_people" AS t WHERE 1 AND ${after.sql} ORDER BY ${orderBySql(keys)} LIMIT 10`, after.params);
      expect(p).toContain('c_people__byRegion');
      expect(p).not.toContain('USE TEMP B-TREE FOR ORDER BY');
    });
  });
});
