import type { Projection } from '@registry/projections';
import { PersonDocumentCodec, PersonalFields } from '../persons/projections/person-document';
import { personsProjection } from '../persons/projections/persons.projection';
import type { PersonalDataProtector } from '../privacy/personal-data';
import { auditProjection } from '../audit/audit.projection';
import type { ChainAlgorithm } from '../audit/chain/event-bytes';

/** The person document's personal part, sealed and opened with the registry's keys. */
export function personDocumentCodec(protector: PersonalDataProtector): PersonDocumentCodec {
  return {
    decodeEvent: (event) => protector.decodeEvent(event),
    seal: (id, personal) => protector.sealForDocument(id, { ...personal }),
    open: (id, sealed) => protector.openFromDocument<PersonalFields>(id, sealed) ?? { citizenId: '' },
  };
}

/**
 * Every projection of the registry. The modules register these with ProjectionsService, and
 * the projection thread builds the same list from the same function, so the two cannot differ.
 */
export function registryProjections(protector: PersonalDataProtector, provinceCode: string, chainAlgorithm: ChainAlgorithm): Projection[] {
  return [personsProjection(personDocumentCodec(protector), provinceCode), auditProjection(chainAlgorithm)];
}
