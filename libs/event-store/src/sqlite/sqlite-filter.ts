import type { EventFilter } from '../event-store.port';
import { normalizeFilter } from '../shared/event-filter';

/**
 * The smallest string greater than every string that starts with `prefix`, in SQLite's
 * BINARY collation (memcmp of UTF-8, which orders like code points). Strings with the
 * prefix are exactly those s with prefix <= s < upper. Returns undefined when no such
 * string exists (the prefix is made only of U+10FFFF).
 *
 * A range keeps the condition exact and case-sensitive (LIKE is case-insensitive for ASCII
 * and treats % and _ as wildcards), and compares stream names without a function call per row.
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

/**
 * An event row as the port sees it. Stream names and metadata live in tables of their own
 * (see SqliteEventStore); CROSS JOIN keeps SQLite driving every read from `events` in
 * position order, looking names and metadata up by primary key, rather than scanning the
 * streams by name for a prefix filter and sorting afterwards.
 */
export const EVENT_COLUMNS =
  'e.position AS position, e.event_id AS event_id, s.name AS stream, e.revision AS revision, e.type AS type, e.data AS data, m.json AS metadata, e.recorded_at AS recorded_at, e.metadata_id AS metadata_id';
export const EVENT_JOINS = 'events AS e CROSS JOIN streams AS s ON s.id = e.stream_id CROSS JOIN metadata AS m ON m.id = e.metadata_id';

/**
 * An event row as the store reads it (pages of the log, streams): the metadata text is left
 * out. The store keeps parsed metadata by id and reads a value it has not seen by id; an
 * import's events would otherwise look the same row up and copy the same text once per event.
 */
export const ROW_COLUMNS =
  'e.position AS position, e.event_id AS event_id, s.name AS stream, e.revision AS revision, e.type AS type, e.data AS data, e.recorded_at AS recorded_at, e.metadata_id AS metadata_id';
const ROW_JOINS = 'events AS e CROSS JOIN streams AS s ON s.id = e.stream_id';

/**
 * The events of the streams named in a JSON array, each stream's in revision order, with the
 * stream's id. Ordered by name, the rows come as the plan reads them (the streams' name index,
 * then the events' (stream, revision) index), with no sort of every row, data included, first.
 */
export const READ_STREAMS_SQL =
  `SELECT ${ROW_COLUMNS}, e.stream_id AS stream_id FROM streams AS s CROSS JOIN events AS e ON e.stream_id = s.id ` +
  'WHERE s.name IN (SELECT value FROM json_each(?)) ORDER BY s.name, e.revision';

/**
 * A page of the log as canonical rows `[position, id, text]` (see canonicalEventText), after
 * the first parameter, at most the second many rows. The text is put together here from the stored columns: data and
 * metadata are the JSON text JSON.stringify wrote, the strings go through json_quote, which
 * escapes exactly what JSON.stringify escapes (a test holds the two to it), and the
 * revision, an INTEGER, prints as String() does.
 */
export const CANONICAL_PAGE_SQL =
  "SELECT e.position, e.event_id, '[' || json_quote(e.event_id) || ',' || json_quote(s.name) || ',' || e.revision || ',' || " +
  "json_quote(e.type) || ',' || e.data || ',' || m.json || ',' || json_quote(e.recorded_at) || ']' " +
  `FROM ${EVENT_JOINS} WHERE e.position > ? ORDER BY e.position LIMIT ?`;
/** Positions of a page: after @after, up to @upTo. */
const PAGE_RANGE = 'e.position > @after AND e.position <= @upTo';

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
  const shapeKey = `t${eventTypes?.length ?? 0}p${streamPrefixes?.length ?? 0}`;
  if (!eventTypes) {
    return {
      sql: `SELECT ${ROW_COLUMNS} FROM ${ROW_JOINS} WHERE ${PAGE_RANGE}${prefixSql} ORDER BY e.position LIMIT @limit`,
      params,
      shapeKey,
    };
  }
  const perType = eventTypes.map((type, i) => {
    params[`t${i}`] = type;
    return `SELECT * FROM (SELECT ${ROW_COLUMNS} FROM ${ROW_JOINS} WHERE e.type = @t${i} AND ${PAGE_RANGE}${prefixSql} ORDER BY e.position LIMIT @limit)`;
  });
  const sql = perType.length === 1 ? perType[0] : `${perType.join(' UNION ALL ')} ORDER BY position LIMIT @limit`;
  return { sql, params, shapeKey };
}

/**
 * The same rows as pageQuery, read from the table in position order with the types tested
 * on each row (`+e.type` keeps SQLite off the type index). Per row this is a fraction of
 * the index plan's cost (no index walk and table seek per row, no merge of one subquery per
 * type), but it reads every row of @after..@upTo: callers bound the range when the filter
 * may be sparse (see SqliteEventStore.readPage). Undefined for a filter without types,
 * whose pageQuery already reads this way.
 */
export function scanPageQuery(filter: EventFilter | undefined): FilteredQuery | undefined {
  const { eventTypes, streamPrefixes } = normalizeFilter(filter);
  if (!eventTypes) return undefined;
  const params: SqlParams = {};
  const prefixSql = prefixCondition(streamPrefixes, params);
  const types = eventTypes.map((type, i) => {
    params[`t${i}`] = type;
    return `@t${i}`;
  });
  return {
    sql: `SELECT ${ROW_COLUMNS} FROM ${ROW_JOINS} WHERE ${PAGE_RANGE} AND +e.type IN (${types.join(', ')})${prefixSql} ORDER BY e.position LIMIT @limit`,
    params,
    shapeKey: `scan-t${eventTypes.length}p${streamPrefixes?.length ?? 0}`,
  };
}

/** The position of the newest event matching the filter (no row when none matches). */
export function headQuery(filter: EventFilter | undefined): FilteredQuery {
  const { eventTypes, streamPrefixes } = normalizeFilter(filter);
  const params: SqlParams = {};
  const prefixSql = prefixCondition(streamPrefixes, params);
  const shapeKey = `t${eventTypes?.length ?? 0}p${streamPrefixes?.length ?? 0}`;
  if (!eventTypes) {
    const from = streamPrefixes ? 'events AS e CROSS JOIN streams AS s ON s.id = e.stream_id' : 'events AS e';
    return { sql: `SELECT e.position FROM ${from} WHERE 1 = 1${prefixSql} ORDER BY e.position DESC LIMIT 1`, params, shapeKey };
  }
  // Same reason as pageQuery: one backwards index seek per type beats sorting them all.
  const perType = eventTypes.map((type, i) => {
    params[`t${i}`] = type;
    const from = streamPrefixes ? 'events AS e CROSS JOIN streams AS s ON s.id = e.stream_id' : 'events AS e';
    return `SELECT * FROM (SELECT e.position AS position FROM ${from} WHERE e.type = @t${i}${prefixSql} ORDER BY e.position DESC LIMIT 1)`;
  });
  return { sql: `SELECT MAX(position) FROM (${perType.join(' UNION ALL ')}) HAVING COUNT(*) > 0`, params, shapeKey };
}

function prefixCondition(streamPrefixes: string[] | undefined, params: SqlParams): string {
  if (!streamPrefixes) return '';
  const ranges = streamPrefixes.map((prefix, i) => {
    params[`p${i}`] = prefix;
    params[`q${i}`] = prefixUpperBound(prefix) ?? ABOVE_ALL_TEXT;
    return `(s.name >= @p${i} AND s.name < @q${i})`;
  });
  return ` AND (${ranges.join(' OR ')})`;
}
