import { DeciderSpecification } from '../testing/decider-spec';
import { SurveyTaskCommand } from './survey-commands';
import { createSurveyTaskDecider, foldSurveyTask } from './survey-decider';
import { SurveyFinding, SurveyTaskEvent } from './survey-events';
import { SurveySubject, surveyTaskIdFor, surveyTaskStreamName, surveyTaskIdFromStreamName, isSurveyTaskId } from './survey-stream';

const decider = createSurveyTaskDecider({ localProvince: '44' });
const spec = DeciderSpecification.for(decider);

const PERSON: SurveySubject = { kind: 'person', personId: 'p_abcdefghijklmnopqrstuvwxyz' };
const ROW: SurveySubject = { kind: 'identity-check', recordRef: `imp_${'a'.repeat(24)}:7` };
const TOWNSHIP = '440305001';
const ISSUED_AT = '2025-03-01T02:00:00.000Z';
const T1 = surveyTaskIdFor(PERSON, 1);

const issue = (over: Partial<Extract<SurveyTaskCommand, { type: 'IssueSurveyTask' }>['data']> = {}): SurveyTaskCommand => ({
  type: 'IssueSurveyTask',
  data: {
    taskId: T1,
    round: 1,
    subject: PERSON,
    region: TOWNSHIP,
    batchId: 'batch-1',
    origin: 'worklist',
    dueDate: '2025-03-31',
    issuedBy: 'township-op',
    basis: { personRevision: 3, coverageStatus: 'uninsured' },
    previous: null,
    occurredAt: ISSUED_AT,
    ...over,
  },
});

const issued: SurveyTaskEvent = {
  type: 'SurveyTaskIssued',
  data: {
    taskId: T1,
    round: 1,
    subject: PERSON,
    region: TOWNSHIP,
    batchId: 'batch-1',
    origin: 'worklist',
    dueDate: '2025-03-31',
    issuedBy: 'township-op',
    basis: { personRevision: 3, coverageStatus: 'uninsured' },
    occurredAt: ISSUED_AT,
  },
};
const assignedTo = (surveyor: string, at = '2025-03-02T01:00:00.000Z', previousSurveyor?: string): SurveyTaskEvent => ({
  type: 'SurveyTaskAssigned',
  data: { surveyor, assignedBy: 'township-op', ...(previousSurveyor && { previousSurveyor }), dueDate: '2025-03-31', occurredAt: at },
});
const REFUSED: SurveyFinding = { outcome: 'refused' };
const submitCommand = (
  resultId: string,
  surveyor = 'sv-1',
  finding: SurveyFinding = REFUSED,
  extra: Record<string, unknown> = {},
): SurveyTaskCommand => ({
  type: 'SubmitSurveyResult',
  data: {
    resultId,
    surveyor,
    visitedAt: '2025-03-05T09:30:00+08:00',
    finding,
    evidence: [{ documentId: 'doc-1', type: 'signed-statement', sha256: 'ab'.repeat(32) }],
    occurredAt: '2025-03-05T08:00:00.000Z',
    ...extra,
  },
});
const submitted = (resultId: string, surveyor = 'sv-1', finding: SurveyFinding = REFUSED): SurveyTaskEvent =>
  decider.decide(submitCommand(resultId, surveyor, finding), foldSurveyTask([issued, assignedTo(surveyor)]))[0];
