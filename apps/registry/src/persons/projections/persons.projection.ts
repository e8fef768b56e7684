import { PERSON_EVENT_TYPES } from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import { Projection, ProjectionContext } from '@registry/projections';
import { PersonDocument, PersonDocumentCodec, evolvePersonDocument } from './person-document';
import {
  Classification,
  REGION_COUNTS_COLLECTION,
  RegionCounters,
  RegionCountsDocument,
  classify,
  countedRegions,
  emptyRegionCounts,
  sameClassification,
} from './region-counts';

export const PERSONS_PROJECTION = 'persons';
export const PERSONS_COLLECTION = 'persons';
export { REGION_COUNTS_COLLECTION };

/**
 * The enrolment read model, fed from person streams: one document per person (`persons`)
 * and, from the same documents, counts per region and level (`region_counts`) by coverage
 * status, exemption reason, local insurance type and flag.
 *
 * Each event evolves the person's document once; when the person's classification changes
 * the person moves between the counters of their region and every ancestor. Counters are
 * written before the person documents (the batch writes collections in the order
 * `documentIds` first names them), so on a store without transactions a replay after a
 * crash re-derives the same delta from the old person document and the counters' position
 * guards refuse what was already counted; a person document already at the event's
 * position means the event was applied, counters included.
 */
type Change = [region: string, from: Classification | null, to: Classification | null];

export function personsProjection(codec: PersonDocumentCodec, localProvince: string): Projection {
  const idOf = (event: RecordedEvent) => event.stream.slice('person-'.length);
  const counters = new RegionCounters();
  /**
   * A stream's first event starts the person's document: none is stored before it, so it is
   * neither loaded nor looked up (ProjectionContext.create); a replay is refused by the store's
   * position guard, and the counters by their own guard in `count`.
   */
  const startsStream = (event: RecordedEvent) => event.revision === 0;
  /** Moves the person in one region's counters, unless this event is already counted there. */
  const count = (ctx: ProjectionContext, event: RecordedEvent, current: RegionCountsDocument | null, [code, from, to]: Change): void => {
    // Checked here, not left to put's replay guard: the counters are changed in place.
    if (current !== null && (current._position ?? -1) >= event.position) return;
    ctx.put(REGION_COUNTS_COLLECTION, counters.applyChange(current ?? emptyRegionCounts(code), from, to));
  };

  const step = (event: RecordedEvent, ctx: ProjectionContext, before: PersonDocument | null): void | Promise<void> => {
    if (before !== null && (before._position ?? -1) >= event.position) return;
    const after = evolvePersonDocument(before, event, codec, localProvince);
    const oldClass = classify(before);
    const newClass = classify(after);
    const moved = !sameClassification(oldClass, newClass);
    const finish = () => {
      if (after === null) {
        if (before !== null) ctx.delete(PERSONS_COLLECTION, idOf(event));
      } else {
        const id = idOf(event);
        const doc = after._id === id ? after : { ...after, _id: id };
        if (startsStream(event)) ctx.create(PERSONS_COLLECTION, doc);
        else ctx.put(PERSONS_COLLECTION, doc);
      }
    };
    if (!moved) return finish();
    // One change per counter: regions both classifications count in get the difference.
    const changes: Change[] = [];
    if (oldClass !== null && newClass !== null && oldClass.region === newClass.region) {
      // The usual case (a status or type changed in place): the same regions, no sets needed.
      for (const code of countedRegions(newClass)) changes.push([code, oldClass, newClass]);
    } else {
      const oldRegions = new Set(countedRegions(oldClass));
      const newRegions = new Set(countedRegions(newClass));
      for (const code of oldRegions) changes.push([code, oldClass, newRegions.has(code) ? newClass : null]);
      for (const code of newRegions) if (!oldRegions.has(code)) changes.push([code, null, newClass]);
    }
    // Counters are usually loaded in this batch already: apply them without awaiting.
    let pending: Change[] | undefined;
    for (const change of changes) {
      const loaded = ctx.getLoaded<RegionCountsDocument>(REGION_COUNTS_COLLECTION, change[0]);
      if (loaded === undefined || pending) (pending ??= []).push(change);
      else count(ctx, event, loaded, change);
    }
    if (!pending) return finish();
    return (async () => {
      for (const change of pending) count(ctx, event, await ctx.get<RegionCountsDocument>(REGION_COUNTS_COLLECTION, change[0]), change);
      finish();
    })();
  };

  return {
    name: PERSONS_PROJECTION,
    version: 3,
    eventTypes: [...PERSON_EVENT_TYPES],
    streamPrefixes: ['person-'],
    // evolvePersonDocument builds new documents; RegionCounters changes only counter objects it created in this batch.
    readonlyDocuments: true,
    collections: [
      { name: REGION_COUNTS_COLLECTION, indexes: [{ name: 'level', fields: [['level', 1]] }] },
      {
        name: PERSONS_COLLECTION,
        indexes: [
          // Region scopes are code prefixes (a county's townships start with its code): one range of this index.
          { name: 'region', fields: [['householdRegion', 1]] },
          { name: 'coverage', fields: [['coverageStatus', 1]] },
          // Arrays in every document: multikey on MongoDB, no index on SQLite (see IndexSpec.multikey).
          { name: 'types', fields: [['insuranceTypes', 1]], multikey: true },
          { name: 'type_status', fields: [['enrollmentStatuses', 1]], multikey: true },
          { name: 'updated', fields: [['updatedAt', 1]] },
        ],
      },
    ],
    // The province counter first, so counters reach the store before person documents (see above).
    documentIds: (event) =>
      event.stream.startsWith('person-')
        ? startsStream(event)
          ? [{ collection: REGION_COUNTS_COLLECTION, id: localProvince }]
          : [
              { collection: REGION_COUNTS_COLLECTION, id: localProvince },
              { collection: PERSONS_COLLECTION, id: idOf(event) },
            ]
        : [],
    apply(event, ctx) {
      if (!event.stream.startsWith('person-')) return;
      const loaded = ctx.getLoaded<PersonDocument>(PERSONS_COLLECTION, idOf(event));
      if (loaded !== undefined) return step(event, ctx, loaded);
      if (startsStream(event)) return step(event, ctx, null);
      return ctx.get<PersonDocument>(PERSONS_COLLECTION, idOf(event)).then((doc) => step(event, ctx, doc));
    },
  };
}
