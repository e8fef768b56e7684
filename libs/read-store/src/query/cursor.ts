import { FindOptions, InvalidQueryError, Scalar, SortDirection } from '../read-store.port';
import { getPath } from './documents';
import { isScalar } from './filter';
import { assertFieldPath } from './names';

/**
 * Keyset paging shared by both adapters. A cursor names the last item of a page by its sort
 * values and `_id`; the next page starts strictly after it. Unlike skip/offset this stays
 * fast on deep pages and neither repeats nor loses documents when others are inserted
 * meanwhile.
 *
 * Ordering contract (the same on SQLite and MongoDB): a missing field and `null` sort first
 * in ascending order; otherwise a sort field should hold one scalar type across the collection
 * (numbers, or strings, compared by code point). Arrays and objects cannot be sort keys.
 */
export interface SortKey {
  path: string;
  direction: SortDirection;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

export function normalizeSort(sort: FindOptions['sort']): SortKey[] {
  const keys: SortKey[] = [];
  if (sort !== undefined) {
    if (!Array.isArray(sort)) throw new InvalidQueryError('sort must be an array of [field, direction] pairs');
    const seen = new Set<string>();
    for (const entry of sort) {
      if (!Array.isArray(entry) || entry.length !== 2) throw new InvalidQueryError('sort must be an array of [field, direction] pairs');
      const [path, direction] = entry as [unknown, unknown];
      assertFieldPath(path);
      if (direction !== 1 && direction !== -1) throw new InvalidQueryError(`sort direction for "${path}" must be 1 or -1`);
      if (seen.has(path)) throw new InvalidQueryError(`sort field "${path}" is listed twice`);
      seen.add(path);
      keys.push({ path, direction });
    }
  }
  // `_id` is unique, so with it as the last key every document has a distinct position in
  // the order, which is what makes "strictly after the cursor" exact.
  if (!keys.some((k) => k.path === '_id')) keys.push({ path: '_id', direction: 1 });
  return keys;
}

export function normalizeLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new InvalidQueryError('limit must be a positive integer');
  }
  return Math.min(limit, MAX_LIMIT);
}

/** The cursor also records the sort it was made for, so it cannot be replayed against another order. */
interface CursorBody {
  s: string;
  v: Scalar[];
}

function signature(keys: SortKey[]): string {
  return keys.map((k) => `${k.path}:${k.direction}`).join(',');
}

export function encodeCursor(keys: SortKey[], doc: Record<string, unknown>): string {
  const values = keys.map((k) => {
    const value = getPath(doc, k.path);
    if (value === undefined) return null;
    if (!isScalar(value)) throw new InvalidQueryError(`sort field "${k.path}" holds an array or object`);
    return value;
  });
  const body: CursorBody = { s: signature(keys), v: values };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** Returns the sort values of the cursor's item, one per key, or throws InvalidQueryError. */
export function decodeCursor(keys: SortKey[], cursor: string): Scalar[] {
  const bad = () => new InvalidQueryError('invalid cursor');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw bad();
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad();
  const { s, v } = body as Partial<CursorBody>;
  if (s !== signature(keys)) throw new InvalidQueryError('cursor belongs to a different sort order');
  if (!Array.isArray(v) || v.length !== keys.length || !v.every(isScalar)) throw bad();
  const idIndex = keys.findIndex((k) => k.path === '_id');
  if (typeof v[idIndex] !== 'string') throw bad();
  return v;
}
