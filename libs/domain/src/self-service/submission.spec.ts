import { DeciderSpecification } from '../testing/decider-spec';
import { SubmissionFacts, SubmissionEvent, submissionDecider } from './submission';
import { submissionIdFor, submissionStreamName } from './self-service-streams';

const spec = DeciderSpecification.for(submissionDecider);

const facts: SubmissionFacts = {
  submissionId: submissionIdFor('website-client', 'WEB-1'),
  channel: 'website',
  client: 'website-client',
  clientSubmissionId: 'WEB-1',
  fingerprint: 'f1',
  residenceRegion: '440305001',
  county: '440305',
  personId: 'p_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  intendedInsuranceType: '390',
  employment: 'flexible',
  currentlyInsured: false,
  uninsuredReason: 'unaware',
  verificationId: 'pv_1',
  submittedAt: '2025-03-01T02:00:00.000Z',
  personal: { citizenId: '440305199001011234', name: '王小明', phone: '13800138000' },
};
const submitted: SubmissionEvent = { type: 'SelfServiceRegistrationSubmitted', data: facts };
const approve = {
  type: 'ApproveRegistration' as const,
  data: { reviewer: 'county-1', approvedAt: '2025-03-02T02:00:00.000Z', personId: facts.personId, recorded: ['PersonRegistered'] },
};
const start = (reviewer = 'county-1', startedAt = '2025-03-02T01:59:00.000Z') => ({
  type: 'StartApproval' as const,
  data: { reviewer, startedAt, personId: facts.personId },
});
const started = (attempt = 1, reviewer = 'county-1', startedAt = '2025-03-02T01:59:00.000Z'): SubmissionEvent => ({
  type: 'SelfServiceApprovalStarted',
  data: { reviewer, startedAt, personId: facts.personId, attempt },
});
const release = (code = 'PERSON_DECEASED') => ({
  type: 'ReleaseApproval' as const,
  data: { reviewer: 'county-1', releasedAt: '2025-03-02T02:00:01.000Z', code },
});
const released = (attempt = 1, code = 'PERSON_DECEASED'): SubmissionEvent => ({
  type: 'SelfServiceApprovalReleased',
  data: { reviewer: 'county-1', releasedAt: '2025-03-02T02:00:01.000Z', attempt, code },
});
const approved: SubmissionEvent = { type: 'SelfServiceRegistrationApproved', data: approve.data };
const reject = (reason: string) => ({
  type: 'RejectRegistration' as const,
  data: { reviewer: 'county-1', rejectedAt: '2025-03-02T02:00:00.000Z', personal: { reason } },
});

