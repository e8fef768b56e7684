import { InsuranceType } from '../codes/insurance-type';
import { SourceKind } from '../codes/source-kind';
import { DeciderSpecification } from '../testing/decider-spec';
import { ref, registered } from '../testing/person-fixtures';
import { PersonCommand } from './person-commands';
import { createPersonDecider, foldPerson } from './person-decider';
import {
  EnrollmentAlreadySuspendedError,
  EnrollmentNotFoundError,
  EnrollmentNotSuspendedError,
  EnrollmentTerminatedError,
  HouseholdAlreadyCancelledError,
  HouseholdCancelledError,
  PersonAlreadyDeceasedError,
  PersonDeceasedError,
  PersonNotRegisteredError,
} from './person-errors';
import { EnrollmentRecorded, PersonEvent } from './person-events';
import { enrollmentOf } from './person-state';

const spec = DeciderSpecification.for(createPersonDecider());
const AT = '2024-05-01T00:00:00Z';
const si = (id: string, source: SourceKind = 'insurance-enrollment') => ref(source, id, AT);

function enrolled(type: InsuranceType, status: '1' | '2' | '3' = '1', provinceCode = '11', id = `e-${type}`): EnrollmentRecorded {
  return {
    type: 'EnrollmentRecorded',
    data: {
      ...ref('insurance-enrollment', id, '2024-01-15T00:00:00Z'),
      insuranceType: type,
      contributionStatus: status,
      provinceCode,
      since: '2020-01-01',
    },
  };
}
const recordEnrollment = (
  type: InsuranceType,
  source: SourceKind = 'insurance-enrollment',
  id = 'e-new',
  status: '1' | '2' | '3' = '1',
  provinceCode = '11',
): PersonCommand => ({
  type: 'RecordEnrollment',
  data: { ...si(id, source), insuranceType: type, contributionStatus: status, provinceCode, since: '2024-04-01' },
});
const transition = (
  type: 'SuspendEnrollment' | 'ResumeEnrollment' | 'TerminateEnrollment',
  insuranceType: InsuranceType = '110',
  source: SourceKind = 'insurance-enrollment',
): PersonCommand => ({ type, data: { ...si('t-1', source), insuranceType, effectiveDate: '2024-04-30' } }) as PersonCommand;
const death = (dateOfDeath: string, source: SourceKind = 'health', id = 'd-1'): PersonCommand => ({
  type: 'RecordDeath',
  data: { ...si(id, source), dateOfDeath },
});
const died: PersonEvent = {
  type: 'DeathRecorded',
  data: { ...ref('health', 'd-0', '2024-03-02T00:00:00Z'), dateOfDeath: '2024-03-01', corroborating: false },
};
const cancelled: PersonEvent = {
  type: 'HouseholdCancelled',
  data: { ...ref('household-registration', 'hr-c', '2024-03-05T00:00:00Z'), reason: 'emigration' },
};

describe('every command needs a registered person', () => {
  const commands: PersonCommand[] = [
    recordEnrollment('110'),
    transition('SuspendEnrollment'),
    transition('ResumeEnrollment'),
    transition('TerminateEnrollment'),
    death('2024-03-01'),
    {
      type: 'MoveHousehold',
      data: { ...si('m-1', 'household-registration'), destination: { scope: 'out-of-province', toProvince: '31' } },
    },
    { type: 'CancelHousehold', data: { ...si('c-1', 'household-registration'), reason: 'death' } },
    {
      type: 'CorrectRecord',
      data: { ...si('op-1', 'operator'), source: 'operator', operatorId: 'u1', reason: 'typo', corrections: { name: '张三' } },
    },
  ];
  it.each(commands.map((c) => [c.type, c] as const))('%s on an unregistered person → PERSON_NOT_REGISTERED', (_t, command) => {
    spec.given([]).when(command).thenThrows(PersonNotRegisteredError);
  });
});

