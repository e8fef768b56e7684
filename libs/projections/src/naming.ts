import type { Projection } from './projection';

/** The read store's rule for collection names; physical names must fit it. */
const COLLECTION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const PART = /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$/;

/** Collections the runner itself keeps in the read store. */
export const STATE_COLLECTION = 'projection_state';
export const CHECKPOINT_COLLECTION = 'projection_checkpoints';
export const LEASE_COLLECTION = 'projection_leases';
export const PARKED_COLLECTION = 'projection_parked';

export class InvalidProjectionError extends Error {
  readonly code = 'INVALID_PROJECTION';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidProjectionError';
  }
}

/**
 * Physical name of a logical collection in one generation. The version is in the name only so
 * an operator listing collections can tell them apart; the generation alone makes it unique.
 */
export function physicalName(projection: string, version: number, generation: number, collection: string): string {
  return `${projection}_v${version}_g${generation}_${collection}`;
}

/** Key of a generation's checkpoint document. */
export function generationKey(projection: string, generation: number): string {
  return `${projection}_g${generation}`;
}

/**
 * Refuses a definition whose physical names could break the read store's naming rule, at start
 * rather than at the first write. Leaves room for versions and generations up to 6 digits each.
 */
export function validateProjection(p: Projection): void {
  const where = `projection ${JSON.stringify(p.name)}`;
  if (typeof p.name !== 'string' || !PART.test(p.name)) {
    throw new InvalidProjectionError(`${where}: name must be letters, digits and single underscores, starting with a letter`);
  }
  if (!Number.isInteger(p.version) || p.version < 1 || p.version > 999_999) {
    throw new InvalidProjectionError(`${where}: version must be an integer from 1 to 999999`);
  }
  if (p.eventTypes !== 'all' && (!Array.isArray(p.eventTypes) || p.eventTypes.length === 0)) {
    throw new InvalidProjectionError(`${where}: eventTypes must list at least one type, or be 'all'`);
  }
  if ((p.apply === undefined) === (p.applyBatch === undefined)) {
    throw new InvalidProjectionError(`${where}: define exactly one of apply and applyBatch`);
  }
  if (p.collections.length === 0) throw new InvalidProjectionError(`${where}: no collections`);
  const seen = new Set<string>();
  for (const c of p.collections) {
    if (!PART.test(c.name)) throw new InvalidProjectionError(`${where}: bad collection name ${JSON.stringify(c.name)}`);
    if (seen.has(c.name)) throw new InvalidProjectionError(`${where}: collection ${c.name} listed twice`);
    seen.add(c.name);
    const longest = physicalName(p.name, 999_999, 999_999, c.name);
    if (!COLLECTION_NAME.test(longest)) {
      throw new InvalidProjectionError(`${where}: name plus collection ${c.name} too long for the read store (max 63 characters)`);
    }
  }
}
