import { DeciderSpecification } from '../testing/decider-spec';
import { SurveyTaskCommand } from './survey-commands';
import { createSurveyTaskDecider } from './survey-decider';
import { SurveyFinding, SurveyTaskEvent } from './survey-events';
import { REQUIRED_VISITS } from './survey-codes';
import { SurveySubject, surveyTaskIdFor } from './survey-stream';

const spec = DeciderSpecification.for(createSurveyTaskDecider({ localProvince: '44' }));

const PERSON: SurveySubject = { kind: 'person', personId: 'p_abcdefghijklmnopqrstuvwxyz' };
const ROW: SurveySubject = { kind: 'identity-check', recordRef: `imp_${'b'.repeat(24)}:3` };
const SHA = 'c'.repeat(64);

function history(subject: SurveySubject): SurveyTaskEvent[] {
  return [
    {
      type: 'SurveyTaskIssued',
      data: {
        taskId: surveyTaskIdFor(subject, 1),
        round: 1,
        subject,
        region: '440305001',
        batchId: 'b',
        origin: 'worklist',
        dueDate: '2025-03-31',
        issuedBy: 'op',
        basis: {},
        occurredAt: '2025-03-01T00:00:00.000Z',
      },
    },
    {
      type: 'SurveyTaskAssigned',
      data: { surveyor: 'sv', assignedBy: 'op', dueDate: '2025-03-31', occurredAt: '2025-03-01T00:00:00.000Z' },
    },
  ];
}

const submit = (finding: Record<string, unknown>, extra: Record<string, unknown> = {}): SurveyTaskCommand => ({
  type: 'SubmitSurveyResult',
  data: {
    resultId: 'r',
    surveyor: 'sv',
    visitedAt: '2025-03-05T10:00:00+08:00',
    finding: finding as SurveyFinding,
    evidence: [],
    occurredAt: '2025-03-05T12:00:00.000Z',
    ...extra,
  },
});

const stored = (finding: Record<string, unknown>, subject = PERSON, extra: Record<string, unknown> = {}) => {
  let out: unknown;
  spec
    .given(history(subject))
    .when(submit(finding, extra))
    .thenEvents(([event]) => (out = (event.data as { finding: unknown }).finding));
  return out;
};