const returned = (resultId: string): SurveyTaskEvent => ({
  type: 'SurveyResultReturned',
  data: { resultId, returnedBy: 'county-op', occurredAt: '2025-03-06T00:00:00.000Z', personal: { reason: '证明材料不清晰' } },
});
const approve = (resultId: string): SurveyTaskCommand => ({
  type: 'ApproveSurveyResult',
  data: { resultId, approvedBy: 'county-op', recorded: [], occurredAt: '2025-03-07T00:00:00.000Z' },
});
const start = (resultId: string, approvedBy = 'county-op', occurredAt = '2025-03-06T23:59:00.000Z'): SurveyTaskCommand => ({
  type: 'StartSurveyApproval',
  data: { resultId, approvedBy, occurredAt },
});
const started = (resultId: string, attempt = 1, approvedBy = 'county-op', occurredAt = '2025-03-06T23:59:00.000Z'): SurveyTaskEvent => ({
  type: 'SurveyApprovalStarted',
  data: { resultId, approvedBy, attempt, occurredAt },
});
const release = (resultId: string, code = 'PERSON_DECEASED'): SurveyTaskCommand => ({
  type: 'ReleaseSurveyApproval',
  data: { resultId, releasedBy: 'county-op', code, occurredAt: '2025-03-07T00:00:01.000Z' },
});
const released = (resultId: string, attempt = 1, code = 'PERSON_DECEASED'): SurveyTaskEvent => ({
  type: 'SurveyApprovalReleased',
  data: { resultId, releasedBy: 'county-op', attempt, code, occurredAt: '2025-03-07T00:00:01.000Z' },
});
const personChange = (change: 'enrolled' | 'deceased' | 'moved' | 'household-cancelled', toRegion?: string): SurveyTaskCommand => ({
  type: 'CancelSurveyTaskForPersonChange',
  data: {
    change,
    ...(toRegion && { toRegion }),
    personEvent: { id: 'evt-1', type: 'EnrollmentRecorded', revision: 4 },
    occurredAt: '2025-03-04T00:00:00.000Z',
  },
});
const cancelled: SurveyTaskEvent = {
  type: 'SurveyTaskCancelled',
  data: { cause: 'operator', cancelledBy: 'county-op', occurredAt: '2025-03-03T00:00:00.000Z', personal: { reason: '重复任务' } },
};

describe('task ids and streams', () => {
  it('derives one id per subject and round, and names the stream after it', () => {
    expect(surveyTaskIdFor(PERSON, 1)).toBe(T1);
    expect(surveyTaskIdFor(PERSON, 2)).not.toBe(T1);
    expect(surveyTaskIdFor(ROW, 1)).not.toBe(T1);
    expect(isSurveyTaskId(T1)).toBe(true);
    expect(surveyTaskIdFromStreamName(surveyTaskStreamName(T1))).toBe(T1);
    expect(surveyTaskIdFromStreamName(`person-${PERSON.personId}`)).toBeUndefined();
  });
});

describe('issuing', () => {
  it('issues round 1 of a subject, and assigns at once when told to', () => {
    spec.given([]).when(issue()).then([issued]);
    spec
      .given([])
      .when(issue({ surveyor: 'sv-1' }))
      .then([{ type: 'SurveyTaskIssued', data: { ...issued.data, surveyor: 'sv-1' } } as SurveyTaskEvent]);
    const state = foldSurveyTask([{ type: 'SurveyTaskIssued', data: { ...issued.data, surveyor: 'sv-1' } } as SurveyTaskEvent]);
    expect(state.status).toBe('assigned');
    if (state.status !== 'unissued') {
      expect(state.task.assignments).toEqual([{ surveyor: 'sv-1', assignedBy: 'township-op', at: ISSUED_AT, dueDate: '2025-03-31' }]);
    }
  });

  it('issues nothing when the same batch is sent again, and refuses another batch the same round', () => {
    spec.given([issued]).when(issue()).then([]);
    spec
      .given([issued])
      .when(issue({ batchId: 'batch-2' }))
      .thenThrows('SURVEY_TASK_ALREADY_ISSUED');
  });

  it('issues round 2 only once round 1 is final', () => {
    const round2 = (status: 'open' | 'assigned' | 'submitted' | 'returned' | 'approved' | 'cancelled') =>
      issue({ taskId: surveyTaskIdFor(PERSON, 2), round: 2, batchId: 'batch-2', previous: { taskId: T1, status } });
    for (const status of ['open', 'assigned', 'submitted', 'returned'] as const) {
      spec.given([]).when(round2(status)).thenThrows('SURVEY_TASK_ALREADY_OPEN');
    }
    for (const status of ['approved', 'cancelled'] as const) {
      spec
        .given([])
        .when(round2(status))
        .thenEvents((events) =>
          expect(events.map((e) => [e.type, (e.data as { round: number }).round])).toEqual([['SurveyTaskIssued', 2]]),
        );
    }
    // The previous task must be the subject's round before, and round 1 has none.
    spec
      .given([])
      .when(issue({ taskId: surveyTaskIdFor(PERSON, 2), round: 2, previous: { taskId: surveyTaskIdFor(ROW, 1), status: 'approved' } }))
      .thenThrows('INVALID_SURVEY_FIELD');
    spec
      .given([])
      .when(issue({ previous: { taskId: T1, status: 'approved' } }))
      .thenThrows('INVALID_SURVEY_FIELD');
  });

  it.each([
    ['a task id that is not the subject round’s', { taskId: surveyTaskIdFor(PERSON, 3) }],
    ['a county instead of a township', { region: '440305' }],
    ['a due date before the day of issue', { dueDate: '2025-02-28' }],
    ['an impossible due date', { dueDate: '2025-02-30' }],
    ['a malformed person id', { subject: { kind: 'person', personId: 'someone' } }],
    ['a batch id with spaces', { batchId: 'my batch' }],
  ] as Array<[string, Partial<Extract<SurveyTaskCommand, { type: 'IssueSurveyTask' }>['data']>]>)('refuses %s', (_label, over) => {
    spec.given([]).when(issue(over)).thenThrows('INVALID_SURVEY_FIELD');
  });

  it('keeps no subject field the command does not define', () => {
    const sneaky = { kind: 'person', personId: PERSON.personId, name: '张三' } as unknown as SurveySubject;
    spec
      .given([])
      .when(issue({ subject: sneaky }))
      .thenEvents(([event]) => expect(JSON.stringify(event)).not.toContain('张三'));
  });
});

