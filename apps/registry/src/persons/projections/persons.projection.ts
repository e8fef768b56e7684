import { PERSON_EVENT_TYPES } from '@registry/domain';
import { Projection, documentProjection } from '@registry/projections';
import { PersonDocument, PersonDocumentCodec, evolvePersonDocument } from './person-document';

export const PERSONS_PROJECTION = 'persons';
export const PERSONS_COLLECTION = 'persons';

/** The enrolment read model (one document per person), fed from person streams. */
export function personsProjection(codec: PersonDocumentCodec, localProvince: string): Projection {
  return documentProjection<PersonDocument>({
    name: PERSONS_PROJECTION,
    version: 1,
    collection: PERSONS_COLLECTION,
    eventTypes: [...PERSON_EVENT_TYPES],
    streamPrefixes: ['person-'],
    indexes: [
      { name: 'region_path', fields: [['regionPath', 1]] },
      { name: 'coverage', fields: [['coverageStatus', 1]] },
      { name: 'types', fields: [['insuranceTypes', 1]] },
      { name: 'type_status', fields: [['enrollmentStatuses', 1]] },
      { name: 'updated', fields: [['updatedAt', 1]] },
    ],
    documentId: (event) => (event.stream.startsWith('person-') ? event.stream.slice('person-'.length) : null),
    evolve: (doc, event) => evolvePersonDocument(doc, event, codec, localProvince),
  });
}