describe('survey outcomes: what each needs, and what is kept', () => {
  it.each([
    [
      'enrolled now, with type and where',
      { outcome: 'enrolled-now', enrollments: [{ insuranceType: '390', since: '2025-03-05', region: '440305001' }] },
    ],
    [
      'insured in another province',
      { outcome: 'insured-elsewhere', enrollments: [{ insuranceType: '110', since: '2019-07-01', provinceCode: '32' }] },
    ],
    ['deceased', { outcome: 'deceased', dateOfDeath: '2024-12-30' }],
    ['moved within the province', { outcome: 'moved-away', destination: { scope: 'within-province', toRegion: '440106001' } }],
    ['moved out of the province', { outcome: 'moved-away', destination: { scope: 'out-of-province', toProvince: '11' } }],
    ['in military service', { outcome: 'military-service', since: '2023-09-01' }],
    ['imprisoned until a date', { outcome: 'imprisoned', since: '2022-01-01', until: '2027-01-01' }],
    ['studying or working in another province', { outcome: 'studying-or-working-elsewhere', provinceCode: '31' }],
    ['refused', { outcome: 'refused' }],
    ['not found after the required visits', { outcome: 'not-found', visitDates: ['2025-03-01', '2025-03-03', '2025-03-05'] }],
  ])('accepts %s', (_label, finding) => {
    expect(stored(finding)).toEqual(finding);
  });

  it('copies only the fields an outcome defines', () => {
    expect(stored({ outcome: 'deceased', dateOfDeath: '2024-12-30', name: '张三', citizenId: '11010519491231002X' })).toEqual({
      outcome: 'deceased',
      dateOfDeath: '2024-12-30',
    });
  });

  it.each([
    ['an unknown outcome', { outcome: 'emigrated' }, 'INVALID_SURVEY_FIELD'],
    [
      'an enrolment with no type',
      { outcome: 'enrolled-now', enrollments: [{ since: '2025-03-05', region: '440305001' }] },
      'INVALID_SURVEY_FIELD',
    ],
    [
      'an enrolment "here" in another province',
      { outcome: 'enrolled-now', enrollments: [{ insuranceType: '390', since: '2025-03-05', region: '320102' }] },
      'INVALID_SURVEY_FIELD',
    ],
    [
      '"elsewhere" naming this province',
      { outcome: 'insured-elsewhere', enrollments: [{ insuranceType: '390', since: '2025-03-01', provinceCode: '44' }] },
      'INVALID_SURVEY_FIELD',
    ],
    ['a death after the visit', { outcome: 'deceased', dateOfDeath: '2025-03-06' }, 'INVALID_SURVEY_FIELD'],
    [
      'a move inside the task’s township',
      { outcome: 'moved-away', destination: { scope: 'within-province', toRegion: '440305001001' } },
      'INVALID_SURVEY_FIELD',
    ],
    ['a release before the imprisonment', { outcome: 'imprisoned', since: '2022-01-01', until: '2021-01-01' }, 'INVALID_SURVEY_FIELD'],
    [
      `fewer than ${REQUIRED_VISITS} visit days`,
      { outcome: 'not-found', visitDates: ['2025-03-01', '2025-03-01', '2025-03-05'] },
      'INVALID_SURVEY_FIELD',
    ],
    ['other without a note', { outcome: 'other' }, 'SURVEY_NOTE_REQUIRED'],
    ['identified on a person task', { outcome: 'identified' }, 'INVALID_SURVEY_FIELD'],
  ])('refuses %s', (_label, finding, code) => {
    spec.given(history(PERSON)).when(submit(finding)).thenThrows(code);
  });

  it('checks the visit time against the task and the moment the registry received it', () => {
    spec
      .given(history(PERSON))
      .when(submit({ outcome: 'refused' }, { visitedAt: '2025-03-06T00:00:00.000Z' }))
      .thenThrows('INVALID_SURVEY_FIELD');
    spec
      .given(history(PERSON))
      .when(submit({ outcome: 'refused' }, { visitedAt: '2025-02-20T00:00:00.000Z' }))
      .thenThrows('INVALID_SURVEY_FIELD');
    spec
      .given(history(PERSON))
      .when(submit({ outcome: 'refused' }, { visitedAt: '2025-03-05' }))
      .thenThrows('INVALID_SURVEY_FIELD');
  });

  it('takes evidence as references with a SHA-256, never file content', () => {
    const evidence = (e: unknown[]) => submit({ outcome: 'refused' }, { evidence: e });
    spec
      .given(history(PERSON))
      .when(evidence([{ documentId: 'd1', type: 'photo', sha256: SHA }]))
      .thenEvents(([event]) => {
        expect((event.data as { evidence: unknown }).evidence).toEqual([{ documentId: 'd1', type: 'photo', sha256: SHA }]);
      });
    spec
      .given(history(PERSON))
      .when(evidence([{ documentId: 'd1', type: 'photo', sha256: SHA, content: 'iVBORw0KGgo=' }]))
      .thenEvents(([event]) => {
        expect(JSON.stringify(event)).not.toContain('iVBORw0KGgo=');
      });
    spec
      .given(history(PERSON))
      .when(evidence([{ documentId: 'd1', type: 'photo', sha256: SHA.toUpperCase() }]))
      .thenThrows('INVALID_SURVEY_FIELD');
    spec
      .given(history(PERSON))
      .when(evidence([{ documentId: 'd1', type: 'selfie', sha256: SHA }]))
      .thenThrows('INVALID_SURVEY_FIELD');
    spec
      .given(history(PERSON))
      .when(
        evidence([
          { documentId: 'd1', type: 'photo', sha256: SHA },
          { documentId: 'd1', type: 'photo', sha256: SHA },
        ]),
      )
      .thenThrows('INVALID_SURVEY_FIELD');
  });

  it('takes an identity check’s citizen ID only with the outcome identified, and keeps it under personal', () => {
    spec
      .given(history(ROW))
      .when(submit({ outcome: 'identified' }, { citizenId: '11010519491231002x' }))
      .thenEvents(([event]) => {
        const data = event.data as { personal: { citizenId: string }; finding: unknown };
        expect(data.personal.citizenId).toBe('11010519491231002X');
        expect(JSON.stringify({ ...data, personal: undefined })).not.toContain('11010519491231002');
      });
    spec
      .given(history(ROW))
      .when(submit({ outcome: 'identified' }, { citizenId: '110105194912310021' }))
      .thenThrows('INVALID_SURVEY_FIELD');
    spec
      .given(history(ROW))
      .when(submit({ outcome: 'enrolled-now', enrollments: [] }))
      .thenThrows('INVALID_SURVEY_FIELD');
    spec
      .given(history(PERSON))
      .when(submit({ outcome: 'refused' }, { citizenId: '11010519491231002X' }))
      .thenThrows('INVALID_SURVEY_FIELD');
  });

  it('normalises identity corrections and refuses fields a survey may not correct', () => {
    spec
      .given(history(PERSON))
      .when(submit({ outcome: 'refused' }, { corrections: { name: ' 王　小明 ' } }))
      .thenEvents(([event]) => expect((event.data as { personal: unknown }).personal).toEqual({ corrections: { name: '王 小明' } }));
    spec
      .given(history(PERSON))
      .when(submit({ outcome: 'refused' }, { corrections: { householdRegion: '440106001' } }))
      .thenThrows('INVALID_SURVEY_FIELD');
    spec
      .given(history(PERSON))
      .when(submit({ outcome: 'refused' }, { corrections: {} }))
      .thenThrows('INVALID_SURVEY_FIELD');
    spec
      .given(history(ROW))
      .when(submit({ outcome: 'refused' }, { corrections: { name: '王' } }))
      .thenThrows('INVALID_SURVEY_FIELD');
  });
});
