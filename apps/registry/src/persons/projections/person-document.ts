import {
  CoverageFlag,
  CoverageStatus,
  ExemptionReason,
  PersonEvent,
  ancestorCodes,
  assessRegistryCoverage,
  conflictsInDoubt,
  isPersonEvent,
  maskCitizenIdText,
  InsuranceType,
  ContributionStatus,
  RecordedExemptionReason,
  withEnrollment,
} from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import type { Document } from '@registry/read-store';

/** The personal part of a person document; stored sealed, never in clear. */
export interface PersonalFields {
  citizenId: string;
  name?: string;
  phone?: string;
  householdAddress?: string;
}

export interface EnrollmentView {
  insuranceType: InsuranceType;
  contributionStatus: ContributionStatus;
  provinceCode: string;
  since: string;
  source: string;
  lastChangedAt: string;
}

/**
 * The enrolment read model: one document per person with everything a list, a worklist or
 * a count needs, personal fields sealed under `personal`. `regionPath` holds the household
 * region and all its ancestors so "this region and everything below it" is one equality
 * filter on an indexed array.
 */
export interface PersonDocument extends Document {
  maskedCitizenId: string;
  /** Sealed PersonalFields (see PersonalDataProtector.sealForDocument). */
  personal: unknown;
  birthDate: string;
  gender: string;
  householdRegion: string | null;
  regionPath: string[];
  householdStatus: 'active' | 'moved-out' | 'cancelled';
  cancellationReason?: string;
  toProvince?: string;
  deceased: boolean;
  dateOfDeath?: string;
  /**
   * One entry per insurance type, in code order. A list, not an object keyed by type: type
   * codes ('110', '510') are array indices to JavaScript, so every copy of such an object
   * came with a backing array as long as the largest code (4 KB per enrolment event).
   */
  enrollments: EnrollmentView[];
  /** Types with an enrolment in any status. */
  insuranceTypes: string[];
  /** `${type}:${contributionStatus}` pairs, for "type X in status Y" filters. */
  enrollmentStatuses: string[];
  coverageStatus: CoverageStatus;
  exemptionReason?: ExemptionReason;
  coverageFlags: CoverageFlag[];
  evidence: string[];
  anomalies: string[];
  hasAnomalies: boolean;
  /** Recorded exemptions (imprisoned, military service) by reason. */
  exemptions?: Partial<Record<RecordedExemptionReason, { since: string; until?: string }>>;
  /** `heldValueStands`: see IdentityConflictDetected (open for review, no doubt about the person). */
  openConflicts: Array<{ conflictId: string; field: string; reportedSource: string; heldValueStands?: true }>;
  hasConflicts: boolean;
  sources: string[];
  /**
   * The latest comparison run's verdict and its evidence. `flags` (absent on documents written
   * before it was kept) lets a run tell from the document whether a new verdict would differ.
   */
  lastDetermination?: {
    status: CoverageStatus;
    exemptionReason?: ExemptionReason;
    evidence: string[];
    flags?: string[];
    runId: string;
    at: string;
  };
  /** Quarantined department records linked to this person by record linkage. */
  linkedRecords?: number;
  /** Stream revision this document reflects (the ETag of GET /v1/persons/{id}). */
  revision: number;
  registeredAt: string;
  updatedAt: string;
}

export interface PersonDocumentCodec {
  /** Opens the sealed `personal` part of a stored event. */
  decodeEvent(event: RecordedEvent): RecordedEvent;
  seal(documentId: string, personal: PersonalFields): unknown;
  open(documentId: string, sealed: unknown): PersonalFields;
}

const PERSONAL_EVENTS = new Set(['PersonRegistered', 'PersonDetailsChanged', 'RecordCorrected']);

/** The facts of a person document that the registry's coverage rules judge. */
export function coverageFactsOf(doc: PersonDocument): Parameters<typeof assessRegistryCoverage>[0] {
  return {
    deceased: doc.deceased,
    householdStatus: doc.householdStatus,
    cancellationReason: doc.cancellationReason as never,
    enrollments: doc.enrollments,
    openConflicts: conflictsInDoubt(doc.openConflicts),
    birthDate: doc.birthDate,
    exemptions: doc.exemptions,
  };
}