describe('assignment and reassignment', () => {
  it('assigns, reassigns with the previous surveyor named, and keeps the history', () => {
    spec
      .given([issued])
      .when({ type: 'AssignSurveyTask', data: { surveyor: 'sv-1', assignedBy: 'township-op', occurredAt: '2025-03-02T01:00:00.000Z' } })
      .then([assignedTo('sv-1')]);
    spec
      .given([issued, assignedTo('sv-1')])
      .when({
        type: 'AssignSurveyTask',
        data: { surveyor: 'sv-2', assignedBy: 'township-op', dueDate: '2025-04-15', occurredAt: '2025-03-03T00:00:00.000Z' },
      })
      .then([
        {
          type: 'SurveyTaskAssigned',
          data: {
            surveyor: 'sv-2',
            assignedBy: 'township-op',
            previousSurveyor: 'sv-1',
            dueDate: '2025-04-15',
            occurredAt: '2025-03-03T00:00:00.000Z',
          },
        },
      ]);
    const state = foldSurveyTask([issued, assignedTo('sv-1'), assignedTo('sv-2', '2025-03-03T00:00:00.000Z', 'sv-1')]);
    expect(state.status).toBe('assigned');
    if (state.status === 'unissued') throw new Error('issued');
    expect(state.task.surveyor).toBe('sv-2');
    expect(state.task.assignments.map((a) => a.surveyor)).toEqual(['sv-1', 'sv-2']);
  });

  it('changes nothing when the holder is assigned again, and refuses while a result waits for review or once final', () => {
    const again: SurveyTaskCommand = {
      type: 'AssignSurveyTask',
      data: { surveyor: 'sv-1', assignedBy: 'x', occurredAt: '2025-03-03T00:00:00.000Z' },
    };
    spec
      .given([issued, assignedTo('sv-1')])
      .when(again)
      .then([]);
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when(again)
      .thenThrows('SURVEY_TASK_UNDER_REVIEW');
    spec.given([issued, cancelled]).when(again).thenThrows('SURVEY_TASK_ALREADY_FINAL');
    spec.given([]).when(again).thenThrows('SURVEY_TASK_NOT_FOUND');
  });
});

