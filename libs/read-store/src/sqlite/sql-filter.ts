import { Scalar } from '../read-store.port';
import { Condition } from '../query/filter';
import { SortKey } from '../query/cursor';

/**
 * Filter and keyset translation to SQLite. Values always travel as bound parameters; only
 * field paths, already validated against FIELD_PATH, are written into the SQL text (as
 * JSON paths, or as the names of an indexed field's key columns: see KeyedPaths).
 *
 * A condition is true, false or NULL, and NULL only where "no match" is meant; `ne`, the
 * one negation, wraps its operand in coalesce(..., 0) so that it matches missing fields, as
 * MongoDB's `$ne` does.
 *
 * Array semantics follow MongoDB: a condition on a field holding an array matches when any
 * element matches. The array branch is guarded by `json_type(...) = 'array'`, which matches
 * the partial index ensureIndexes creates next to each json_extract index (it holds only the
 * array-valued rows, so it is empty where the field is a scalar); with it SQLite answers
 * `scalar OR array` with a MULTI-INDEX OR instead of a scan. Dotted paths walk through
 * objects only; a path that crosses an array (`items.code` over an array of objects) is not
 * supported.
 */

export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

export type SqlParam = string | number | null;

/** How one field is read: its value, its JSON type, and its JSON path (null for `_id`, which lives in a column). */
interface Accessor {
  value: string;
  type: string;
  jsonPath: string | null;
}

/**
 * Fields an index covers are kept in two columns of their own beside the document, filled
 * on every write from the document's value (see indexKey): `"k:<path>"` holds what
 * json_extract(doc, path) would give and `"t:<path>"` what json_type would, and the indexes
 * are on those columns. SQLite then never parses a document's JSON to maintain an index,
 * which made most of the cost of a write with five indexes.
 */
export type KeyedPaths = ReadonlySet<string>;
export const NO_KEYS: KeyedPaths = new Set();

/** Keyed fields known to hold no array in any stored document (see filterSql). */
export type ScalarPaths = ReadonlySet<string>;

/** The partial index of a keyed field's array-valued rows (see ensureIndexes) has this WHERE clause. */
export function arrayRowsTest(path: string): string {
  return `${typeColumn(path)} = 'array'`;
}

export function keyColumn(path: string): string {
  return `"k:${path}"`;
}

export function typeColumn(path: string): string {
  return `"t:${path}"`;
}

export function accessor(path: string, keyed: KeyedPaths = NO_KEYS): Accessor {
  if (path === '_id') return { value: 't.id', type: `'text'`, jsonPath: null };
  const jsonPath = `'$.${path}'`;
  if (keyed.has(path)) return { value: `t.${keyColumn(path)}`, type: `t.${typeColumn(path)}`, jsonPath };
  return { value: `json_extract(t.doc, ${jsonPath})`, type: `json_type(t.doc, ${jsonPath})`, jsonPath };
}

/** What an index holds for a field; queries on the field read the same columns (see accessor). */
export function indexExpression(path: string): string {
  return path === '_id' ? 'id' : keyColumn(path);
}

/** SQL that fills a field's key columns from the stored documents (when an index is added to a collection that has some). */
export function keyBackfill(path: string): string {
  return `${keyColumn(path)} = json_extract(doc, '$.${path}'), ${typeColumn(path)} = json_type(doc, '$.${path}')`;
}

/**
 * A document's value for a keyed field, as [json_extract, json_type] would give it over the
 * stored JSON: booleans as 1/0, arrays and objects as their JSON text, a missing field (or a
 * path through an array, which `$.a.b` does not enter) as [null, null].
 */
export function indexKey(doc: Record<string, unknown>, path: string): [SqlParam, string | null] {
  let value: unknown = doc;
  let start = 0;
  for (;;) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [null, null];
    const dot = path.indexOf('.', start);
    value = (value as Record<string, unknown>)[dot < 0 ? path.slice(start) : path.slice(start, dot)];
    if (dot < 0) break;
    start = dot + 1;
  }
  switch (typeof value) {
    case 'undefined':
      return [null, null];
    case 'string':
      return [value, 'text'];
    case 'boolean':
      return value ? [1, 'true'] : [0, 'false'];
    case 'number':
      // JSON has no NaN or Infinity: JSON.stringify stores them as null.
      if (!Number.isFinite(value)) return [null, 'null'];
      return [value, Number.isInteger(value) ? 'integer' : 'real'];
    case 'object':
      if (value === null) return [null, 'null'];
      return [JSON.stringify(value), Array.isArray(value) ? 'array' : 'object'];
    default:
      // Functions and symbols are left out of the stored JSON.
      return [null, null];
  }
}