/**
 * Sets the coverage fields of `doc` from its facts and returns it. Changes `doc` in place:
 * callers pass only a document this evolve has just created (one copy per event instead
 * of one per step, on the projection's hottest path).
 */
function withCoverage(doc: PersonDocument, localProvince: string, asOf: string): PersonDocument {
  // The enrolments are kept in code order (see withEnrollment), so the lists need no sort.
  const enrollments = doc.enrollments;
  const insuranceTypes: string[] = [];
  const enrollmentStatuses: string[] = [];
  for (const e of enrollments) {
    insuranceTypes.push(e.insuranceType);
    enrollmentStatuses.push(`${e.insuranceType}:${e.contributionStatus}`);
  }
  const a = assessRegistryCoverage(coverageFactsOf(doc), localProvince, asOf);
  doc.insuranceTypes = insuranceTypes;
  doc.enrollmentStatuses = enrollmentStatuses;
  doc.coverageStatus = a.status;
  doc.coverageFlags = [...a.flags];
  doc.evidence = [...a.evidence];
  doc.hasAnomalies = doc.anomalies.length > 0;
  doc.hasConflicts = doc.openConflicts.length > 0;
  if (a.exemptionReason) doc.exemptionReason = a.exemptionReason;
  else if (doc.exemptionReason !== undefined) delete doc.exemptionReason;
  return doc;
}

function regionFields(region: string | null | undefined): Pick<PersonDocument, 'householdRegion' | 'regionPath'> {
  if (!region) return { householdRegion: null, regionPath: [] };
  return { householdRegion: region, regionPath: [...ancestorCodes(region), region] };
}

/** The list with `value` added; the list itself when it holds it already (documents are never changed in place). */
function addUnique(list: string[], value: string): string[] {
  return list.includes(value) ? list : [...list, value];
}

/**
 * Pure evolve of the person document. `codec` seals and opens the personal part (injected,
 * deterministic, so replays give identical documents); `localProvince` decides which
 * enrolments count as local coverage.
 */
