import type { EventFilter, ExpectedRevision, NewEvent } from '../event-store.port';

/** Empty lists are treated as absent: "no restriction", never "match nothing". */
export function normalizeFilter(filter?: EventFilter): { eventTypes?: string[]; streamPrefixes?: string[] } {
  const eventTypes = filter?.eventTypes?.length ? [...new Set(filter.eventTypes)] : undefined;
  // An empty prefix matches every stream, which makes the whole prefix filter a no-op.
  const prefixes = filter?.streamPrefixes;
  const streamPrefixes = prefixes?.length && !prefixes.includes('') ? [...new Set(prefixes)] : undefined;
  return { eventTypes, streamPrefixes };
}

/** The in-memory twin of the adapters' server-side filters. */
export function matchesFilter(event: { type: string; stream: string }, filter?: EventFilter): boolean {
  const { eventTypes, streamPrefixes } = normalizeFilter(filter);
  if (eventTypes && !eventTypes.includes(event.type)) return false;
  if (streamPrefixes && !streamPrefixes.some((prefix) => event.stream.startsWith(prefix))) return false;
  return true;
}

/**
 * Validates an expected revision. -1 is accepted as a synonym of 'no_stream' because it is
 * what {@link AppendResult.nextRevision} reports for an empty stream, so a caller can pass
 * back what it was given.
 */
export function normalizeExpectedRevision(expected: ExpectedRevision | undefined): ExpectedRevision {
  if (expected === undefined) return 'any';
  if (typeof expected === 'number') {
    if (!Number.isSafeInteger(expected) || expected < -1) {
      throw new RangeError(`Invalid expected revision ${expected}: use an integer >= -1`);
    }
    return expected === -1 ? 'no_stream' : expected;
  }
  return expected;
}

/** Keeps the first event of each id, so the same id twice in one call is stored once. */
export function dropRepeatedIds<T extends NewEvent>(events: readonly T[], seen: Set<string> = new Set()): T[] {
  const kept: T[] = [];
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    kept.push(event);
  }
  return kept;
}

/** Whether a stream whose last revision is `current` (undefined: no stream) meets the expectation. */
export function expectedRevisionHolds(expected: ExpectedRevision, current: number | undefined): boolean {
  return (
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected)
  );
}
