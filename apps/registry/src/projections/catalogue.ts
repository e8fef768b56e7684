import type { Projection } from '@registry/projections';
import { PersonDocumentCodec, PersonalFields } from '../persons/projections/person-document';
import { personsProjection } from '../persons/projections/persons.projection';
import type { PersonalDataProtector } from '../privacy/personal-data';
import { auditProjection } from '../audit/audit.projection';
import type { ChainAlgorithm } from '../audit/chain/event-bytes';
import { reminderRecipientsProjection, remindersProjection } from '../reminders/projections/reminders.projection';
import {
  SubmissionDocumentCodec,
  SubmissionPersonalFields,
  submissionsProjection,
} from '../self-service/projections/submissions.projection';
import { surveyProjection } from '../survey/projections/survey.projection';

/** The person document's personal part, sealed and opened with the registry's keys. */
export function personDocumentCodec(protector: PersonalDataProtector): PersonDocumentCodec {
  return {
    decodeEvent: (event) => protector.decodeEvent(event),
    seal: (id, personal) => protector.sealForDocument(id, { ...personal }),
    open: (id, sealed) => protector.openFromDocument<PersonalFields>(id, sealed) ?? { citizenId: '' },
  };
}

/** The submission document's personal part, sealed and opened like the person document's. */
export function submissionDocumentCodec(protector: PersonalDataProtector): SubmissionDocumentCodec {
  return {
    decodeEvent: (event) => protector.decodeEvent(event),
    seal: (id, personal) => protector.sealForDocument(id, { ...personal }),
    open: (id, sealed) => protector.openFromDocument<SubmissionPersonalFields>(id, sealed) ?? { citizenId: '', name: '', phone: '' },
  };
}

/**
 * Every projection of the registry. The modules register these with ProjectionsService, and
 * the projection thread builds the same list from the same function, so the two cannot differ.
 */
export function registryProjections(protector: PersonalDataProtector, provinceCode: string, chainAlgorithm: ChainAlgorithm): Projection[] {
  return [
    personsProjection(personDocumentCodec(protector), provinceCode),
    auditProjection(chainAlgorithm),
    submissionsProjection(submissionDocumentCodec(protector)),
    remindersProjection(),
    reminderRecipientsProjection(),
    surveyProjection(provinceCode),
  ];
}
