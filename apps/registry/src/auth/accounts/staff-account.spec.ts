import { DeciderSpecification } from '@registry/domain/testing/decider-spec';
import {
  LOCK_MS,
  MAX_FAILURES,
  StaffAccountEvent,
  StaffAccountError,
  isLocked,
  passwordProblem,
  staffAccountDecider,
} from './staff-account';

const spec = DeciderSpecification.for(staffAccountDecider);
const created: StaffAccountEvent = {
  type: 'StaffAccountCreated',
  data: { username: 'wang.fang', roles: ['county-operator'], region: '440305', personal: { passwordHash: '$argon2id$old' } },
};
const at = '2024-05-01T08:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(at) + ms).toISOString();
const failure = (failures: number, lockedUntil?: string): StaffAccountEvent => ({
  type: 'StaffSignInFailed',
  data: { at, failures, ...(lockedUntil ? { lockedUntil } : {}) },
});

describe('staff account decider', () => {
  it('creates an account once; a second creation under the name is refused', () => {
    spec
      .given([])
      .when({
        type: 'CreateStaffAccount',
        data: { username: 'wang.fang', roles: ['county-operator'], region: '440305', passwordHash: '$argon2id$old', at },
      })
      .then([created]);
    spec
      .given([created])
      .when({ type: 'CreateStaffAccount', data: { username: 'wang.fang', roles: ['auditor'], region: '44', passwordHash: 'x', at } })
      .thenThrows('ACCOUNT_ALREADY_EXISTS');
  });

  it('records a successful sign-in, and a wrong password as a counted failure', () => {
    spec
      .given([created])
      .when({ type: 'RecordSignIn', data: { succeeded: true, at } })
      .then([{ type: 'StaffSignedIn', data: { at, method: 'password' } }]);
    spec
      .given([created, failure(1)])
      .when({ type: 'RecordSignIn', data: { succeeded: false, at } })
      .then([failure(2)]);
  });

  it(`locks the account for ${LOCK_MS / 60000} minutes at the ${MAX_FAILURES}th wrong password in a row`, () => {
    const four = [1, 2, 3, 4].map((n) => failure(n));
    spec
      .given([created, ...four])
      .when({ type: 'RecordSignIn', data: { succeeded: false, at } })
      .then([failure(5, later(LOCK_MS))]);
    // While locked even the right password is refused, and nothing is recorded.
    spec
      .given([created, ...four, failure(5, later(LOCK_MS))])
      .when({ type: 'RecordSignIn', data: { succeeded: true, at: later(LOCK_MS - 1000) } })
      .thenThrows('ACCOUNT_LOCKED');
    // After the lock the count starts again.
    spec
      .given([created, ...four, failure(5, later(LOCK_MS))])
      .when({ type: 'RecordSignIn', data: { succeeded: false, at: later(LOCK_MS + 1000) } })
      .then([{ type: 'StaffSignInFailed', data: { at: later(LOCK_MS + 1000), failures: 1 } }]);
  });

  it('resets the count on a success, a password change or an enabling', () => {
    const state = (events: StaffAccountEvent[]) => events.reduce(staffAccountDecider.evolve, staffAccountDecider.initialState());
    const locked = [created, failure(1), failure(2), failure(3), failure(4), failure(5, later(LOCK_MS))];
    expect(isLocked(state(locked), at)).toBe(true);
    for (const reset of [
      { type: 'StaffPasswordChanged', data: { personal: { passwordHash: '$argon2id$new' } } },
      { type: 'StaffAccountEnabled', data: { at } },
    ] as StaffAccountEvent[]) {
      const after = state([...locked, reset]);
      expect(isLocked(after, at)).toBe(false);
      expect(after).toMatchObject({ failures: 0, status: 'active' });
    }
    expect(state([created, failure(1), failure(2), { type: 'StaffSignedIn', data: { at, method: 'password' } }])).toMatchObject({
      failures: 0,
    });
  });

  it('refuses the right password of a disabled account, but counts a wrong one', () => {
    const disabled: StaffAccountEvent = { type: 'StaffAccountDisabled', data: { at } };
    spec
      .given([created, disabled])
      .when({ type: 'RecordSignIn', data: { succeeded: true, at } })
      .thenThrows('ACCOUNT_DISABLED');
    spec
      .given([created, disabled])
      .when({ type: 'RecordSignIn', data: { succeeded: false, at } })
      .then([failure(1)]);
    spec.given([created, disabled]).when({ type: 'DisableStaffAccount', data: { at } }).then([]);
  });

  it('knows no account it was never told of', () => {
    for (const type of ['ChangeStaffPassword', 'DisableStaffAccount', 'EnableStaffAccount', 'RecordSignIn'] as const) {
      expect(() =>
        staffAccountDecider.decide({ type, data: { passwordHash: 'x', succeeded: true, at } } as never, staffAccountDecider.initialState()),
      ).toThrow(StaffAccountError);
    }
  });

  it('asks for at least 10 characters of three kinds', () => {
    expect(passwordProblem('Short-1')).toMatch(/10 characters/);
    expect(passwordProblem('alllowercaseletters')).toMatch(/three kinds/);
    expect(passwordProblem('lowercase-and-1digit')).toBeNull();
    expect(passwordProblem('密码Password1')).toBeNull();
  });
});
