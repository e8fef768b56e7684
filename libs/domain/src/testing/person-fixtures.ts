/** Fixtures for person decider specs (test-only). */
import { SourceKind } from '../codes/source-kind';
import { CitizenId } from '../identity/citizen-id';
import { PersonRegistered, SourceRef } from '../person/person-events';

export const CITIZEN_ID_TEXT = '11010519491231002X';

export function citizenId(raw = CITIZEN_ID_TEXT): CitizenId {
  const result = CitizenId.parse(raw);
  if (!result.ok) throw new Error('bad citizen ID fixture');
  return result.value;
}

export function ref(source: SourceKind, sourceRecordId: string, occurredAt = '2024-01-10T08:00:00Z'): SourceRef {
  return { source, sourceRecordId, occurredAt };
}

/** The usual starting point: public security registered a woman born 1949-12-31 in 东城区. */
export const registered: PersonRegistered = {
  type: 'PersonRegistered',
  data: {
    ...ref('household-registration', 'hr-1', '2024-01-01T00:00:00Z'),
    birthDate: '1949-12-31',
    gender: '2',
    householdRegion: '110101001',
    personal: { citizenId: CITIZEN_ID_TEXT, name: '张𬌗', householdAddress: '东华门大街1号' },
  },
};