type TypeClass = 'text' | 'number' | 'true' | 'false' | 'null';

function typeClass(value: Scalar): TypeClass {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'number';
  return value ? 'true' : 'false';
}

/** SQL test that a JSON type name (an expression) belongs to a class; never NULL. */
function typeTest(typeExpr: string, cls: TypeClass): string {
  return cls === 'number' ? `(${typeExpr} IS 'integer' OR ${typeExpr} IS 'real')` : `${typeExpr} IS '${cls}'`;
}

/** Element predicate inside `json_each` (alias j): never NULL either. */
function elementEq(cls: TypeClass, params: SqlParam[], values: Scalar[]): string {
  if (cls === 'true' || cls === 'false' || cls === 'null') return `j.type IS '${cls}'`;
  for (const v of values) params.push(v as string | number);
  const test = values.length === 1 ? `j.value IS ?` : `j.value IN (${values.map(() => '?').join(', ')})`;
  return `(${typeTest('j.type', cls)} AND ${test})`;
}

function groupByClass(values: Scalar[]): Map<TypeClass, Scalar[]> {
  const groups = new Map<TypeClass, Scalar[]>();
  for (const v of values) {
    const cls = typeClass(v);
    const list = groups.get(cls) ?? [];
    list.push(v);
    groups.set(cls, list);
  }
  return groups;
}

/** Field equals any of `values` (scalar or array element); 0/1. */
function equalsAny(path: string, values: Scalar[], params: SqlParam[], keyed: KeyedPaths, scalars: ScalarPaths): string {
  if (values.length === 0) return '0';
  const a = accessor(path, keyed);
  const groups = groupByClass(values);
  const scalarTerms: string[] = [];
  for (const [cls, list] of groups) {
    if (cls === 'null') {
      // MongoDB: `null` matches a null value and a missing field.
      scalarTerms.push(`${a.value} IS NULL`);
    } else if (cls === 'true' || cls === 'false') {
      // json_extract gives 1/0 for booleans; comparing it lets the index narrow the rows,
      // the type test keeps the numbers 1 and 0 out.
      params.push(cls === 'true' ? 1 : 0);
      scalarTerms.push(`(${a.value} IS ? AND ${a.type} IS '${cls}')`);
    } else if (a.jsonPath === null && cls !== 'text') {
      // `_id` is a TEXT column: a number must not match '5' by column affinity.
      scalarTerms.push('0');
    } else {
      for (const v of list) params.push(v as string | number);
      // `IN` is NULL on a missing field, but then the type test is false, so the AND is too.
      const test = list.length === 1 ? `${a.value} IS ?` : `${a.value} IN (${list.map(() => '?').join(', ')})`;
      scalarTerms.push(`(${test} AND ${typeTest(a.type, cls)})`);
    }
  }
  if (a.jsonPath === null || scalars.has(path)) return `(${scalarTerms.join(' OR ')})`;
  const elementTerms = [...groups].map(([cls, list]) => elementEq(cls, params, list));
  const arrayTerm = `(${a.type} = 'array' AND EXISTS (SELECT 1 FROM json_each(t.doc, ${a.jsonPath}) AS j WHERE ${elementTerms.join(' OR ')}))`;
  return `(${[...scalarTerms, arrayTerm].join(' OR ')})`;
}

const COMPARATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** Range test on a value or any element; may be NULL only where NULL means "no match". */
function compare(
  path: string,
  tests: Array<[op: string, value: string | number]>,
  cls: 'text' | 'number',
  params: SqlParam[],
  keyed: KeyedPaths,
  scalars: ScalarPaths,
): string {
  const a = accessor(path, keyed);
  if (path === '_id' && cls !== 'text') return '0';
  const scalar = tests.map(([op]) => `${a.value} ${op} ?`);
  for (const [, v] of tests) params.push(v);
  const scalarTerm = `(${[...scalar, typeTest(a.type, cls)].join(' AND ')})`;
  if (a.jsonPath === null || scalars.has(path)) return scalarTerm;
  const element = tests.map(([op]) => `j.value ${op} ?`);
  for (const [, v] of tests) params.push(v);
  const arrayTerm = `(${a.type} = 'array' AND EXISTS (SELECT 1 FROM json_each(t.doc, ${a.jsonPath}) AS j WHERE ${[...element, typeTest('j.type', cls)].join(' AND ')}))`;
  return `(${scalarTerm} OR ${arrayTerm})`;
}

