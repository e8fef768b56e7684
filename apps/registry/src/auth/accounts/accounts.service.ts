import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { randomBytes, randomUUID } from 'node:crypto';
import { ConcurrencyError, EVENT_STORE, EventStore, RecordedEvent } from '@registry/event-store';
import { CommandContext, eventMetadata } from '../../common/event-sourcing/command-context';
import { ProblemException } from '../../common/problem';
import { AppConfig } from '../../config/app-config';
import { PersonalDataProtector } from '../../privacy/personal-data';
import { Principal } from '../principal';
import { Role } from '../roles';
import { TokenService } from '../token.service';
import {
  LOCK_MS,
  StaffAccountCommand,
  StaffAccountError,
  StaffAccountEvent,
  StaffAccountState,
  USERNAME,
  isLocked,
  passwordProblem,
  staffAccountDecider,
  staffAccountStream,
} from './staff-account';

/**
 * Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 35 ms per check
 * on one core of a 2-core machine. The parameters are written into each hash (PHC string), so
 * raising them later only affects new hashes.
 */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface SessionAnswer {
  token: string;
  expiresAt: string;
  method: 'password';
  principal: Principal;
}

/**
 * Local staff accounts of the embedded default: each one a stream of its own
 * (`staff-account-<username>`), so creations, password changes, locks and every sign-in are
 * in the event log and its audit chain like any other change. The password hash is sealed
 * with the data key like personal data.
 */
