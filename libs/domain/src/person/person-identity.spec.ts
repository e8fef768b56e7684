import { DeciderSpecification } from '../testing/decider-spec';
import { CITIZEN_ID_TEXT, citizenId, ref, registered } from '../testing/person-fixtures';
import { RegisterPerson } from './person-commands';
import { createPersonDecider, foldPerson } from './person-decider';
import { assessPersonCoverage } from './person-coverage';
import { CitizenIdMismatchError, InvalidFieldValueError } from './person-errors';
import { IdentityConflictDetected, PersonEvent } from './person-events';
import { DEFAULT_PRECEDENCE } from './person-fields';

const decider = createPersonDecider({ precedence: DEFAULT_PRECEDENCE });
const spec = DeciderSpecification.for(decider);

function register(
  source: RegisterPerson['data']['source'],
  id: string,
  fields: Omit<RegisterPerson['data'], 'citizenId' | 'source' | 'sourceRecordId' | 'occurredAt'>,
  occurredAt = '2024-02-01T00:00:00Z',
): RegisterPerson {
  return { type: 'RegisterPerson', data: { ...ref(source, id, occurredAt), citizenId: citizenId(), ...fields } };
}

const cardConflict: IdentityConflictDetected = {
  type: 'IdentityConflictDetected',
  data: {
    ...ref('card-library', 'card-7', '2024-02-01T00:00:00Z'),
    conflictId: 'name:card-library:card-7',
    field: 'name',
    currentSource: 'household-registration',
    heldValueStands: true,
    personal: { current: '张𬌗', reported: '张河' },
  },
};

/** The person as the card library registered them first. */
const registeredByCard = (householdRegion: string, name: string): PersonEvent => ({
  type: 'PersonRegistered',
  data: {
    ...ref('card-library', 'c-1', '2024-01-01T00:00:00Z'),
    birthDate: '1949-12-31',
    gender: '2',
    householdRegion,
    personal: { citizenId: CITIZEN_ID_TEXT, name },
  },
});

