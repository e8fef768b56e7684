import {
  RECIPIENT_EVENT_TYPES,
  RECIPIENT_STREAM_PREFIX,
  REMINDER_EVENT_TYPES,
  REMINDER_STREAM_PREFIX,
  RecipientEvent,
  ReminderEvent,
  ReminderWithdrawalReason,
} from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import { Projection, documentProjection } from '@registry/projections';
import type { Document } from '@registry/read-store';

export const REMINDERS_PROJECTION = 'reminders';
export const REMINDERS_COLLECTION = 'reminders';
export const RECIPIENTS_PROJECTION = 'reminder_recipients';
export const RECIPIENTS_COLLECTION = 'recipients';

export type ReminderDocState = 'scheduled' | 'sent' | 'delivered' | 'failed' | 'withdrawn';

/** One reminder: what GET /v1/reminders lists and what a cycle finds waiting to be sent. */
export interface ReminderDocument extends Document {
  personId: string;
  rule: string;
  period: string;
  template: string;
  region: string | null;
  state: ReminderDocState;
  attempts: number;
  scheduledAt: string;
  sentAt?: string;
  deliveredAt?: string;
  failedAt?: string;
  /** The last failure's code (a retryable one keeps the reminder scheduled). */
  failure?: string;
  withdrawnReason?: ReminderWithdrawalReason;
  updatedAt: string;
}

/** Pure: the reminder document after an event. */
export function evolveReminderDocument(doc: ReminderDocument | null, recorded: RecordedEvent): ReminderDocument | null {
  const event = { type: recorded.type, data: recorded.data } as ReminderEvent;
  if (event.type === 'ReminderScheduled') {
    if (doc) return doc;
    const f = event.data;
    return {
      _id: f.reminderId,
      personId: f.personId,
      rule: f.rule,
      period: f.period,
      template: f.template,
      region: f.region,
      state: 'scheduled',
      attempts: 0,
      scheduledAt: f.scheduledAt,
      updatedAt: f.scheduledAt,
    };
  }
  if (!doc) return null;
  switch (event.type) {
    case 'ReminderSent':
      return { ...doc, state: 'sent', attempts: event.data.attempt, sentAt: event.data.sentAt, updatedAt: event.data.sentAt };
    case 'ReminderFailed':
      return {
        ...doc,
        state: event.data.final ? 'failed' : 'scheduled',
        attempts: event.data.attempt,
        failure: event.data.code,
        failedAt: event.data.at,
        updatedAt: event.data.at,
      };
    case 'ReminderDelivered':
      return { ...doc, state: 'delivered', deliveredAt: event.data.at, updatedAt: event.data.at };
    case 'ReminderWithdrawn':
      return { ...doc, state: 'withdrawn', withdrawnReason: event.data.reason, updatedAt: event.data.at };
    default:
      return doc;
  }
}

export function remindersProjection(): Projection {
  return documentProjection<ReminderDocument>({
    name: REMINDERS_PROJECTION,
    version: 1,
    collection: REMINDERS_COLLECTION,
    eventTypes: [...REMINDER_EVENT_TYPES],
    streamPrefixes: [REMINDER_STREAM_PREFIX],
    indexes: [
      { name: 'region', fields: [['region', 1]] },
      // With _id: a cycle pages through the waiting reminders along this index, never sorting them.
      {
        name: 'state',
        fields: [
          ['state', 1],
          ['_id', 1],
        ],
      },
      { name: 'person', fields: [['personId', 1]] },
      {
        name: 'rule_period',
        fields: [
          ['rule', 1],
          ['period', 1],
        ],
      },
    ],
    documentId: (event) => (event.stream.startsWith(REMINDER_STREAM_PREFIX) ? event.stream.slice(REMINDER_STREAM_PREFIX.length) : null),
    startsDocument: (event) => event.revision === 0,
    evolve: evolveReminderDocument,
  });
}

/** A person as a receiver: opted out or not, and when reminders were released to them. */
export interface RecipientDocument extends Document {
  optedOut: boolean;
  optedOutAt?: string;
  allotted: string[];
  updatedAt: string;
}

export function evolveRecipientDocument(doc: RecipientDocument | null, recorded: RecordedEvent): RecipientDocument | null {
  const event = { type: recorded.type, data: recorded.data } as RecipientEvent;
  const id = recorded.stream.slice(RECIPIENT_STREAM_PREFIX.length);
  const base: RecipientDocument = doc ?? { _id: id, optedOut: false, allotted: [], updatedAt: event.data.at };
  switch (event.type) {
    case 'RemindersOptedOut':
      return { ...base, optedOut: true, optedOutAt: event.data.at, updatedAt: event.data.at };
    case 'ReminderAllotted':
      return { ...base, allotted: [...base.allotted, event.data.at], updatedAt: event.data.at };
    default:
      return doc;
  }
}

export function reminderRecipientsProjection(): Projection {
  return documentProjection<RecipientDocument>({
    name: RECIPIENTS_PROJECTION,
    version: 1,
    collection: RECIPIENTS_COLLECTION,
    eventTypes: [...RECIPIENT_EVENT_TYPES],
    streamPrefixes: [RECIPIENT_STREAM_PREFIX],
    indexes: [
      {
        name: 'opted_out',
        fields: [
          ['optedOut', 1],
          ['_id', 1],
        ],
      },
    ],
    documentId: (event) => (event.stream.startsWith(RECIPIENT_STREAM_PREFIX) ? event.stream.slice(RECIPIENT_STREAM_PREFIX.length) : null),
    startsDocument: (event) => event.revision === 0,
    evolve: evolveRecipientDocument,
  });
}
