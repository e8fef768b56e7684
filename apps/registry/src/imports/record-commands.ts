import { CitizenId, PersonCommand, RegisterPerson, SourceKind } from '@registry/domain';
import type { CanonicalRecord } from '@registry/ingest';

/** The region a record places the person in, for the importer's region scope. */
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
 * What a cleaned department record means in registry commands: the same commands the
 * HTTP API issues. A record from any source first registers (or re-reports) the person it
 * names, so facts never wait for another department's file; the decider records the
 * source as holding the person and applies precedence to the fields it reports. Records
 * whose point is another fact (an enrolment, a death) only ensure the person exists: a
 * known person then gets only what the record's values disagree with.
 */
export interface RecordCommand {
  command: PersonCommand;
}

const report = (command: PersonCommand): RecordCommand => ({ command });
const ensure = (command: RegisterPerson): RecordCommand => ({
  command: { type: 'RegisterPerson', data: { ...command.data, ensure: true } },
});

/**
 * Every row of an import passes through here, so the command data is written out field by
 * field: spreading a shared source reference into each command measured about a hundred
 * times slower than these literals. Sub-commands of one record get record ids of their own
 * (`<record id>#<suffix>`) so that each is applied once.
 */
export function commandsForRecord(record: CanonicalRecord, citizenId: CitizenId, occurredAt: string): RecordCommand[] {
  const source = record.kind as SourceKind;
  const recordId = record.sourceRecordId;
  switch (record.kind) {
    case 'household-registration': {
      const commands: RecordCommand[] = [
        report({
          type: 'RegisterPerson',
          data: {
            source,
            sourceRecordId: recordId,
            occurredAt,
            citizenId,
            name: record.name,
            gender: record.gender,
            birthDate: record.birthDate,
            householdRegion: record.householdRegion,
            householdAddress: record.householdAddress,
            phone: record.phone,
          },
        }),
      ];
      if (record.householdStatus === 'cancelled') {
        commands.push(
          report({
            type: 'CancelHousehold',
            data: { source, sourceRecordId: `${recordId}#cancelled`, occurredAt, reason: record.cancellationReason ?? 'other' },
          }),
        );
      } else if (record.householdStatus === 'moved-out') {
        // Household files say "moved out" without the destination: '00' = province not stated.
        commands.push(
          report({
            type: 'MoveHousehold',
            data: {
              source,
              sourceRecordId: `${recordId}#moved-out`,
              occurredAt,
              destination: { scope: 'out-of-province', toProvince: '00' },
            },
          }),
        );
      }
      return commands;
    }
    case 'card-library':
      return [
        report({
          type: 'RegisterPerson',
          data: {
            source,
            sourceRecordId: recordId,
            occurredAt,
            citizenId,
            name: record.name,
            gender: record.gender,
            birthDate: record.birthDate,
          },
        }),
      ];
    case 'insurance-enrollment':
      return [
        ensure({
          type: 'RegisterPerson',
          data: {
            source,
            sourceRecordId: `${recordId}#person`,
            occurredAt,
            citizenId,
            name: record.name,
            gender: record.gender,
            birthDate: record.birthDate,
          },
        }),
        report({
          type: 'RecordEnrollment',
          data: {
            source,
            sourceRecordId: recordId,
            occurredAt,
            insuranceType: record.insuranceType,
            contributionStatus: record.contributionStatus,
            provinceCode: record.provinceCode,
            since: record.since ?? occurredAt.slice(0, 10),
          },
        }),
      ];
    case 'health': {
      const register: RegisterPerson = {
        type: 'RegisterPerson',
        data: {
          source,
          sourceRecordId: `${recordId}#person`,
          occurredAt,
          citizenId,
          name: record.name,
          gender: record.gender,
          birthDate: record.birthDate,
        },
      };
      // A birth certificate reports the person; a death certificate only needs them to exist.
      const commands: RecordCommand[] = [record.event === 'birth' ? report(register) : ensure(register)];
      if (record.event === 'death' && record.dateOfDeath) {
        commands.push(
          report({ type: 'RecordDeath', data: { source, sourceRecordId: recordId, occurredAt, dateOfDeath: record.dateOfDeath } }),
        );
      }
      return commands;
    }
    case 'civil-affairs': {
      const commands: RecordCommand[] = [
        ensure({
          type: 'RegisterPerson',
          data: { source, sourceRecordId: `${recordId}#person`, occurredAt, citizenId, name: record.name },
        }),
      ];
      if ((record.event === 'death' || record.event === 'cremation') && record.dateOfDeath) {
        commands.push(
          report({ type: 'RecordDeath', data: { source, sourceRecordId: recordId, occurredAt, dateOfDeath: record.dateOfDeath } }),
        );
      }
      return commands;
    }
    case 'disability':
      return [ensure({ type: 'RegisterPerson', data: { source, sourceRecordId: recordId, occurredAt, citizenId, name: record.name } })];
  }
}