describe('RecordEnrollment', () => {
  it('records an enrolment', () => {
    spec
      .given([registered])
      .when(recordEnrollment('390'))
      .then([
        {
          type: 'EnrollmentRecorded',
          data: { ...si('e-new'), insuranceType: '390', contributionStatus: '1', provinceCode: '11', since: '2024-04-01' },
        },
      ]);
  });

  it('is idempotent per source record', () => {
    spec
      .given([registered, enrolled('390', '1', '11', 'e-new')])
      .when(recordEnrollment('390'))
      .then([]);
  });

  it('updates the enrolment state keyed by insurance type', () => {
    const state = foldPerson([registered, enrolled('110'), enrolled('110', '2', '11', 'e-2')]);
    expect(state.status === 'living' && enrollmentOf(state.person.enrollments, '110')).toMatchObject({
      contributionStatus: '2',
      provinceCode: '11',
      since: '2020-01-01',
      source: 'insurance-enrollment',
    });
  });

  it('records contributions after death with a CONTRIBUTION_AFTER_DEATH anomaly', () => {
    spec
      .given([registered, died])
      .when(recordEnrollment('170'))
      .thenEvents((events) => {
        expect(events).toEqual([
          expect.objectContaining({ type: 'EnrollmentRecorded' }),
          { type: 'AnomalyDetected', data: { ...si('e-new'), anomaly: 'CONTRIBUTION_AFTER_DEATH', insuranceType: '170' } },
        ]);
      });
  });

  it('does not flag a non-contributing record after death', () => {
    spec
      .given([registered, died])
      .when(recordEnrollment('170', 'insurance-enrollment', 'e-new', '3'))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['EnrollmentRecorded']);
      });
  });

  it('flags an enrolment after the household was cancelled', () => {
    spec
      .given([registered, cancelled])
      .when(recordEnrollment('390'))
      .thenEvents((events) => {
        expect(events[1]).toEqual({
          type: 'AnomalyDetected',
          data: { ...si('e-new'), anomaly: 'ENROLLMENT_AFTER_HOUSEHOLD_CANCELLED', insuranceType: '390' },
        });
      });
  });

  it('flags duplicate medical (310 + 390) and two-province enrolments', () => {
    spec
      .given([registered, enrolled('310')])
      .when(recordEnrollment('390'))
      .thenEvents((events) => {
        expect(events.map((e) => e.type === 'AnomalyDetected' && e.data.anomaly)).toEqual([false, 'DUPLICATE_ENROLLMENT']);
      });
    spec
      .given([registered, enrolled('110', '1', '11')])
      .when(recordEnrollment('110', 'ministry', 'm-1', '1', '44'))
      .thenEvents((events) => {
        expect(events.map((e) => e.type === 'AnomalyDetected' && e.data.anomaly)).toEqual([false, 'ENROLLED_IN_TWO_PROVINCES']);
      });
  });

  it('refuses an operator recording a contributing enrolment for a deceased person', () => {
    spec.given([registered, died]).when(recordEnrollment('390', 'operator')).thenThrows(PersonDeceasedError);
  });

  it.each([
    ['insuranceType', { insuranceType: '999' }],
    ['contributionStatus', { contributionStatus: '4' }],
    ['provinceCode', { provinceCode: '110000' }],
    ['since', { since: '2024-13-01' }],
  ])('rejects a malformed %s', (_field, patch) => {
    const base = recordEnrollment('390');
    spec
      .given([registered])
      .when({ ...base, data: { ...base.data, ...patch } } as PersonCommand)
      .thenThrows('INVALID_FIELD_VALUE');
  });
});

