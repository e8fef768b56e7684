import { InvalidQueryError } from '../read-store.port';
import { assertFieldName, assertFieldPath } from './names';

/** Reads a dotted path through nested objects; `undefined` when any step is missing. */
export function getPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Validates a patch's `set`: paths must be valid, must not touch `_id`, and must not overlap
 * (`a` and `a.b` together), which MongoDB refuses and SQLite would resolve by order.
 */
export function validatePatch(set: Record<string, unknown>): Array<[string, unknown]> {
  if (set === null || typeof set !== 'object' || Array.isArray(set)) throw new InvalidQueryError('patch needs an object of fields to set');
  // `undefined` means "not given" (as with the MongoDB driver's ignoreUndefined), not "remove".
  const entries = Object.entries(set).filter(([, v]) => v !== undefined);
  for (const [path] of entries) {
    assertFieldPath(path);
    if (path === '_id' || path.startsWith('_id.')) throw new InvalidQueryError('patch cannot change "_id"');
  }
  const paths = entries.map(([p]) => p).sort();
  for (let i = 1; i < paths.length; i++) {
    if (paths[i].startsWith(paths[i - 1] + '.')) {
      throw new InvalidQueryError(`patch paths "${paths[i - 1]}" and "${paths[i]}" overlap`);
    }
  }
  return entries;
}

/**
 * Applies validated `set` entries in place with MongoDB's `$set` semantics: missing
 * intermediate objects are created; an intermediate that exists but is not an object is an error.
 */
export function applyPatch(doc: Record<string, unknown>, entries: Array<[string, unknown]>): void {
  for (const [path, value] of entries) {
    const segments = path.split('.');
    let target: Record<string, unknown> = doc;
    for (let i = 0; i < segments.length - 1; i++) {
      const segment = segments[i];
      const next = Object.prototype.hasOwnProperty.call(target, segment) ? target[segment] : undefined;
      if (next === undefined) {
        const created: Record<string, unknown> = {};
        target[segment] = created;
        target = created;
      } else if (next !== null && typeof next === 'object' && !Array.isArray(next)) {
        target = next as Record<string, unknown>;
      } else {
        throw new InvalidQueryError(`cannot set "${path}": "${segments.slice(0, i + 1).join('.')}" is not an object`);
      }
    }
    target[segments[segments.length - 1]] = value;
  }
}

export function validateFields(fields: string[] | undefined): string[] | undefined {
  if (fields === undefined) return undefined;
  if (!Array.isArray(fields)) throw new InvalidQueryError('fields must be an array of field names');
  for (const f of fields) assertFieldName(f);
  return fields;
}

/** Keeps `_id` and the listed top-level fields. */
export function pickFields<T extends object>(doc: T, fields: string[]): T {
  const source = doc as Record<string, unknown>;
  const out: Record<string, unknown> = { _id: source._id };
  for (const f of fields) {
    if (Object.prototype.hasOwnProperty.call(source, f)) out[f] = source[f];
  }
  return out as T;
}
