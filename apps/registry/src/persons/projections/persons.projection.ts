import { PERSON_EVENT_TYPES } from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import { Projection, documentProjection } from '@registry/projections';
import { PersonDocument, PersonDocumentCodec, evolvePersonDocument } from './person-document';
import { REGION_COUNTS_COLLECTION, REGION_COUNTS_DAILY_COLLECTION, regionCounts } from './region-counts';

export const PERSONS_PROJECTION = 'persons';
export const PERSONS_COLLECTION = 'persons';
export { REGION_COUNTS_COLLECTION, REGION_COUNTS_DAILY_COLLECTION };

const STREAM_PREFIX = 'person-';

/**
 * The enrolment read model, fed from person streams: one document per person (`persons`,
 * evolved by evolvePersonDocument) and, kept from those documents, counts per region and level
 * (`region_counts`, see regionCounts). Pure functions and a declaration; the projection runtime
 * does the reading, writing and guarding.
 */
export function personsProjection(codec: PersonDocumentCodec, localProvince: string): Projection {
  return documentProjection<PersonDocument>({
    name: PERSONS_PROJECTION,
    // 4: region counts keep local insurance types as an array in code order. 5: and a copy per region and day (as-of reports).
    // 6: that copy written once, when a later day first moves the counts (which name the day they last moved).
    // 7: no index on updatedAt (no query reads it; every update moved its entry), and every
    // document's lastDetermination carries its flags (comparison/verdict.ts reads them).
    version: 7,
    collection: PERSONS_COLLECTION,
    eventTypes: [...PERSON_EVENT_TYPES],
    streamPrefixes: [STREAM_PREFIX],
    indexes: [
      // Region scopes are code prefixes (a county's townships start with its code): one range of
      // this index, already in the persons list's order (household region, then person id), so
      // a page reads about as many entries as it shows.
      {
        name: 'region',
        fields: [
          ['householdRegion', 1],
          ['_id', 1],
        ],
      },
      // The list filtered by coverage status within a region: an equality, then the region's
      // range, in the list's order again (an index of the status alone made SQLite read every
      // person of that status province-wide and sort them for each page).
      {
        name: 'coverage',
        fields: [
          ['coverageStatus', 1],
          ['householdRegion', 1],
          ['_id', 1],
        ],
      },
      // Arrays in every document: multikey on MongoDB, no index on SQLite (see IndexSpec.multikey).
      { name: 'types', fields: [['insuranceTypes', 1]], multikey: true },
      { name: 'type_status', fields: [['enrollmentStatuses', 1]], multikey: true },
    ],
    documentId: (event: RecordedEvent) => (event.stream.startsWith(STREAM_PREFIX) ? event.stream.slice(STREAM_PREFIX.length) : null),
    // A person's stream starts with their registration: their document cannot exist before it.
    startsDocument: (event) => event.revision === 0,
    evolve: (doc, event) => evolvePersonDocument(doc, event, codec, localProvince),
    summaries: regionCounts(localProvince),
  });
}
