import type { RecordedEvent } from '@registry/event-store';
import type { Document, IndexSpec } from '@registry/read-store';

/** A document a projection will touch for an event, so the runner can load a whole batch with getMany. */
export interface DocumentRef {
  collection: string;
  id: string;
}

/**
 * What `apply` may do with the read model. Collections are the projection's logical names;
 * the runner maps them to the physical collections of the generation being built.
 */
export interface ProjectionContext {
  /**
   * The document as of the previous event (earlier writes of the same batch included), or null.
   * When its `_position` is already >= the event's position, this event has been applied to it
   * before (a replay): it is still returned, so multi-document projections can read it, but
   * later `put`/`delete` of that document for this event are ignored.
   * Returns a copy (mutating it changes nothing until it is `put`), or, for projections that
   * declare `readonlyDocuments`, a shallow-frozen shared object.
   */
  get<T extends Document = Document>(collection: string, id: string): Promise<T | null>;
  /**
   * The same as `get` without awaiting, for documents already loaded in this batch (prefetched
   * through `documentIds`, read or written earlier). `undefined` means "not loaded: use get".
   * It applies the same replay guard as `get`.
   */
  getLoaded<T extends Document = Document>(collection: string, id: string): T | null | undefined;
  /** Insert or replace; the runner stamps `_position` with the event's position. */
  put(collection: string, doc: Document): void;
  /**
   * `put` for a document this event creates, such as the one a stream's first event starts:
   * the store cannot hold it yet, except after a replay, where the stored one reflects this
   * event or a later one and the store's position guard keeps it. So nothing is loaded for
   * it (a put of an unloaded document is loaded first, for the replay guard); on a bulk
   * load of new streams that is one index lookup per event saved. Later events of the batch
   * see the created document as they would a put one.
   */
  create(collection: string, doc: Document): void;
  delete(collection: string, id: string): void;
}

export interface ProjectionCollection {
  /** Logical name, unique within the projection. */
  name: string;
  indexes?: IndexSpec[];
}

export interface Projection {
  /** Stable name, part of physical collection names: letters, digits, underscores. */
  name: string;
  /** Bump when `apply` changes meaning: the runner rebuilds the read model beside the old one. */
  version: number;
  /** Only these event types are delivered to `apply`. */
  eventTypes: string[];
  streamPrefixes?: string[];
  collections: ProjectionCollection[];
  /**
   * Promise that `apply` never mutates a document it reads. The runner then hands out its own
   * objects (shallow-frozen, so a stray assignment throws) instead of a deep copy per read,
   * which is a large share of the per-event cost. documentProjection sets it. It also
   * promises that a document given to `put` is the projection's to give away: the runner
   * stamps its position in place unless it is one of the frozen objects it handed out.
   */
  readonlyDocuments?: boolean;
  /**
   * Optional prefetch hook: the documents `apply` will read for this event. The runner loads
   * them for a whole batch with one getMany per collection, so `apply` can run without awaiting.
   */
  documentIds?(event: RecordedEvent): DocumentRef[];
  apply(event: RecordedEvent, ctx: ProjectionContext): void | Promise<void>;
}

export interface DocumentProjectionOptions<D extends Document> {
  name: string;
  version: number;
  /** The one logical collection this projection writes. */
  collection: string;
  eventTypes: string[];
  streamPrefixes?: string[];
  indexes?: IndexSpec[];
  /** Which document an event belongs to; null skips the event. */
  documentId(event: RecordedEvent): string | null;
  /**
   * Pure: the document after the event, or null to delete it. Must not mutate `doc` (it is
   * the runner's shallow-frozen object, shared with the batch): return a new object.
   */
  evolve(doc: D | null, event: RecordedEvent): D | null;
}

/**
 * The common case: one document per id, a pure `evolve(doc, event)`, null deletes.
 * Prefetches its documents so a batch is applied without one await per event.
 */
export function documentProjection<D extends Document>(options: DocumentProjectionOptions<D>): Projection {
  const { collection, documentId, evolve } = options;

  const step = (event: RecordedEvent, ctx: ProjectionContext, id: string, current: D | null): void => {
    // Already applied (a replay after a crash or a checkpoint reset): evolving again would be wasted work.
    if (current !== null && (current._position ?? -1) >= event.position) return;
    const next = evolve(current, event);
    if (next === null) {
      if (current !== null) ctx.delete(collection, id);
      return;
    }
    ctx.put(collection, { ...next, _id: id });
  };

  return {
    name: options.name,
    version: options.version,
    eventTypes: options.eventTypes,
    streamPrefixes: options.streamPrefixes,
    collections: [{ name: collection, indexes: options.indexes }],
    readonlyDocuments: true,
    documentIds(event) {
      const id = documentId(event);
      return id === null ? [] : [{ collection, id }];
    },
    apply(event, ctx) {
      const id = documentId(event);
      if (id === null) return;
      const loaded = ctx.getLoaded<D>(collection, id);
      // Synchronous when prefetched (the usual case): no promise, no microtask per event.
      if (loaded !== undefined) return step(event, ctx, id, loaded);
      return ctx.get<D>(collection, id).then((doc) => step(event, ctx, id, doc));
    },
  };
}
