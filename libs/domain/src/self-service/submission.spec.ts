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

  it('approves a pending submission once', () => {
    spec
      .given([submitted])
      .when(approve)
      .then([{ type: 'SelfServiceRegistrationApproved', data: approve.data }]);
    spec
      .given([submitted, { type: 'SelfServiceRegistrationApproved', data: approve.data }])
      .when(approve)
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
    spec
      .given([submitted, { type: 'SelfServiceRegistrationRejected', data: reject('原因').data }])
      .when(approve)
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
