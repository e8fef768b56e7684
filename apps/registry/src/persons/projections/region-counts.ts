import { InsuranceTypes, ancestorCodes, regionLevelOfCode } from '@registry/domain';
import type { SummarySpec } from '@registry/projections';
import type { Document } from '@registry/read-store';
import { PersonDocument } from './person-document';

export const REGION_COUNTS_COLLECTION = 'region_counts';
/** The region counts as they stood at the end of each day an event moved them (`<region>@<YYYY-MM-DD>`), but the last such day, which the counts themselves hold. */
export const REGION_COUNTS_DAILY_COLLECTION = 'region_counts_daily';

/** A day's copy of a region's counts: what the registry believed at the end of that day. */
export interface RegionCountsDayDocument extends RegionCountsDocument {
  /** The region. */
  summary: string;
  /** YYYY-MM-DD (UTC) of the events' recordedAt. */
  period: string;
}

/** Counts for one region (province, city, county or township) and everything below it. */
export interface RegionCountsDocument extends Document {
  level: string;
  total: number;
  coverage: Record<string, number>;
  exempt: Record<string, number>;
  /**
   * Persons covered locally by each insurance type, in the order of InsuranceTypes.codes (110,
   * 120, 170, 210, 310, 390, 410, 510). An array, not an object keyed by code: type codes are
   * array indices to JavaScript, and every copy of such an object carried a backing array as
   * long as the largest code (`npm run bench:shapes`). See localTypeCounts.
   */
  localTypes: number[];
  flags: Record<string, number>;
}

/** What a person adds to the counters of their household region and every region above it. */
export interface Classification {
  status: string;
  exemptionReason?: string;
  localTypes: string[];
  flags: string[];
}

export function classify(doc: PersonDocument): Classification {
  const localTypes: string[] = [];
  if (doc.coverageStatus === 'insured-local') {
    for (const e of doc.enrollments) if (e.contributionStatus === '1' || e.contributionStatus === '2') localTypes.push(e.insuranceType);
  }
  return { status: doc.coverageStatus, exemptionReason: doc.exemptionReason, localTypes, flags: doc.coverageFlags };
}

/** A classification as text: persons with the same key count the same everywhere. */
export function classificationKey(c: Classification): string {
  return `${c.status}|${c.exemptionReason ?? ''}|${c.localTypes.join(',')}|${c.flags.join(',')}`;
}

export function emptyRegionCounts(code: string): RegionCountsDocument {
  return {
    _id: code,
    level: regionLevelOfCode(code) ?? 'unknown',
    total: 0,
    coverage: {},
    exempt: {},
    localTypes: InsuranceTypes.codes.map(() => 0),
    flags: {},
  };
}

/** The local insurance type counts by code. */
export function localTypeCounts(doc: Pick<RegionCountsDocument, 'localTypes'>): Record<string, number> {
  return Object.fromEntries(InsuranceTypes.codes.map((type, i) => [type, doc.localTypes[i] ?? 0]));
}

/**
 * A copy of the counters with `key` moved by `delta`. A counter back at zero stays, as 0 (the
 * API leaves zeros out). Copied with Object.assign: a key new to a spread copy costs 15 times
 * as much on Node 20 (`npm run bench:shapes`), and the province's counters move on nearly
 * every event of a bulk load.
 */
function bump(counter: Record<string, number>, key: string, delta: number): Record<string, number> {
  const next = Object.assign({}, counter);
  next[key] = (counter[key] ?? 0) + delta;
  return next;
}

/** Pure: the counts with a classification added `count` times (taken out when negative; 0 leaves its counters present). */
export function countPerson(counts: RegionCountsDocument | null, code: string, c: Classification, count: number): RegionCountsDocument {
  const doc = counts ?? emptyRegionCounts(code);
  let localTypes = doc.localTypes;
  if (c.localTypes.length > 0) {
    localTypes = [...localTypes];
    for (const t of c.localTypes) localTypes[InsuranceTypes.codes.indexOf(t as never)] += count;
  }
  let flags = doc.flags;
  for (const f of c.flags) flags = bump(flags, f, count);
  return {
    ...doc,
    total: doc.total + count,
    coverage: bump(doc.coverage, c.status, count),
    exempt: c.exemptionReason ? bump(doc.exempt, c.exemptionReason, count) : doc.exempt,
    localTypes,
    flags,
  };
}

/** The household region and every region above it, province first (the document's regionPath). */
function regionsOf(doc: PersonDocument): readonly string[] {
  const region = doc.householdRegion!;
  const path = doc.regionPath as readonly string[] | undefined;
  return path !== undefined && path.length > 0 && path[path.length - 1] === region ? path : [...ancestorCodes(region), region];
}

/**
 * The region counts, kept from the person documents: every person counts in their household
 * region and each region above it (county, city, province), by coverage status, exemption
 * reason, local insurance type and flag. Persons without a household region count nowhere.
 */
export function regionCounts(localProvince: string): SummarySpec<PersonDocument, Classification, RegionCountsDocument> {
  return {
    collection: REGION_COUNTS_COLLECTION,
    indexes: [{ name: 'level', fields: [['level', 1]] }],
    // The document's regionPath is the region and those above it: its own list, no copy.
    contribution: (doc) => (doc.householdRegion ? { ids: regionsOf(doc), value: classify(doc) } : null),
    key: classificationKey,
    apply: countPerson,
    // Every person of the province moves its counter: loaded with the batch.
    usual: () => [localProvince],
    // Days by recordedAt: the registry's own clock, in log order, so "as of D" is what it had recorded by the end of D.
    history: {
      collection: REGION_COUNTS_DAILY_COLLECTION,
      indexes: [
        {
          name: 'summary_period',
          fields: [
            ['summary', 1],
            ['period', 1],
          ],
        },
      ],
      period: (event) => event.recordedAt.slice(0, 10),
    },
  };
}