describe('SuspendEnrollment / ResumeEnrollment / TerminateEnrollment', () => {
  it('suspends a contributing enrolment', () => {
    spec
      .given([registered, enrolled('110')])
      .when(transition('SuspendEnrollment'))
      .then([{ type: 'EnrollmentSuspended', data: { ...si('t-1'), insuranceType: '110', effectiveDate: '2024-04-30' } }]);
  });

  it('resumes a suspended enrolment', () => {
    spec
      .given([registered, enrolled('110', '2')])
      .when(transition('ResumeEnrollment'))
      .then([{ type: 'EnrollmentResumed', data: { ...si('t-1'), insuranceType: '110', effectiveDate: '2024-04-30' } }]);
  });

  it('resuming after death is recorded with an anomaly, or refused for an operator', () => {
    spec
      .given([registered, enrolled('110', '2'), died])
      .when(transition('ResumeEnrollment'))
      .thenEvents((events) => {
        expect(events.map((e) => e.type)).toEqual(['EnrollmentResumed', 'AnomalyDetected']);
      });
    spec
      .given([registered, enrolled('110', '2'), died])
      .when(transition('ResumeEnrollment', '110', 'operator'))
      .thenThrows('PERSON_DECEASED');
  });

  it('terminates a suspended or contributing enrolment', () => {
    spec
      .given([registered, enrolled('110', '2')])
      .when(transition('TerminateEnrollment'))
      .then([{ type: 'EnrollmentTerminated', data: { ...si('t-1'), insuranceType: '110', effectiveDate: '2024-04-30' } }]);
    const state = foldPerson([
      registered,
      enrolled('110'),
      { type: 'EnrollmentTerminated', data: { ...si('t-1'), insuranceType: '110', effectiveDate: '2024-04-30' } },
    ]);
    expect(state.status === 'living' && enrollmentOf(state.person.enrollments, '110')).toMatchObject({
      contributionStatus: '3',
      lastChangedAt: AT,
    });
  });

  it.each(['SuspendEnrollment', 'ResumeEnrollment', 'TerminateEnrollment'] as const)(
    '%s without an enrolment → ENROLLMENT_NOT_FOUND',
    (type) => {
      spec
        .given([registered, enrolled('390')])
        .when(transition(type, '110'))
        .thenThrows(EnrollmentNotFoundError);
    },
  );

  it.each(['SuspendEnrollment', 'ResumeEnrollment', 'TerminateEnrollment'] as const)(
    '%s on a terminated enrolment → ENROLLMENT_TERMINATED',
    (type) => {
      spec
        .given([registered, enrolled('110', '3')])
        .when(transition(type))
        .thenThrows(EnrollmentTerminatedError);
    },
  );

  it('suspending twice → ENROLLMENT_ALREADY_SUSPENDED', () => {
    spec
      .given([registered, enrolled('110', '2')])
      .when(transition('SuspendEnrollment'))
      .thenThrows(EnrollmentAlreadySuspendedError);
  });

  it('resuming a contributing enrolment → ENROLLMENT_NOT_SUSPENDED', () => {
    spec
      .given([registered, enrolled('110', '1')])
      .when(transition('ResumeEnrollment'))
      .thenThrows(EnrollmentNotSuspendedError);
  });

  it('rejects a malformed effective date', () => {
    const base = transition('SuspendEnrollment');
    spec
      .given([registered, enrolled('110')])
      .when({ ...base, data: { ...base.data, effectiveDate: '30/04/2024' } } as PersonCommand)
      .thenThrows('INVALID_FIELD_VALUE');
  });
});

describe('RecordDeath', () => {
  it('records a death', () => {
    spec
      .given([registered])
      .when(death('2024-03-01'))
      .then([{ type: 'DeathRecorded', data: { ...si('d-1', 'health'), dateOfDeath: '2024-03-01', corroborating: false } }]);
    const state = foldPerson([registered, died]);
    expect(state.status).toBe('deceased');
    expect(state.status === 'deceased' && state.death).toEqual({ dateOfDeath: '2024-03-01', source: 'health', sources: ['health'] });
  });

  it('another source confirming is corroboration; a different date is an anomaly', () => {
    spec
      .given([registered, died])
      .when(death('2024-03-01', 'civil-affairs'))
      .then([{ type: 'DeathRecorded', data: { ...si('d-1', 'civil-affairs'), dateOfDeath: '2024-03-01', corroborating: true } }]);
    spec
      .given([registered, died])
      .when(death('2024-02-28', 'civil-affairs'))
      .then([
        { type: 'DeathRecorded', data: { ...si('d-1', 'civil-affairs'), dateOfDeath: '2024-02-28', corroborating: true } },
        { type: 'AnomalyDetected', data: { ...si('d-1', 'civil-affairs'), anomaly: 'DEATH_DATE_MISMATCH' } },
      ]);
    const state = foldPerson([
      registered,
      died,
      { type: 'DeathRecorded', data: { ...si('d-1', 'civil-affairs'), dateOfDeath: '2024-02-28', corroborating: true } },
    ]);
    expect(state.status === 'deceased' && state.death).toEqual({
      dateOfDeath: '2024-03-01',
      source: 'health',
      sources: ['health', 'civil-affairs'],
    });
  });

  it('an operator recording a second death → PERSON_ALREADY_DECEASED', () => {
    spec.given([registered, died]).when(death('2024-03-01', 'operator')).thenThrows(PersonAlreadyDeceasedError);
  });

  it('rejects an invalid date or one after the report', () => {
    spec.given([registered]).when(death('2024-02-30')).thenThrows('INVALID_FIELD_VALUE');
    spec.given([registered]).when(death('2024-06-01')).thenThrows('INVALID_FIELD_VALUE');
  });
});

