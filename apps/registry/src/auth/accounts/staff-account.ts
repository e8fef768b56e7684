import { Decider, DomainError, DomainEvent } from '@registry/domain';
import type { Role } from '../roles';

/**
 * A staff member's local account on the embedded default (production signs in at the
 * province's identity provider instead). Pure: passwords arrive already hashed, and whether a
 * password matched is decided by the caller, which holds the hash check; this decides what it
 * means (a success, a failure, a lock after too many failures in a row).
 */

/** Consecutive wrong passwords that lock an account, and for how long. */
export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60 * 1000;

/** Usernames are staff ids: they appear in event metadata and stream names, so no personal data and no spaces. */
export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export type StaffAccountCommand =
  | DomainEvent<'CreateStaffAccount', { username: string; roles: Role[]; region: string; passwordHash: string; at: string }>
  | DomainEvent<'ChangeStaffPassword', { passwordHash: string; at: string }>
  | DomainEvent<'DisableStaffAccount', { at: string }>
  | DomainEvent<'EnableStaffAccount', { at: string }>
  | DomainEvent<'RecordSignIn', { succeeded: boolean; at: string }>;

/** The hash is sealed at rest like every personal value (data.personal). */
export type StaffAccountEvent =
  | DomainEvent<'StaffAccountCreated', { username: string; roles: Role[]; region: string; personal: { passwordHash: string } }>
  | DomainEvent<'StaffPasswordChanged', { personal: { passwordHash: string } }>
  | DomainEvent<'StaffAccountDisabled', { at: string }>
  | DomainEvent<'StaffAccountEnabled', { at: string }>
  | DomainEvent<'StaffSignedIn', { at: string; method: 'password' }>
  | DomainEvent<'StaffSignInFailed', { at: string; failures: number; lockedUntil?: string }>;

export type StaffAccountState =
  | { status: 'none' }
  | {
      status: 'active' | 'disabled';
      username: string;
      roles: Role[];
      region: string;
      passwordHash: string;
      /** Wrong passwords since the last success (or unlock). */
      failures: number;
      lockedUntil?: string;
    };

export class StaffAccountError extends DomainError {
  constructor(
    readonly code: 'ACCOUNT_ALREADY_EXISTS' | 'ACCOUNT_NOT_FOUND' | 'ACCOUNT_LOCKED' | 'ACCOUNT_DISABLED',
    message: string,
  ) {
    super(message);
  }
}

export function isLocked(state: StaffAccountState, at: string): boolean {
  return state.status !== 'none' && state.lockedUntil !== undefined && state.lockedUntil > at;
}

function decide(command: StaffAccountCommand, state: StaffAccountState): StaffAccountEvent[] {
  switch (command.type) {
    case 'CreateStaffAccount': {
      if (state.status !== 'none') throw new StaffAccountError('ACCOUNT_ALREADY_EXISTS', 'an account with this username exists');
      const { username, roles, region, passwordHash } = command.data;
      return [{ type: 'StaffAccountCreated', data: { username, roles, region, personal: { passwordHash } } }];
    }
    case 'ChangeStaffPassword':
      if (state.status === 'none') throw new StaffAccountError('ACCOUNT_NOT_FOUND', 'no account with this username');
      return [{ type: 'StaffPasswordChanged', data: { personal: { passwordHash: command.data.passwordHash } } }];
    case 'DisableStaffAccount':
      if (state.status === 'none') throw new StaffAccountError('ACCOUNT_NOT_FOUND', 'no account with this username');
      return state.status === 'disabled' ? [] : [{ type: 'StaffAccountDisabled', data: { at: command.data.at } }];
    case 'EnableStaffAccount':
      if (state.status === 'none') throw new StaffAccountError('ACCOUNT_NOT_FOUND', 'no account with this username');
      // Enabling also lifts a lock: it is what an administrator does for a locked-out colleague.
      return state.status === 'active' && state.failures === 0 ? [] : [{ type: 'StaffAccountEnabled', data: { at: command.data.at } }];
    case 'RecordSignIn': {
      if (state.status === 'none') throw new StaffAccountError('ACCOUNT_NOT_FOUND', 'no account with this username');
      const { at, succeeded } = command.data;
      if (isLocked(state, at)) throw new StaffAccountError('ACCOUNT_LOCKED', 'too many wrong passwords; the account is locked for a while');
      if (!succeeded) {
        // A lock that has run out starts a new count.
        const failures = (state.lockedUntil !== undefined ? 0 : state.failures) + 1;
        const lockedUntil = failures >= MAX_FAILURES ? new Date(Date.parse(at) + LOCK_MS).toISOString() : undefined;
        return [{ type: 'StaffSignInFailed', data: { at, failures, ...(lockedUntil ? { lockedUntil } : {}) } }];
      }
      if (state.status === 'disabled') throw new StaffAccountError('ACCOUNT_DISABLED', 'the account is disabled');
      return [{ type: 'StaffSignedIn', data: { at, method: 'password' } }];
    }
    default: {
      const unhandled: never = command;
      throw new Error(`unknown command ${(unhandled as StaffAccountCommand).type}`);
    }
  }
}

function evolve(state: StaffAccountState, event: StaffAccountEvent): StaffAccountState {
  switch (event.type) {
    case 'StaffAccountCreated':
      return {
        status: 'active',
        username: event.data.username,
        roles: event.data.roles,
        region: event.data.region,
        passwordHash: event.data.personal.passwordHash,
        failures: 0,
      };
    case 'StaffPasswordChanged':
      return state.status === 'none'
        ? state
        : { ...state, passwordHash: event.data.personal.passwordHash, failures: 0, lockedUntil: undefined };
    case 'StaffAccountDisabled':
      return state.status === 'none' ? state : { ...state, status: 'disabled' };
    case 'StaffAccountEnabled':
      return state.status === 'none' ? state : { ...state, status: 'active', failures: 0, lockedUntil: undefined };
    case 'StaffSignedIn':
      return state.status === 'none' ? state : { ...state, failures: 0, lockedUntil: undefined };
    case 'StaffSignInFailed':
      return state.status === 'none' ? state : { ...state, failures: event.data.failures, lockedUntil: event.data.lockedUntil };
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

export const staffAccountDecider: Decider<StaffAccountCommand, StaffAccountState, StaffAccountEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};

export function staffAccountStream(username: string): string {
  return `staff-account-${username}`;
}

/**
 * At least 10 characters from at least three of: lower case, upper case, digits, other
 * characters (the usual rule of Chinese government systems' security assessments, with a
 * longer minimum). Answers what is missing, or null when the password is acceptable.
 */
export function passwordProblem(password: string): string | null {
  if (password.length < 10) return 'at least 10 characters';
  if (password.length > 256) return 'at most 256 characters';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) return 'characters of at least three kinds: lower case, upper case, digits, others';
  return null;
}
