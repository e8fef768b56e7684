import { DeciderSpecification } from '../testing/decider-spec';
import { ReminderEvent, ReminderFacts, reminderDecider } from './reminder';
import { RecipientEvent, isOptOutReply, recipientDecider } from './reminder-recipient';
import { parseReminderId, recipientStreamName, reminderIdFor, reminderStreamName } from './reminder-streams';

const reminders = DeciderSpecification.for(reminderDecider);
const recipients = DeciderSpecification.for(recipientDecider);

const personId = 'p_abcdefghijklmnopqrstuvwxyz';
const reminderId = reminderIdFor(personId, 'uninsured-invitation', '2025Q1');
const facts: ReminderFacts = {
  reminderId,
  personId,
  rule: 'uninsured-invitation',
  period: '2025Q1',
  template: 'uninsured-invitation',
  text: '您尚未参保',
  region: '440305001',
  scheduledAt: '2025-03-01T02:00:00.000Z',
};
const scheduled: ReminderEvent = { type: 'ReminderScheduled', data: facts };
const sendCommand = {
  type: 'RecordReminderSent' as const,
  data: { messageId: reminderId, adapter: 'outbox', sentAt: '2025-03-01T02:01:00.000Z' },
};
const sent: ReminderEvent = { type: 'ReminderSent', data: { ...sendCommand.data, attempt: 1 } };
const fail = (final: boolean) => ({
  type: 'RecordReminderFailed' as const,
  data: { code: 'HTTP_503', at: '2025-03-01T02:01:00.000Z', final },
});

describe('reminder', () => {
  it('is scheduled once per person, rule and period', () => {
    reminders.given([]).when({ type: 'ScheduleReminder', data: facts }).then([scheduled]);
    reminders.given([scheduled]).when({ type: 'ScheduleReminder', data: facts }).thenThrows('REMINDER_ALREADY_SCHEDULED');
  });

  it('is sent, then delivered; repeats of either change nothing', () => {
    reminders.given([scheduled]).when(sendCommand).then([sent]);
    reminders.given([scheduled, sent]).when(sendCommand).then([]);
    const delivered: ReminderEvent = { type: 'ReminderDelivered', data: { at: '2025-03-01T02:02:00.000Z' } };
    reminders.given([scheduled, sent]).when({ type: 'RecordReminderDelivered', data: delivered.data }).then([delivered]);
    reminders.given([scheduled, sent, delivered]).when({ type: 'RecordReminderDelivered', data: delivered.data }).then([]);
  });

  it('counts failed attempts and can be sent again until a failure is final', () => {
    const failed: ReminderEvent = { type: 'ReminderFailed', data: { ...fail(false).data, attempt: 1 } };
    reminders.given([scheduled]).when(fail(false)).then([failed]);
    reminders
      .given([scheduled, failed])
      .when(sendCommand)
      .then([{ type: 'ReminderSent', data: { ...sendCommand.data, attempt: 2 } }]);
    const final: ReminderEvent = { type: 'ReminderFailed', data: { ...fail(true).data, attempt: 2 } };
    reminders.given([scheduled, failed]).when(fail(true)).then([final]);
    reminders.given([scheduled, failed, final]).when(sendCommand).thenThrows('REMINDER_ALREADY_CLOSED');
  });

  it('ends as failed when a receipt says an accepted message never arrived', () => {
    reminders
      .given([scheduled, sent])
      .when(fail(false))
      .then([{ type: 'ReminderFailed', data: { ...fail(false).data, attempt: 1, final: true } }]);
  });

  it('is withdrawn only before it is sent', () => {
    const withdraw = { type: 'WithdrawReminder' as const, data: { reason: 'opted-out' as const, at: '2025-03-01T02:01:00.000Z' } };
    reminders
      .given([scheduled])
      .when(withdraw)
      .then([{ type: 'ReminderWithdrawn', data: withdraw.data }]);
    reminders.given([scheduled, sent]).when(withdraw).thenThrows('REMINDER_ALREADY_CLOSED');
    reminders.given([]).when(withdraw).thenThrows('REMINDER_NOT_FOUND');
  });

  it('names its stream by person id, rule and period', () => {
    expect(reminderStreamName(reminderId)).toBe(`reminder-${personId}.uninsured-invitation.2025Q1`);
    expect(parseReminderId(reminderId)).toEqual({ personId, rule: 'uninsured-invitation', period: '2025Q1' });
    expect(recipientStreamName(personId)).toBe(`recipient-${personId}`);
    expect(() => reminderIdFor('13800138000', 'uninsured-invitation', '2025Q1')).toThrow();
  });
});

describe('reminder recipient', () => {
  const allot = (id: string, at: string) => ({
    type: 'AllotReminder' as const,
    data: { reminderId: id, at, maxPerWindow: 2, windowDays: 30 },
  });
  const allotted = (id: string, at: string): RecipientEvent => ({ type: 'ReminderAllotted', data: { reminderId: id, at } });
  const optedOut: RecipientEvent = { type: 'RemindersOptedOut', data: { at: '2025-02-01T00:00:00.000Z', via: 'county-1' } };

  it('gives at most two reminders in any 30 days', () => {
    recipients
      .given([])
      .when(allot('a', '2025-03-01T00:00:00.000Z'))
      .then([allotted('a', '2025-03-01T00:00:00.000Z')]);
    const two = [allotted('a', '2025-03-01T00:00:00.000Z'), allotted('b', '2025-03-10T00:00:00.000Z')];
    recipients.given(two).when(allot('c', '2025-03-30T23:59:59.000Z')).thenThrows('REMINDER_CAP_REACHED');
    recipients
      .given(two)
      .when(allot('c', '2025-03-31T00:00:01.000Z'))
      .then([allotted('c', '2025-03-31T00:00:01.000Z')]);
  });

  it('hands the same slot to a reminder that took it before (a dispatch that stopped midway)', () => {
    recipients
      .given([allotted('a', '2025-03-01T00:00:00.000Z')])
      .when(allot('a', '2025-03-01T00:05:00.000Z'))
      .then([]);
  });

  it('records an opt-out once and refuses every slot after it', () => {
    recipients.given([]).when({ type: 'OptOutOfReminders', data: optedOut.data }).then([optedOut]);
    recipients.given([optedOut]).when({ type: 'OptOutOfReminders', data: optedOut.data }).then([]);
    recipients.given([optedOut]).when(allot('a', '2025-03-01T00:00:00.000Z')).thenThrows('RECIPIENT_OPTED_OUT');
  });
});

describe('an SMS answer', () => {
  it.each(['TD', 'td', ' Td。', 'ＴＤ', 'T', 'n', '退订', '退订！', '取消', '0000'])('%j opts out', (text) => {
    expect(isOptOutReply(text)).toBe(true);
  });

  it.each(['', '好的', '谢谢', 'TD 谢谢', '不要退订我', 'TDD', 'yes', '00000', '12333'])('%j does not', (text) => {
    expect(isOptOutReply(text)).toBe(false);
  });
});
