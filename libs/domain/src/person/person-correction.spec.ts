import { DeciderSpecification } from '../testing/decider-spec';
import { citizenId, ref, registered } from '../testing/person-fixtures';
import { CorrectRecord } from './person-commands';
import { createPersonDecider, foldPerson } from './person-decider';
import { CorrectionNoChangeError, CorrectionReasonRequiredError } from './person-errors';
import { IdentityConflictDetected, PersonEvent, RecordCorrected } from './person-events';

const spec = DeciderSpecification.for(createPersonDecider());
const AT = '2024-06-01T09:00:00Z';

function correct(corrections: CorrectRecord['data']['corrections'], reason = '户籍证明核实', id = 'op-1'): CorrectRecord {
  return { type: 'CorrectRecord', data: { ...ref('operator', id, AT), source: 'operator', operatorId: 'staff-42', reason, corrections } };
}

const conflict: IdentityConflictDetected = {
  type: 'IdentityConflictDetected',
  data: {
    ...ref('card-library', 'card-7', '2024-02-01T00:00:00Z'),
    conflictId: 'name:card-library:card-7',
    field: 'name',
    currentSource: 'household-registration',
    personal: { current: '张𬌗', reported: '张河' },
  },
};

describe('CorrectRecord', () => {
  it('corrects fields with before/after, splitting personal from statistical values', () => {
    spec
      .given([registered])
      .when(correct({ name: '张 河', householdRegion: '110101002' }))
      .then([
        {
          type: 'RecordCorrected',
          data: {
            ...ref('operator', 'op-1', AT),
            source: 'operator',
            operatorId: 'staff-42',
            fields: ['name', 'householdRegion'],
            changes: { householdRegion: { from: '110101001', to: '110101002' } },
            personal: { name: { from: '张𬌗', to: '张 河' }, reason: '户籍证明核实' },
            resolvedConflictIds: [],
          },
        },
      ]);
  });

  it('resolves open conflicts on the fields it sets', () => {
    spec
      .given([registered, conflict])
      .when(correct({ name: '张河' }))
      .thenEvents((events) => {
        expect(events).toHaveLength(1);
        expect((events[0] as RecordCorrected).data.resolvedConflictIds).toEqual(['name:card-library:card-7']);
      });
  });

  it('confirming the current value is allowed when it resolves a conflict', () => {
    spec
      .given([registered, conflict])
      .when(correct({ name: '张𬌗' }))
      .thenEvents((events) => {
        expect(events[0]).toMatchObject({
          type: 'RecordCorrected',
          data: { fields: ['name'], personal: { name: { from: '张𬌗', to: '张𬌗' } }, resolvedConflictIds: ['name:card-library:card-7'] },
        });
      });
    const after = foldPerson([
      registered,
      conflict,
      ...createPersonDecider().decide(correct({ name: '张𬌗' }), foldPerson([registered, conflict])),
    ]);
    expect(after.status === 'living' && after.person.openConflicts).toEqual([]);
  });

  it('pins a corrected value: a later source report that differs raises a conflict even from the top source', () => {
    const corrected: PersonEvent[] = createPersonDecider().decide(correct({ name: '张河' }), foldPerson([registered]));
    spec
      .given([registered, ...corrected])
      .when({
        type: 'RegisterPerson',
        data: { ...ref('household-registration', 'hr-2', '2024-07-01T00:00:00Z'), citizenId: citizenId(), name: '张𬌗' },
      })
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['PersonDetailsReported', 'IdentityConflictDetected']);
        expect(events[1]).toMatchObject({ data: { currentSource: 'operator' } });
      });
  });

  it('is idempotent per operator request id', () => {
    const corrected = createPersonDecider().decide(correct({ name: '张河' }), foldPerson([registered]));
    spec
      .given([registered, ...corrected])
      .when(correct({ name: '张三' }))
      .then([]);
  });

  it.each(['', '   ', '\u3000'])('requires a reason (%j) → CORRECTION_REASON_REQUIRED', (reason) => {
    spec
      .given([registered])
      .when(correct({ name: '张河' }, reason))
      .thenThrows(CorrectionReasonRequiredError);
  });

  it('a correction that changes nothing and resolves nothing → CORRECTION_NO_CHANGE', () => {
    spec
      .given([registered])
      .when(correct({ name: '张𬌗' }))
      .thenThrows(CorrectionNoChangeError);
    spec.given([registered]).when(correct({})).thenThrows('CORRECTION_NO_CHANGE');
  });

  it('validates strictly', () => {
    spec
      .given([registered])
      .when(correct({ birthDate: '1949-02-30' }))
      .thenThrows('INVALID_FIELD_VALUE');
    spec
      .given([registered])
      .when(correct({ gender: 'F' }))
      .thenThrows('INVALID_FIELD_VALUE');
    spec
      .given([registered])
      .when(correct({ name: '' }))
      .thenThrows('INVALID_FIELD_VALUE');
    const noOperator = correct({ name: '张河' });
    spec
      .given([registered])
      .when({ ...noOperator, data: { ...noOperator.data, operatorId: ' ' } })
      .thenThrows('INVALID_FIELD_VALUE');
    spec
      .given([registered])
      .when({ ...noOperator, data: { ...noOperator.data, source: 'health' as 'operator' } })
      .thenThrows('INVALID_FIELD_VALUE');
  });
});
