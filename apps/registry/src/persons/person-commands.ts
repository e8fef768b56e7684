import {
  CitizenId,
  ContributionStatus,
  Gender,
  HouseholdCancellationReason,
  HouseholdDestination,
  IdentityField,
  InsuranceType,
  PersonCommand,
  RecordedExemptionReason,
  RegisterPerson,
  SourceKind,
  SourceRef,
  sourced,
} from '@registry/domain';
import type { CanonicalRecord } from '@registry/ingest';

/**
 * Where every person command is built: from an HTTP request and from a department's file row
 * alike, so the two cannot drift apart. Values arrive parsed (citizen ID, region, codes);
 * the domain's decider says what each command means.
 */

/** What a registration reports, from a request or a household, card, health or civil-affairs row. */
export interface Registration {
  citizenId: CitizenId;
  name?: string;
  gender?: Gender;
  birthDate?: string;
  householdRegion?: string;
  householdAddress?: string;
  phone?: string;
  /** The household status a household record states: moved out and cancelled become household events. */
  householdStatus?: 'active' | 'moved-out' | 'cancelled';
  cancellationReason?: HouseholdCancellationReason;
  /** Only make sure the person exists (records whose point is another fact): see RegisterPerson.ensure. */
  ensure?: boolean;
}

/**
 * A registration and what its household status says. Sub-commands get record ids of their own
 * (`<record id>#cancelled`), so each is applied once.
 */
export function registrationCommands(ref: SourceRef, r: Registration): PersonCommand[] {
  const register: RegisterPerson = {
    type: 'RegisterPerson',
    data: sourced(ref, {
      citizenId: r.citizenId,
      name: r.name,
      gender: r.gender,
      birthDate: r.birthDate,
      householdRegion: r.householdRegion,
      householdAddress: r.householdAddress,
      phone: r.phone,
      ensure: r.ensure,
    }),
  };
  const sub = (suffix: string) => withRecordId(ref, `${ref.sourceRecordId}#${suffix}`);
  switch (r.householdStatus) {
    case 'cancelled':
      return [register, { type: 'CancelHousehold', data: sourced(sub('cancelled'), { reason: r.cancellationReason ?? 'other' }) }];
    case 'moved-out':
      // Household registers say "moved out" without the destination: '00' = province not stated.
      return [register, householdMove(sub('moved-out'), { scope: 'out-of-province', toProvince: '00' })];
    default:
      return [register];
  }
}

export const enrollment = (
  ref: SourceRef,
  e: { insuranceType: InsuranceType; contributionStatus: ContributionStatus; provinceCode: string; since: string },
): PersonCommand => ({ type: 'RecordEnrollment', data: sourced(ref, e) });

export const ENROLLMENT_TRANSITIONS = {
  suspension: 'SuspendEnrollment',
  resumption: 'ResumeEnrollment',
  termination: 'TerminateEnrollment',
} as const;
export type EnrollmentTransition = keyof typeof ENROLLMENT_TRANSITIONS;

export const enrollmentTransition = (
  ref: SourceRef,
  transition: EnrollmentTransition,
  insuranceType: InsuranceType,
  effectiveDate: string,
): PersonCommand => ({ type: ENROLLMENT_TRANSITIONS[transition], data: sourced(ref, { insuranceType, effectiveDate }) }) as PersonCommand;

export const death = (ref: SourceRef, dateOfDeath: string): PersonCommand => ({ type: 'RecordDeath', data: sourced(ref, { dateOfDeath }) });

export const exemption = (ref: SourceRef, reason: RecordedExemptionReason, since: string, until?: string): PersonCommand => ({
  type: 'RecordExemption',
  data: sourced(ref, until === undefined ? { reason, since } : { reason, since, until }),
});

export const householdMove = (ref: SourceRef, destination: HouseholdDestination): PersonCommand => ({
  type: 'MoveHousehold',
  data: sourced(ref, { destination }),
});

export const householdCancellation = (ref: SourceRef, reason: HouseholdCancellationReason): PersonCommand => ({
  type: 'CancelHousehold',
  data: sourced(ref, { reason }),
});

export const correction = (
  ref: Omit<SourceRef, 'source'>,
  operatorId: string,
  reason: string,
  corrections: Partial<Record<IdentityField, string>>,
): PersonCommand => ({
  type: 'CorrectRecord',
  data: {
    source: 'operator',
    sourceRecordId: ref.sourceRecordId,
    occurredAt: ref.occurredAt,
    ...(ref.survey && { survey: ref.survey }),
    operatorId,
    reason,
    corrections,
  },
});

/** The same source and time under another record id (written out: see `sourced`). */
function withRecordId(ref: SourceRef, sourceRecordId: string): SourceRef {
  if (ref.survey === undefined) return { source: ref.source, sourceRecordId, occurredAt: ref.occurredAt };
  return { source: ref.source, sourceRecordId, occurredAt: ref.occurredAt, survey: ref.survey };
}

/** The region a department record places its person in, for the importer's region scope. */
export function recordRegion(record: CanonicalRecord): string | undefined {
  switch (record.kind) {
    case 'household-registration':
      return record.householdRegion;
    case 'card-library':
    case 'health':
    case 'civil-affairs':
    case 'disability':
      return record.region;
    case 'insurance-enrollment':
      return undefined;
  }
}

/**
 * What a cleaned department record means: the commands the HTTP API issues for the same
 * facts. A record from any source first registers (or re-reports) the person it names, so
 * facts never wait for another department's file; records whose point is another fact (an
 * enrolment, a death, a disability certificate) only ensure the person exists.
 */
export function commandsForRecord(record: CanonicalRecord, citizenId: CitizenId, occurredAt: string): PersonCommand[] {
  const ref: SourceRef = { source: record.kind as SourceKind, sourceRecordId: record.sourceRecordId, occurredAt };
  const person = withRecordId(ref, `${record.sourceRecordId}#person`);
  switch (record.kind) {
    case 'household-registration':
      return registrationCommands(ref, {
        citizenId,
        name: record.name,
        gender: record.gender,
        birthDate: record.birthDate,
        householdRegion: record.householdRegion,
        householdAddress: record.householdAddress,
        phone: record.phone,
        householdStatus: record.householdStatus,
        cancellationReason: record.cancellationReason,
      });
    case 'card-library':
      return registrationCommands(ref, { citizenId, name: record.name, gender: record.gender, birthDate: record.birthDate });
    case 'insurance-enrollment':
      return [
        ...registrationCommands(person, { citizenId, name: record.name, gender: record.gender, birthDate: record.birthDate, ensure: true }),
        enrollment(ref, {
          insuranceType: record.insuranceType,
          contributionStatus: record.contributionStatus,
          provinceCode: record.provinceCode,
          since: record.since ?? occurredAt.slice(0, 10),
        }),
      ];
    case 'health': {
      // A birth certificate reports the person; a death certificate only needs them to exist.
      const birth = record.event === 'birth';
      const fields = { citizenId, name: record.name, gender: record.gender, birthDate: record.birthDate, ensure: !birth };
      const commands = registrationCommands(person, fields);
      if (record.event === 'death' && record.dateOfDeath) commands.push(death(ref, record.dateOfDeath));
      return commands;
    }
    case 'civil-affairs': {
      const commands = registrationCommands(person, { citizenId, name: record.name, ensure: true });
      if ((record.event === 'death' || record.event === 'cremation') && record.dateOfDeath) commands.push(death(ref, record.dateOfDeath));
      return commands;
    }
    case 'disability':
      return registrationCommands(ref, { citizenId, name: record.name, ensure: true });
  }
}
