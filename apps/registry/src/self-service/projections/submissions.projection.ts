import { SUBMISSION_EVENT_TYPES, SUBMISSION_STREAM_PREFIX, SubmissionEvent, SubmissionStatus, maskCitizenIdText } from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import { Projection, documentProjection } from '@registry/projections';
import type { Document } from '@registry/read-store';

export const SUBMISSIONS_PROJECTION = 'self_service';
export const SUBMISSIONS_COLLECTION = 'submissions';

/** What a submission document keeps sealed: the citizen's values and the reason a reviewer gave. */
export interface SubmissionPersonalFields {
  citizenId: string;
  name: string;
  phone: string;
  residenceAddress?: string;
  uninsuredNote?: string;
  rejectionReason?: string;
}

/**
 * The review queue and the status query's look-up: one document per submission, found by the
 * county of the residence (region prefix) or by the person id the citizen ID hashes to.
 */
export interface SubmissionDocument extends Document {
  state: SubmissionStatus;
  channel: string;
  client: string;
  submittedAt: string;
  residenceRegion: string;
  county: string;
  personId: string;
  intendedInsuranceType: string;
  employment: string;
  currentlyInsured: boolean;
  uninsuredReason?: string;
  maskedCitizenId: string;
  /** Sealed SubmissionPersonalFields. */
  personal: unknown;
  /** While `approving`: who claimed the submission for approval, and when. */
  approvalStartedBy?: string;
  approvalStartedAt?: string;
  /** The last approval released back to pending: the code the person's commands were refused with. */
  approvalRefusal?: { code: string; reviewer: string; releasedAt: string };
  decidedBy?: string;
  decidedAt?: string;
  /** Person events the approval recorded. */
  recorded?: string[];
}

export interface SubmissionDocumentCodec {
  decodeEvent(event: RecordedEvent): RecordedEvent;
  seal(documentId: string, personal: SubmissionPersonalFields): unknown;
  open(documentId: string, sealed: unknown): SubmissionPersonalFields;
}

/** Pure: the submission document after an event (the codec's sealing is deterministic, so a replay gives the same document). */
export function evolveSubmissionDocument(
  doc: SubmissionDocument | null,
  recorded: RecordedEvent,
  codec: SubmissionDocumentCodec,
): SubmissionDocument | null {
  const id = recorded.stream.slice(SUBMISSION_STREAM_PREFIX.length);
  const event = { type: recorded.type, data: codec.decodeEvent(recorded).data } as SubmissionEvent;
  switch (event.type) {
    case 'SelfServiceRegistrationSubmitted': {
      if (doc) return doc;
      const f = event.data;
      return {
        _id: id,
        state: 'pending',
        channel: f.channel,
        client: f.client,
        submittedAt: f.submittedAt,
        residenceRegion: f.residenceRegion,
        county: f.county,
        personId: f.personId,
        intendedInsuranceType: f.intendedInsuranceType,
        employment: f.employment,
        currentlyInsured: f.currentlyInsured,
        ...(f.uninsuredReason !== undefined && { uninsuredReason: f.uninsuredReason }),
        maskedCitizenId: maskCitizenIdText(f.personal.citizenId),
        personal: codec.seal(id, { ...f.personal }),
      };
    }
    case 'SelfServiceApprovalStarted':
      if (!doc) return null;
      return { ...doc, state: 'approving', approvalStartedBy: event.data.reviewer, approvalStartedAt: event.data.startedAt };
    case 'SelfServiceApprovalReleased': {
      if (!doc) return null;
      const { approvalStartedBy: _by, approvalStartedAt: _at, ...rest } = doc;
      return {
        ...rest,
        state: 'pending',
        approvalRefusal: { code: event.data.code, reviewer: event.data.reviewer, releasedAt: event.data.releasedAt },
      };
    }
    case 'SelfServiceRegistrationApproved': {
      if (!doc) return null;
      const { approvalStartedBy: _by, approvalStartedAt: _at, ...rest } = doc;
      return {
        ...rest,
        state: 'approved',
        decidedBy: event.data.reviewer,
        decidedAt: event.data.approvedAt,
        recorded: [...event.data.recorded],
      };
    }
    case 'SelfServiceRegistrationRejected': {
      if (!doc) return null;
      const personal = { ...codec.open(id, doc.personal), rejectionReason: event.data.personal.reason };
      return {
        ...doc,
        state: 'rejected',
        decidedBy: event.data.reviewer,
        decidedAt: event.data.rejectedAt,
        personal: codec.seal(id, personal),
      };
    }
    default:
      return doc;
  }
}

export function submissionsProjection(codec: SubmissionDocumentCodec): Projection {
  return documentProjection<SubmissionDocument>({
    name: SUBMISSIONS_PROJECTION,
    version: 1,
    collection: SUBMISSIONS_COLLECTION,
    eventTypes: [...SUBMISSION_EVENT_TYPES],
    streamPrefixes: [SUBMISSION_STREAM_PREFIX],
    indexes: [
      // A reviewer's scope is a region prefix: one range of this index.
      { name: 'region', fields: [['residenceRegion', 1]] },
      { name: 'person', fields: [['personId', 1]] },
      { name: 'submitted', fields: [['submittedAt', 1]] },
    ],
    documentId: (event) => (event.stream.startsWith(SUBMISSION_STREAM_PREFIX) ? event.stream.slice(SUBMISSION_STREAM_PREFIX.length) : null),
    startsDocument: (event) => event.revision === 0,
    evolve: (doc, event) => evolveSubmissionDocument(doc, event, codec),
  });
}
