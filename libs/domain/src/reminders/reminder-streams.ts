/**
 * Reminder stream names, built only here. A reminder's id is its person (the keyed-hash
 * person id), rule and period, so the same reminder can only ever be scheduled on one stream;
 * a recipient's stream is the person's. Neither carries personal data.
 */

const PERSON_ID = /^p_[a-z2-7]{26}$/;
const RULE_ID = /^[a-z][a-z0-9-]{1,39}$/;
const PERIOD = /^(once|\d{4}|\d{4}Q[1-4]|\d{4}-\d{2})$/;
const REMINDER_ID = /^(p_[a-z2-7]{26})\.([a-z][a-z0-9-]{1,39})\.(once|\d{4}|\d{4}Q[1-4]|\d{4}-\d{2})$/;

export const REMINDER_STREAM_PREFIX = 'reminder-';
export const RECIPIENT_STREAM_PREFIX = 'recipient-';

export function reminderIdFor(personId: string, ruleId: string, period: string): string {
  if (!PERSON_ID.test(personId) || !RULE_ID.test(ruleId) || !PERIOD.test(period)) throw new Error('not a reminder key');
  return `${personId}.${ruleId}.${period}`;
}

export function parseReminderId(id: string): { personId: string; rule: string; period: string } | undefined {
  const m = REMINDER_ID.exec(id);
  return m ? { personId: m[1], rule: m[2], period: m[3] } : undefined;
}

export function reminderStreamName(reminderId: string): string {
  if (!REMINDER_ID.test(reminderId)) throw new Error('not a reminder id');
  return REMINDER_STREAM_PREFIX + reminderId;
}

export function recipientStreamName(personId: string): string {
  if (!PERSON_ID.test(personId)) throw new Error('not a person id');
  return RECIPIENT_STREAM_PREFIX + personId;
}
