import { Decider, DomainEvent } from '../shared/decider';
import { SelfServiceChannel, VerificationPurpose } from './self-service-codes';
import {
  CodeResendTooSoonError,
  PhoneCodeLimitReachedError,
  VerificationCodeExpiredError,
  VerificationCodeInvalidError,
  VerificationFrozenError,
  VerificationNotFoundError,
} from './self-service-errors';

/**
 * The one-time codes of one mobile number (its stream is named by a keyed hash of the
 * number, never the number). A code is six digits, kept only as a keyed hash bound to its
 * verification id; it lives `codeTtlMs`; `maxWrongTries` wrong tries void it and freeze the
 * phone for `freezeMs`; a new code waits `resendAfterMs` after the last one, and a phone gets
 * at most `maxCodesPerDay` codes in any 24 hours. A verified code gives a proof, bound to the
 * citizen ID's keyed hash and the purpose, that a registration or status query may present
 * until `proofTtlMs` has passed. Times come in the commands.
 */
export interface PhoneVerificationRules {
  codeTtlMs: number;
  maxWrongTries: number;
  freezeMs: number;
  resendAfterMs: number;
  maxCodesPerDay: number;
  proofTtlMs: number;
}

export const DEFAULT_PHONE_VERIFICATION_RULES: PhoneVerificationRules = {
  codeTtlMs: 5 * 60_000,
  maxWrongTries: 5,
  freezeMs: 15 * 60_000,
  resendAfterMs: 60_000,
  maxCodesPerDay: 10,
  proofTtlMs: 30 * 60_000,
};

const DAY_MS = 24 * 3600_000;

export interface CodeFacts {
  readonly verificationId: string;
  /** Keyed hash of the verification id and the six digits. */
  readonly codeHash: string;
  /** Keyed hash of the citizen ID the code was asked for. */
  readonly subjectKey: string;
  readonly purpose: VerificationPurpose;
  readonly channel: SelfServiceChannel;
  readonly client: string;
}

export type IssueVerificationCode = DomainEvent<'IssueVerificationCode', CodeFacts & { readonly at: string }>;
export type CheckVerificationCode = DomainEvent<
  'CheckVerificationCode',
  { readonly verificationId: string; readonly codeHash: string; readonly at: string }
>;
export type PhoneVerificationCommand = IssueVerificationCode | CheckVerificationCode;

export type VerificationCodeIssued = DomainEvent<
  'VerificationCodeIssued',
  CodeFacts & { readonly issuedAt: string; readonly expiresAt: string }
>;
export type VerificationCodeRejected = DomainEvent<
  'VerificationCodeRejected',
  { readonly verificationId: string; readonly at: string; readonly wrongTries: number; readonly triesLeft: number }
>;
export type PhoneVerificationFrozen = DomainEvent<
  'PhoneVerificationFrozen',
  { readonly verificationId: string; readonly at: string; readonly until: string }
>;
export type PhoneVerified = DomainEvent<
  'PhoneVerified',
  { readonly verificationId: string; readonly at: string; readonly validUntil: string }
>;
export type PhoneVerificationEvent = VerificationCodeIssued | VerificationCodeRejected | PhoneVerificationFrozen | PhoneVerified;

export const PHONE_VERIFICATION_EVENT_TYPES: readonly PhoneVerificationEvent['type'][] = [
  'VerificationCodeIssued',
  'VerificationCodeRejected',
  'PhoneVerificationFrozen',
  'PhoneVerified',
];

export interface LiveCode extends CodeFacts {
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly wrongTries: number;
  /** Set once the code matched. */
  readonly verifiedAt?: string;
}

export interface VerificationProof {
  readonly verificationId: string;
  readonly subjectKey: string;
  readonly purpose: VerificationPurpose;
  readonly validUntil: string;
}

export type PhoneVerificationState =
  | { readonly status: 'unused' }
  | {
      readonly status: 'in-use';
      /** The latest code, until it is used up (verified codes stay for repeats), voided or replaced. */
      readonly code: LiveCode | null;
      readonly frozenUntil: string | null;
      /** When codes were issued in the 24 hours before the latest one. */
      readonly issuedAt: readonly string[];
      readonly proofs: readonly VerificationProof[];
    };

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

