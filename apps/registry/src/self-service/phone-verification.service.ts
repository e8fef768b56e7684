import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomBytes, randomInt } from 'node:crypto';
import {
  CitizenId,
  PhoneVerificationEvent,
  PhoneVerificationState,
  RetryLaterError,
  VerificationPurpose,
  blindIndex,
  hasVerifiedProof,
  normaliseMobilePhone,
  phoneVerificationStreamName,
} from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { CommandContext } from '../common/event-sourcing/command-context';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { KeyRing } from '../config/key-ring';
import { NOTIFICATIONS, NotificationPort } from '../notifications/notification.port';
import { RateLimits } from './rate-limits';
import { ExecuteVerificationCommands, SelfServiceStreams } from './self-service-aggregates';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const CODE_TTL_TEXT = '5分钟';

/** A 429 that says when asking again can work (the controller sets Retry-After from `retryAfter`). */
export function retryLater(code: string, detail: string, retryAtMs: number, nowMs: number): ProblemException {
  return new ProblemException(HttpStatus.TOO_MANY_REQUESTS, code, detail, {
    retryAfter: Math.max(1, Math.ceil((retryAtMs - nowMs) / 1000)),
  });
}

export function verificationRequired(): ProblemException {
  return new ProblemException(
    HttpStatus.FORBIDDEN,
    'VERIFICATION_REQUIRED',
    'A phone code verified for this citizen ID and purpose, and not yet expired, is required.',
  );
}

/** The keyed hashes one request works with; computed for every request, whatever the registry holds. */
export interface VerificationKeys {
  phone: string;
  phoneKey: string;
  subjectKey: string;
}

/**
 * Phone codes for the public endpoints. The per-phone rules (code life, wrong tries and
 * freeze, resend wait, codes per day) are decisions on the phone's own stream, named by the
 * number's keyed hash; the throttles per citizen ID and per channel client are read-store
 * counters (RateLimits). Codes come from the CSPRNG and are kept only as a keyed hash bound
 * to their verification id; nothing here depends on whether the registry holds the citizen,
 * so a code request answers the same for any ID.
 */
@Injectable()
export class PhoneVerificationService {
  constructor(
    private readonly commands: CommandBus,
    private readonly streams: SelfServiceStreams,
    private readonly limits: RateLimits,
    private readonly keys: KeyRing,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(NOTIFICATIONS) private readonly notifications: NotificationPort,
  ) {}

  keysFor(rawPhone: string, citizenId: CitizenId): VerificationKeys {
    const phone = this.normalisePhone(rawPhone);
    return {
      phone,
      phoneKey: blindIndex(phone, this.keys.blindIndexKey, 'phone'),
      subjectKey: blindIndex(citizenId.value, this.keys.blindIndexKey, 'verification-subject'),
    };
  }

  /** The key of the phone's verification stream. */
  phoneKeyOf(rawPhone: string): string {
    return blindIndex(this.normalisePhone(rawPhone), this.keys.blindIndexKey, 'phone');
  }