export function evolvePersonDocument(
  doc: PersonDocument | null,
  recorded: RecordedEvent,
  codec: PersonDocumentCodec,
  localProvince: string,
): PersonDocument | null {
  if (!isPersonEvent(recorded)) return doc;
  // Only events whose personal part the document keeps need opening.
  if (PERSONAL_EVENTS.has(recorded.type)) recorded = codec.decodeEvent(recorded);
  const event = { type: recorded.type, data: recorded.data } as PersonEvent;
  const id = recorded.stream.replace(/^person-/, '');
  const at = recorded.recordedAt;
  // Date-dependent rules (newborns, exemptions in effect) are judged as of this event.
  const asOf = at.slice(0, 10);

  if (event.type === 'PersonRegistered') {
    if (doc) return doc;
    const personal: PersonalFields = { ...event.data.personal };
    return withCoverage(
      {
        _id: id,
        maskedCitizenId: maskCitizenIdText(personal.citizenId),
        personal: codec.seal(id, personal),
        birthDate: event.data.birthDate,
        gender: event.data.gender,
        ...regionFields(event.data.householdRegion),
        householdStatus: 'active',
        deceased: false,
        enrollments: [],
        insuranceTypes: [],
        enrollmentStatuses: [],
        coverageStatus: 'uninsured',
        coverageFlags: [],
        evidence: [],
        anomalies: [],
        hasAnomalies: false,
        openConflicts: [],
        hasConflicts: false,
        sources: [event.data.source],
        revision: recorded.revision,
        registeredAt: at,
        updatedAt: at,
      },
      localProvince,
      asOf,
    );
  }
  if (!doc) return null; // events before registration cannot occur on a person stream

  // The one copy this event makes; the cases below fill it in.
  const next: PersonDocument = { ...doc, revision: recorded.revision, updatedAt: at };
  switch (event.type) {
    case 'PersonDetailsReported':
      next.sources = addUnique(doc.sources, event.data.source);
      return next;
    case 'PersonDetailsChanged':
    case 'RecordCorrected': {
      next.sources = addUnique(doc.sources, event.data.source);
      const c = event.data.changes;
      if (c.birthDate) next.birthDate = c.birthDate.to;
      if (c.gender) next.gender = c.gender.to;
      if (c.householdRegion) Object.assign(next, regionFields(c.householdRegion.to));
      const p = event.data.personal;
      if (p.name || p.phone || p.householdAddress) {
        const personal = codec.open(id, doc.personal);
        if (p.name) personal.name = p.name.to;
        if (p.phone) personal.phone = p.phone.to;
        if (p.householdAddress) personal.householdAddress = p.householdAddress.to;
        next.personal = codec.seal(id, personal);
      }
      if (event.type === 'RecordCorrected') {
        const resolved = new Set(event.data.resolvedConflictIds);
        next.openConflicts = doc.openConflicts.filter((c) => !resolved.has(c.conflictId));
      }
      return withCoverage(next, localProvince, asOf);
    }
    case 'IdentityConflictDetected':
      next.sources = addUnique(doc.sources, event.data.source);
      next.openConflicts = [
        ...doc.openConflicts,
        {
          conflictId: event.data.conflictId,
          field: event.data.field,
          reportedSource: event.data.source,
          ...(event.data.heldValueStands ? { heldValueStands: true as const } : {}),
        },
      ];
      return withCoverage(next, localProvince, asOf);
    case 'HouseholdMoved': {
      const d = event.data.destination;
      if (d.scope === 'within-province') {
        Object.assign(next, regionFields(d.toRegion));
        next.householdStatus = 'active';
      } else {
        next.householdStatus = 'moved-out';
        next.toProvince = d.toProvince;
      }
      return withCoverage(next, localProvince, asOf);
    }
    case 'HouseholdCancelled':
      next.householdStatus = 'cancelled';
      next.cancellationReason = event.data.reason;
      return withCoverage(next, localProvince, asOf);
    case 'EnrollmentRecorded':
      next.sources = addUnique(doc.sources, event.data.source);
      next.enrollments = withEnrollment(doc.enrollments, {
        insuranceType: event.data.insuranceType,
        contributionStatus: event.data.contributionStatus,
        provinceCode: event.data.provinceCode,
        since: event.data.since,
        source: event.data.source,
        lastChangedAt: event.data.occurredAt,
      });
      return withCoverage(next, localProvince, asOf);
    case 'EnrollmentSuspended':
    case 'EnrollmentResumed':
    case 'EnrollmentTerminated': {
      const current = doc.enrollments.find((e) => e.insuranceType === event.data.insuranceType);
      if (!current) return next;
      const status: ContributionStatus = event.type === 'EnrollmentSuspended' ? '2' : event.type === 'EnrollmentResumed' ? '1' : '3';
      next.enrollments = withEnrollment(doc.enrollments, {
        ...current,
        contributionStatus: status,
        lastChangedAt: event.data.effectiveDate,
      });
      return withCoverage(next, localProvince, asOf);
    }
    case 'DeathRecorded':
      next.deceased = true;
      next.dateOfDeath = doc.dateOfDeath ?? event.data.dateOfDeath;
      next.sources = addUnique(doc.sources, event.data.source);
      return withCoverage(next, localProvince, asOf);
    case 'AnomalyDetected':
      next.anomalies = addUnique(doc.anomalies, event.data.anomaly);
      return withCoverage(next, localProvince, asOf);
    case 'ExemptionRecorded':
      next.sources = addUnique(doc.sources, event.data.source);
      next.exemptions = {
        ...doc.exemptions,
        [event.data.reason]: { since: event.data.since, ...(event.data.until !== undefined && { until: event.data.until }) },
      };
      return withCoverage(next, localProvince, asOf);
    case 'CoverageStatusDetermined':
      next.lastDetermination = {
        status: event.data.status,
        exemptionReason: event.data.exemptionReason,
        evidence: [...event.data.evidence],
        flags: [...event.data.flags],
        runId: event.data.runId,
        at: event.data.occurredAt,
      };
      return withCoverage(next, localProvince, asOf);
    case 'RecordLinked':
      next.linkedRecords = (doc.linkedRecords ?? 0) + 1;
      return next;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
