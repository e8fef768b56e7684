import type { Document as MongoDocument } from 'mongodb';
import { Scalar } from '../read-store.port';
import { SortKey } from '../query/cursor';
import { Condition } from '../query/filter';

/**
 * Filter and keyset translation to MongoDB, built by construction from validated
 * conditions: only the operators listed here can appear, every operand is a scalar (or an
 * array of scalars for `$in`) and every path was checked against FIELD_PATH, so no `$`
 * can come from the caller. MongoDB's own array semantics (a condition on an array matches
 * any element) are the reference the SQLite adapter reproduces.
 */

const OPERATORS = {
  eq: '$eq',
  ne: '$ne',
  in: '$in',
  gt: '$gt',
  gte: '$gte',
  lt: '$lt',
  lte: '$lte',
  exists: '$exists',
} as const;

/** Escapes every regular-expression metacharacter, so a prefix is matched literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

export function mongoFilter(conditions: Condition[]): MongoDocument {
  const byPath: Record<string, MongoDocument> = {};
  for (const c of conditions) {
    const ops = (byPath[c.path] ??= {});
    if (c.op === 'prefix') {
      // Anchored, so an index on the field can serve it as a range.
      ops.$regex = `^${escapeRegex(c.value)}`;
    } else if (c.op === 'in') {
      ops.$in = c.values;
    } else {
      ops[OPERATORS[c.op]] = c.value;
    }
  }
  return byPath;
}

export function mongoSort(keys: SortKey[]): Record<string, 1 | -1> {
  const sort: Record<string, 1 | -1> = {};
  for (const k of keys) sort[k.path] = k.direction;
  return sort;
}

/**
 * "Strictly after the cursor item" in `mongoSort(keys)` order. MongoDB sorts null and
 * missing first ascending, last descending; comparison operators do not match null
 * (type bracketing), so null is handled explicitly, exactly as in the SQLite translation.
 */
export function mongoAfterCursor(keys: SortKey[], values: Scalar[]): MongoDocument {
  const build = (i: number): MongoDocument | null => {
    const path = keys[i].path;
    const c = values[i];
    const asc = keys[i].direction === 1;
    let strictlyAfter: MongoDocument | null;
    let tie: MongoDocument;
    if (c === null) {
      strictlyAfter = asc ? { [path]: { $ne: null } } : null;
      tie = { [path]: null };
    } else {
      strictlyAfter = asc ? { [path]: { $gt: c } } : { $or: [{ [path]: { $lt: c } }, { [path]: null }] };
      tie = { [path]: { $eq: c } };
    }
    if (i === keys.length - 1) return strictlyAfter;
    const rest = build(i + 1);
    const tail = rest === null ? null : { $and: [tie, rest] };
    if (strictlyAfter === null) return tail;
    if (tail === null) return strictlyAfter;
    return { $or: [strictlyAfter, tail] };
  };
  const after = build(0) ?? { _id: { $exists: false } }; // nothing comes after: match nothing
  const first = values[0];
  if (keys.length > 1 && keys[0].direction === 1 && first !== null) {
    // Redundant lower bound so an index on the first key can seek (see the SQLite twin).
    return { $and: [{ [keys[0].path]: { $gte: first } }, after] };
  }
  return after;
}

/** Projection for `fields`: the requested top-level fields plus those the cursor needs. */
export function mongoProjection(fields: string[], keys: SortKey[]): MongoDocument {
  const projection: MongoDocument = { _id: 1 };
  for (const f of fields) projection[f] = 1;
  for (const k of keys) projection[k.path.split('.')[0]] = 1;
  return projection;
}
