import { DeciderSpecification } from '../testing/decider-spec';
import {
  CodeFacts,
  PhoneVerificationEvent,
  createPhoneVerificationDecider,
  evolvePhoneVerification,
  hasVerifiedProof,
} from './phone-verification';
import { RetryLaterError } from './self-service-errors';
import { normaliseMobilePhone } from './self-service-codes';

const decider = createPhoneVerificationDecider();
const spec = DeciderSpecification.for(decider);

const T0 = Date.parse('2025-03-01T02:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const facts = (verificationId: string): CodeFacts => ({
  verificationId,
  codeHash: `hash-of-${verificationId}-123456`,
  subjectKey: 'subject-1',
  purpose: 'registration',
  channel: 'website',
  client: 'website-client',
});
const issue = (verificationId: string, ms: number) => ({
  type: 'IssueVerificationCode' as const,
  data: { ...facts(verificationId), at: at(ms) },
});
const issued = (verificationId: string, ms: number): PhoneVerificationEvent => ({
  type: 'VerificationCodeIssued',
  data: { ...facts(verificationId), issuedAt: at(ms), expiresAt: at(ms + 5 * 60_000) },
});
const check = (verificationId: string, codeHash: string, ms: number) => ({
  type: 'CheckVerificationCode' as const,
  data: { verificationId, codeHash, at: at(ms) },
});
const rejected = (verificationId: string, ms: number, wrongTries: number): PhoneVerificationEvent => ({
  type: 'VerificationCodeRejected',
  data: { verificationId, at: at(ms), wrongTries, triesLeft: 5 - wrongTries },
});

describe('phone verification', () => {
  it('issues a code valid for five minutes', () => {
    spec
      .given([])
      .when(issue('v1', 0))
      .then([issued('v1', 0)]);
  });

  it('refuses a new code within 60 s of the last one, and says when to ask again', () => {
    spec
      .given([issued('v1', 0)])
      .when(issue('v2', 59_999))
      .thenThrows((e) => e instanceof RetryLaterError && e.code === 'CODE_RESEND_TOO_SOON' && e.retryAt === at(60_000));
    spec
      .given([issued('v1', 0)])
      .when(issue('v2', 60_000))
      .then([issued('v2', 60_000)]);
  });

  it('allows ten codes a day per phone', () => {
    const ten = Array.from({ length: 10 }, (_, i) => issued(`v${i}`, i * 120_000));
    spec
      .given(ten)
      .when(issue('v11', 10 * 120_000))
      .thenThrows('PHONE_CODE_LIMIT_REACHED');
    spec
      .given(ten)
      .when(issue('v11', 24 * 3600_000))
      .thenEvents((events) => expect(events.map((e) => e.type)).toEqual(['VerificationCodeIssued']));
  });

  it('verifies the matching code once and gives a proof bound to the citizen ID hash and purpose', () => {
    const verified: PhoneVerificationEvent = {
      type: 'PhoneVerified',
      data: { verificationId: 'v1', at: at(30_000), validUntil: at(30_000 + 30 * 60_000) },
    };
    spec
      .given([issued('v1', 0)])
      .when(check('v1', facts('v1').codeHash, 30_000))
      .then([verified]);
    // A retried check with the same code changes nothing.
    spec
      .given([issued('v1', 0), verified])
      .when(check('v1', facts('v1').codeHash, 40_000))
      .then([]);
    const state = [issued('v1', 0), verified].reduce(evolvePhoneVerification, decider.initialState());
    const proof = { verificationId: 'v1', subjectKey: 'subject-1', purpose: 'registration' as const };
    expect(hasVerifiedProof(state, proof, at(60_000))).toBe(true);
    expect(hasVerifiedProof(state, { ...proof, subjectKey: 'subject-2' }, at(60_000))).toBe(false);
    expect(hasVerifiedProof(state, { ...proof, purpose: 'status-query' }, at(60_000))).toBe(false);
    expect(hasVerifiedProof(state, proof, at(31 * 60_000))).toBe(false);
    // A newer code for the same phone leaves the proof standing.
    const later = evolvePhoneVerification(state, issued('v2', 120_000));
    expect(hasVerifiedProof(later, proof, at(130_000))).toBe(true);
  });

  it('records each wrong try, and the fifth voids the code and freezes the phone for 15 minutes', () => {
    spec
      .given([issued('v1', 0)])
      .when(check('v1', 'wrong', 1000))
      .then([rejected('v1', 1000, 1)]);
    const four = [issued('v1', 0), ...[1, 2, 3, 4].map((n) => rejected('v1', n * 1000, n))];
    spec
      .given(four)
      .when(check('v1', 'wrong', 5000))
      .then([
        rejected('v1', 5000, 5),
        { type: 'PhoneVerificationFrozen', data: { verificationId: 'v1', at: at(5000), until: at(5000 + 15 * 60_000) } },
      ]);
    const frozen = [
      ...four,
      rejected('v1', 5000, 5),
      {
        type: 'PhoneVerificationFrozen',
        data: { verificationId: 'v1', at: at(5000), until: at(5000 + 15 * 60_000) },
      } as PhoneVerificationEvent,
    ];
    // Even the right code is refused while frozen; so is a new code.
    spec
      .given(frozen)
      .when(check('v1', facts('v1').codeHash, 6000))
      .thenThrows('VERIFICATION_FROZEN');
    spec
      .given(frozen)
      .when(issue('v2', 14 * 60_000))
      .thenThrows('VERIFICATION_FROZEN');
    // After the freeze the voided code is gone; a new one can be asked for.
    spec
      .given(frozen)
      .when(check('v1', facts('v1').codeHash, 5000 + 15 * 60_000))
      .thenThrows('VERIFICATION_NOT_FOUND');
    spec
      .given(frozen)
      .when(issue('v2', 5000 + 15 * 60_000))
      .then([issued('v2', 5000 + 15 * 60_000)]);
  });

  it('refuses an expired code, an unknown verification and a code replaced by a newer one', () => {
    spec
      .given([issued('v1', 0)])
      .when(check('v1', facts('v1').codeHash, 5 * 60_000))
      .thenThrows('VERIFICATION_CODE_EXPIRED');
    spec
      .given([])
      .when(check('v1', facts('v1').codeHash, 1000))
      .thenThrows('VERIFICATION_NOT_FOUND');
    spec
      .given([issued('v1', 0), issued('v2', 60_000)])
      .when(check('v1', facts('v1').codeHash, 70_000))
      .thenThrows('VERIFICATION_NOT_FOUND');
  });

  it('accepts mainland mobile numbers in their usual spellings only', () => {
    expect(normaliseMobilePhone('138 0013 8000')).toBe('13800138000');
    expect(normaliseMobilePhone('+86 138-0013-8000')).toBe('13800138000');
    expect(normaliseMobilePhone('008613800138000')).toBe('13800138000');
    expect(normaliseMobilePhone('010-12345678')).toBeUndefined();
    expect(normaliseMobilePhone('12800138000')).toBeUndefined();
  });
});
