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
  /**
   * State shared by the events of one batch, created by `init` on first use and handed to
   * `finishBatch` at the batch's end; `owner` tells one user's state from another's. For what is
   * cheaper to gather over a batch and write once (summaries counted from many documents) than
   * to write after every event. Change it only once nothing of the event can throw any more: an
   * event that throws is retried or parked, and what it put here stays.
   */
  batchState<T>(owner: object, init: () => T): T;
}

/** What `finishBatch` gets: the batch's state, and contexts that write as one of its events. */
export interface BatchFinish {
  /** The state the batch's events kept under `owner` (ProjectionContext.batchState), if any did. */
  state<T>(owner: object): T | undefined;
  /** A context writing as `event` of this batch did: its position stamps and guards the documents. */
  as(event: RecordedEvent): ProjectionContext;
}

export interface ProjectionCollection {
  /** Logical name, unique within the projection. */
  name: string;
  indexes?: IndexSpec[];
}

/**
 * What `applyBatch` may do with the read model: read documents (as stored, or as written
 * earlier in the same batch) and write whole documents. Each written document carries the
 * position it reflects in `_position` (the batch's last position when unset), and the store
 * keeps it only over an older copy.
 */
export interface BatchProjectionContext {
  get<T extends Document = Document>(collection: string, id: string): Promise<T | null>;
  put(collection: string, doc: Document): void;
}

export interface Projection {
  /** Stable name, part of physical collection names: letters, digits, underscores. */
  name: string;
  /** Bump when `apply` changes meaning: the runner rebuilds the read model beside the old one. */
  version: number;
  /** Only these event types are delivered to `apply`; 'all' delivers every event of the log, whatever its type. */
  eventTypes: string[] | 'all';
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
   * The projection reads `event.data` of few events (the audit chain hashes each event's stored
   * text): the store may then parse data only when it is read (SubscribeOptions.lazyData).
   */
  lazyData?: boolean;
  /**
   * The most events one batch of this projection takes, when fewer than the runner's batch size
   * (PROJECTION_BATCH_EVENTS). For a projection whose batch writes little whatever its size: its
   * batch and the read-ahead behind it (two batches) are held in memory, and every young-generation
   * collection copies them.
   */
  batchEvents?: number;
  /**
   * Optional prefetch hook: the documents `apply` will read for this event. The runner loads
   * them for a whole batch with one getMany per collection, so `apply` can run without awaiting.
   */
  documentIds?(event: RecordedEvent): DocumentRef[];
  /** One event at a time (retried, then parked when it keeps throwing). A projection defines this or `applyBatch`. */
  apply?(event: RecordedEvent, ctx: ProjectionContext): void | Promise<void>;
  /** After the last event of a batch that kept batchState: writes what the events gathered. A throw fails the batch. */
  finishBatch?(finish: BatchFinish): void | Promise<void>;
  /**
   * A whole batch at once, for append-only read models (an audit trail, a hash chain) that
   * write a few documents per batch rather than one per event: what would be a copy of a
   * growing document per event is one write per batch. It must skip events its documents
   * already reflect (a replay after a crash on a store without transactions); the runner writes
   * the collections in the order of their first `put` (documents of one collection in any
   * order), so a document that records how far the others reach must be put last, in a
   * collection of its own, to be written after them. A throw fails
   * the batch, which is retried with back-off: such a projection parks nothing, so it must
   * accept every event of its filter.
   */
  applyBatch?(events: RecordedEvent[], ctx: BatchProjectionContext): Promise<void>;
}

/**
 * Aggregates kept from a projection's documents (counts per region, say). A pure function of a
 * document says which summary documents it counts in and what it adds there; when an event
 * changes that, the runtime takes the document's old contribution out of the summaries and puts
 * its new one in, each summary with a pure `apply`.
 */