describe('RegisterPerson', () => {
  it('registers a new person, deriving birth date and gender from the ID when not reported', () => {
    spec
      .given([])
      .when(
        register(
          'household-registration',
          'hr-1',
          { name: '  张𬌗 ', householdRegion: '110101001', householdAddress: '东华门大街1号' },
          '2024-01-01T00:00:00Z',
        ),
      )
      .then([registered]);
  });

  it('normalises the name (dots, spaces) before storing it', () => {
    spec
      .given([])
      .when(register('health', 'h-1', { name: '阿卜杜 • 热合曼' }))
      .thenEvents((events) => {
        expect(events[0]).toMatchObject({ type: 'PersonRegistered', data: { personal: { name: '阿卜杜·热合曼' } } });
      });
  });

  it('holds the ID’s birth date and gender when a source contradicts them, and records anomalies', () => {
    const r = ref('card-library', 'c-1', '2024-02-01T00:00:00Z');
    spec
      .given([])
      .when(register('card-library', 'c-1', { birthDate: '1949-12-30', gender: '1' }))
      .then([
        { type: 'PersonRegistered', data: { ...r, birthDate: '1949-12-31', gender: '2', personal: { citizenId: CITIZEN_ID_TEXT } } },
        { type: 'AnomalyDetected', data: { ...r, anomaly: 'BIRTH_DATE_DIFFERS_FROM_ID' } },
        { type: 'AnomalyDetected', data: { ...r, anomaly: 'GENDER_DIFFERS_FROM_ID' } },
      ]);
  });

  it('takes gender 0 or 9 (unknown, not stated) as no contradiction, holding the ID’s', () => {
    spec
      .given([])
      .when(register('card-library', 'c-1', { gender: '9' }))
      .thenEvents((events) => {
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ type: 'PersonRegistered', data: { gender: '2' } });
      });
  });

  describe('ensure (a department record whose point is another fact)', () => {
    const ensure = (id: string, fields: Parameters<typeof register>[2]) =>
      register('insurance-enrollment', id, { ...fields, ensure: true });
    const r = ref('insurance-enrollment', 'ins-1#person', '2024-02-01T00:00:00Z');

    it('registers an unknown person as a report would', () => {
      spec
        .given([])
        .when(ensure('ins-1#person', { name: '张𬌗' }))
        .thenEvents((events) => expect(events.map((e) => e.type)).toEqual(['PersonRegistered']));
    });

    it('records nothing for a known person whose values agree', () => {
      spec
        .given([registered])
        .when(ensure('ins-1#person', { name: '张𬌗', birthDate: '1949-12-31', gender: '2' }))
        .then([]);
    });

    it('records only what disagrees: a homophone name as a conflict, a swapped birth date and a wrong gender as anomalies', () => {
      spec
        .given([registered])
        .when(ensure('ins-1#person', { name: '张河', birthDate: '1949-12-13', gender: '1' }))
        .then([
          {
            type: 'IdentityConflictDetected',
            data: {
              ...r,
              conflictId: 'name:insurance-enrollment:ins-1#person',
              field: 'name',
              currentSource: 'household-registration',
              heldValueStands: true,
              personal: { current: '张𬌗', reported: '张河' },
            },
          },
          { type: 'AnomalyDetected', data: { ...r, anomaly: 'BIRTH_DATE_DIFFERS_FROM_ID' } },
          { type: 'AnomalyDetected', data: { ...r, anomaly: 'GENDER_DIFFERS_FROM_ID' } },
        ]);
    });
  });

  it('records a registration under a repaired ID with the anomaly naming the repair', () => {
    const r = ref('household-registration', 'hr-9', '2024-02-01T00:00:00Z');
    spec
      .given([])
      .when(register('household-registration', 'hr-9', { idRepair: 'check-character' }))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['PersonRegistered', 'AnomalyDetected']);
        expect(events[1]).toEqual({ type: 'AnomalyDetected', data: { ...r, anomaly: 'CITIZEN_ID_CHECK_CHARACTER_REPAIRED' } });
      });
    spec
      .given([])
      .when(register('household-registration', 'hr-9', { idRepair: 'birth-date' }))
      .thenEvents((events) => expect(events[1]).toMatchObject({ data: { anomaly: 'CITIZEN_ID_BIRTH_DATE_REPAIRED' } }));
  });

  it('is idempotent: the same source record again yields nothing', () => {
    spec
      .given([registered])
      .when(register('household-registration', 'hr-1', { name: '完全不同' }))
      .then([]);
  });

  it('a later report with equal values is recorded as evidence only', () => {
    spec
      .given([registered])
      .when(register('card-library', 'card-7', { name: '张𬌗' }))
      .then([{ type: 'PersonDetailsReported', data: { ...ref('card-library', 'card-7', '2024-02-01T00:00:00Z'), fields: ['name'] } }]);
  });

  it('fills fields nobody had reported yet', () => {
    const r = ref('card-library', 'card-7', '2024-02-01T00:00:00Z');
    spec
      .given([registered])
      .when(register('card-library', 'card-7', { phone: '13800000000' }))
      .then([
        { type: 'PersonDetailsReported', data: { ...r, fields: ['phone'] } },
        {
          type: 'PersonDetailsChanged',
          data: { ...r, fields: ['phone'], previousSources: {}, changes: {}, personal: { phone: { to: '13800000000' } } },
        },
      ]);
  });

  it('a lower-precedence source that disagrees raises a conflict and changes nothing', () => {
    spec
      .given([registered])
      .when(register('card-library', 'card-7', { name: '张河' }))
      .then([
        { type: 'PersonDetailsReported', data: { ...ref('card-library', 'card-7', '2024-02-01T00:00:00Z'), fields: ['name'] } },
        cardConflict,
      ]);
  });

  it('sources of equal rank that disagree leave the field in doubt: the conflict says so, and the person is unresolved', () => {
    const equalRank = DeciderSpecification.for(
      createPersonDecider({ precedence: { ...DEFAULT_PRECEDENCE, name: ['household-registration'] } }),
    );
    const byCard = registeredByCard('110101001', '张𬌗');
    equalRank
      .given([byCard])
      .when(register('health', 'h-8', { name: '张河' }))
      .thenEvents((events) => {
        const conflict = events.find((e) => e.type === 'IdentityConflictDetected');
        // Card library and health are both unlisted for the name: neither outranks the other.
        expect(conflict?.data).toMatchObject({ field: 'name', currentSource: 'card-library' });
        expect(conflict?.data).not.toHaveProperty('heldValueStands');
        const state = foldPerson([byCard, ...events]);
        expect(state.status === 'living' && assessPersonCoverage(state, '11', '2024-06-01').status).toBe('unresolved');
      });
  });

  it('a higher-precedence source overwrites, naming the previous source', () => {
    const byCard = registeredByCard('110101', '张河');
    const r = ref('household-registration', 'hr-9', '2024-02-01T00:00:00Z');
    spec
      .given([byCard])
      .when(register('household-registration', 'hr-9', { name: '张𬌗', householdRegion: '110101001' }))
      .then([
        { type: 'PersonDetailsReported', data: { ...r, fields: ['name', 'householdRegion'] } },
        {
          type: 'PersonDetailsChanged',
          data: {
            ...r,
            fields: ['name', 'householdRegion'],
            previousSources: { name: 'card-library', householdRegion: 'card-library' },
            changes: { householdRegion: { from: '110101', to: '110101001' } },
            personal: { name: { from: '张河', to: '张𬌗' } },
          },
        },
      ]);
  });

  it('the same source with a newer record updates its own value; an older one conflicts', () => {
    const newer = register('household-registration', 'hr-2', { name: '张新' }, '2024-03-01T00:00:00Z');
    spec
      .given([registered])
      .when(newer)
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['PersonDetailsReported', 'PersonDetailsChanged']);
      });
    const older = register('household-registration', 'hr-0', { name: '张旧' }, '2023-01-01T00:00:00Z');
    spec
      .given([registered])
      .when(older)
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['PersonDetailsReported', 'IdentityConflictDetected']);
      });
  });

  it('keeps the open conflict in state', () => {
    const state = foldPerson([registered, cardConflict]);
    expect(state.status === 'living' && state.person.openConflicts).toEqual([
      {
        conflictId: 'name:card-library:card-7',
        field: 'name',
        currentSource: 'household-registration',
        reportedSource: 'card-library',
        detectedAt: '2024-02-01T00:00:00Z',
        heldValueStands: true,
      },
    ]);
    expect(state.status === 'living' && state.person.reportedBy).toEqual(['household-registration', 'card-library']);
  });

  it('rejects a command whose citizen ID belongs to another stream', () => {
    const other: RegisterPerson = { type: 'RegisterPerson', data: { ...ref('health', 'h-1'), citizenId: citizenId('110101199003071233') } };
    spec.given([registered]).when(other).thenThrows(CitizenIdMismatchError);
  });

  it.each([
    ['name', { name: ' \u3000 ' }],
    ['gender', { gender: '3' as never }],
    ['birthDate', { birthDate: '1949-02-30' }],
    ['birthDate', { birthDate: '2030-01-01' }],
    ['householdRegion', { householdRegion: '11010' }],
    ['phone', { phone: 'call me' }],
    ['householdAddress', { householdAddress: '  ' }],
  ])('rejects a malformed %s', (field, fields) => {
    spec
      .given([])
      .when(register('health', 'h-1', fields))
      .thenThrows((e) => e instanceof InvalidFieldValueError && e.field === field && e.code === 'INVALID_FIELD_VALUE');
  });

  it('rejects an empty source record id and a malformed occurredAt', () => {
    spec
      .given([])
      .when(register('health', ' ', {}))
      .thenThrows('INVALID_FIELD_VALUE');
    spec
      .given([])
      .when(register('health', 'h-1', {}, 'yesterday'))
      .thenThrows('INVALID_FIELD_VALUE');
  });
});

describe('personal data stays under `personal`', () => {
  it('no event carries the ID number, name, phone or address outside data.personal', () => {
    const events = [
      ...decider.decide(
        register('household-registration', 'hr-1', {
          name: '张𬌗',
          phone: '13800000000',
          householdAddress: '东华门大街1号',
          householdRegion: '110101',
        }),
        decider.initialState(),
      ),
      ...decider.decide(
        register('card-library', 'card-7', { name: '张河', phone: '13900000000', householdAddress: '别处' }),
        foldPerson([registered]),
      ),
    ];
    for (const event of events) {
      const { personal: _personal, ...rest } = event.data as { personal?: unknown };
      const clear = JSON.stringify(rest);
      for (const secret of [CITIZEN_ID_TEXT, '张', '1380000', '1390000', '东华门', '别处']) expect(clear).not.toContain(secret);
    }
  });
});
