import { PERSON_EVENT_TYPES, ancestorCodes, regionLevelOfCode } from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import type { Document } from '@registry/read-store';
import { Projection, ProjectionContext } from '@registry/projections';
import { PersonDocument, PersonDocumentCodec, evolvePersonDocument } from './person-document';

export const REGION_COUNTS_PROJECTION = 'region_counts';
export const REGION_COUNTS_COLLECTION = 'region_counts';
const CLASS_COLLECTION = 'person_class';

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

interface Classification {
  region: string | null;
  status: string;
  exemptionReason?: string;
  localTypes: string[];
  flags: string[];
}

/** The counts keep no personal data: personal parts are neither opened nor stored. */
const NO_PERSONAL: PersonDocumentCodec = {
  decodeEvent: (event) => ({ ...event, data: { ...(event.data as object), personal: { citizenId: '' } } }),
  seal: () => null,
  open: () => ({ citizenId: '' }),
};

function classify(doc: PersonDocument | null): Classification | null {
  if (!doc) return null;
  const localTypes = Object.entries(doc.enrollments)
    .filter(([, e]) => (e!.contributionStatus === '1' || e!.contributionStatus === '2') && doc.coverageStatus === 'insured-local')
    .map(([t]) => t);
  return { region: doc.householdRegion, status: doc.coverageStatus, exemptionReason: doc.exemptionReason, localTypes, flags: doc.coverageFlags };
}

function bump(record: Record<string, number>, key: string, delta: number): Record<string, number> {
  const next = { ...record, [key]: (record[key] ?? 0) + delta };
  if (next[key] === 0) delete next[key];
  return next;
}

function applyDelta(doc: RegionCountsDocument, c: Classification, delta: 1 | -1): RegionCountsDocument {
  let next: RegionCountsDocument = { ...doc, total: doc.total + delta, coverage: bump(doc.coverage, c.status, delta) };
  if (c.exemptionReason) next = { ...next, exempt: bump(next.exempt, c.exemptionReason, delta) };
  for (const t of c.localTypes) next = { ...next, localTypes: bump(next.localTypes, t, delta) };
  for (const f of c.flags) next = { ...next, flags: bump(next.flags, f, delta) };
  return next;
}

function same(a: Classification | null, b: Classification | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Counts per region and level by coverage status, exemption reason, local insurance type
 * and flag, kept incrementally: each person's last classification is remembered (in
 * `person_class`), and an event that changes it moves the person between counters of
 * every ancestor region. Counter documents are written before the classification, so on a
 * store without transactions a replay after a crash re-derives the same delta and the
 * counters' position guards refuse what was already counted.
 */
export function regionCountsProjection(localProvince: string): Projection {
  return {
    name: REGION_COUNTS_PROJECTION,
    version: 1,
    eventTypes: [...PERSON_EVENT_TYPES],
    streamPrefixes: ['person-'],
    // apply builds new documents (spread copies) and never mutates what it reads.
    readonlyDocuments: true,
    collections: [
      { name: REGION_COUNTS_COLLECTION, indexes: [{ name: 'level', fields: [['level', 1]] }] },
      { name: CLASS_COLLECTION },
    ],
    // The province counter comes first: a batch writes its collections in the order it first
    // loaded them, and counters must reach the store before the classifications (see above).
    documentIds: (event: RecordedEvent) => [
      { collection: REGION_COUNTS_COLLECTION, id: localProvince },
      { collection: CLASS_COLLECTION, id: event.stream.slice('person-'.length) },
    ],
    async apply(event: RecordedEvent, ctx: ProjectionContext) {
      if (!event.stream.startsWith('person-')) return;
      const personId = event.stream.slice('person-'.length);
      const loaded = ctx.getLoaded<PersonDocument>(CLASS_COLLECTION, personId);
      const before = loaded !== undefined ? loaded : await ctx.get<PersonDocument>(CLASS_COLLECTION, personId);
      if (before && (before._position ?? -1) >= event.position) return;
      const after = evolvePersonDocument(before, event, NO_PERSONAL, localProvince);
      const oldClass = classify(before);
      const newClass = classify(after);
      if (!same(oldClass, newClass)) {
        for (const [c, delta] of [
          [oldClass, -1],
          [newClass, 1],
        ] as const) {
          if (!c?.region) continue;
          for (const code of [...ancestorCodes(c.region), c.region]) {
            const current =
              (await ctx.get<RegionCountsDocument>(REGION_COUNTS_COLLECTION, code)) ??
              ({ _id: code, level: regionLevelOfCode(code) ?? 'unknown', total: 0, coverage: {}, exempt: {}, localTypes: {}, flags: {} } as RegionCountsDocument);
            ctx.put(REGION_COUNTS_COLLECTION, applyDelta(current, c, delta));
          }
        }
      }
      if (after) {
        const { personal: _p, maskedCitizenId: _m, ...slim } = after;
        ctx.put(CLASS_COLLECTION, slim as Document);
      }
    },
  };
}
