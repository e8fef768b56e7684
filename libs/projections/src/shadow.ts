import type { EventFilter, EventStore, EventSubscription, RecordedEvent } from '@registry/event-store';
import type { Document, ReadStore } from '@registry/read-store';
import { CHECKPOINT_COLLECTION, generationKey } from './naming';
import type { Projection } from './projection';
import { generationInfo, readCheckpoint, readRegistry } from './registry';
import { waitForProjections } from './runner';
import { GenerationWorker, projectionFilter, silentLogger, type ProjectionLogger, type WorkerSettings } from './worker';

export interface ShadowCollectionDiff {
  /** Logical collection. */
  collection: string;
  /** Documents compared (both sides reflect only events up to the replay's position). */
  compared: number;
  /** Live documents moved by events after the replay's position, left out of the comparison. */
  newer: number;
  /** How many documents differ, are only in the live model or only in the shadow. */
  differences: number;
  /** Their ids, the first `maxIds`. */
  differingIds: string[];
}

export interface ShadowReplayResult {
  projection: string;
  version: number;
  /** The log position the shadow was built up to. */
  upTo: number;
  differences: number;
  collections: ShadowCollectionDiff[];
  durationMs: number;
}

export interface ShadowReplayOptions {
  eventStore: EventStore;
  readStore: ReadStore;
  projection: Projection;
  batchSize?: number;
  /** How long to wait for the live model to reach the replay's position (default 10 min). */
  catchUpTimeoutMs?: number;
  maxIds?: number;
  logger?: ProjectionLogger;
}

export class ShadowReplayError extends Error {
  constructor(
    readonly code: 'READ_MODEL_NOT_LIVE' | 'READ_MODEL_REBUILDING',
    message: string,
  ) {
    super(message);
    this.name = 'ShadowReplayError';
  }
}

/** The projection under another name, so its shadow has collections and a checkpoint of its own. */
function shadowOf(p: Projection): Projection {
  return { ...p, name: `${p.name}_replay` };
}

/**
 * Rebuilds a projection from the first event into shadow collections beside the live ones
 * (the same worker that builds a new generation, under the name `<name>_replay`), up to the
 * log's head when it starts, then compares the shadow with the live read model document by
 * document. Documents the live model moved past that position are left out and counted. The
 * shadow is dropped afterwards. The live model is not touched.
 */
export async function replayIntoShadow(options: ShadowReplayOptions): Promise<ShadowReplayResult> {
  const started = Date.now();
  const { eventStore, readStore, projection } = options;
  const registry = await readRegistry(readStore, projection.name);
  if (!registry) throw new ShadowReplayError('READ_MODEL_NOT_LIVE', `read model ${projection.name} has not been built yet`);
  if (registry.active.version !== projection.version) {
    throw new ShadowReplayError(
      'READ_MODEL_REBUILDING',
      `read model ${projection.name} is being rebuilt for a new version; replay after the switch`,
    );
  }
  const filter = projectionFilter(projection);
  const upTo = await eventStore.headPosition(filter);
  await waitForProjections(eventStore, readStore, [projection], options.catchUpTimeoutMs ?? 600_000);

  const shadow = shadowOf(projection);
  const gen = generationInfo(shadow, 1);
  await dropShadow(readStore, shadow, gen.collections);
  try {
    for (const c of shadow.collections) {
      if (c.indexes?.length) await readStore.collection(gen.collections[c.name]).ensureIndexes(c.indexes);
    }
    if (upTo > 0) await build(options, shadow, gen, upTo);
    const live = (await readRegistry(readStore, projection.name))!.active;
    const collections: ShadowCollectionDiff[] = [];
    for (const c of projection.collections) {
      collections.push(await compare(readStore, c.name, live.collections[c.name], gen.collections[c.name], upTo, options.maxIds ?? 100));
    }
    return {
      projection: projection.name,
      version: projection.version,
      upTo,
      differences: collections.reduce((n, c) => n + c.differences, 0),
      collections,
      durationMs: Date.now() - started,
    };
  } finally {
    await dropShadow(readStore, shadow, gen.collections).catch(() => undefined);
  }
}

async function dropShadow(readStore: ReadStore, shadow: Projection, collections: Record<string, string>): Promise<void> {
  for (const physical of Object.values(collections)) await readStore.dropCollection(physical);
  await readStore.collection(CHECKPOINT_COLLECTION).delete(generationKey(shadow.name, 1));
}

