import type { RecordedEvent } from '@registry/event-store';
import type { Document } from '@registry/read-store';
import type { BatchFinish, DocumentRef, Projection, ProjectionContext } from './projection';

/** Loads stored documents of one logical collection; ids not found are absent from the map. */
export type DocumentLoader = (collection: string, ids: string[]) => Promise<Map<string, Document>>;

/** A document write the batch will send to the store, guarded by the last event that touched it. */
export interface PendingWrite {
  collection: string;
  id: string;
  /** null: delete. */
  doc: Document | null;
  position: number;
  /**
   * The stored document's `_position` as this batch found it, null when it found none (or the
   * document is created: see ProjectionContext.create); undefined when it has no position.
   * Passed to the store as the write's `stored` hint.
   */
  stored?: number | null;
}

/** Thrown by the context when the store could not load a document: a store outage, not a poison event. */
export class DocumentLoadError extends Error {
  readonly code = 'PROJECTION_LOAD_FAILED';
  constructor(
    collection: string,
    override readonly cause: unknown,
  ) {
    super(`Could not load documents of ${collection}: ${errorText(cause)}`);
    this.name = 'DocumentLoadError';
  }
}

interface Entry {
  /** Current state within the batch; null = absent or deleted. */
  doc: Document | null;
  /** Position of the last event of this batch that wrote it (0 when only loaded). */
  position: number;
  dirty: boolean;
  /** What the store held when the batch first met the document (see PendingWrite.stored). */
  stored: number | null | undefined;
}

const positionOf = (doc: Document | null): number => (doc === null ? -1 : (doc._position ?? -1));
const storedPosition = (doc: Document): number | undefined =>
  typeof doc._position === 'number' && Number.isSafeInteger(doc._position) && doc._position >= 0 ? doc._position : undefined;

/**
 * The batch-level write buffer: what the store holds plus what earlier events of the batch wrote.
 * Events are applied one after another against it, then its dirty entries become one store write.
 */
export class BatchBuffer {
  private readonly entries = new Map<string, Map<string, Entry>>();
  /** What the batch's events gathered for their projection to write once at its end (see ProjectionContext.batchState). */
  private readonly states = new Map<object, unknown>();

  constructor(
    private readonly collections: ReadonlySet<string>,
    private readonly load: DocumentLoader,
    /** Hand documents out shallow-frozen instead of deep-copied (see Projection.readonlyDocuments). */
    readonly shareDocuments = false,
  ) {}

  /** Loads every listed document not yet known, one loader call per collection. */
  async prefetch(refs: readonly DocumentRef[]): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    for (const { collection, id } of refs) {
      if (this.entry(collection, id) !== undefined) continue;
      let ids = wanted.get(collection);
      if (!ids) wanted.set(collection, (ids = new Set()));
      ids.add(id);
    }
    for (const [collection, ids] of wanted) await this.loadInto(collection, [...ids]);
  }

  entry(collection: string, id: string): Entry | undefined {
    return this.entries.get(collection)?.get(id);
  }

  /** A context for one event; nothing reaches the buffer until `commit` succeeds. */
  begin(event: RecordedEvent): EventContext {
    return new EventContext(this, event);
  }

  /** @internal The state the events of this batch share under `owner` (see ProjectionContext.batchState). */
  state<T>(owner: object, init: () => T): T {
    let state = this.states.get(owner) as T | undefined;
    if (state === undefined) this.states.set(owner, (state = init()));
    return state;
  }

  /**
   * Ends the batch for a projection that gathers across it (Projection.finishBatch): what it
   * writes then goes into the batch like an event's writes, each at the position of the event
   * it names. Call after the last event's commit and before `writes`.
   */
  async finish(projection: Pick<Projection, 'finishBatch'>): Promise<void> {
    if (!projection.finishBatch || this.states.size === 0) return;
    const contexts: EventContext[] = [];
    await projection.finishBatch({
      state: <T>(owner: object) => this.states.get(owner) as T | undefined,
      as: (event) => {
        const ctx = this.begin(event);
        contexts.push(ctx);
        return ctx;
      },
    } satisfies BatchFinish);
    this.states.clear();
    for (const ctx of contexts) if (!ctx.commitSync()) await ctx.commit();
  }

  writes(): PendingWrite[] {
    const out: PendingWrite[] = [];
    for (const [collection, byId] of this.entries) {
      for (const [id, e] of byId) if (e.dirty) out.push({ collection, id, doc: e.doc, position: e.position, stored: e.stored });
    }
    return out;
  }

  get size(): number {
    let n = 0;
    for (const byId of this.entries.values()) n += byId.size;
    return n;
  }

  assertCollection(collection: string): void {
    if (!this.collections.has(collection)) {
      throw new Error(`collection ${JSON.stringify(collection)} is not declared by the projection`);
    }
  }

  /** @internal */
  set(collection: string, id: string, doc: Document | null, position: number): void {
    const byId = this.byId(collection);
    const stored = byId.get(id)?.stored;
    byId.set(id, { doc, position, dirty: true, stored });
  }

  /** @internal A document an event creates: absent from the store as far as this batch is concerned (see ProjectionContext.create). */
  assumeAbsent(collection: string, id: string): void {
    const byId = this.byId(collection);
    if (!byId.has(id)) byId.set(id, { doc: null, position: 0, dirty: false, stored: null });
  }

  /** @internal */
  async loadInto(collection: string, ids: string[]): Promise<void> {
    this.assertCollection(collection);
    let found: Map<string, Document>;
    try {
      found = await this.load(collection, ids);
    } catch (err) {
      throw new DocumentLoadError(collection, err);
    }
    const byId = this.byId(collection);
    for (const id of ids) {
      // A concurrent load in the same batch may have won; never overwrite a buffered write.
      if (byId.has(id)) continue;
      const doc = found.get(id) ?? null;
      byId.set(id, { doc, position: 0, dirty: false, stored: doc === null ? null : storedPosition(doc) });
    }
  }

  private byId(collection: string): Map<string, Entry> {
    let byId = this.entries.get(collection);
    if (!byId) this.entries.set(collection, (byId = new Map()));
    return byId;
  }
}

