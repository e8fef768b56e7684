import { IndexSpec, InvalidQueryError } from '../read-store.port';

/**
 * Names that reach SQL text or a MongoDB namespace. Both adapters validate with the same
 * rules so a name that works on the embedded store also works in production, and the other
 * way round.
 */

/** Collection and index names: a letter, then letters, digits or `_` (at most 63 in all). */
export const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/**
 * Dotted field paths. Segments start with a letter or `_`, so numeric array indexes, `$`
 * operators and quoting characters are impossible; that is what makes it safe to put a path
 * into a SQLite JSON path literal (expression indexes need literals, not parameters).
 */
export const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Top-level field names, for projections. */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Segments that would reach an object's prototype when a path is applied in JavaScript. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

const MAX_PATH_LENGTH = 200;

/**
 * Quote a caller-supplied name for an error message, or hide it. Error messages may name
 * fields but must never carry values; a string that does not even look like a name may be a
 * value pasted in the wrong place (a citizen ID, a person's name), so it is not echoed.
 */
export function describeName(name: unknown): string {
  return typeof name === 'string' && /^[A-Za-z_$][A-Za-z0-9_.$]{0,63}$/.test(name) ? `"${name}"` : '(not shown)';
}

export function assertCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new InvalidQueryError(`invalid collection name ${describeName(name)}`);
  }
}

export function assertIndexName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw new InvalidQueryError(`invalid index name ${describeName(name)}`);
  }
}

/** An index declaration both adapters accept: a valid name, at least one field with a valid path and direction, one field when multikey. */
export function assertIndexSpec(spec: IndexSpec): void {
  assertIndexName(spec.name);
  if (!Array.isArray(spec.fields) || spec.fields.length === 0) {
    throw new InvalidQueryError(`index "${spec.name}" needs at least one field`);
  }
  for (const [path, direction] of spec.fields) {
    assertFieldPath(path);
    if (direction !== 1 && direction !== -1) throw new InvalidQueryError(`index "${spec.name}": direction must be 1 or -1`);
  }
  if (spec.multikey && spec.fields.length !== 1) throw new InvalidQueryError(`index "${spec.name}": a multikey index has one field`);
}

export function assertFieldPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH || !FIELD_PATH.test(path)) {
    throw new InvalidQueryError(`invalid field path ${describeName(path)}`);
  }
  for (const segment of path.split('.')) {
    if (FORBIDDEN_SEGMENTS.has(segment)) throw new InvalidQueryError(`invalid field path ${describeName(path)}`);
  }
}

export function assertFieldName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !FIELD_NAME.test(name) || FORBIDDEN_SEGMENTS.has(name)) {
    throw new InvalidQueryError(`invalid field name ${describeName(name)}`);
  }
}