export function decidePhoneVerification(
  command: PhoneVerificationCommand,
  state: PhoneVerificationState,
  rules: PhoneVerificationRules,
): PhoneVerificationEvent[] {
  const at = command.data.at;
  const now = Date.parse(at);
  const frozenUntil = state.status === 'in-use' ? state.frozenUntil : null;
  if (frozenUntil !== null && Date.parse(frozenUntil) > now) throw new VerificationFrozenError(frozenUntil);
  switch (command.type) {
    case 'IssueVerificationCode': {
      if (state.status === 'in-use') {
        const recent = state.issuedAt.filter((t) => now - Date.parse(t) < DAY_MS);
        const last = recent[recent.length - 1];
        if (last !== undefined && now - Date.parse(last) < rules.resendAfterMs) {
          throw new CodeResendTooSoonError(plus(last, rules.resendAfterMs));
        }
        if (recent.length >= rules.maxCodesPerDay) throw new PhoneCodeLimitReachedError(plus(recent[0], DAY_MS));
      }
      const { at: issuedAt, ...facts } = command.data;
      return [{ type: 'VerificationCodeIssued', data: { ...facts, issuedAt, expiresAt: plus(issuedAt, rules.codeTtlMs) } }];
    }
    case 'CheckVerificationCode': {
      const code = state.status === 'in-use' ? state.code : null;
      if (code === null || code.verificationId !== command.data.verificationId) throw new VerificationNotFoundError();
      const matches = code.codeHash === command.data.codeHash;
      if (code.verifiedAt !== undefined) {
        // A used code can be presented again (a retried request) but counts no tries.
        if (matches) return [];
        throw new VerificationCodeInvalidError();
      }
      if (now >= Date.parse(code.expiresAt)) throw new VerificationCodeExpiredError();
      if (matches) {
        return [{ type: 'PhoneVerified', data: { verificationId: code.verificationId, at, validUntil: plus(at, rules.proofTtlMs) } }];
      }
      const wrongTries = code.wrongTries + 1;
      const triesLeft = Math.max(0, rules.maxWrongTries - wrongTries);
      const rejected: VerificationCodeRejected = {
        type: 'VerificationCodeRejected',
        data: { verificationId: code.verificationId, at, wrongTries, triesLeft },
      };
      if (triesLeft > 0) return [rejected];
      return [
        rejected,
        { type: 'PhoneVerificationFrozen', data: { verificationId: code.verificationId, at, until: plus(at, rules.freezeMs) } },
      ];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled phone verification command ${(unreachable as { type: string }).type}`);
    }
  }
}

export function evolvePhoneVerification(state: PhoneVerificationState, event: PhoneVerificationEvent): PhoneVerificationState {
  const current =
    state.status === 'in-use' ? state : { status: 'in-use' as const, code: null, frozenUntil: null, issuedAt: [], proofs: [] };
  switch (event.type) {
    case 'VerificationCodeIssued': {
      const { issuedAt, expiresAt, ...facts } = event.data;
      const now = Date.parse(issuedAt);
      return {
        ...current,
        code: { ...facts, issuedAt, expiresAt, wrongTries: 0 },
        // Only what a decision can still need: the last day's issues, proofs not yet expired.
        issuedAt: [...current.issuedAt.filter((t) => now - Date.parse(t) < DAY_MS), issuedAt],
        proofs: current.proofs.filter((p) => Date.parse(p.validUntil) > now),
      };
    }
    case 'VerificationCodeRejected':
      if (!current.code || current.code.verificationId !== event.data.verificationId) return current;
      return { ...current, code: { ...current.code, wrongTries: event.data.wrongTries } };
    case 'PhoneVerificationFrozen':
      return { ...current, code: null, frozenUntil: event.data.until };
    case 'PhoneVerified': {
      const code = current.code;
      if (!code || code.verificationId !== event.data.verificationId) return current;
      const proof: VerificationProof = {
        verificationId: code.verificationId,
        subjectKey: code.subjectKey,
        purpose: code.purpose,
        validUntil: event.data.validUntil,
      };
      return { ...current, code: { ...code, verifiedAt: event.data.at }, proofs: [...current.proofs, proof] };
    }
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/**
 * Whether the phone holds a live proof for this verification id, citizen ID hash and purpose
 * at `at`. A proof outlives a newer code asked for on the same phone.
 */
export function hasVerifiedProof(
  state: PhoneVerificationState,
  proof: { verificationId: string; subjectKey: string; purpose: VerificationPurpose },
  at: string,
): boolean {
  if (state.status !== 'in-use') return false;
  const now = Date.parse(at);
  return state.proofs.some(
    (p) =>
      p.verificationId === proof.verificationId &&
      p.subjectKey === proof.subjectKey &&
      p.purpose === proof.purpose &&
      Date.parse(p.validUntil) > now,
  );
}

export type PhoneVerificationDecider = Decider<PhoneVerificationCommand, PhoneVerificationState, PhoneVerificationEvent>;

export function createPhoneVerificationDecider(rules: PhoneVerificationRules = DEFAULT_PHONE_VERIFICATION_RULES): PhoneVerificationDecider {
  return {
    decide: (command, state) => decidePhoneVerification(command, state, rules),
    evolve: evolvePhoneVerification,
    initialState: () => ({ status: 'unused' }),
  };
}