  private normalisePhone(raw: string): string {
    const phone = normaliseMobilePhone(raw);
    if (!phone) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'PHONE_INVALID', 'The phone must be a mainland mobile number (11 digits).', {
        errors: [{ field: 'phone', code: 'PHONE_INVALID', message: 'not a mainland mobile number' }],
      });
    }
    return phone;
  }

  static context(caller: Principal): CommandContext {
    return { operator: caller.subject, role: caller.roles.join(','), region: caller.region, channel: caller.channel ?? 'http' };
  }

  /** Sends a new code to the phone. */
  async send(caller: Principal, keys: VerificationKeys, purpose: VerificationPurpose) {
    const now = this.clock.now();
    const at = now.toISOString();
    const client = await this.limits.take(
      `client:${caller.subject}`,
      this.config.VERIFICATION_CODES_PER_CLIENT_PER_HOUR,
      HOUR_MS,
      now.getTime(),
    );
    if (!client.ok)
      throw retryLater(
        'CLIENT_CODE_LIMIT_REACHED',
        'This channel client has asked for as many codes as an hour allows.',
        client.retryAt,
        now.getTime(),
      );
    const subject = await this.limits.take(`id:${keys.subjectKey}`, this.config.VERIFICATION_CODES_PER_ID_PER_DAY, DAY_MS, now.getTime());
    if (!subject.ok)
      throw retryLater(
        'ID_CODE_LIMIT_REACHED',
        'As many codes as a day allows were asked for under this citizen ID.',
        subject.retryAt,
        now.getTime(),
      );

    const verificationId = `pv_${randomBytes(16).toString('hex')}`;
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const [outcome] = await this.commands.execute(
      new ExecuteVerificationCommands(
        [
          {
            key: null,
            id: keys.phoneKey,
            command: {
              type: 'IssueVerificationCode',
              data: {
                verificationId,
                codeHash: this.codeHash(verificationId, code),
                subjectKey: keys.subjectKey,
                purpose,
                channel: caller.channel ?? 'website',
                client: caller.subject,
                at,
              },
            },
          },
        ],
        PhoneVerificationService.context(caller),
      ),
    );
    if (outcome.status === 'refused') throw this.problem(outcome.error, now.getTime());
    const issued = outcome.events[0] as Extract<PhoneVerificationEvent, { type: 'VerificationCodeIssued' }>;
    const [result] = await this.notifications.send([
      {
        id: verificationId,
        to: keys.phone,
        template: 'verification-code',
        text: `【社会保险】您的验证码为${code}，${CODE_TTL_TEXT}内有效。工作人员不会向您索要验证码，请勿告诉他人。`,
      },
    ]);
    if (result.status !== 'accepted') {
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'NOTIFICATION_FAILED',
        'The code could not be sent; ask for a new one in a minute.',
      );
    }
    return { verificationId, expiresAt: issued.data.expiresAt, resendAfter: new Date(now.getTime() + 60_000).toISOString() };
  }

  /** Checks a code: verified, or the wrong try recorded (and the phone frozen after the last one). */
  async check(caller: Principal, phoneKey: string, verificationId: string, code: string) {
    const now = this.clock.now();
    const [outcome] = await this.commands.execute(
      new ExecuteVerificationCommands(
        [
          {
            key: null,
            id: phoneKey,
            command: {
              type: 'CheckVerificationCode',
              data: { verificationId, codeHash: this.codeHash(verificationId, code), at: now.toISOString() },
            },
          },
        ],
        PhoneVerificationService.context(caller),
      ),
    );
    if (outcome.status === 'refused') throw this.problem(outcome.error, now.getTime());
    const frozen = outcome.events.find((e) => e.type === 'PhoneVerificationFrozen');
    if (frozen) {
      throw retryLater(
        'VERIFICATION_FROZEN',
        'Too many wrong codes: this phone gets no codes for 15 minutes.',
        Date.parse(frozen.data.until),
        now.getTime(),
      );
    }
    const rejected = outcome.events.find((e) => e.type === 'VerificationCodeRejected');
    if (rejected) {
      throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, 'VERIFICATION_CODE_INVALID', 'The code does not match.', {
        triesLeft: rejected.data.triesLeft,
      });
    }
    const state = outcome.state;
    const proof = state.status === 'in-use' ? state.proofs.find((p) => p.verificationId === verificationId) : undefined;
    return { verificationId, verified: true, validUntil: proof?.validUntil ?? now.toISOString() };
  }

  /** The phone's state as stored (for a proof check): always one read, whatever it holds. */
  async state(phoneKey: string): Promise<PhoneVerificationState> {
    const { decider, fromStored } = this.streams.verifications;
    const recorded = await this.events.readStream(phoneVerificationStreamName(phoneKey));
    return fromStored(recorded, false).reduce(decider.evolve, decider.initialState());
  }

  verified(state: PhoneVerificationState, keys: VerificationKeys, verificationId: string, purpose: VerificationPurpose): boolean {
    return hasVerifiedProof(state, { verificationId, subjectKey: keys.subjectKey, purpose }, this.clock.now().toISOString());
  }

  private codeHash(verificationId: string, code: string): string {
    return blindIndex(`${verificationId}:${code}`, this.keys.blindIndexKey, 'verification-code');
  }

  private problem(error: Error, nowMs: number): Error {
    if (error instanceof RetryLaterError) {
      const detail =
        error.code === 'VERIFICATION_FROZEN'
          ? 'Too many wrong codes: this phone gets no codes for a while.'
          : error.code === 'CODE_RESEND_TOO_SOON'
            ? 'A code was sent to this phone less than a minute ago.'
            : 'This phone has received as many codes as a day allows.';
      return retryLater(error.code, detail, Date.parse(error.retryAt), nowMs);
    }
    return error;
  }
}