/** Runs a generation worker over a view of the log that ends at `upTo`, until it has applied everything up to there. */
async function build(
  options: ShadowReplayOptions,
  shadow: Projection,
  gen: ReturnType<typeof generationInfo>,
  upTo: number,
): Promise<void> {
  const settings: WorkerSettings = {
    batchSize: options.batchSize ?? 8000,
    maxBatchWaitMs: 5,
    applyRetries: 2,
    backoffInitialMs: 100,
    backoffMaxMs: 5000,
    headRefreshMs: 200,
    idleWaitMs: 100,
    switchMaxLag: 0,
    now: Date.now,
  };
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((resolve, reject) => ((resolveDone = resolve), (rejectDone = reject)));
  let failures = 0;
  const worker = new GenerationWorker(
    {
      eventStore: boundedStore(options.eventStore, upTo),
      readStore: options.readStore,
      logger: options.logger ?? silentLogger,
      settings,
      holdsLease: () => true,
      onBatch: () => undefined,
      onCaughtUp: (w) => {
        if (w.checkpoint >= upTo) resolveDone();
      },
      onError: (_w, error) => {
        if (++failures >= 5) rejectDone(new Error(`the replay failed: ${error}`));
      },
    },
    shadow,
    gen,
    'pending',
  );
  worker.start();
  try {
    await done;
  } finally {
    await worker.stop();
  }
  // Nothing of the filter after upTo was applied: the checkpoint says so.
  const checkpoint = await readCheckpoint(options.readStore, shadow.name, gen.generation);
  if (checkpoint < upTo) throw new Error(`the replay stopped at position ${checkpoint} of ${upTo}`);
}

/** The event store as it was at `upTo`: what a worker subscribes to sees nothing after it. */
function boundedStore(store: EventStore, upTo: number): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'headPosition') return async (filter?: EventFilter) => Math.min(upTo, await target.headPosition(filter));
      if (prop === 'subscribe') return (opts: Parameters<EventStore['subscribe']>[0]) => bounded(target.subscribe(opts), upTo);
      return Reflect.get(target, prop, receiver);
    },
  });
}

function bounded(inner: EventSubscription, upTo: number): EventSubscription {
  let closed: () => void = () => undefined;
  const closing = new Promise<void>((resolve) => (closed = resolve));
  const subscription: EventSubscription = {
    async *[Symbol.asyncIterator]() {
      for await (const event of inner as AsyncIterable<RecordedEvent>) {
        if (event.position > upTo) break;
        yield event;
      }
      // The end of the view: wait, as a live subscription does, until the worker closes it.
      await closing;
    },
    asObservable: () => inner.asObservable(),
    close: async () => {
      closed();
      await inner.close();
    },
  };
  return subscription;
}

async function compare(
  store: ReadStore,
  collection: string,
  livePhysical: string,
  shadowPhysical: string,
  upTo: number,
  maxIds: number,
): Promise<ShadowCollectionDiff> {
  const live = store.collection(livePhysical);
  const shadow = store.collection(shadowPhysical);
  const result: ShadowCollectionDiff = { collection, compared: 0, newer: 0, differences: 0, differingIds: [] };
  const differ = (id: string) => {
    result.differences++;
    if (result.differingIds.length < maxIds) result.differingIds.push(id);
  };
  const seen = new Set<string>();
  for await (const doc of all(live)) {
    seen.add(doc._id);
    if ((doc._position ?? 0) > upTo) {
      result.newer++;
      continue;
    }
    result.compared++;
    const other = await shadow.get(doc._id);
    if (!other || !sameDocument(doc, other)) differ(doc._id);
  }
  for await (const doc of all(shadow)) {
    if (!seen.has(doc._id)) {
      result.compared++;
      differ(doc._id);
    }
  }
  return result;
}

async function* all(collection: ReturnType<ReadStore['collection']>): AsyncGenerator<Document> {
  let cursor: string | undefined;
  do {
    const page = await collection.find({}, { sort: [['_id', 1]], limit: 1000, cursor });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

function sameDocument(a: Document, b: Document): boolean {
  return canonical(a) === canonical(b);
}

/** Member order does not matter to a document's meaning (stores may reorder): compared sorted. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