describe('results', () => {
  it('records a result of the assigned surveyor with its evidence references, and nothing when the same id comes again', () => {
    spec
      .given([issued, assignedTo('sv-1')])
      .when(submitCommand('r-1'))
      .thenEvents((events) => {
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          type: 'SurveyResultSubmitted',
          data: {
            resultId: 'r-1',
            surveyor: 'sv-1',
            finding: { outcome: 'refused' },
            evidence: [{ documentId: 'doc-1', type: 'signed-statement' }],
          },
        });
      });
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when(submitCommand('r-1'))
      .then([]);
    // A resend after the result was approved, returned or set aside changes nothing either.
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), returned('r-1')])
      .when(submitCommand('r-1'))
      .then([]);
  });

  it('refuses a second result while one waits for review: nothing is overwritten', () => {
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when(submitCommand('r-2'))
      .thenThrows('SURVEY_RESULT_ALREADY_SUBMITTED');
  });

  it('keeps a result that arrives after the task became final, or from a surveyor reassigned meanwhile, without acting on it', () => {
    spec
      .given([issued, assignedTo('sv-1'), cancelled])
      .when(submitCommand('r-late'))
      .thenEvents(([event]) =>
        expect(event).toMatchObject({ type: 'SurveyResultSetAside', data: { resultId: 'r-late', why: 'task-final' } }),
      );
    spec
      .given([issued, assignedTo('sv-1'), assignedTo('sv-2', '2025-03-03T00:00:00.000Z', 'sv-1')])
      .when(submitCommand('r-old', 'sv-1'))
      .thenEvents(([event]) => expect(event).toMatchObject({ type: 'SurveyResultSetAside', data: { why: 'reassigned' } }));
    const state = foldSurveyTask([
      issued,
      assignedTo('sv-1'),
      cancelled,
      ...decider.decide(submitCommand('r-late'), foldSurveyTask([issued, assignedTo('sv-1'), cancelled])),
    ]);
    expect(state.status).toBe('cancelled');
    if (state.status !== 'unissued') expect(state.task.results.map((r) => [r.resultId, r.setAside])).toEqual([['r-late', 'task-final']]);
  });

  it('refuses a result from a surveyor the task was never assigned to', () => {
    spec
      .given([issued, assignedTo('sv-1')])
      .when(submitCommand('r-1', 'sv-9'))
      .thenThrows('SURVEY_TASK_NOT_ASSIGNED');
  });

  it('keeps the note and identity corrections under personal, and lists only their names in clear', () => {
    spec
      .given([issued, assignedTo('sv-1')])
      .when(submitCommand('r-1', 'sv-1', REFUSED, { note: '户主称已在深圳务工', corrections: { name: '王小明', phone: '13800138000' } }))
      .thenEvents(([event]) => {
        const { personal, ...clear } = event.data as Record<string, unknown>;
        expect(personal).toEqual({ note: '户主称已在深圳务工', corrections: { name: '王小明', phone: '13800138000' } });
        expect(clear.personalFields).toEqual(['note', 'corrections']);
        expect(JSON.stringify(clear)).not.toMatch(/王小明|13800138000|深圳务工/);
      });
  });
});

