import { ancestorCodes, regionLevelOfCode } from '@registry/domain';
import type { Document } from '@registry/read-store';
import { PersonDocument } from './person-document';

export const REGION_COUNTS_COLLECTION = 'region_counts';

/** Counts for one region (province, city, county or township) and everything below it. */
export interface RegionCountsDocument extends Document {
  level: string;
  total: number;
  coverage: Record<string, number>;
  exempt: Record<string, number>;
  /** Persons covered locally by each insurance type. */
  localTypes: Record<string, number>;
  flags: Record<string, number>;
}

/** What a person contributes to the counters of their household region and its ancestors. */
export interface Classification {
  region: string | null;
  status: string;
  exemptionReason?: string;
  localTypes: string[];
  flags: string[];
}

export function classify(doc: PersonDocument | null): Classification | null {
  if (!doc) return null;
  const localTypes: string[] = [];
  if (doc.coverageStatus === 'insured-local') {
    for (const e of doc.enrollments) if (e.contributionStatus === '1' || e.contributionStatus === '2') localTypes.push(e.insuranceType);
  }
  return {
    region: doc.householdRegion,
    status: doc.coverageStatus,
    exemptionReason: doc.exemptionReason,
    localTypes,
    flags: doc.coverageFlags,
  };
}

export function sameClassification(a: Classification | null, b: Classification | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.region === b.region &&
    a.status === b.status &&
    a.exemptionReason === b.exemptionReason &&
    sameList(a.localTypes, b.localTypes) &&
    sameList(a.flags, b.flags)
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function emptyRegionCounts(code: string): RegionCountsDocument {
  return { _id: code, level: regionLevelOfCode(code) ?? 'unknown', total: 0, coverage: {}, exempt: {}, localTypes: {}, flags: {} };
}

/** The region and all its ancestors: every counter a person's classification moves. */
export function countedRegions(c: Classification | null): string[] {
  return c?.region ? [...ancestorCodes(c.region), c.region] : [];
}

const COUNTER_FIELDS = ['coverage', 'exempt', 'localTypes', 'flags'] as const;

/**
 * Counters documents of one batch, written in place. A batch moves the same few region
 * documents (the province's on every event) thousands of times; copying every counter
 * object per event was most of the projection's garbage. Each document gets a new top
 * level per event (the batch's documents are frozen), but its counter objects are copied
 * only the first time this batch changes them and mutated after that: objects created
 * here are known by identity, so one read from the store (or from anyone else) is never
 * changed. One instance per projection; its objects die with the batch that holds them.
 */
export class RegionCounters {
  private readonly owned = new WeakSet<object>();

  /**
   * `doc` with a person moved from one classification to another (either may be null:
   * registered, removed, or moved to or from another region). A status change in the same
   * region is one document, not a removal and an addition. A counter back at zero stays, as
   * 0: deleting keys would turn the objects into slow dictionaries (the API leaves zeros out).
   */
  applyChange(doc: RegionCountsDocument, from: Classification | null, to: Classification | null): RegionCountsDocument {
    const next: RegionCountsDocument = { ...doc };
    for (const field of COUNTER_FIELDS) {
      const counters = doc[field];
      if (!this.owned.has(counters)) {
        const copy = { ...counters };
        this.owned.add(copy);
        next[field] = copy;
      }
    }
    if (from) move(next, from, -1);
    if (to) move(next, to, 1);
    return next;
  }
}

function move(doc: RegionCountsDocument, c: Classification, delta: 1 | -1): void {
  doc.total += delta;
  doc.coverage[c.status] = (doc.coverage[c.status] ?? 0) + delta;
  if (c.exemptionReason) doc.exempt[c.exemptionReason] = (doc.exempt[c.exemptionReason] ?? 0) + delta;
  for (const t of c.localTypes) doc.localTypes[t] = (doc.localTypes[t] ?? 0) + delta;
  for (const f of c.flags) doc.flags[f] = (doc.flags[f] ?? 0) + delta;
}