describe('self-service submission', () => {
  it('records a submission', () => {
    spec.given([]).when({ type: 'SubmitRegistration', data: facts }).then([submitted]);
  });

  it('records nothing when the client sends the same submission again', () => {
    spec
      .given([submitted])
      .when({ type: 'SubmitRegistration', data: { ...facts, submittedAt: '2025-03-01T03:00:00.000Z' } })
      .then([]);
  });

  it('refuses another body under a submission id already used', () => {
    spec
      .given([submitted])
      .when({ type: 'SubmitRegistration', data: { ...facts, fingerprint: 'f2' } })
      .thenThrows('SUBMISSION_ALREADY_RECEIVED');
  });

  it('needs a reason from a citizen who says they are not insured', () => {
    const { uninsuredReason: _omitted, ...withoutReason } = facts;
    spec.given([]).when({ type: 'SubmitRegistration', data: withoutReason }).thenThrows('UNINSURED_REASON_REQUIRED');
    spec
      .given([])
      .when({ type: 'SubmitRegistration', data: { ...withoutReason, currentlyInsured: true } })
      .thenEvents((events) => expect(events.map((e) => e.type)).toEqual(['SelfServiceRegistrationSubmitted']));
  });

  it('claims a pending submission for approval, then completes the claim once', () => {
    spec
      .given([submitted])
      .when(start())
      .then([started(1)]);
    spec
      .given([submitted, started(1)])
      .when(approve)
      .then([approved]);
    spec
      .given([submitted, started(1), approved])
      .when(start())
      .thenThrows('SUBMISSION_ALREADY_DECIDED');
    const state = [submitted, started(1)].reduce(submissionDecider.evolve, submissionDecider.initialState());
    expect(state).toMatchObject({ status: 'approving', attempt: 1, reviewer: 'county-1', startedAt: '2025-03-02T01:59:00.000Z' });
  });

  it('takes a claim already held as it is: an interrupted approval is resumed, dated by the first claim', () => {
    spec
      .given([submitted, started(1)])
      .when(start('county-2', '2025-03-09T00:00:00.000Z'))
      .then([]);
    // An approval that ran beside this one completed it: completing again records nothing.
    spec
      .given([submitted, started(1), approved])
      .when(approve)
      .then([]);
  });

  it('completes only an approval that holds a claim', () => {
    spec.given([submitted]).when(approve).thenThrows('SUBMISSION_APPROVAL_NOT_STARTED');
    spec
      .given([submitted, started(1), released(1)])
      .when(approve)
      .thenThrows('SUBMISSION_APPROVAL_NOT_STARTED');
    spec
      .given([submitted, { type: 'SelfServiceRegistrationRejected', data: reject('原因').data }])
      .when(approve)
      .thenThrows('SUBMISSION_ALREADY_DECIDED');
  });

  it('refuses a rejection while an approval holds the claim, and refuses the claim after a rejection', () => {
    spec
      .given([submitted, started(1)])
      .when(reject('原因'))
      .thenThrows('SUBMISSION_APPROVAL_IN_PROGRESS');
    spec
      .given([submitted, { type: 'SelfServiceRegistrationRejected', data: reject('原因').data }])
      .when(start())
      .thenThrows('SUBMISSION_ALREADY_DECIDED');
    spec
      .given([submitted, started(1), approved])
      .when(reject('原因'))
      .thenThrows('SUBMISSION_ALREADY_DECIDED');
  });

  it('releases a claim the person’s commands were refused for back to pending, with the code', () => {
    spec
      .given([submitted, started(1)])
      .when(release('PERSON_DECEASED'))
      .then([released(1, 'PERSON_DECEASED')]);
    const state = [submitted, started(1), released(1)].reduce(submissionDecider.evolve, submissionDecider.initialState());
    expect(state).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastRefusal: { code: 'PERSON_DECEASED', reviewer: 'county-1', releasedAt: '2025-03-02T02:00:01.000Z' },
    });
    // Back in the queue: the reviewer rejects it, or tries again (the next claim is attempt 2).
    spec
      .given([submitted, started(1), released(1)])
      .when(reject('已死亡'))
      .thenEvents((events) => expect(events.map((e) => e.type)).toEqual(['SelfServiceRegistrationRejected']));
    spec
      .given([submitted, started(1), released(1)])
      .when(start())
      .then([started(2)]);
    spec
      .given([submitted, started(1), released(1), started(2)])
      .when(release('HOUSEHOLD_CANCELLED'))
      .then([released(2, 'HOUSEHOLD_CANCELLED')]);
  });

  it('releases only a claim that is held', () => {
    spec.given([]).when(release()).thenThrows('SUBMISSION_NOT_FOUND');
    spec.given([submitted]).when(release()).thenThrows('SUBMISSION_APPROVAL_NOT_STARTED');
    spec
      .given([submitted, started(1), released(1)])
      .when(release())
      .thenThrows('SUBMISSION_APPROVAL_NOT_STARTED');
    spec
      .given([submitted, started(1), approved])
      .when(release())
      .thenThrows('SUBMISSION_ALREADY_DECIDED');
  });

  it('rejects with a reason the citizen can read, kept under personal', () => {
    spec
      .given([submitted])
      .when(reject('  居住地址与户籍不符，请到大厅办理  '))
      .then([
        {
          type: 'SelfServiceRegistrationRejected',
          data: { reviewer: 'county-1', rejectedAt: '2025-03-02T02:00:00.000Z', personal: { reason: '居住地址与户籍不符，请到大厅办理' } },
        },
      ]);
  });

  it('refuses a rejection without a reason, and any decision on an unknown or decided submission', () => {
    spec.given([submitted]).when(reject('   ')).thenThrows('REJECTION_REASON_REQUIRED');
    spec.given([]).when(reject('原因')).thenThrows('SUBMISSION_NOT_FOUND');
    spec.given([]).when(approve).thenThrows('SUBMISSION_NOT_FOUND');
    spec.given([]).when(start()).thenThrows('SUBMISSION_NOT_FOUND');
    spec
      .given([submitted, { type: 'SelfServiceRegistrationRejected', data: reject('原因').data }])
      .when(reject('又一个原因'))
      .thenThrows('SUBMISSION_ALREADY_DECIDED');
  });

  it('names streams by a hash of the client and its id, never by anything the citizen typed', () => {
    expect(submissionIdFor('website-client', 'WEB-1')).toMatch(/^ss_[a-z2-7]{26}$/);
    expect(submissionIdFor('website-client', 'WEB-1')).toBe(facts.submissionId);
    expect(submissionIdFor('mobile-client', 'WEB-1')).not.toBe(facts.submissionId);
    expect(submissionStreamName(facts.submissionId)).toBe(`self-service-${facts.submissionId}`);
    expect(() => submissionStreamName('440305199001011234')).toThrow();
  });
});