describe('review: return and approval', () => {
  it('returns a result with a reason the surveyor sees, and takes a new result afterwards', () => {
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when({ type: 'ReturnSurveyResult', data: { returnedBy: 'county-op', reason: ' ', occurredAt: '2025-03-06T00:00:00.000Z' } })
      .thenThrows('SURVEY_REASON_REQUIRED');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when({
        type: 'ReturnSurveyResult',
        data: { resultId: 'r-1', returnedBy: 'county-op', reason: '证明材料不清晰', occurredAt: '2025-03-06T00:00:00.000Z' },
      })
      .then([returned('r-1')]);
    const state = foldSurveyTask([issued, assignedTo('sv-1'), submitted('r-1'), returned('r-1')]);
    expect(state.status).toBe('returned');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), returned('r-1')])
      .when(submitCommand('r-2'))
      .thenEvents(([event]) => expect(event).toMatchObject({ type: 'SurveyResultSubmitted', data: { resultId: 'r-2' } }));
  });

  it('claims the result waiting for review, then approves it with its outcome; a repeated approval records nothing', () => {
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when(start('r-1'))
      .then([started('r-1')]);
    const claimed = foldSurveyTask([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')]);
    expect(claimed).toMatchObject({
      status: 'submitted',
      task: { pendingResultId: 'r-1', approvalClaim: { resultId: 'r-1', approvedBy: 'county-op', attempt: 1 } },
    });
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')])
      .when(approve('r-1'))
      .then([
        {
          type: 'SurveyResultApproved',
          data: { resultId: 'r-1', approvedBy: 'county-op', outcome: 'refused', recorded: [], occurredAt: '2025-03-07T00:00:00.000Z' },
        },
      ]);
    const approved = decider.decide(approve('r-1'), claimed);
    const after = foldSurveyTask([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), ...approved]);
    expect(after.status).toBe('approved');
    expect(after.status !== 'unissued' && after.task.approvalClaim).toBeUndefined();
    for (const repeat of [approve('r-1'), start('r-1')]) {
      spec
        .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), ...approved])
        .when(repeat)
        .then([]);
    }
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), ...approved])
      .when(approve('r-2'))
      .thenThrows('SURVEY_TASK_ALREADY_FINAL');
  });

  it('completes only an approval that holds the claim, and takes a claim already held as it is (an interrupted approval resumed)', () => {
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when(approve('r-1'))
      .thenThrows('SURVEY_APPROVAL_NOT_STARTED');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), released('r-1')])
      .when(approve('r-1'))
      .thenThrows('SURVEY_APPROVAL_NOT_STARTED');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')])
      .when(start('r-1', 'county-op-2', '2025-03-09T00:00:00.000Z'))
      .then([]);
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')])
      .when(start('r-0'))
      .thenThrows('SURVEY_RESULT_NOT_PENDING');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), returned('r-1')])
      .when(start('r-1'))
      .thenThrows('SURVEY_RESULT_NOT_SUBMITTED');
    spec.given([issued, cancelled]).when(start('r-1')).thenThrows('SURVEY_TASK_ALREADY_FINAL');
  });

  it('refuses a return or an operator’s cancellation while an approval holds the claim', () => {
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')])
      .when({
        type: 'ReturnSurveyResult',
        data: { resultId: 'r-1', returnedBy: 'county-op', reason: '证明材料不清晰', occurredAt: '2025-03-06T00:00:00.000Z' },
      })
      .thenThrows('SURVEY_APPROVAL_IN_PROGRESS');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')])
      .when({ type: 'CancelSurveyTask', data: { cancelledBy: 'county-op', reason: '重复任务', occurredAt: '2025-03-06T00:00:00.000Z' } })
      .thenThrows('SURVEY_APPROVAL_IN_PROGRESS');
    // The registry's cancellation leaves a task waiting for review alone, claimed or not.
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')])
      .when(personChange('enrolled'))
      .then([]);
  });

  it('releases a claim whose person commands were refused, with the code: the result waits for review again', () => {
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')])
      .when(release('r-1'))
      .then([released('r-1')]);
    const state = foldSurveyTask([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), released('r-1')]);
    expect(state).toMatchObject({
      status: 'submitted',
      task: {
        pendingResultId: 'r-1',
        approvalAttempts: 1,
        approvalRefusal: { resultId: 'r-1', code: 'PERSON_DECEASED', releasedBy: 'county-op', at: '2025-03-07T00:00:01.000Z' },
      },
    });
    expect(state.status !== 'unissued' && state.task.approvalClaim).toBeUndefined();
    // Back with the reviewer: returned, or claimed again (attempt 2), or cancelled.
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), released('r-1')])
      .when({ type: 'ReturnSurveyResult', data: { returnedBy: 'county-op', reason: '已死亡', occurredAt: '2025-03-08T00:00:00.000Z' } })
      .thenEvents(([e]) => expect(e.type).toBe('SurveyResultReturned'));
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), released('r-1')])
      .when(start('r-1', 'county-op', '2025-03-08T00:00:00.000Z'))
      .then([started('r-1', 2, 'county-op', '2025-03-08T00:00:00.000Z')]);
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), released('r-1'), started('r-1', 2)])
      .when(release('r-1', 'HOUSEHOLD_CANCELLED'))
      .then([released('r-1', 2, 'HOUSEHOLD_CANCELLED')]);
  });

  it('releases only a claim that is held, with a code', () => {
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when(release('r-1'))
      .thenThrows('SURVEY_APPROVAL_NOT_STARTED');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), released('r-1')])
      .when(release('r-1'))
      .thenThrows('SURVEY_APPROVAL_NOT_STARTED');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')])
      .when(release('r-0'))
      .thenThrows('SURVEY_APPROVAL_NOT_STARTED');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1')])
      .when(release('r-1', 'the person died'))
      .thenThrows('INVALID_SURVEY_FIELD');
    const approved: SurveyTaskEvent = {
      type: 'SurveyResultApproved',
      data: { resultId: 'r-1', approvedBy: 'county-op', outcome: 'refused', recorded: [], occurredAt: '2025-03-07T00:00:00.000Z' },
    };
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), started('r-1'), approved])
      .when(release('r-1'))
      .thenThrows('SURVEY_TASK_ALREADY_FINAL');
  });

  it('refuses to review a task without a pending result, or another result than the pending one', () => {
    spec
      .given([issued, assignedTo('sv-1')])
      .when(approve('r-1'))
      .thenThrows('SURVEY_RESULT_NOT_SUBMITTED');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1'), returned('r-1')])
      .when(approve('r-1'))
      .thenThrows('SURVEY_RESULT_NOT_SUBMITTED');
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when(approve('r-0'))
      .thenThrows('SURVEY_RESULT_NOT_PENDING');
  });
});

