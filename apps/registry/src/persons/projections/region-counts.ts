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
  const localTypes =
    doc.coverageStatus === 'insured-local'
      ? Object.entries(doc.enrollments)
          .filter(([, e]) => e!.contributionStatus === '1' || e!.contributionStatus === '2')
          .map(([t]) => t)
      : [];
  return { region: doc.householdRegion, status: doc.coverageStatus, exemptionReason: doc.exemptionReason, localTypes, flags: doc.coverageFlags };
}

export function sameClassification(a: Classification | null, b: Classification | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.region === b.region &&
    a.status === b.status &&
    a.exemptionReason === b.exemptionReason &&
    a.localTypes.join() === b.localTypes.join() &&
    a.flags.join() === b.flags.join()
  );
}

export function emptyRegionCounts(code: string): RegionCountsDocument {
  return { _id: code, level: regionLevelOfCode(code) ?? 'unknown', total: 0, coverage: {}, exempt: {}, localTypes: {}, flags: {} };
}

/** The region and all its ancestors: every counter a person's classification moves. */
export function countedRegions(c: Classification | null): string[] {
  return c?.region ? [...ancestorCodes(c.region), c.region] : [];
}

type CounterField = 'coverage' | 'exempt' | 'localTypes' | 'flags';
const COUNTER_BIT: Readonly<Record<CounterField, number>> = { coverage: 1, exempt: 2, localTypes: 4, flags: 8 };

/**
 * A new counters document for one region with a person moved from one classification to
 * another (either may be null: registered, removed, or moved to or from another region).
 * Only the counters that change are copied; a status change in the same region is one
 * document, not a removal and an addition. A counter back at zero stays, as 0: deleting
 * keys would turn the objects into slow dictionaries on this, the projection's hottest path.
 */
export function applyChange(doc: RegionCountsDocument, from: Classification | null, to: Classification | null): RegionCountsDocument {
  const next: RegionCountsDocument = { ...doc };
  let copied = 0;
  const add = (field: CounterField, key: string, delta: number) => {
    if ((copied & COUNTER_BIT[field]) === 0) {
      next[field] = { ...next[field] };
      copied |= COUNTER_BIT[field];
    }
    next[field][key] = (next[field][key] ?? 0) + delta;
  };
  const move = (c: Classification, delta: 1 | -1) => {
    next.total += delta;
    add('coverage', c.status, delta);
    if (c.exemptionReason) add('exempt', c.exemptionReason, delta);
    for (const t of c.localTypes) add('localTypes', t, delta);
    for (const f of c.flags) add('flags', f, delta);
  };
  if (from) move(from, -1);
  if (to) move(to, 1);
  return next;
}
