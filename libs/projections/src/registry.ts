import type { Collection, Document, ReadStore } from '@registry/read-store';
import { CHECKPOINT_COLLECTION, STATE_COLLECTION, generationKey, physicalName } from './naming';
import type { Projection } from './projection';

/** One built (or being built) copy of a projection's collections. */
export interface GenerationInfo {
  version: number;
  generation: number;
  /** Logical name → physical collection name. */
  collections: Record<string, string>;
}

export type ProjectionState =
  /** This instance does not hold the lease; another one (or none yet) processes. */
  | 'standby'
  | 'catching-up'
  | 'live'
  /** A new generation is being built beside the serving one. */
  | 'rebuilding'
  /** Processing failed (store unreachable); retrying with back-off. */
  | 'failing'
  | 'stopped';

/**
 * The registry document of a projection in `projection_state`. Its `_position` is a revision
 * number: every change is an upsert guarded by revision + 1, so two instances can never both
 * switch generations from the same starting point (the port has no compare-and-set otherwise).
 * Checkpoints live in their own documents (one per generation) so a generation's checkpoint is
 * a plain monotonic guarded write and the old generation can never overwrite the new one's.
 */
export interface RegistryDoc extends Document {
  _id: string;
  _position: number;
  active: GenerationInfo;
  /** A generation being built beside `active`, switched in when it has caught up. */
  pending: GenerationInfo | null;
  lastGeneration: number;
  /** Physical collections of replaced generations, dropped after a grace delay. */
  retired: string[];
  state: ProjectionState;
  lastError: string | null;
  updatedAt: string;
}

export interface CheckpointDoc extends Document {
  projection: string;
  generation: number;
  checkpoint: number;
}

export function generationInfo(p: Projection, generation: number): GenerationInfo {
  const collections: Record<string, string> = {};
  for (const c of p.collections) collections[c.name] = physicalName(p.name, p.version, generation, c.name);
  return { version: p.version, generation, collections };
}

export async function readRegistry(store: ReadStore, name: string): Promise<RegistryDoc | null> {
  return store.collection<RegistryDoc>(STATE_COLLECTION).get(name);
}

/** Writes the next revision of the registry; false when someone else changed it meanwhile. */
export async function writeRegistry(store: ReadStore, doc: RegistryDoc): Promise<RegistryDoc | null> {
  const next: RegistryDoc = { ...doc, _position: doc._position + 1, updatedAt: new Date().toISOString() };
  const ok = await store.collection<RegistryDoc>(STATE_COLLECTION).upsert(next, { position: next._position });
  return ok ? next : null;
}

export async function readCheckpoint(store: ReadStore, name: string, generation: number): Promise<number> {
  const doc = await store.collection<CheckpointDoc>(CHECKPOINT_COLLECTION).get(generationKey(name, generation));
  return doc ? Number(doc.checkpoint ?? doc._position ?? 0) : 0;
}

export class ReadModelNotReadyError extends Error {
  readonly code = 'READ_MODEL_NOT_READY';
  constructor(projection: string, collection: string) {
    super(`Read model ${projection}/${collection} does not exist yet (projection not started or collection not in the active version)`);
    this.name = 'ReadModelNotReadyError';
  }
}

export interface ReadModelsOptions {
  /**
   * How long a resolved physical name is trusted. Instances that do not run the projection
   * learn of a generation switch within this time; the runner drops old collections only
   * after a longer grace delay, so a cached name never points at a dropped collection.
   */
  cacheTtlMs?: number;
  now?: () => number;
}

/**
 * Resolves a projection's logical collection to the physical collection of its active
 * generation, for query handlers. Queries keep reading the old generation during a rebuild
 * and move to the new one at the switch.
 */
export class ReadModels {
  private readonly cache = new Map<string, { active: GenerationInfo; at: number }>();
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(
    private readonly store: ReadStore,
    options: ReadModelsOptions = {},
  ) {
    this.ttl = options.cacheTtlMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  async collection<T extends Document = Document>(projection: string, logical: string): Promise<Collection<T>> {
    const active = await this.active(projection);
    const physical = active?.collections[logical];
    if (!physical) throw new ReadModelNotReadyError(projection, logical);
    return this.store.collection<T>(physical);
  }

  /** The active generation, or null when the projection has never started. */
  async active(projection: string): Promise<GenerationInfo | null> {
    const hit = this.cache.get(projection);
    if (hit && this.now() - hit.at < this.ttl) return hit.active;
    const reg = await readRegistry(this.store, projection);
    if (!reg) return null;
    this.cache.set(projection, { active: reg.active, at: this.now() });
    return reg.active;
  }

  /** Forget cached names (the runner calls this on a switch). */
  invalidate(projection?: string): void {
    if (projection === undefined) this.cache.clear();
    else this.cache.delete(projection);
  }

  /** Seed the cache with a just-written registry (saves a read after a switch). */
  remember(projection: string, active: GenerationInfo): void {
    this.cache.set(projection, { active, at: this.now() });
  }
}
