import type Database from 'better-sqlite3';
import type { Filter, FindOptions } from '../read-store.port';
import type { SqliteReadStore } from '../sqlite/sqlite-read-store';

/**
 * For specs: runs `find` on the collection and gives the EXPLAIN QUERY PLAN details of the
 * page query it ran (its SQL and parameters, as prepared), one line per plan step.
 */
export async function planOf(store: SqliteReadStore, collection: string, filter: Filter, options: FindOptions): Promise<string[]> {
  let last: { sql: string; params: unknown[] } | undefined;
  const prepare = store.prepare.bind(store);
  const spy = jest.spyOn(store, 'prepare').mockImplementation((sql: string) => {
    const stmt = prepare(sql);
    if (!sql.startsWith('SELECT doc FROM')) return stmt;
    return new Proxy(stmt, {
      get(target, key) {
        if (key === 'all')
          return (...params: unknown[]) => {
            last = { sql, params };
            return target.all(...params);
          };
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as Database.Statement;
  });
  try {
    await store.collection(collection).find(filter, options);
  } finally {
    spy.mockRestore();
  }
  if (!last) throw new Error('find ran no query');
  const rows = store.prepare(`EXPLAIN QUERY PLAN ${last.sql}`).all(...last.params) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}