describe('MoveHousehold', () => {
  const move = (
    destination: { scope: 'within-province'; toRegion: string } | { scope: 'out-of-province'; toProvince: string },
    source: SourceKind = 'household-registration',
  ): PersonCommand => ({
    type: 'MoveHousehold',
    data: { ...si('m-1', source), destination },
  });

  it('moves within the province and updates the household region', () => {
    spec
      .given([registered])
      .when(move({ scope: 'within-province', toRegion: '110105001' }))
      .then([
        {
          type: 'HouseholdMoved',
          data: {
            ...si('m-1', 'household-registration'),
            fromRegion: '110101001',
            destination: { scope: 'within-province', toRegion: '110105001' },
          },
        },
      ]);
    const state = foldPerson([
      registered,
      {
        type: 'HouseholdMoved',
        data: { ...si('m-1', 'household-registration'), destination: { scope: 'within-province', toRegion: '110105001' } },
      },
    ]);
    expect(state.status === 'living' && state.person.fields.householdRegion?.value).toBe('110105001');
  });

  it('moves out of the province', () => {
    spec
      .given([registered])
      .when(move({ scope: 'out-of-province', toProvince: '31' }))
      .then([
        {
          type: 'HouseholdMoved',
          data: {
            ...si('m-1', 'household-registration'),
            fromRegion: '110101001',
            destination: { scope: 'out-of-province', toProvince: '31' },
          },
        },
      ]);
    const state = foldPerson([
      registered,
      {
        type: 'HouseholdMoved',
        data: { ...si('m-1', 'household-registration'), destination: { scope: 'out-of-province', toProvince: '31' } },
      },
    ]);
    expect(state.status === 'living' && state.person.household).toEqual({ status: 'moved-out', toProvince: '31' });
  });

  it('records a move after death with an anomaly; an operator is refused', () => {
    spec
      .given([registered, died])
      .when(move({ scope: 'within-province', toRegion: '110105' }))
      .thenEvents((events) => {
        expect(events.map((e) => (e.type === 'AnomalyDetected' ? e.data.anomaly : e.type))).toEqual([
          'HouseholdMoved',
          'HOUSEHOLD_MOVED_AFTER_DEATH',
        ]);
      });
    spec
      .given([registered, died])
      .when(move({ scope: 'within-province', toRegion: '110105' }, 'operator'))
      .thenThrows(PersonDeceasedError);
  });

  it('a cancelled household cannot move → HOUSEHOLD_CANCELLED', () => {
    spec
      .given([registered, cancelled])
      .when(move({ scope: 'within-province', toRegion: '110105' }))
      .thenThrows(HouseholdCancelledError);
  });

  it('rejects malformed destinations', () => {
    spec
      .given([registered])
      .when(move({ scope: 'within-province', toRegion: '1101050' }))
      .thenThrows('INVALID_FIELD_VALUE');
    spec
      .given([registered])
      .when(move({ scope: 'out-of-province', toProvince: '310000' }))
      .thenThrows('INVALID_FIELD_VALUE');
    spec
      .given([registered])
      .when(move({ scope: 'abroad' } as never))
      .thenThrows('INVALID_FIELD_VALUE');
  });
});

describe('CancelHousehold', () => {
  const cancel = (reason: string): PersonCommand => ({
    type: 'CancelHousehold',
    data: { ...si('c-1', 'household-registration'), reason } as never,
  });

  it.each(['death', 'emigration', 'military-service', 'other'])('cancels with reason %s', (reason) => {
    spec
      .given([registered])
      .when(cancel(reason))
      .then([{ type: 'HouseholdCancelled', data: { ...si('c-1', 'household-registration'), reason } as never }]);
  });

  it('derives the household status', () => {
    const state = foldPerson([registered, cancelled]);
    expect(state.status === 'living' && state.person.household).toEqual({ status: 'cancelled', cancellationReason: 'emigration' });
  });

  it('cancelling twice → HOUSEHOLD_ALREADY_CANCELLED; unknown reason → INVALID_FIELD_VALUE', () => {
    spec.given([registered, cancelled]).when(cancel('death')).thenThrows(HouseholdAlreadyCancelledError);
    spec.given([registered]).when(cancel('vanished')).thenThrows('INVALID_FIELD_VALUE');
  });
});
