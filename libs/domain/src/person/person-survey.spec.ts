import { DeciderSpecification } from '../testing/decider-spec';
import { ref, registered } from '../testing/person-fixtures';
import { SurveyReference } from '../survey/survey-reference';
import { PersonCommand } from './person-commands';
import { createPersonDecider } from './person-decider';
import { PersonEvent, SourceRef } from './person-events';

const spec = DeciderSpecification.for(createPersonDecider());
const survey: SurveyReference = {
  taskId: 'st_0123456789abcdef01234567',
  resultId: 'r-1',
  outcome: 'deceased',
  evidence: [{ documentId: 'doc-9', type: 'death-certificate', sha256: 'e'.repeat(64) }],
};
const fromSurvey: SourceRef = { ...ref('survey', 'st_0123456789abcdef01234567/r-1#death', '2025-03-05T02:00:00Z'), survey };

describe('facts from an approved household survey', () => {
  it('keep the task, outcome and evidence references on the event', () => {
    spec
      .given([registered])
      .when({ type: 'RecordDeath', data: { ...fromSurvey, dateOfDeath: '2025-02-27' } })
      .then([{ type: 'DeathRecorded', data: { ...fromSurvey, dateOfDeath: '2025-02-27', corroborating: false } }]);
  });

  it('keep them on an operator correction a survey found necessary', () => {
    const command: PersonCommand = {
      type: 'CorrectRecord',
      data: { ...fromSurvey, source: 'operator', operatorId: 'county-op', reason: '入户调查核实', corrections: { name: '张三' } },
    };
    spec
      .given([registered])
      .when(command)
      .thenEvents(([event]) => expect(event.data).toMatchObject({ source: 'operator', survey }));
  });

  it('copy no other property of the reference into the event', () => {
    const sneaky = {
      ...survey,
      note: '邻居说已去世',
      evidence: [{ ...survey.evidence[0], bytes: 'JVBERi0=' }],
    } as unknown as SurveyReference;
    spec
      .given([registered])
      .when({ type: 'RecordDeath', data: { ...fromSurvey, survey: sneaky, dateOfDeath: '2025-02-27' } })
      .thenEvents(([event]) => expect(JSON.stringify(event)).not.toMatch(/邻居|JVBERi0/));
  });

  it('are refused where they contradict the registry, like any interactive channel', () => {
    const died: PersonEvent = {
      type: 'DeathRecorded',
      data: { ...ref('health', 'd-0', '2025-01-02T00:00:00Z'), dateOfDeath: '2025-01-01', corroborating: false },
    };
    spec
      .given([registered, died])
      .when({ type: 'RecordDeath', data: { ...fromSurvey, dateOfDeath: '2025-02-27' } })
      .thenThrows('PERSON_ALREADY_DECEASED');
    spec
      .given([registered, died])
      .when({
        type: 'RecordEnrollment',
        data: { ...fromSurvey, insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2025-03-01' },
      })
      .thenThrows('PERSON_DECEASED');
  });
});
