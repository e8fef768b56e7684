import { Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';

/**
 * One reminder: one person, one rule, one period. Its stream is named by those three
 * (reminderIdFor), so "one reminder per person, rule and period" is the stream's existence:
 * scheduling appends with expected revision `no_stream`, and of two instances evaluating the
 * same rules at once exactly one append succeeds; the other reads the stream again and is
 * refused here. Then: sent (handed to the gateway or the outbox), failed (retryable until the
 * application says final), delivered (a gateway receipt), or withdrawn before sending.
 */

export interface ReminderFacts {
  readonly reminderId: string;
  readonly personId: string;
  readonly rule: string;
  readonly period: string;
  readonly template: string;
  /** The message as decided when scheduled (never personal data): what is sent, whatever the rules say later. */
  readonly text: string;
  /** The person's household region when scheduled (region scope of GET /v1/reminders); null when unknown. */
  readonly region: string | null;
  readonly scheduledAt: string;
}

export const REMINDER_WITHDRAWAL_REASONS = ['opted-out', 'frequency-cap', 'no-phone', 'no-longer-applies'] as const;
export type ReminderWithdrawalReason = (typeof REMINDER_WITHDRAWAL_REASONS)[number];

export type ScheduleReminder = DomainEvent<'ScheduleReminder', ReminderFacts>;
export type RecordReminderSent = DomainEvent<
  'RecordReminderSent',
  { readonly messageId: string; readonly adapter: string; readonly sentAt: string }
>;
export type RecordReminderFailed = DomainEvent<
  'RecordReminderFailed',
  { readonly code: string; readonly at: string; readonly final: boolean }
>;
export type RecordReminderDelivered = DomainEvent<'RecordReminderDelivered', { readonly at: string }>;
export type WithdrawReminder = DomainEvent<'WithdrawReminder', { readonly reason: ReminderWithdrawalReason; readonly at: string }>;
export type ReminderCommand = ScheduleReminder | RecordReminderSent | RecordReminderFailed | RecordReminderDelivered | WithdrawReminder;

export type ReminderScheduled = DomainEvent<'ReminderScheduled', ReminderFacts>;
export type ReminderSent = DomainEvent<
  'ReminderSent',
  { readonly messageId: string; readonly adapter: string; readonly sentAt: string; readonly attempt: number }
>;
export type ReminderFailed = DomainEvent<
  'ReminderFailed',
  { readonly code: string; readonly at: string; readonly attempt: number; readonly final: boolean }
>;
export type ReminderDelivered = DomainEvent<'ReminderDelivered', { readonly at: string }>;
export type ReminderWithdrawn = DomainEvent<'ReminderWithdrawn', { readonly reason: ReminderWithdrawalReason; readonly at: string }>;
export type ReminderEvent = ReminderScheduled | ReminderSent | ReminderFailed | ReminderDelivered | ReminderWithdrawn;

export const REMINDER_EVENT_TYPES: readonly ReminderEvent['type'][] = [
  'ReminderScheduled',
  'ReminderSent',
  'ReminderFailed',
  'ReminderDelivered',
  'ReminderWithdrawn',
];

export type ReminderState =
  | { readonly status: 'none' }
  | { readonly status: 'scheduled'; readonly facts: ReminderFacts; readonly attempts: number; readonly lastFailure?: string }
  | { readonly status: 'sent'; readonly facts: ReminderFacts; readonly attempts: number; readonly messageId: string }
  | { readonly status: 'delivered'; readonly facts: ReminderFacts; readonly attempts: number }
  | { readonly status: 'failed'; readonly facts: ReminderFacts; readonly attempts: number; readonly code: string }
  | { readonly status: 'withdrawn'; readonly facts: ReminderFacts; readonly reason: ReminderWithdrawalReason };

/** States a dispatcher may (still) send from: never sent, or sent and failed retryably. */
export function isDispatchable(state: ReminderState): state is Extract<ReminderState, { status: 'scheduled' }> {
  return state.status === 'scheduled';
}

export class ReminderAlreadyScheduledError extends DomainError {
  readonly code = 'REMINDER_ALREADY_SCHEDULED';
  constructor() {
    super('this person already has a reminder for this rule and period');
  }
}

export class ReminderNotFoundError extends DomainError {
  readonly code = 'REMINDER_NOT_FOUND';
  constructor() {
    super('no reminder with this id');
  }
}

export class ReminderAlreadyClosedError extends DomainError {
  readonly code = 'REMINDER_ALREADY_CLOSED';
  constructor(readonly status: string) {
    super(`the reminder is already ${status}`);
  }
}

export function decideReminder(command: ReminderCommand, state: ReminderState): ReminderEvent[] {
  if (command.type === 'ScheduleReminder') {
    if (state.status !== 'none') throw new ReminderAlreadyScheduledError();
    return [{ type: 'ReminderScheduled', data: command.data }];
  }
  if (state.status === 'none') throw new ReminderNotFoundError();
  switch (command.type) {
    case 'RecordReminderSent':
      if (state.status === 'sent' || state.status === 'delivered') return [];
      if (state.status !== 'scheduled') throw new ReminderAlreadyClosedError(state.status);
      return [{ type: 'ReminderSent', data: { ...command.data, attempt: state.attempts + 1 } }];
    case 'RecordReminderFailed':
      // A receipt saying an accepted message never arrived ends the reminder.
      if (state.status === 'sent') return [{ type: 'ReminderFailed', data: { ...command.data, attempt: state.attempts, final: true } }];
      if (state.status !== 'scheduled') throw new ReminderAlreadyClosedError(state.status);
      return [{ type: 'ReminderFailed', data: { ...command.data, attempt: state.attempts + 1 } }];
    case 'RecordReminderDelivered':
      if (state.status === 'delivered') return [];
      if (state.status !== 'sent') throw new ReminderAlreadyClosedError(state.status);
      return [{ type: 'ReminderDelivered', data: command.data }];
    case 'WithdrawReminder':
      if (state.status === 'withdrawn') return [];
      if (state.status !== 'scheduled') throw new ReminderAlreadyClosedError(state.status);
      return [{ type: 'ReminderWithdrawn', data: command.data }];
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled reminder command ${(unreachable as { type: string }).type}`);
    }
  }
}

export function evolveReminder(state: ReminderState, event: ReminderEvent): ReminderState {
  if (event.type === 'ReminderScheduled') return { status: 'scheduled', facts: event.data, attempts: 0 };
  if (state.status === 'none') return state;
  const facts = state.facts;
  const attempts = 'attempts' in state ? state.attempts : 0;
  switch (event.type) {
    case 'ReminderSent':
      return { status: 'sent', facts, attempts: event.data.attempt, messageId: event.data.messageId };
    case 'ReminderFailed':
      return event.data.final
        ? { status: 'failed', facts, attempts: event.data.attempt, code: event.data.code }
        : { status: 'scheduled', facts, attempts: event.data.attempt, lastFailure: event.data.code };
    case 'ReminderDelivered':
      return { status: 'delivered', facts, attempts };
    case 'ReminderWithdrawn':
      return { status: 'withdrawn', facts, reason: event.data.reason };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export const reminderDecider: Decider<ReminderCommand, ReminderState, ReminderEvent> = {
  decide: decideReminder,
  evolve: evolveReminder,
  initialState: () => ({ status: 'none' }),
};
