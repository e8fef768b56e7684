import type { RecordedEvent } from '../event-store.port';
import { StoredTextEvent } from './stored-text-event';

/**
 * The metadata of an import's events is one object per batch (the event store hands it out
 * once per metadata value): serialised once, not once per event.
 */
const metadataJson = new WeakMap<object, string>();

function jsonOfMetadata(metadata: RecordedEvent['metadata']): string {
  if (metadata === null || typeof metadata !== 'object') return JSON.stringify(metadata ?? null);
  let json = metadataJson.get(metadata);
  if (json === undefined) metadataJson.set(metadata, (json = JSON.stringify(metadata)));
  return json;
}

/**
 * An event's canonical text: the JSON array `[id, stream, revision, type, data, metadata,
 * recordedAt]`, each member in ECMAScript JSON serialisation (JSON.stringify) of the value as
 * the store returns it, object members in the order they were written. Every adapter stores
 * data and metadata as the JSON text JSON.stringify wrote (SQLite text, EventStoreDB bytes,
 * PostgreSQL `json`), which parses and serialises back to the same text, so this is the
 * stored text itself. This is what the audit chain hashes (as UTF-8); a store may hand it out
 * without decoding the event (see {@link CanonicalLogReader}), and must then give exactly
 * this text for every event its own appends wrote.
 */
export function canonicalEventText(event: RecordedEvent): string {
  return (
    '[' +
    JSON.stringify(event.id) +
    ',' +
    JSON.stringify(event.stream) +
    ',' +
    String(event.revision) +
    ',' +
    JSON.stringify(event.type) +
    ',' +
    // The stored text is what JSON.stringify wrote at the append: the same text, not serialised again.
    (event instanceof StoredTextEvent ? event.dataText : (JSON.stringify(event.data) ?? 'null')) +
    ',' +
    jsonOfMetadata(event.metadata) +
    ',' +
    JSON.stringify(event.recordedAt) +
    ']'
  );
}

/** One event of the log as its position, its id and its canonical text. */
export type CanonicalRow = [position: number, id: string, text: string];

/**
 * Optional beside the port: the global log as canonical rows, a page (an array) at a time,
 * in position order, strictly after `fromPosition`. The embedded SQLite store builds the text
 * in the query from the stored JSON, so nothing is parsed and serialised again; other
 * adapters are read through {@link canonicalPages}, which builds it from readAll's events.
 */
export interface CanonicalLogReader {
  readCanonicalPages(options: { fromPosition?: number; pageSize?: number }): AsyncIterable<CanonicalRow[]>;
}

export function hasCanonicalReader(store: object): store is CanonicalLogReader {
  return typeof (store as Partial<CanonicalLogReader>).readCanonicalPages === 'function';
}

/**
 * Canonical rows of any store: its own reader where it has one, else readAll's events
 * serialised by canonicalEventText, in pages of `pageSize`.
 */
export async function* canonicalPages(
  store: { readAll(options: { fromPosition?: number }): AsyncIterable<RecordedEvent> },
  options: { fromPosition?: number; pageSize?: number } = {},
): AsyncGenerator<CanonicalRow[], void, undefined> {
  if (hasCanonicalReader(store)) {
    yield* store.readCanonicalPages(options);
    return;
  }
  const size = Math.max(1, options.pageSize ?? 1000);
  let page: CanonicalRow[] = [];
  for await (const event of store.readAll({ fromPosition: options.fromPosition ?? 0 })) {
    page.push([event.position, event.id, canonicalEventText(event)]);
    if (page.length >= size) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