export interface SummarySpec<D extends Document, V, S extends Document = Document> {
  /** The logical collection of the summary documents. */
  collection: string;
  indexes?: IndexSpec[];
  /** What the document contributes, and to which summary ids; null when it counts nowhere. */
  contribution(doc: D): { ids: readonly string[]; value: V } | null;
  /** A contribution as text: two with the same key count the same (when a document's key and ids stay, nothing moves). */
  key(value: V): string;
  /**
   * Pure: the summary `id` with `value` added `count` times (taken out when negative; 0 leaves
   * the counters it would move present, at 0). `summary` is null when none is stored yet.
   */
  apply(summary: S | null, id: string, value: V, count: number): S;
  /** Summaries most events touch (the whole province's), loaded with the batch instead of one by one. */
  usual?(event: RecordedEvent): readonly string[];
  /**
   * Keeps each summary's state at the end of every period (a day, say) in which an event moved
   * it. The summary itself names the period of the last event that moved it
   * (`SUMMARY_PERIOD_FIELD`); when an event of a later period moves it, its state before that
   * event, the end of the earlier period, is copied to `${id}@${period}` with `summary` and
   * `period` fields. So a copy is written once per summary and period, not once per event, and
   * what a summary was at the end of period P is the summary itself when its period is P or
   * earlier, otherwise its latest copy of a period up to P (`summaryAsOf`).
   */
  history?: { collection: string; indexes?: IndexSpec[]; period(event: RecordedEvent): string };
}

/** The field of a summary document naming the period of the last event that moved it (see SummarySpec.history). */
export const SUMMARY_PERIOD_FIELD = '_period';

/**
 * What a summary was at the end of `period`, from the summary as it is now and a look-up of its
 * latest copy of a period up to `period` (called only when the summary moved after it).
 */
export async function summaryAsOf<S extends Document>(
  current: S | null | undefined,
  period: string,
  latestCopyUpTo: () => Promise<S | null>,
): Promise<S | null> {
  if (!current) return latestCopyUpTo();
  const last = current[SUMMARY_PERIOD_FIELD] as string | undefined;
  if (last !== undefined && last <= period) return current;
  return latestCopyUpTo();
}

export interface DocumentProjectionOptions<D extends Document> {
  name: string;
  version: number;
  /** The one logical collection of documents this projection writes. */
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
  /**
   * Whether the event starts its document (a stream's first event): no document can be stored
   * before it, so none is looked up (see ProjectionContext.create). A replay is refused by the
   * store's position guard.
   */
  startsDocument?(event: RecordedEvent): boolean;
  summaries?: SummarySpec<D, unknown>;
}

/** One contribution a batch moves a summary by, with the net count it moved. */
interface Move {
  value: unknown;
  count: number;
}

/** What one event does to one summary: the contribution (key and value) that leaves it, and the one that enters. */
interface Change {
  out?: [key: string, value: unknown];
  in?: [key: string, value: unknown];
}

/** A summary as one batch moves it (see documentProjection). */
interface Gathered {
  /** The summary as the batch found it (null: none stored), then as of the batch's last change of period. */
  current: Document | null;
  /** Events up to this position are counted already: the stored summary's position, then the last event that moved it. */
  counted: number;
  /** The period of the last event that moved it (SUMMARY_PERIOD_FIELD). */
  period: string | undefined;
  /**
   * Net counts by contribution key since `current`, in the order first met. A count back at 0
   * stays, so the counters it touched show 0 as they would after one event at a time.
   */
  moves: Map<string, Move>;
  /** The last event of the batch that moved it: it stamps and guards the written summary. */
  last: RecordedEvent | null;
}

