import { Document, InvalidQueryError, StoredHint, WriteGuard } from '../read-store.port';

export function assertId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new InvalidQueryError('document id must be a non-empty string');
}

export function guardPosition(guard: WriteGuard | undefined): number | undefined {
  const position = guard?.position;
  if (position === undefined) return undefined;
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
    throw new InvalidQueryError('guard position must be a non-negative integer');
  }
  return position;
}

/** The document as stored: a guarded write records the guard's position in `_position`. */
export function prepareDocument<T extends Document>(doc: T, guard: WriteGuard | undefined): T {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new InvalidQueryError('document must be an object');
  assertId(doc._id);
  const position = guardPosition(guard);
  // Projections stamp `_position` themselves: no copy when it already says the same.
  return position === undefined || doc._position === position ? doc : { ...doc, _position: position };
}

/** A write op's `stored` hint, checked: undefined (no hint), null (absent) or a position. */
export function storedHint(stored: StoredHint | undefined): StoredHint | undefined {
  if (stored === undefined || stored === null) return stored;
  if (typeof stored !== 'number' || !Number.isSafeInteger(stored) || stored < 0) {
    throw new InvalidQueryError('stored hint must be null or a non-negative integer position');
  }
  return stored;
}
