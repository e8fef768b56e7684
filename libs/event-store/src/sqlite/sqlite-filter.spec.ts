import Database from 'better-sqlite3';
import { READ_STREAMS_SQL, headQuery, pageQuery, prefixUpperBound } from './sqlite-filter';
import { ensureLayout } from './sqlite-schema';

describe('prefixUpperBound', () => {
  it('increments the last code point', () => {
    expect(prefixUpperBound('person-')).toBe('person.');
    expect(prefixUpperBound('a%b')).toBe('a%c');
    expect(prefixUpperBound('参保')).toBe('参俞');
  });

  it('skips the surrogate range and carries past U+10FFFF', () => {
    expect(prefixUpperBound('a\ud7ff')).toBe('a\ue000');
    expect(prefixUpperBound('ab\u{10FFFF}')).toBe('ac');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
  });

  it('bounds exactly the strings with the prefix, in UTF-8 byte order', () => {
    const prefix = 'x-\u00e9';
    const upper = prefixUpperBound(prefix) as string;
    const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
    const inRange = (s: string): boolean => Buffer.compare(utf8(s), utf8(prefix)) >= 0 && Buffer.compare(utf8(s), utf8(upper)) < 0;
    for (const s of ['x-\u00e9', 'x-\u00e9\u{1F600}', 'x-\u00e9\uffff', 'x-\u00e9zz']) expect(inRange(s)).toBe(true);
    for (const s of ['x-\u00ea', 'x-e', 'x-\u00e8\u{1F600}', 'X-\u00e9']) expect(inRange(s)).toBe(false);
  });
});

describe('filtered queries', () => {
  it('use one statement shape per number of types and prefixes, with named parameters', () => {
    const query = pageQuery({ eventTypes: ['A', 'B'], streamPrefixes: ['p-'] });
    expect(query.shapeKey).toBe('t2p1');
    expect(query.params).toEqual({ t0: 'A', t1: 'B', p0: 'p-', q0: 'p.' });
    expect(query.sql).toContain('UNION ALL');
    expect(pageQuery({ eventTypes: ['X', 'Y'], streamPrefixes: ['q-'] }).sql).toBe(query.sql);
  });

  it('treat empty lists and an empty prefix as no restriction', () => {
    expect(pageQuery({ eventTypes: [], streamPrefixes: [] }).shapeKey).toBe('t0p0');
    expect(headQuery({ streamPrefixes: ['a', ''] }).shapeKey).toBe('t0p0');
  });
});

describe('reading named streams', () => {
  it('follows the indexes, with no sort of the rows', () => {
    const db = new Database(':memory:');
    try {
      ensureLayout(db);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${READ_STREAMS_SQL}`).all('["a","b"]') as Array<{ detail: string }>).map(
        (r) => r.detail,
      );
      expect(plan.join('\n')).toMatch(/SEARCH e USING INDEX/);
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    } finally {
      db.close();
    }
  });
});