describe('cancellation', () => {
  it('cancels by an operator with a reason, kept under personal; refuses a final task', () => {
    const cancel = (reason: string): SurveyTaskCommand => ({
      type: 'CancelSurveyTask',
      data: { cancelledBy: 'county-op', reason, occurredAt: '2025-03-03T00:00:00.000Z' },
    });
    spec.given([issued]).when(cancel('重复任务')).then([cancelled]);
    spec.given([issued]).when(cancel('')).thenThrows('SURVEY_REASON_REQUIRED');
    spec.given([issued, cancelled]).when(cancel('again')).thenThrows('SURVEY_TASK_ALREADY_FINAL');
  });

  it('cancels a task waiting for its visit when the person changes, with the cause and the event kept', () => {
    for (const given of [[issued], [issued, assignedTo('sv-1')], [issued, assignedTo('sv-1'), submitted('r-1'), returned('r-1')]]) {
      spec
        .given(given)
        .when(personChange('enrolled'))
        .then([
          {
            type: 'SurveyTaskCancelled',
            data: {
              cause: 'person-enrolled',
              cancelledBy: 'registry',
              personEvent: { id: 'evt-1', type: 'EnrollmentRecorded', revision: 4 },
              occurredAt: '2025-03-04T00:00:00.000Z',
            },
          },
        ]);
    }
    spec
      .given([issued])
      .when(personChange('deceased'))
      .thenEvents(([e]) => expect(e.data).toMatchObject({ cause: 'person-deceased' }));
    spec
      .given([issued])
      .when(personChange('household-cancelled'))
      .thenEvents(([e]) => expect(e.data).toMatchObject({ cause: 'household-cancelled' }));
    spec
      .given([issued])
      .when(personChange('moved', '440106001'))
      .thenEvents(([e]) => expect(e.data).toMatchObject({ cause: 'person-moved' }));
  });

  it('leaves a task alone once its result is in or it is final, for a move inside its township, and when the change is seen again', () => {
    spec
      .given([issued, assignedTo('sv-1'), submitted('r-1')])
      .when(personChange('deceased'))
      .then([]);
    spec.given([issued, cancelled]).when(personChange('enrolled')).then([]);
    spec.given([issued]).when(personChange('moved', '440305001003')).then([]);
    spec.given([]).when(personChange('enrolled')).then([]);
    const once = decider.decide(personChange('enrolled'), foldSurveyTask([issued]));
    spec
      .given([issued, ...once])
      .when(personChange('enrolled'))
      .then([]);
  });
});
