import { Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';

/**
 * A person as a receiver of reminders: whether they opted out, and which reminders were
 * released to them lately. Every send first takes a slot here (ReminderAllotted), appended
 * with the revision read, so "at most N reminders per person per 30 days" and an opt-out hold
 * exactly, whichever instance sends and whatever the read models have caught up with.
 */

export type OptOutOfReminders = DomainEvent<'OptOutOfReminders', { readonly at: string; readonly via: string }>;
export type AllotReminder = DomainEvent<
  'AllotReminder',
  { readonly reminderId: string; readonly at: string; readonly maxPerWindow: number; readonly windowDays: number }
>;
export type RecipientCommand = OptOutOfReminders | AllotReminder;

export type RemindersOptedOut = DomainEvent<'RemindersOptedOut', { readonly at: string; readonly via: string }>;
export type ReminderAllotted = DomainEvent<'ReminderAllotted', { readonly reminderId: string; readonly at: string }>;
export type RecipientEvent = RemindersOptedOut | ReminderAllotted;

export const RECIPIENT_EVENT_TYPES: readonly RecipientEvent['type'][] = ['RemindersOptedOut', 'ReminderAllotted'];

interface Allotment {
  readonly reminderId: string;
  readonly at: string;
}

export type RecipientState =
  | { readonly status: 'receiving'; readonly allotted: readonly Allotment[] }
  | { readonly status: 'opted-out'; readonly since: string; readonly allotted: readonly Allotment[] };

export class RecipientOptedOutError extends DomainError {
  readonly code = 'RECIPIENT_OPTED_OUT';
  constructor() {
    super('the person asked for no reminders');
  }
}

export class ReminderCapReachedError extends DomainError {
  readonly code = 'REMINDER_CAP_REACHED';
  constructor(
    readonly maxPerWindow: number,
    readonly windowDays: number,
  ) {
    super(`the person has had ${maxPerWindow} reminders in the last ${windowDays} days`);
  }
}

const DAY_MS = 24 * 3600_000;

export function decideRecipient(command: RecipientCommand, state: RecipientState): RecipientEvent[] {
  switch (command.type) {
    case 'OptOutOfReminders':
      if (state.status === 'opted-out') return [];
      return [{ type: 'RemindersOptedOut', data: command.data }];
    case 'AllotReminder': {
      const { reminderId, at, maxPerWindow, windowDays } = command.data;
      // Taken already (a dispatch that stopped between the slot and the send): the same slot.
      if (state.allotted.some((a) => a.reminderId === reminderId)) return [];
      if (state.status === 'opted-out') throw new RecipientOptedOutError();
      const from = Date.parse(at) - windowDays * DAY_MS;
      const recent = state.allotted.filter((a) => Date.parse(a.at) > from).length;
      if (recent >= maxPerWindow) throw new ReminderCapReachedError(maxPerWindow, windowDays);
      return [{ type: 'ReminderAllotted', data: { reminderId, at } }];
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled recipient command ${(unreachable as { type: string }).type}`);
    }
  }
}

export function evolveRecipient(state: RecipientState, event: RecipientEvent): RecipientState {
  switch (event.type) {
    case 'RemindersOptedOut':
      return { status: 'opted-out', since: event.data.at, allotted: state.allotted };
    case 'ReminderAllotted':
      return { ...state, allotted: [...state.allotted, { reminderId: event.data.reminderId, at: event.data.at }] };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export const recipientDecider: Decider<RecipientCommand, RecipientState, RecipientEvent> = {
  decide: decideRecipient,
  evolve: evolveRecipient,
  initialState: () => ({ status: 'receiving', allotted: [] }),
};

/**
 * The answers that mean "no more messages" by the carriers' convention (回复TD退订): TD, T, N,
 * 退订, 取消 or 0000, in either case and in full-width letters, alone or with punctuation and
 * spaces around. Anything else a citizen writes back is no opt-out.
 */
const OPT_OUT_WORDS = new Set(['TD', 'T', 'N', '退订', '取消', '0000']);

export function isOptOutReply(text: string): boolean {
  const word = text
    .normalize('NFKC')
    .replace(/[\s\p{P}]/gu, '')
    .toUpperCase();
  return OPT_OUT_WORDS.has(word);
}
