import type { RecordedEvent } from '@registry/event-store';
import type { UploadRecord } from './ministry-protocol';

/**
 * Which person events are "verified registration data" (spec §3.2.2): facts that changed
 * the person's registration, from an authoritative source or an operator. Left out:
 * reports that changed nothing (PersonDetailsReported), unresolved disagreements
 * (IdentityConflictDetected), internal quality findings (AnomalyDetected), the registry's
 * own derived verdicts and links, and anything the ministry itself told the registry
 * (source 'ministry'), which would only echo back.
 */
export const VERIFIED_EVENT_TYPES = [
  'PersonRegistered',
  'PersonDetailsChanged',
  'EnrollmentRecorded',
  'EnrollmentSuspended',
  'EnrollmentResumed',
  'EnrollmentTerminated',
  'DeathRecorded',
  'HouseholdMoved',
  'HouseholdCancelled',
  'RecordCorrected',
] as const;

const VERIFIED = new Set<string>(VERIFIED_EVENT_TYPES);

type Data = Record<string, unknown>;

export function isVerifiedRegistrationEvent(event: Pick<RecordedEvent, 'type' | 'data'>): boolean {
  return VERIFIED.has(event.type) && (event.data as Data | null)?.source !== 'ministry';
}

function to(change: unknown): unknown {
  return change && typeof change === 'object' ? (change as { to?: unknown }).to : undefined;
}

/** Drops undefined members so the record and its canonical form agree. */
function defined(facts: Data): Data {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
}

/**
 * The facts of one event that the ministry receives. Personal data is limited to the
 * citizen ID (on the record) and the name: phone numbers, addresses and what operators
 * typed as reasons never leave the province.
 */
export function factsOf(type: string, data: Data): Data {
  const personal = (data.personal ?? {}) as Data;
  const changes = (data.changes ?? {}) as Data;
  switch (type) {
    case 'PersonRegistered':
      return defined({ name: personal.name, gender: data.gender, birthDate: data.birthDate, householdRegion: data.householdRegion });
    case 'PersonDetailsChanged':
    case 'RecordCorrected':
      return defined({
        fields: data.fields,
        name: to(personal.name),
        gender: to(changes.gender),
        birthDate: to(changes.birthDate),
        householdRegion: to(changes.householdRegion),
      });
    case 'EnrollmentRecorded':
      return defined({
        insuranceType: data.insuranceType,
        contributionStatus: data.contributionStatus,
        provinceCode: data.provinceCode,
        since: data.since,
      });
    case 'EnrollmentSuspended':
    case 'EnrollmentResumed':
    case 'EnrollmentTerminated':
      return defined({ insuranceType: data.insuranceType, effectiveDate: data.effectiveDate });
    case 'DeathRecorded':
      return defined({ dateOfDeath: data.dateOfDeath, corroborating: data.corroborating });
    case 'HouseholdMoved':
      return defined({ fromRegion: data.fromRegion, destination: data.destination });
    case 'HouseholdCancelled':
      return defined({ reason: data.reason });
    default:
      return {};
  }
}

/** The upload record of a decoded (personal data opened) person event. */
export function toUploadRecord(event: RecordedEvent, personId: string, citizenId: string): UploadRecord {
  const data = (event.data ?? {}) as Data;
  return {
    position: event.position,
    eventId: event.id,
    eventType: event.type,
    personId,
    citizenId,
    source: String(data.source ?? ''),
    occurredAt: String(data.occurredAt ?? event.metadata.occurredAt ?? event.recordedAt),
    recordedAt: event.recordedAt,
    facts: factsOf(event.type, data),
  };
}
