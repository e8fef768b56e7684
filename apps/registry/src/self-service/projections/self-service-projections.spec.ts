/**
 * The self-service and reminder read models (submissions, reminders, recipients) on the real
 * runner over temp SQLite stores, fed with events as the service stores them: what each
 * document says, and that applying the same events twice gives the same documents.
 */
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@registry/event-store';
import { CHECKPOINT_COLLECTION, Projection, ProjectionRunner } from '@registry/projections';
import { allDocs, runnerOptions, tempStores, type TempStores } from '@registry/projections/testing/fixtures';
import { SubmissionFacts, reminderIdFor, submissionIdFor } from '@registry/domain';
import { freshKeys, Keys } from '../../../../../test/support/person-events';
import { submissionDocumentCodec } from '../../projections/catalogue';
import { reminderRecipientsProjection, remindersProjection } from '../../reminders/projections/reminders.projection';
import { submissionsProjection } from './submissions.projection';

jest.setTimeout(30_000);

const meta = { occurredAt: '2030-01-02T02:00:00.000Z', channel: 'website' };
const ev = (type: string, data: unknown): NewEvent => ({ id: randomUUID(), type, data, metadata: meta });

describe('self-service and reminder projections', () => {
  let stores: TempStores;
  let keys: Keys;
  let runners: ProjectionRunner[];

  beforeEach(async () => {
    stores = await tempStores();
    keys = freshKeys();
    runners = [];
  });
  afterEach(async () => {
    for (const r of runners) await r.stop();
    await stores.cleanup();
    keys.cleanup();
  });

  const projections = (): Projection[] => [
    submissionsProjection(submissionDocumentCodec(keys.protector)),
    remindersProjection(),
    reminderRecipientsProjection(),
  ];

  async function run(): Promise<ProjectionRunner> {
    const runner = new ProjectionRunner(runnerOptions({ eventStore: stores.eventStore, readStore: stores.readStore }));
    runners.push(runner);
    await runner.start(projections());
    await runner.waitUntilCaughtUp(undefined, 15_000);
    return runner;
  }

  async function appendScenario(): Promise<{ events: number; submissionId: string; reminderId: string }> {
    const submissionId = submissionIdFor('website-client', 'WEB-1');
    const facts: SubmissionFacts = {
      submissionId,
      channel: 'website',
      client: 'website-client',
      clientSubmissionId: 'WEB-1',
      fingerprint: 'f',
      residenceRegion: '440305001',
      county: '440305',
      personId: 'p_abcdefghijklmnopqrstuvwxyz',
      intendedInsuranceType: '390',
      employment: 'flexible',
      currentlyInsured: false,
      uninsuredReason: 'unaware',
      verificationId: 'pv_1',
      submittedAt: '2030-01-02T02:00:00.000Z',
      personal: { citizenId: '440305199001011234', name: '王小明', phone: '13800138000' },
    };
    const seal = (e: NewEvent) => keys.protector.encodeEvent(e);
    await stores.eventStore.appendToStream(`self-service-${submissionId}`, [
      seal(ev('SelfServiceRegistrationSubmitted', facts)),
      seal(
        ev('SelfServiceRegistrationRejected', { reviewer: 'r1', rejectedAt: '2030-01-03T02:00:00.000Z', personal: { reason: '材料不全' } }),
      ),
    ]);
    const personId = 'p_abcdefghijklmnopqrstuvwxyz';
    const reminderId = reminderIdFor(personId, 'uninsured-invitation', '2030Q1');
    await stores.eventStore.appendToStream(`reminder-${reminderId}`, [
      ev('ReminderScheduled', {
        reminderId,
        personId,
        rule: 'uninsured-invitation',
        period: '2030Q1',
        template: 'uninsured-invitation',
        text: '邀请',
        region: '440305001',
        scheduledAt: '2030-01-02T02:00:00.000Z',
      }),
      ev('ReminderFailed', { code: 'HTTP_503', at: '2030-01-02T02:01:00.000Z', attempt: 1, final: false }),
      ev('ReminderSent', { messageId: reminderId, adapter: 'sms-gateway', sentAt: '2030-01-02T03:00:00.000Z', attempt: 2 }),
      ev('ReminderDelivered', { at: '2030-01-02T03:00:05.000Z' }),
    ]);
    await stores.eventStore.appendToStream(`recipient-${personId}`, [
      ev('ReminderAllotted', { reminderId, at: '2030-01-02T03:00:00.000Z' }),
      ev('RemindersOptedOut', { at: '2030-01-05T00:00:00.000Z', via: 'county-1' }),
    ]);
    return { events: 8, submissionId, reminderId };
  }

  it('keeps a submission with its personal part sealed, a reminder’s delivery and a recipient’s opt-out', async () => {
    const { submissionId, reminderId } = await appendScenario();
    const runner = await run();
    const [submission] = await allDocs(stores.readStore, (await runner.collection('self_service', 'submissions')).name);
    expect(submission).toMatchObject({
      _id: submissionId,
      state: 'rejected',
      decidedBy: 'r1',
      maskedCitizenId: '440305********1234',
      county: '440305',
    });
    expect(JSON.stringify(submission)).not.toMatch(/王小明|13800138000|材料不全|199001011234/);
    expect(keys.protector.openFromDocument(submissionId, submission.personal)).toMatchObject({
      name: '王小明',
      rejectionReason: '材料不全',
    });
    const [reminder] = await allDocs(stores.readStore, (await runner.collection('reminders', 'reminders')).name);
    expect(reminder).toMatchObject({
      _id: reminderId,
      state: 'delivered',
      attempts: 2,
      failure: 'HTTP_503',
      deliveredAt: '2030-01-02T03:00:05.000Z',
    });
    const [recipient] = await allDocs(stores.readStore, (await runner.collection('reminder_recipients', 'recipients')).name);
    expect(recipient).toMatchObject({ optedOut: true, allotted: ['2030-01-02T03:00:00.000Z'] });
  });

  it('shows an approval’s claim as approving, a released one back to pending with its code, and the completion as approved', async () => {
    const submissionId = submissionIdFor('website-client', 'WEB-2');
    const stream = `self-service-${submissionId}`;
    const facts = {
      submissionId,
      channel: 'website',
      client: 'website-client',
      clientSubmissionId: 'WEB-2',
      fingerprint: 'f',
      residenceRegion: '440305001',
      county: '440305',
      personId: 'p_abcdefghijklmnopqrstuvwxyz',
      intendedInsuranceType: '390',
      employment: 'flexible',
      currentlyInsured: true,
      verificationId: 'pv_2',
      submittedAt: '2030-01-02T02:00:00.000Z',
      personal: { citizenId: '440305199001011234', name: '王小明', phone: '13800138000' },
    };
    const started = (attempt: number, at: string) =>
      ev('SelfServiceApprovalStarted', { reviewer: 'r1', startedAt: at, personId: facts.personId, attempt });
    await stores.eventStore.appendToStream(stream, [
      keys.protector.encodeEvent(ev('SelfServiceRegistrationSubmitted', facts)),
      started(1, '2030-01-03T02:00:00.000Z'),
    ]);
    const runner = await run();
    const doc = async () => (await runner.collection('self_service', 'submissions')).get(submissionId);
    expect(await doc()).toMatchObject({ state: 'approving', approvalStartedBy: 'r1', approvalStartedAt: '2030-01-03T02:00:00.000Z' });
    await stores.eventStore.appendToStream(stream, [
      ev('SelfServiceApprovalReleased', { reviewer: 'r1', releasedAt: '2030-01-03T02:00:01.000Z', attempt: 1, code: 'PERSON_DECEASED' }),
    ]);
    await runner.waitUntilCaughtUp(undefined, 15_000);
    const back = await doc();
    expect(back).toMatchObject({
      state: 'pending',
      approvalRefusal: { code: 'PERSON_DECEASED', reviewer: 'r1', releasedAt: '2030-01-03T02:00:01.000Z' },
    });
    expect(back).not.toHaveProperty('approvalStartedBy');
    await stores.eventStore.appendToStream(stream, [
      started(2, '2030-01-04T02:00:00.000Z'),
      ev('SelfServiceRegistrationApproved', {
        reviewer: 'r1',
        approvedAt: '2030-01-04T02:00:01.000Z',
        personId: facts.personId,
        recorded: ['PersonRegistered', 'EnrollmentRecorded'],
      }),
    ]);
    await runner.waitUntilCaughtUp(undefined, 15_000);
    const approved = await doc();
    expect(approved).toMatchObject({ state: 'approved', decidedBy: 'r1', decidedAt: '2030-01-04T02:00:01.000Z' });
    expect(approved).not.toHaveProperty('approvalStartedAt');
  });

  it('applying the same events twice gives the same documents', async () => {
    const { events } = await appendScenario();
    const first = await run();
    const names = [
      (await first.collection('self_service', 'submissions')).name,
      (await first.collection('reminders', 'reminders')).name,
      (await first.collection('reminder_recipients', 'recipients')).name,
    ];
    const snapshot = async () => Promise.all(names.map((n) => allDocs(stores.readStore, n)));
    const before = await snapshot();
    expect(before.map((docs) => docs.length)).toEqual([1, 1, 1]);
    await first.stop();
    for (const name of ['self_service', 'reminders', 'reminder_recipients']) {
      await stores.readStore
        .collection(CHECKPOINT_COLLECTION)
        .upsert({ _id: `${name}_g1`, projection: name, generation: 1, checkpoint: 0, _position: 0 });
    }
    const replayed: Record<string, number> = {};
    const again = new ProjectionRunner(runnerOptions({ eventStore: stores.eventStore, readStore: stores.readStore }));
    runners.push(again);
    again.progress$.subscribe((p) => (replayed[p.projection] = (replayed[p.projection] ?? 0) + p.events));
    await again.start(projections());
    await again.waitUntilCaughtUp(undefined, 15_000);
    expect(Object.values(replayed).reduce((a, b) => a + b, 0)).toBe(events);
    expect(await snapshot()).toEqual(before);
  });
});