/**
 * The smallest string greater than every string that starts with `prefix`, in code point
 * order (which is SQLite's BINARY order over UTF-8): the prefix with its last code point
 * incremented. Undefined when no such string exists (a prefix of U+10FFFF only).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (ch) => ch.codePointAt(0) as number);
  while (points.length > 0) {
    let last = (points.pop() as number) + 1;
    if (last === 0xd800) last = 0xe000; // skip the surrogate range, which UTF-8 cannot hold
    if (last <= 0x10ffff) {
      points.push(last);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}

function prefixTest(path: string, prefix: string, params: SqlParam[], keyed: KeyedPaths, scalars: ScalarPaths): string {
  // A half-open range, not LIKE: LIKE folds ASCII case and cannot use an expression index.
  const upper = prefixUpperBound(prefix);
  const tests: Array<[string, string]> = [['>=', prefix]];
  if (upper !== undefined) tests.push(['<', upper]);
  return compare(path, tests, 'text', params, keyed, scalars);
}

function conditionSql(c: Condition, params: SqlParam[], keyed: KeyedPaths, scalars: ScalarPaths): string {
  switch (c.op) {
    case 'eq':
      return equalsAny(c.path, [c.value], params, keyed, scalars);
    case 'ne':
      // The array branch may be NULL on a missing field (see above); NOT must see 0 there.
      return `NOT coalesce(${equalsAny(c.path, [c.value], params, keyed, scalars)}, 0)`;
    case 'in':
      return equalsAny(c.path, c.values, params, keyed, scalars);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compare(c.path, [[COMPARATORS[c.op], c.value]], typeof c.value === 'string' ? 'text' : 'number', params, keyed, scalars);
    case 'exists': {
      const a = accessor(c.path, keyed);
      if (a.jsonPath === null) return c.value ? '1' : '0';
      return `${a.type} IS ${c.value ? 'NOT ' : ''}NULL`;
    }
    case 'prefix':
      return prefixTest(c.path, c.value, params, keyed, scalars);
  }
}

/**
 * `scalars`: keyed fields that no stored document holds as an array at the time of the query
 * (the caller has checked, in the same read transaction: see SqliteCollection.find). Their
 * conditions leave the array branch out: a plain comparison on the key column, which SQLite
 * can use as an index range, and use for the order of that index too. With the `scalar OR
 * array` form it cannot: an OR is answered by a MULTI-INDEX OR, in rowid order, or from another
 * condition's index, and the rows then sorted for ORDER BY.
 */
export function filterSql(conditions: Condition[], keyed: KeyedPaths = NO_KEYS, scalars: ScalarPaths = NO_KEYS): SqlFragment {
  const params: SqlParam[] = [];
  const terms = conditions.map((c) => conditionSql(c, params, keyed, scalars));
  return { sql: terms.length === 0 ? '1' : terms.join(' AND '), params };
}

/** better-sqlite3 binds no booleans; JSON booleans read back through json_extract as 1/0. */
function bindable(value: Scalar): SqlParam {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

export function orderBySql(keys: SortKey[], keyed: KeyedPaths = NO_KEYS): string {
  return keys.map((k) => `${accessor(k.path, keyed).value} ${k.direction === 1 ? 'ASC' : 'DESC'}`).join(', ');
}

/**
 * "Strictly after the cursor item" in the ORDER BY above. SQLite sorts NULL (and missing)
 * first ascending and last descending, which is also MongoDB's order.
 */
export function afterCursorSql(keys: SortKey[], values: Scalar[], keyed: KeyedPaths = NO_KEYS): SqlFragment {
  const params: SqlParam[] = [];
  const build = (i: number): string => {
    const { value: x } = accessor(keys[i].path, keyed);
    const c = values[i];
    const last = i === keys.length - 1;
    const asc = keys[i].direction === 1;
    let strictlyAfter: string;
    let tie: string;
    if (c === null) {
      strictlyAfter = asc ? `${x} IS NOT NULL` : '0';
      tie = `${x} IS NULL`;
    } else {
      params.push(bindable(c));
      strictlyAfter = asc ? `${x} > ?` : `(${x} < ? OR ${x} IS NULL)`;
      tie = `${x} = ?`;
    }
    if (last) return strictlyAfter;
    if (c !== null) params.push(bindable(c));
    const rest = build(i + 1);
    return `(${strictlyAfter} OR (${tie} AND ${rest}))`;
  };
  let sql = build(0);
  // A redundant lower bound on the first key lets SQLite seek in an index instead of
  // scanning from the start on every page (possible only where NULLs are not "after").
  const first = values[0];
  if (keys.length > 1 && keys[0].direction === 1 && first !== null) {
    sql = `${accessor(keys[0].path, keyed).value} >= ? AND ${sql}`;
    params.unshift(bindable(first));
  }
  return { sql, params };
}
