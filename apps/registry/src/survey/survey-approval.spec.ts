import { CitizenId, PersonCommand, SurveyFinding, createPersonDecider, foldPerson } from '@registry/domain';
import { registered } from '@registry/domain/testing/person-fixtures';
import { ApprovedResult, identifiedPersonCommands, surveyPersonCommands } from './survey-approval';

const TASK = 'st_0123456789abcdef01234567';
const evidence = [{ documentId: 'doc-1', type: 'photo', sha256: 'f'.repeat(64) }];
const approved = (finding: SurveyFinding, personal: ApprovedResult['personal'] = {}): ApprovedResult => ({
  taskId: TASK,
  resultId: 'r-9',
  visitedAt: '2025-03-05T10:00:00+08:00',
  finding,
  evidence,
  personal,
});
const summary = (commands: PersonCommand[]) => commands.map((c) => [c.type, c.data.source, c.data.sourceRecordId]);

describe('what an approved result does to the person', () => {
  it.each<[string, SurveyFinding, Array<[string, string, string]>]>([
    [
      'enrolled now: an enrolment per type, in this province',
      {
        outcome: 'enrolled-now',
        enrollments: [
          { insuranceType: '390', since: '2025-03-05', region: '440305001' },
          { insuranceType: '170', since: '2025-03-05', region: '440305' },
        ],
      },
      [
        ['RecordEnrollment', 'survey', `${TASK}/r-9#enrolment-390`],
        ['RecordEnrollment', 'survey', `${TASK}/r-9#enrolment-170`],
      ],
    ],
    [
      'insured elsewhere: the other province’s enrolment',
      { outcome: 'insured-elsewhere', enrollments: [{ insuranceType: '110', since: '2019-01-01', provinceCode: '32' }] },
      [['RecordEnrollment', 'survey', `${TASK}/r-9#enrolment-110`]],
    ],
    ['deceased: a death', { outcome: 'deceased', dateOfDeath: '2025-02-27' }, [['RecordDeath', 'survey', `${TASK}/r-9#death`]]],
    [
      'moved away: a household move',
      { outcome: 'moved-away', destination: { scope: 'out-of-province', toProvince: '11' } },
      [['MoveHousehold', 'survey', `${TASK}/r-9#move`]],
    ],
    [
      'military service: an exemption',
      { outcome: 'military-service', since: '2024-09-01' },
      [['RecordExemption', 'survey', `${TASK}/r-9#exemption`]],
    ],
    [
      'imprisoned: an exemption until release',
      { outcome: 'imprisoned', since: '2022-01-01', until: '2027-01-01' },
      [['RecordExemption', 'survey', `${TASK}/r-9#exemption`]],
    ],
    ['refused: nothing', { outcome: 'refused' }, []],
    ['not found: nothing', { outcome: 'not-found', visitDates: ['2025-03-01', '2025-03-02', '2025-03-03'] }, []],
    ['studying or working elsewhere: nothing', { outcome: 'studying-or-working-elsewhere', provinceCode: '31' }, []],
    ['other: nothing', { outcome: 'other' }, []],
  ])('%s', (_label, finding, expected) => {
    const commands = surveyPersonCommands(approved(finding), 'county-op', '44');
    expect(summary(commands)).toEqual(expected);
    for (const c of commands) expect(c.data.survey).toEqual({ taskId: TASK, resultId: 'r-9', outcome: finding.outcome, evidence });
    if (finding.outcome === 'enrolled-now')
      expect(commands.map((c) => (c.data as { provinceCode: string }).provinceCode)).toEqual(['44', '44']);
  });

  it('corrects identity values first, as an operator correction by the reviewer that names the task, then applies the outcome', () => {
    const commands = surveyPersonCommands(approved({ outcome: 'refused' }, { corrections: { name: '张三丰' } }), 'county-op', '44');
    expect(summary(commands)).toEqual([['CorrectRecord', 'operator', `${TASK}/r-9#correction`]]);
    expect(commands[0].data).toMatchObject({ operatorId: 'county-op', corrections: { name: '张三丰' }, survey: { taskId: TASK } });
    const decider = createPersonDecider();
    const events = decider.decide(commands[0], foldPerson([registered]));
    expect(events[0]).toMatchObject({ type: 'RecordCorrected', data: { survey: { taskId: TASK, outcome: 'refused' } } });
  });

  it('registers the person an identity check identified, under the row’s region, as a survey fact', () => {
    const parsed = CitizenId.parse('11010519491231002X');
    if (!parsed.ok) throw new Error('fixture');
    const commands = identifiedPersonCommands(approved({ outcome: 'identified' }), parsed.value, {
      householdRegion: '440305001',
      name: '无证某',
    });
    expect(summary(commands)).toEqual([['RegisterPerson', 'survey', `${TASK}/r-9#person`]]);
    expect(commands[0].data).toMatchObject({ householdRegion: '440305001', name: '无证某', survey: { outcome: 'identified' } });
  });
});
