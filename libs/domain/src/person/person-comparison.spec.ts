import { DeciderSpecification } from '../testing/decider-spec';
import { ref, registered } from '../testing/person-fixtures';
import { PersonCommand } from './person-commands';
import { createPersonDecider } from './person-decider';
import { InvalidFieldValueError, PersonDeceasedError, PersonNotRegisteredError } from './person-errors';
import { EnrollmentRecorded, PersonEvent } from './person-events';

const spec = DeciderSpecification.for(createPersonDecider());
const AT = '2024-06-30T00:00:00Z';

const determine = (runId: string): PersonCommand => ({
  type: 'DetermineCoverage',
  data: { ...ref('comparison', runId, AT), source: 'comparison', runId, localProvince: '11' },
});
const enrolled: EnrollmentRecorded = {
  type: 'EnrollmentRecorded',
  data: { ...ref('insurance-enrollment', 'e-1'), insuranceType: '390', contributionStatus: '1', provinceCode: '11', since: '2020-01-01' },
};
const verdict = (
  runId: string,
  status: 'uninsured' | 'insured-local',
  evidence: string[],
  extra: Partial<Record<string, unknown>> = {},
): PersonEvent =>
  ({
    type: 'CoverageStatusDetermined',
    data: {
      ...ref('comparison', runId, AT),
      source: 'comparison',
      runId,
      status,
      localTypes: status === 'insured-local' ? ['390'] : [],
      elsewhereProvinces: [],
      flags: [],
      evidence,
      ...extra,
    },
  }) as PersonEvent;

describe('DetermineCoverage', () => {
  it('records the first verdict with its evidence', () => {
    spec
      .given([registered])
      .when(determine('run-1'))
      .then([verdict('run-1', 'uninsured', ['NO_ACTIVE_BASIC_ENROLLMENT'])]);
  });

  it('records nothing when a later run reaches the same verdict', () => {
    spec
      .given([registered, verdict('run-1', 'uninsured', ['NO_ACTIVE_BASIC_ENROLLMENT'])])
      .when(determine('run-2'))
      .then([]);
  });

  it('records a changed verdict with the previous status', () => {
    spec
      .given([registered, verdict('run-1', 'uninsured', ['NO_ACTIVE_BASIC_ENROLLMENT']), enrolled])
      .when(determine('run-2'))
      .then([verdict('run-2', 'insured-local', ['ENROLLED_390'], { previousStatus: 'uninsured' })]);
  });

  it('needs a registered person', () => {
    spec.given([]).when(determine('run-1')).thenThrows(PersonNotRegisteredError);
  });

  it('judges a recorded exemption as of the run date', () => {
    const imprisoned: PersonEvent = {
      type: 'ExemptionRecorded',
      data: { ...ref('operator', 'survey-1'), reason: 'imprisoned', since: '2024-01-01', until: '2026-01-01' },
    };
    spec
      .given([registered, imprisoned])
      .when(determine('run-1'))
      .then([
        verdict('run-1', 'uninsured', ['EXEMPTION_RECORDED_IMPRISONED'], {
          status: 'exempt',
          exemptionReason: 'imprisoned',
          localTypes: [],
        }),
      ]);
  });
});

describe('RecordExemption', () => {
  const exemption = (data: Record<string, unknown>, id = 'survey-7'): PersonCommand =>
    ({ type: 'RecordExemption', data: { ...ref('operator', id), reason: 'imprisoned', since: '2024-01-01', ...data } }) as PersonCommand;

  it('records the exemption with its period', () => {
    spec
      .given([registered])
      .when(exemption({ until: '2027-01-01' }))
      .then([
        {
          type: 'ExemptionRecorded',
          data: { ...ref('operator', 'survey-7'), reason: 'imprisoned', since: '2024-01-01', until: '2027-01-01' },
        },
      ]);
  });

  it('refuses a reason that is not recorded on its own, bad dates and an empty period', () => {
    spec
      .given([registered])
      .when(exemption({ reason: 'deceased' }))
      .thenThrows(InvalidFieldValueError);
    spec
      .given([registered])
      .when(exemption({ since: '2024-02-30' }))
      .thenThrows(InvalidFieldValueError);
    spec
      .given([registered])
      .when(exemption({ until: '2024-01-01' }))
      .thenThrows(InvalidFieldValueError);
  });

  it('refuses an operator recording it for a deceased person, and needs a registered person', () => {
    const died: PersonEvent = { type: 'DeathRecorded', data: { ...ref('health', 'd-1'), dateOfDeath: '2023-05-01', corroborating: false } };
    spec.given([registered, died]).when(exemption({})).thenThrows(PersonDeceasedError);
    spec.given([]).when(exemption({})).thenThrows(PersonNotRegisteredError);
  });

  it('is applied once per source record', () => {
    const recorded: PersonEvent = {
      type: 'ExemptionRecorded',
      data: { ...ref('operator', 'survey-7'), reason: 'imprisoned', since: '2024-01-01' },
    };
    spec.given([registered, recorded]).when(exemption({})).then([]);
  });
});

describe('LinkRecord', () => {
  const link = (id: string): PersonCommand => ({
    type: 'LinkRecord',
    data: {
      ...ref('comparison', id, AT),
      recordSource: 'insurance-enrollment',
      recordRef: id,
      decidedBy: 'automatic',
      score: 21.5,
      fields: { name: { level: 'pinyin-equal', weight: 6.1 } },
    },
  });

  it('records the link with its score and the fields that drove it', () => {
    spec
      .given([registered])
      .when(link('imp_1:7'))
      .then([
        {
          type: 'RecordLinked',
          data: {
            ...ref('comparison', 'imp_1:7', AT),
            recordSource: 'insurance-enrollment',
            recordRef: 'imp_1:7',
            decidedBy: 'automatic',
            score: 21.5,
            fields: { name: { level: 'pinyin-equal', weight: 6.1 } },
          },
        },
      ]);
  });

  it('links the same record once', () => {
    const first = createPersonDecider().decide(
      link('imp_1:7'),
      createPersonDecider().evolve(createPersonDecider().initialState(), registered),
    );
    spec
      .given([registered, ...first])
      .when(link('imp_1:7'))
      .then([]);
  });

  it('needs a registered person', () => {
    spec.given([]).when(link('imp_1:7')).thenThrows(PersonNotRegisteredError);
  });
});
