import type { EventFilter } from '../event-store.port';
import { normalizeFilter } from '../shared/event-filter';

/**
 * The smallest string greater than every string that starts with `prefix`, in SQLite's
 * BINARY collation (memcmp of UTF-8, which orders like code points). Strings with the
 * prefix are exactly those s with prefix <= s < upper. Returns undefined when no such
 * string exists (the prefix is made only of U+10FFFF).
 *
 * A range keeps the condition exact and case-sensitive (LIKE is case-insensitive for ASCII
 * and treats % and _ as wildcards), and lets SQLite use the (stream, revision) index.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (codePoints.length > 0) {
    let last = (codePoints.pop() as number) + 1;
    if (last === 0xd800) last = 0xe000; // skip the surrogate range, which UTF-8 cannot encode
    if (last <= 0x10ffff) {
      codePoints.push(last);
      return String.fromCodePoint(...codePoints);
    }
  }
  return undefined;
}

// SQLite orders every TEXT value before every BLOB, so an empty BLOB is an upper bound
// above all stream names: used for the (theoretical) prefix that has no text upper bound.
const ABOVE_ALL_TEXT = Buffer.alloc(0);

export type SqlParams = Record<string, string | number | Buffer>;

/** A filtered query: named parameters, and a key such that same key ⇔ same SQL text (for statement caching). */
export interface FilteredQuery {
  sql: string;
  params: SqlParams;
  shapeKey: string;
}

const COLUMNS = 'position, event_id, stream, revision, type, data, metadata, recorded_at';

/**
 * Rows with @after < position <= @upTo matching the filter, in position order, at most @limit.
 *
 * With several event types, `type IN (...)` makes SQLite read every matching row of the
 * range through the type index and sort them before applying LIMIT, so each page of a
 * replay would cost as much as the whole rest of the log. One index-ordered subquery per
 * type, each limited, merged and cut again keeps a page at O(types × limit).
 */
export function pageQuery(filter: EventFilter | undefined): FilteredQuery {
  const { eventTypes, streamPrefixes } = normalizeFilter(filter);
  const params: SqlParams = {};
  const prefixSql = prefixCondition(streamPrefixes, params);
  const range = 'position > @after AND position <= @upTo';
  const shapeKey = `t${eventTypes?.length ?? 0}p${streamPrefixes?.length ?? 0}`;
  if (!eventTypes) {
    return { sql: `SELECT ${COLUMNS} FROM events WHERE ${range}${prefixSql} ORDER BY position LIMIT @limit`, params, shapeKey };
  }
  const perType = eventTypes.map((type, i) => {
    params[`t${i}`] = type;
    return `SELECT * FROM (SELECT ${COLUMNS} FROM events WHERE type = @t${i} AND ${range}${prefixSql} ORDER BY position LIMIT @limit)`;
  });
  const sql = perType.length === 1 ? perType[0] : `${perType.join(' UNION ALL ')} ORDER BY position LIMIT @limit`;
  return { sql, params, shapeKey };
}

/** The position of the newest event matching the filter (no row when none matches). */
export function headQuery(filter: EventFilter | undefined): FilteredQuery {
  const { eventTypes, streamPrefixes } = normalizeFilter(filter);
  const params: SqlParams = {};
  const prefixSql = prefixCondition(streamPrefixes, params);
  const shapeKey = `t${eventTypes?.length ?? 0}p${streamPrefixes?.length ?? 0}`;
  if (!eventTypes) {
    return { sql: `SELECT position FROM events WHERE 1 = 1${prefixSql} ORDER BY position DESC LIMIT 1`, params, shapeKey };
  }
  // Same reason as pageQuery: one backwards index seek per type beats sorting them all.
  const perType = eventTypes.map((type, i) => {
    params[`t${i}`] = type;
    return `SELECT * FROM (SELECT position FROM events WHERE type = @t${i}${prefixSql} ORDER BY position DESC LIMIT 1)`;
  });
  return { sql: `SELECT MAX(position) FROM (${perType.join(' UNION ALL ')}) HAVING COUNT(*) > 0`, params, shapeKey };
}

function prefixCondition(streamPrefixes: string[] | undefined, params: SqlParams): string {
  if (!streamPrefixes) return '';
  const ranges = streamPrefixes.map((prefix, i) => {
    params[`p${i}`] = prefix;
    params[`q${i}`] = prefixUpperBound(prefix) ?? ABOVE_ALL_TEXT;
    return `(stream >= @p${i} AND stream < @q${i})`;
  });
  return ` AND (${ranges.join(' OR ')})`;
}