/**
 * The common case: one document per id, a pure `evolve(doc, event)`, null deletes, and
 * optionally summaries kept from the documents. The runtime owns the I/O: it prefetches a
 * batch's documents, creates or puts, guards positions (an event already applied to a document,
 * or counted in a summary, is not applied again), and writes summaries before documents, so on
 * a store without transactions a replay after a crash derives the same change from the old
 * document and the summaries' guards refuse what was already counted.
 *
 * Summaries are gathered over the batch: each event adds its documents' old and new
 * contributions to a net count per summary and contribution, and at the batch's end every
 * summary it moved gets `apply` once per contribution with that count, written at the position
 * of the last event that moved it. The documents are the same as one event at a time would
 * make (persons.projection.properties.spec.ts holds any batch split to a rebuild); the province's
 * summary, which nearly every event moves, is copied a few dozen times per batch instead of
 * several times per event.
 */
export function documentProjection<D extends Document>(options: DocumentProjectionOptions<D>): Projection {
  const { collection, documentId, evolve, summaries } = options;
  const starts = options.startsDocument ?? (() => false);
  const applied = (doc: Document | null, event: RecordedEvent) => doc !== null && (doc._position ?? -1) >= event.position;
  /** Whose batch state the summaries are (ProjectionContext.batchState). */
  const owner = {};

  /** The summary ids this change moves, with the contribution (and its key) that leaves and that enters each. */
  const summaryChanges = (before: D | null, after: D | null) => {
    if (!summaries) return [];
    const from = before === null ? null : summaries.contribution(before);
    const to = after === null ? null : summaries.contribution(after);
    if (from === null && to === null) return [];
    const fromKey = from === null ? '' : summaries.key(from.value);
    const toKey = to === null ? '' : summaries.key(to.value);
    const same = from !== null && to !== null && sameIds(from.ids, to.ids);
    if (same && fromKey === toKey) return [];
    const out: [key: string, value: unknown] | undefined = from === null ? undefined : [fromKey, from.value];
    const into: [key: string, value: unknown] | undefined = to === null ? undefined : [toKey, to.value];
    // The usual change (a status moves, the document stays in its summaries): no merging.
    if (same) return from!.ids.map((id): [string, Change] => [id, { out, in: into }]);
    const changes = new Map<string, Change>();
    for (const id of from?.ids ?? []) changes.set(id, { out });
    for (const id of to?.ids ?? []) changes.set(id, { ...changes.get(id), in: into });
    return [...changes];
  };
  type Changes = ReturnType<typeof summaryChanges>;

  const startGathering = (stored: Document | null): Gathered => ({
    current: stored,
    counted: stored === null ? -1 : (stored._position ?? -1),
    period: stored === null ? undefined : (stored[SUMMARY_PERIOD_FIELD] as string | undefined),
    moves: new Map(),
    last: null,
  });

  /** Folds the moves into `current` (one pure `apply` per contribution) and starts counting afresh. */
  const settle = (g: Gathered, id: string): Document | null => {
    let next = g.current;
    for (const move of g.moves.values()) next = summaries!.apply(next, id, move.value, move.count);
    g.moves.clear();
    g.current = next;
    return next;
  };

  const move = (g: Gathered, [key, value]: [string, unknown], count: number) => {
    const m = g.moves.get(key);
    if (m) m.count += count;
    else g.moves.set(key, { value, count });
  };

  /** Adds one event's change to the batch's summaries; the last thing an event does, as nothing after it may throw. */
  const gather = (ctx: ProjectionContext, event: RecordedEvent, gathered: Map<string, Gathered>, changes: Changes) => {
    const history = summaries!.history;
    const period = history?.period(event);
    for (const [id, change] of changes) {
      const g = gathered.get(id)!;
      // Counted already (a replay after a crash): the summary's own guard.
      if (g.counted >= event.position) continue;
      if (history) {
        // The first move of a later period: the summary as it stood is the end of its period.
        if (g.period !== undefined && g.period !== period) {
          const ended = settle(g, id);
          if (ended !== null) {
            const { _position: _p, [SUMMARY_PERIOD_FIELD]: _s, ...counts } = ended;
            ctx.create(history.collection, { ...counts, _id: `${id}@${g.period}`, summary: id, period: g.period });
          }
        }
        g.period = period;
      }
      if (change.out) move(g, change.out, -1);
      if (change.in) move(g, change.in, 1);
      // As one event at a time would stamp it: a later, older event (a parked one re-applied) is not counted.
      g.counted = event.position;
      g.last = event;
    }
  };

  const writeDocument = (ctx: ProjectionContext, event: RecordedEvent, id: string, before: D | null, after: D | null) => {
    if (after === null) {
      if (before !== null) ctx.delete(collection, id);
      return;
    }
    const doc = after._id === id ? after : { ...after, _id: id };
    if (starts(event)) ctx.create(collection, doc);
    else ctx.put(collection, doc);
  };

  const step = (event: RecordedEvent, ctx: ProjectionContext, id: string, before: D | null): void | Promise<void> => {
    // Already applied (a replay after a crash or a checkpoint reset): evolving again would be wasted work.
    if (applied(before, event)) return;
    const after = evolve(before, event);
    const changes = summaryChanges(before, after);
    if (changes.length === 0) return writeDocument(ctx, event, id, before, after);
    const gathered = ctx.batchState(owner, () => new Map<string, Gathered>());
    // Summaries are usually loaded in this batch already: gathered without awaiting.
    let pending: string[] | undefined;
    for (const [summaryId] of changes) {
      if (gathered.has(summaryId)) continue;
      const loaded = ctx.getLoaded(summaries!.collection, summaryId);
      if (loaded === undefined) (pending ??= []).push(summaryId);
      else gathered.set(summaryId, startGathering(loaded));
    }
    if (!pending) {
      writeDocument(ctx, event, id, before, after);
      return gather(ctx, event, gathered, changes);
    }
    return (async () => {
      for (const summaryId of pending) {
        const stored = await ctx.get(summaries!.collection, summaryId);
        if (!gathered.has(summaryId)) gathered.set(summaryId, startGathering(stored));
      }
      writeDocument(ctx, event, id, before, after);
      gather(ctx, event, gathered, changes);
    })();
  };

  return {
    name: options.name,
    version: options.version,
    eventTypes: options.eventTypes,
    streamPrefixes: options.streamPrefixes,
    // Summaries first: the batch writes collections in the order the prefetch first names them.
    collections: [
      ...(summaries ? [{ name: summaries.collection, indexes: summaries.indexes }] : []),
      ...(summaries?.history ? [{ name: summaries.history.collection, indexes: summaries.history.indexes }] : []),
      { name: collection, indexes: options.indexes },
    ],
    readonlyDocuments: true,
    documentIds(event) {
      const id = documentId(event);
      if (id === null) return [];
      const usual = summaries?.usual?.(event).map((s) => ({ collection: summaries.collection, id: s })) ?? [];
      return starts(event) ? usual : [...usual, { collection, id }];
    },
    apply(event, ctx) {
      const id = documentId(event);
      if (id === null) return;
      const loaded = ctx.getLoaded<D>(collection, id);
      // Synchronous when prefetched (the usual case): no promise, no microtask per event.
      if (loaded !== undefined) return step(event, ctx, id, loaded);
      if (starts(event)) return step(event, ctx, id, null);
      return ctx.get<D>(collection, id).then((doc) => step(event, ctx, id, doc));
    },
    finishBatch(finish) {
      const gathered = finish.state<Map<string, Gathered>>(owner);
      if (!gathered) return;
      const history = summaries!.history;
      for (const [id, g] of gathered) {
        if (g.last === null) continue;
        // A fresh object: the last settle applied at least one move since `current`.
        let next = settle(g, id)!;
        if (next._id !== id) next = { ...next, _id: id };
        if (history) next[SUMMARY_PERIOD_FIELD] = g.period;
        finish.as(g.last).put(summaries!.collection, next);
      }
    },
  };
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