@Injectable()
export class AccountsService {
  /** Checked when a username has no account, so that an unknown name costs what a wrong password costs. */
  private readonly decoy: Promise<string>;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly protector: PersonalDataProtector,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
  ) {
    this.decoy = hash(randomBytes(16).toString('hex'), ARGON2);
    // An unhandled rejection would end the process; a failed decoy shows up at the first sign-in.
    this.decoy.catch(() => undefined);
  }

  static checkUsername(username: string): void {
    if (!USERNAME.test(username)) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'USERNAME_INVALID',
        'A username is 2-64 lower-case letters, digits, dots, hyphens or underscores, starting with a letter or digit.',
      );
    }
  }

  static checkPassword(password: string): void {
    const problem = passwordProblem(password);
    if (problem) throw new ProblemException(HttpStatus.BAD_REQUEST, 'PASSWORD_TOO_WEAK', `The password needs ${problem}.`);
  }

  async load(username: string): Promise<{ state: StaffAccountState; revision: number }> {
    const recorded = await this.events.readStream(staffAccountStream(username));
    const state = recorded.map((e) => this.toDomain(e)).reduce(staffAccountDecider.evolve, staffAccountDecider.initialState());
    return { state, revision: recorded.length === 0 ? -1 : recorded[recorded.length - 1].revision };
  }

  async create(actor: CommandContext, username: string, roles: Role[], region: string, password: string): Promise<void> {
    AccountsService.checkUsername(username);
    AccountsService.checkPassword(password);
    const passwordHash = await hash(password, ARGON2);
    await this.execute(actor, username, { type: 'CreateStaffAccount', data: { username, roles, region, passwordHash, at: now() } });
  }

  async changePassword(actor: CommandContext, username: string, password: string): Promise<void> {
    AccountsService.checkPassword(password);
    const passwordHash = await hash(password, ARGON2);
    await this.execute(actor, username, { type: 'ChangeStaffPassword', data: { passwordHash, at: now() } });
  }

  async setEnabled(actor: CommandContext, username: string, enabled: boolean): Promise<void> {
    await this.execute(actor, username, { type: enabled ? 'EnableStaffAccount' : 'DisableStaffAccount', data: { at: now() } });
  }

  /**
   * Checks a password and records the outcome; answers a token like the CLI's, valid for
   * SESSION_LIFETIME_MINUTES. Every refusal that could tell whether the name exists is the
   * same SIGN_IN_FAILED; only the right password for a disabled account learns that it is
   * disabled, and a locked account says so (with Retry-After) without checking the password.
   */
  async signIn(username: string, password: string): Promise<SessionAnswer> {
    const failed = () => new ProblemException(HttpStatus.UNAUTHORIZED, 'SIGN_IN_FAILED', 'The username or password is wrong.');
    if (!USERNAME.test(username) || password.length > 256) {
      await verify(await this.decoy, password.slice(0, 256)).catch(() => false);
      throw failed();
    }
    for (let attempt = 0; ; attempt++) {
      const { state, revision } = await this.load(username);
      const at = now();
      if (state.status === 'none') {
        await verify(await this.decoy, password).catch(() => false);
        throw failed();
      }
      if (isLocked(state, at)) throw locked(state.lockedUntil!, at);
      const succeeded = await verify(state.passwordHash, password).catch(() => false);
      const context: CommandContext = { operator: username, role: state.roles.join(','), region: state.region, channel: 'http' };
      let decided: StaffAccountEvent[];
      try {
        decided = staffAccountDecider.decide({ type: 'RecordSignIn', data: { succeeded, at } }, state);
      } catch (error) {
        if (error instanceof StaffAccountError && error.code === 'ACCOUNT_DISABLED') {
          throw new ProblemException(HttpStatus.FORBIDDEN, 'ACCOUNT_DISABLED', 'The account is disabled; an administrator can enable it.');
        }
        throw error;
      }
      try {
        await this.append(username, decided, context, revision);
      } catch (error) {
        // Two sign-ins at once: decide again on what the other one recorded.
        if (error instanceof ConcurrencyError && attempt < 3) continue;
        throw error;
      }
      if (!succeeded) {
        const lock = decided.find((e) => e.type === 'StaffSignInFailed' && e.data.lockedUntil);
        if (lock && lock.type === 'StaffSignInFailed') throw locked(lock.data.lockedUntil!, at);
        throw failed();
      }
      const lifetime = this.config.SESSION_LIFETIME_MINUTES * 60;
      const principal = new Principal(username, state.roles, state.region);
      const token = this.tokens.sign({ sub: username, roles: state.roles, region: principal.region }, lifetime);
      return { token, expiresAt: new Date(Date.parse(at) + lifetime * 1000).toISOString(), method: 'password', principal };
    }
  }

  private async execute(actor: CommandContext, username: string, command: StaffAccountCommand): Promise<void> {
    const { state, revision } = await this.load(username);
    let events: StaffAccountEvent[];
    try {
      events = staffAccountDecider.decide(command, state);
    } catch (error) {
      if (error instanceof StaffAccountError) {
        const status = error.code === 'ACCOUNT_NOT_FOUND' ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT;
        throw new ProblemException(status, error.code, error.message);
      }
      throw error;
    }
    await this.append(username, events, actor, revision);
  }

  private async append(username: string, events: StaffAccountEvent[], context: CommandContext, revision: number): Promise<void> {
    if (events.length === 0) return;
    const occurredAt = now();
    await this.events.appendToStream(
      staffAccountStream(username),
      events.map((e) =>
        this.protector.encodeEvent({ id: randomUUID(), type: e.type, data: e.data, metadata: eventMetadata(context, occurredAt) }),
      ),
      { expectedRevision: revision < 0 ? 'no_stream' : revision },
    );
  }

  private toDomain(event: RecordedEvent): StaffAccountEvent {
    const opened = this.protector.decodeEvent(event);
    return { type: opened.type, data: opened.data } as StaffAccountEvent;
  }
}

function now(): string {
  return new Date().toISOString();
}

function locked(until: string, at: string): ProblemException {
  const seconds = Math.max(1, Math.ceil((Date.parse(until) - Date.parse(at)) / 1000));
  return new ProblemException(
    HttpStatus.TOO_MANY_REQUESTS,
    'ACCOUNT_LOCKED',
    `Too many wrong passwords: the account is locked for ${Math.round(LOCK_MS / 60000)} minutes after the last one.`,
    { retryAfter: seconds, lockedUntil: until },
  );
}