interface OverlayWrite {
  collection: string;
  id: string;
  doc: Document | null;
  /** Written with `create`: known absent from the store, so not loaded at commit. */
  created: boolean;
}

/**
 * The context one event's `apply` sees. Writes are staged in an overlay so a throwing `apply`
 * (retried, then parked) leaves the batch untouched. The replay guard: a document whose
 * `_position` is already >= the event's position has seen this event, so writes to it are dropped.
 */
export class EventContext implements ProjectionContext {
  private readonly overlay = new Map<string, OverlayWrite>();
  /** Set when the store failed during this event: the batch must fail, the event must not be parked. */
  storeFailed = false;

  constructor(
    private readonly buffer: BatchBuffer,
    readonly event: RecordedEvent,
  ) {}

  async get<T extends Document = Document>(collection: string, id: string): Promise<T | null> {
    const loaded = this.getLoaded<T>(collection, id);
    if (loaded !== undefined) return loaded;
    try {
      await this.buffer.loadInto(collection, [id]);
    } catch (err) {
      if (err instanceof DocumentLoadError) this.storeFailed = true;
      throw err;
    }
    return this.getLoaded<T>(collection, id) ?? null;
  }

  batchState<T>(owner: object, init: () => T): T {
    return this.buffer.state(owner, init);
  }

  getLoaded<T extends Document = Document>(collection: string, id: string): T | null | undefined {
    this.buffer.assertCollection(collection);
    const staged = this.overlay.size > 0 ? this.overlay.get(key(collection, id)) : undefined;
    const doc = staged ? staged.doc : this.buffer.entry(collection, id)?.doc;
    if (doc === undefined) return undefined;
    return (this.buffer.shareDocuments ? share(doc) : copy(doc)) as T | null;
  }

  put(collection: string, doc: Document): void {
    this.write(collection, doc, false);
  }

  create(collection: string, doc: Document): void {
    this.write(collection, doc, true);
  }

  private write(collection: string, doc: Document, created: boolean): void {
    this.buffer.assertCollection(collection);
    if (typeof doc?._id !== 'string' || doc._id === '') throw new Error('a projected document needs a non-empty string _id');
    this.stage(collection, doc._id, this.stamped(doc), created);
  }

  /**
   * The document with this event's position. A projection that declares readonlyDocuments
   * hands over documents it has just built and never touches again: those are stamped in
   * place instead of copied (one copy of every document per event saved). Frozen ones are
   * documents it read from the batch, passed back unchanged: those are copied.
   */
  private stamped(doc: Document): Document {
    const position = this.event.position;
    if (doc._position === position) return doc;
    if (this.buffer.shareDocuments && !Object.isFrozen(doc)) {
      doc._position = position;
      return doc;
    }
    return { ...doc, _position: position };
  }

  delete(collection: string, id: string): void {
    this.buffer.assertCollection(collection);
    this.stage(collection, id, null);
  }

  /**
   * Moves this event's writes into the batch. Documents written without being read first are
   * loaded now, so the replay guard also covers blind writes.
   */
  async commit(): Promise<void> {
    if (this.overlay.size === 0) return;
    const unknown: DocumentRef[] = [];
    for (const w of this.overlay.values()) {
      if (this.buffer.entry(w.collection, w.id) !== undefined) continue;
      if (w.created) this.buffer.assumeAbsent(w.collection, w.id);
      else unknown.push(w);
    }
    if (unknown.length > 0) {
      try {
        await this.buffer.prefetch(unknown);
      } catch (err) {
        this.storeFailed = true;
        throw err;
      }
    }
    this.commitLoaded();
  }

  /** `commit` for when every written document is known to be loaded: no await. */
  commitSync(): boolean {
    for (const w of this.overlay.values()) if (!w.created && this.buffer.entry(w.collection, w.id) === undefined) return false;
    for (const w of this.overlay.values()) if (w.created) this.buffer.assumeAbsent(w.collection, w.id);
    this.commitLoaded();
    return true;
  }

  private commitLoaded(): void {
    const position = this.event.position;
    for (const w of this.overlay.values()) {
      const before = this.buffer.entry(w.collection, w.id)!;
      if (positionOf(before.doc) >= position) continue;
      this.buffer.set(w.collection, w.id, w.doc, position);
    }
  }

  private stage(collection: string, id: string, doc: Document | null, created = false): void {
    const before = this.buffer.entry(collection, id);
    // Already applied to this document: ignore, so applying an event twice changes nothing.
    if (before !== undefined && positionOf(before.doc) >= this.event.position) return;
    const k = key(collection, id);
    // Delete then re-insert keeps the map's order equal to the order of last writes.
    this.overlay.delete(k);
    this.overlay.set(k, { collection, id, doc, created });
  }
}

function key(collection: string, id: string): string {
  return `${collection}\u0000${id}`;
}

/** The caller gets its own copy, so mutating a read document cannot corrupt the buffer. */
function copy(doc: Document | null): Document | null {
  return doc === null ? null : structuredClone(doc);
}

/** Shared, but a top-level assignment throws (modules are strict), surfacing a non-pure apply as an error. */
function share(doc: Document | null): Document | null {
  return doc === null ? null : Object.freeze(doc);
}

/** An error's class and message, shortened: messages must not carry event data, and rarely need to be long. */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
