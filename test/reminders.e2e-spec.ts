/**
 * Automatic reminders (issue #17), over HTTP and the event store: a cycle in the quiet hours
 * schedules and sends nothing; after a restart the cycle sends each reminder once; two
 * instances (in one process, then two processes of the CLI) evaluating the same rules at
 * the same time schedule and send each reminder once; an opt-out recorded over HTTP is
 * honoured, before scheduling and at the send; the per-person cap; the HTTP SMS gateway with
 * its simulator (retries, receipts, undeliverable numbers).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { ReadRecorder } from '../apps/registry/src/audit/read-recorder';
import { createSmsSim, SmsSim } from '../apps/sms-sim/src/sms-sim';
import { ExecuteReminderCommands } from '../apps/registry/src/reminders/reminder-aggregates';
import { CycleReport, ReminderCycle } from '../apps/registry/src/reminders/reminder-cycle.service';
import { defaultReminderRulesPath } from '../apps/registry/src/reminders/reminder-rules.provider';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES } from './support/citizens';
import { ensureBuilt, REPO_ROOT, startCli } from './support/imports-cli';
import { expectProblem, registrationBody } from './support/requests';
import { controlClock, newPhone, readOutbox } from './support/self-service';

jest.setTimeout(240_000);

/** 22:30 and 10:00 in Shanghai (UTC+8), 21 days before the residents' window closes on 12-31. */
const NIGHT = '2030-12-10T14:30:00.000Z';
const MORNING = '2030-12-11T02:00:00.000Z';

interface Person {
  personId: string;
  citizenId: string;
  phone?: string;
}

const admin = (t: TestApp) => t.token({ role: 'province-admin', region: '44', sub: 'reminder-admin' });

async function person(t: TestApp, options: { phone?: boolean; enrol?: 'contributing' | 'suspended' } = {}): Promise<Person> {
  const token = admin(t);
  const phone = options.phone === false ? undefined : newPhone();
  const citizen = newCitizen(PLACES.nanshan.county);
  const res = await t
    .http()
    .post('/v1/persons/registrations')
    .set(bearer(token))
    .send(registrationBody(citizen, { source: 'operator', name: '提醒对象', ...(phone && { phone }) }))
    .expect(200);
  const personId = res.body.personId as string;
  if (options.enrol) {
    await t
      .http()
      .post(`/v1/persons/${personId}/enrollments`)
      .set(bearer(token))
      .send({ source: 'operator', insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2020-01-01' })
      .expect(200);
  }
  if (options.enrol === 'suspended') {
    await t
      .http()
      .post(`/v1/persons/${personId}/enrollments/390/suspension`)
      .set(bearer(token))
      .send({ source: 'operator', effectiveDate: '2030-07-01' })
      .expect(200);
  }
  return { personId, citizenId: citizen.id, phone };
}

async function reminders(t: TestApp, query: Record<string, string> = {}): Promise<Array<Record<string, any>>> {
  await t.caughtUp();
  const token = t.token({ role: 'county-operator', region: PLACES.nanshan.county });
  const out = [];
  let cursor: string | undefined;
  do {
    const res = await t
      .http()
      .get('/v1/reminders')
      .query({ ...query, limit: '500', ...(cursor && { cursor }) })
      .set(bearer(token))
      .expect(200);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

/** How many events of each reminder stream say it was scheduled (never more than one). */
async function scheduledCounts(t: TestApp): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const e of t.app.get<EventStore>(EVENT_STORE).readAll({ filter: { eventTypes: ['ReminderScheduled'] } })) {
    counts.set(e.stream, (counts.get(e.stream) ?? 0) + 1);
  }
  return counts;
}

function duplicates(ids: string[]): string[] {
  return ids.filter((id, i) => ids.indexOf(id) !== i);
}

describe('a reminder cycle across quiet hours, a restart, two instances and two processes', () => {
  let dataDir: string;
  let t: TestApp;
  const people = {} as Record<'u1' | 'u2' | 'u3' | 'noPhone' | 'optedOut' | 'suspended' | 'window', Person>;
  const env = { REMINDER_INTERVAL_MS: '0' };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'registry-reminders-'));
    t = await startApp({ ...env, INSTANCE_ID: 'reminders-a' }, { dataDir });
    people.u1 = await person(t);
    people.u2 = await person(t);
    people.u3 = await person(t);
    people.noPhone = await person(t, { phone: false });
    people.optedOut = await person(t);
    people.suspended = await person(t, { enrol: 'suspended' });
    people.window = await person(t, { enrol: 'contributing' });
    const optOut = await t
      .http()
      .post('/v1/reminders/opt-outs')
      .set(bearer(admin(t)))
      .send({ personId: people.optedOut.personId });
    expect(optOut.status).toBe(200);
    expect(optOut.body).toEqual({ personId: people.optedOut.personId, optedOut: true, recorded: ['RemindersOptedOut'] });
    await t.caughtUp();
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('schedules in the quiet hours but sends nothing, and leaves out who opted out', async () => {
    controlClock(t, NIGHT);
    const report = await t.app.get(ReminderCycle).run();
    expect(report.dispatch).toBe('quiet-hours');
    expect(report.optedOut).toBe(1);
    // The shipped rule reads the household survey's task documents, which exist: it runs (and finds no approved refusal).
    expect(report.rules.find((r) => r.rule === 'survey-refusal-follow-up')).toMatchObject({ matched: 0 });
    expect(report.rules.find((r) => r.rule === 'survey-refusal-follow-up')?.skipped).toBeUndefined();
    const listed = await reminders(t);
    const mine = (p: Person) => listed.filter((r) => r.personId === p.personId).map((r) => `${r.rule}.${r.period}:${r.state}`);
    expect(mine(people.u1)).toEqual(['uninsured-invitation.2030Q4:scheduled']);
    expect(mine(people.noPhone)).toEqual(['uninsured-invitation.2030Q4:scheduled']);
    expect(mine(people.optedOut)).toEqual([]);
    expect(mine(people.suspended).sort()).toEqual(['contributions-suspended.2030Q4:scheduled', 'resident-window-closing.2030:scheduled']);
    expect(mine(people.window)).toEqual(['resident-window-closing.2030:scheduled']);
    expect(readOutbox(t.dataDir).filter((m) => m.template !== 'verification-code')).toEqual([]);
    // Opting out after scheduling is honoured at the send.
    await t
      .http()
      .post('/v1/reminders/opt-outs')
      .set(bearer(admin(t)))
      .send({ personId: people.u3.personId })
      .expect(200);
  });

  it('sends each reminder once after a restart, in the morning', async () => {
    await t.close();
    t = await startApp({ ...env, INSTANCE_ID: 'reminders-a2' }, { dataDir });
    controlClock(t, MORNING);
    const report = await t.app.get(ReminderCycle).run();
    expect(report).toMatchObject({ dispatch: 'done', scheduled: 0, failed: 0 });
    expect(report.withdrawn).toEqual({ 'no-phone': 1, 'opted-out': 1 });
    const sent = readOutbox(t.dataDir).filter((m) => m.template !== 'verification-code');
    expect(duplicates(sent.map((m) => m.id))).toEqual([]);
    expect(sent.find((m) => m.id.startsWith(people.u1.personId))).toMatchObject({
      id: `${people.u1.personId}.uninsured-invitation.2030Q4`,
      to: people.u1.phone,
      template: 'uninsured-invitation',
      text: expect.stringContaining('尚未参加基本养老或医疗保险'),
    });
    expect(sent.find((m) => m.template === 'resident-window-closing')?.text).toContain('12月31日截止');
    expect(sent.find((m) => m.template === 'contributions-suspended')?.text).toContain('暂停缴费满3个月');
    expect(sent.map((m) => m.to)).not.toContain(people.u3.phone);
    expect(sent.map((m) => m.to)).not.toContain(people.optedOut.phone);
    expect(report.sent).toBe(sent.length);
    const listed = await reminders(t);
    const state = (p: Person) => listed.filter((r) => r.personId === p.personId).map((r) => [r.state, r.withdrawnReason ?? null]);
    expect(state(people.u1)).toEqual([['sent', null]]);
    expect(state(people.u3)).toEqual([['withdrawn', 'opted-out']]);
    expect(state(people.noPhone)).toEqual([['withdrawn', 'no-phone']]);
    // A second cycle the same morning finds nothing new to schedule or send.
    const again = await t.app.get(ReminderCycle).run();
    expect(again).toMatchObject({ scheduled: 0, sent: 0 });
    expect(readOutbox(t.dataDir).filter((m) => m.template !== 'verification-code')).toHaveLength(sent.length);
  });

  it('schedules and sends each reminder once when two instances run the cycle at the same time', async () => {
    const second = await startApp({ ...env, INSTANCE_ID: 'reminders-b' }, { dataDir });
    try {
      // The next quarter: new invitations are due.
      const at = '2031-01-05T02:00:00.000Z';
      controlClock(t, at);
      controlClock(second, at);
      const before = readOutbox(t.dataDir).length;
      const [a, b] = await Promise.all([t.app.get(ReminderCycle).run(), second.app.get(ReminderCycle).run()]);
      // Invitations for u1, u2 and the one without a phone (u3 and the other opted out); the suspended
      // person's quarterly reminder, over the cap (two reminders 25 days ago).
      expect(a.scheduled + b.scheduled).toBe(4);
      const sentNow = readOutbox(t.dataDir).slice(before);
      expect(duplicates(sentNow.map((m) => m.id))).toEqual([]);
      for (const [stream, n] of await scheduledCounts(t)) expect({ stream, n }).toEqual({ stream, n: 1 });
      // Whatever one instance could not send while the other held the lease, the next cycle sends, once.
      const rest = await t.app.get(ReminderCycle).run();
      const all = readOutbox(t.dataDir).slice(before);
      expect(duplicates(all.map((m) => m.id))).toEqual([]);
      expect(all.map((m) => m.id).sort()).toEqual(
        [`${people.u1.personId}.uninsured-invitation.2031Q1`, `${people.u2.personId}.uninsured-invitation.2031Q1`].sort(),
      );
      expect(a.sent + b.sent + rest.sent).toBe(2);
      const capped = (await reminders(t, { personId: people.suspended.personId })).find((r) => r.period === '2031Q1');
      expect(capped).toMatchObject({ state: 'withdrawn', withdrawnReason: 'frequency-cap' });
    } finally {
      await second.close();
    }
  });

  it('schedules and sends each reminder once when two processes run the cycle at the same time', async () => {
    await t.caughtUp();
    await t.close();
    ensureBuilt();
    const at = '2031-04-07T02:00:00.000Z'; // the second quarter
    const before = readOutbox(dataDir).length;
    const runs = ['p1', 'p2'].map((id) =>
      startCli(['reminders', 'run', '--at', at], dataDir, { REMINDER_INTERVAL_MS: '0', INSTANCE_ID: `reminders-${id}` }),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const reports = results.map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!) as CycleReport);
    expect(reports[0].scheduled + reports[1].scheduled).toBe(4);
    t = await startApp({ ...env, INSTANCE_ID: 'reminders-a3' }, { dataDir });
    controlClock(t, at);
    for (const [stream, n] of await scheduledCounts(t)) expect({ stream, n }).toEqual({ stream, n: 1 });
    await t.caughtUp();
    const rest = await t.app.get(ReminderCycle).run();
    const sent = readOutbox(dataDir).slice(before);
    expect(duplicates(sent.map((m) => m.id))).toEqual([]);
    expect(sent.map((m) => m.id).sort()).toEqual(
      [
        `${people.u1.personId}.uninsured-invitation.2031Q2`,
        `${people.u2.personId}.uninsured-invitation.2031Q2`,
        `${people.suspended.personId}.contributions-suspended.2031Q2`,
      ].sort(),
    );
    expect(reports[0].sent + reports[1].sent + rest.sent).toBe(3);
  });

  it('lists reminders only within the caller’s region and refuses an opt-out for a person outside it', async () => {
    const tianhe = t.token({ role: 'county-operator', region: PLACES.tianhe.county });
    const res = await t.http().get('/v1/reminders').set(bearer(tianhe)).expect(200);
    expect(res.body.items).toEqual([]);
    expectProblem(
      await t.http().post('/v1/reminders/opt-outs').set(bearer(tianhe)).send({ personId: people.u1.personId }),
      404,
      'PERSON_NOT_FOUND',
    );
    expectProblem(await t.http().post('/v1/reminders/opt-outs').set(bearer(tianhe)).send({}), 400, 'VALIDATION_FAILED');
    const again = await t
      .http()
      .post('/v1/reminders/opt-outs')
      .set(bearer(admin(t)))
      .send({ personId: people.u3.personId })
      .expect(200);
    expect(again.body.recorded).toEqual([]);
  });

  it('keeps phone numbers and ID numbers out of the log, the CLI processes’ lines included', () => {
    const log = t.readLog();
    expect(log).toMatch(/cycle at /);
    const values = Object.values(people).flatMap((p) => [p.citizenId, ...(p.phone ? [p.phone] : [])]);
    expect(values.filter((v) => log.includes(v))).toEqual([]);
  });

  it('records each reminder list as a read of the persons it showed', async () => {
    await reminders(t, { personId: people.u1.personId });
    await t.app.get(ReadRecorder).flush();
    const reads: Array<{ operator: unknown; view: string; persons: string[] }> = [];
    for await (const e of t.app.get<EventStore>(EVENT_STORE).readAll({ filter: { eventTypes: ['PersonalDataRead'] } })) {
      for (const entry of (e.data as { entries: Array<{ view: string; persons: string[] }> }).entries) {
        reads.push({ operator: e.metadata.operator, view: entry.view, persons: entry.persons });
      }
    }
    expect(reads).toContainEqual({ operator: 'county-operator-user', view: 'reminders', persons: [people.u1.personId] });
  });
});

/** Polls `probe` until it answers something, or fails naming `what`. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** How many events of each type each reminder stream holds. */
async function reminderEvents(t: TestApp): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  for await (const e of t.app.get<EventStore>(EVENT_STORE).readAll()) {
    if (!e.stream.startsWith('reminder-')) continue;
    const counts = out.get(e.stream) ?? {};
    counts[e.type] = (counts[e.type] ?? 0) + 1;
    out.set(e.stream, counts);
  }
  return out;
}

describe('the service’s own schedule, on two instances', () => {
  it('runs a cycle every REMINDER_INTERVAL_MS: nothing sent at night, each reminder sent once in the morning, an opt-out honoured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-reminder-schedule-'));
    const apps: TestApp[] = [];
    try {
      const setup = await startApp({ REMINDER_INTERVAL_MS: '0', INSTANCE_ID: 'schedule-setup' }, { dataDir: dir });
      const [p1, p2, p3] = [await person(setup), await person(setup), await person(setup)];
      await setup.caughtUp();
      await setup.close();
      const clocks = [];
      const runs = [];
      for (const id of ['schedule-a', 'schedule-b']) {
        const app = await startApp({ REMINDER_INTERVAL_MS: '400', INSTANCE_ID: id }, { dataDir: dir });
        apps.push(app);
        clocks.push(controlClock(app, NIGHT));
        runs.push(jest.spyOn(app.app.get(ReminderCycle), 'run'));
      }
      const [a, b] = apps;
      const listed = async () => {
        const items = await reminders(a);
        return new Map(items.map((r) => [r.personId as string, r]));
      };
      // At night the schedule only schedules: three invitations wait, nothing leaves.
      await until('three scheduled reminders', async () => ((await listed()).size === 3 ? true : undefined));
      await b
        .http()
        .post('/v1/reminders/opt-outs')
        .set(bearer(admin(b)))
        .send({ personId: p3.personId })
        .expect(200);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(readOutbox(dir)).toEqual([]);
      expect([...(await listed()).values()].map((r) => r.state)).toEqual(['scheduled', 'scheduled', 'scheduled']);

      for (const clock of clocks) clock.set(MORNING);
      await until('the morning’s sends', async () => {
        const now = await listed();
        const done = [p1, p2].every((p) => now.get(p.personId)?.state === 'sent') && now.get(p3.personId)?.state === 'withdrawn';
        return done ? true : undefined;
      });
      // A few more cycles on both instances change nothing.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const run of runs) expect(run.mock.calls.length).toBeGreaterThan(2);
      const sent = readOutbox(dir);
      expect(sent.map((m) => m.id).sort()).toEqual([p1, p2].map((p) => `${p.personId}.uninsured-invitation.2030Q4`).sort());
      expect(sent.map((m) => m.to).sort()).toEqual([p1.phone, p2.phone].sort());
      const events = await reminderEvents(a);
      expect(events.size).toBe(3);
      for (const [stream, counts] of events) {
        const expected = stream.includes(p3.personId)
          ? { ReminderScheduled: 1, ReminderWithdrawn: 1 }
          : { ReminderScheduled: 1, ReminderSent: 1 };
        expect({ stream, counts }).toEqual({ stream, counts: expected });
      }
      expect((await listed()).get(p3.personId)).toMatchObject({ withdrawnReason: 'opted-out' });
    } finally {
      for (const app of apps) await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a dispatch that stops between handing a message over and recording it', () => {
  it('sends nothing twice and takes no second slot when the next cycle resumes', async () => {
    const t = await startApp({ REMINDER_INTERVAL_MS: '0' });
    try {
      const p = await person(t);
      await t.caughtUp();
      controlClock(t, MORNING);
      const bus = t.app.get(CommandBus);
      const execute = bus.execute.bind(bus);
      const stop = jest.spyOn(bus, 'execute').mockImplementation(async (command) => {
        if (command instanceof ExecuteReminderCommands && command.requests.some((r) => r.command.type === 'RecordReminderSent')) {
          stop.mockRestore();
          throw new Error('the process stopped here');
        }
        return execute(command);
      });
      await expect(t.app.get(ReminderCycle).run()).rejects.toThrow('the process stopped here');
      const id = `${p.personId}.uninsured-invitation.2030Q4`;
      expect(readOutbox(t.dataDir).map((m) => m.id)).toEqual([id]);
      expect(await reminders(t, { personId: p.personId })).toEqual([expect.objectContaining({ reminderId: id, state: 'scheduled' })]);

      const resumed = await t.app.get(ReminderCycle).run();
      expect(resumed).toMatchObject({ scheduled: 0, sent: 1, failed: 0, withdrawn: {} });
      expect(readOutbox(t.dataDir).map((m) => m.id)).toEqual([id]);
      expect(await reminders(t, { personId: p.personId })).toEqual([expect.objectContaining({ state: 'sent', attempts: 1 })]);
      const recipient = await t.app.get<EventStore>(EVENT_STORE).readStream(`recipient-${p.personId}`);
      expect(recipient.map((e) => e.type)).toEqual(['ReminderAllotted']);
    } finally {
      await t.close();
    }
  });
});

describe('at most N reminders per person per 30 days', () => {
  it('withdraws the reminder over the cap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-reminder-cap-'));
    const rules = JSON.parse(readFileSync(defaultReminderRulesPath(), 'utf8'));
    writeFileSync(join(dir, 'rules.json'), JSON.stringify({ ...rules, maxPerPerson: 1 }));
    const t = await startApp({ REMINDER_INTERVAL_MS: '0', REMINDER_RULES_FILE: join(dir, 'rules.json') });
    try {
      // Suspended for months and enrolled in a residents' type: two rules call for a reminder.
      const p = await person(t, { enrol: 'suspended' });
      await t.caughtUp();
      controlClock(t, MORNING);
      const report = await t.app.get(ReminderCycle).run();
      expect(report).toMatchObject({ scheduled: 2, sent: 1, withdrawn: { 'frequency-cap': 1 } });
      expect(readOutbox(t.dataDir).filter((m) => m.to === p.phone)).toHaveLength(1);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops the service at start on a rules file that does not validate, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-reminder-rules-'));
    writeFileSync(join(dir, 'rules.json'), JSON.stringify({ rules: [{ id: 'x1', kind: 'uninsured', text: 'hi', period: 'decade' }] }));
    try {
      ensureBuilt();
      const service = spawnSync(process.execPath, ['scripts/run.js', 'apps/registry/src/main.js'], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          MONGODB_URI: '',
          POSTGRES_URL: '',
          DATA_DIR: join(dir, 'data'),
          PORT: '0',
          REMINDER_RULES_FILE: join(dir, 'rules.json'),
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(service.status).toBe(1);
      expect(`${service.stdout}${service.stderr}`).toMatch(
        /REMINDER_RULES_FILE .*rules\.json: rules\[0\]\.period must be one of once, year, quarter, month/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('through the HTTP SMS gateway (the simulator)', () => {
  let sim: SmsSim;
  let t: TestApp;

  beforeAll(async () => {
    sim = await createSmsSim({ token: 'gateway-key' });
    const url = await sim.listen(0);
    t = await startApp({
      REMINDER_INTERVAL_MS: '0',
      SMS_GATEWAY_URL: url,
      SMS_GATEWAY_TOKEN: 'gateway-key',
      SMS_GATEWAY_RETRY_BASE_MS: '1',
      SMS_GATEWAY_RETRIES: '1',
    });
  });

  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('sends, retries a gateway that is down on the next cycle, records receipts, and ends an undeliverable reminder', async () => {
    const ok = await person(t);
    const unreachable = await person(t);
    const later = await person(t);
    sim.state.undeliverable.add(unreachable.phone!);
    await t.caughtUp();
    const clock = controlClock(t, MORNING);
    // Down for the whole first cycle: the retries run out, the reminders stay scheduled.
    sim.faults.set({ mode: 'fail', status: 503, count: 1000 });
    const down = await t.app.get(ReminderCycle).run();
    expect(down).toMatchObject({ sent: 0, failed: 3, receipts: 'unavailable' });
    let listed = await reminders(t);
    expect(listed.map((r) => [r.state, r.failure, r.attempts])).toEqual([
      ['scheduled', 'HTTP_503', 1],
      ['scheduled', 'HTTP_503', 1],
      ['scheduled', 'HTTP_503', 1],
    ]);
    sim.faults.set({ mode: 'none' });
    clock.advance(3600_000);
    const up = await t.app.get(ReminderCycle).run();
    expect(up).toMatchObject({ sent: 3, failed: 0, delivered: 2, undeliverable: 1 });
    expect(sim.state.messages.size).toBe(3);
    listed = await reminders(t);
    const byPerson = new Map(listed.map((r) => [r.personId, r]));
    expect(byPerson.get(ok.personId)).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(byPerson.get(later.personId)).toMatchObject({ state: 'delivered' });
    expect(byPerson.get(unreachable.personId)).toMatchObject({ state: 'failed', failure: 'UNREACHABLE' });
    // Receipts are read once.
    expect(await t.app.get(ReminderCycle).run()).toMatchObject({ delivered: 0, undeliverable: 0, sent: 0 });
    expect(t.readLog()).not.toContain(ok.phone!);
  });

  it('records an opt-out when a citizen answers a reminder TD, and sends that person nothing more', async () => {
    const answering = await person(t);
    const chatty = await person(t);
    await t.caughtUp();
    const clock = controlClock(t, '2031-01-05T02:00:00.000Z');
    await t.app.get(ReminderCycle).run();
    const firstQuarter = await reminders(t, { rule: 'uninsured-invitation' });
    for (const p of [answering, chatty]) {
      expect(firstQuarter.find((r) => r.personId === p.personId && r.period === '2031Q1')).toMatchObject({ state: 'delivered' });
    }
    // Full-width letters, as a phone's Chinese keyboard writes them; the other citizen only says thanks.
    sim.state.reply(answering.phone!, 'ＴＤ');
    sim.state.reply(chatty.phone!, '好的，谢谢');
    clock.set('2031-04-07T02:00:00.000Z');
    const next = await t.app.get(ReminderCycle).run();
    expect(next).toMatchObject({ optedOutByReply: 1, unmatchedOptOutReplies: 0, replies: 'read' });
    const recipient = await t.app.get<EventStore>(EVENT_STORE).readStream(`recipient-${answering.personId}`);
    expect(recipient.filter((e) => e.type === 'RemindersOptedOut').map((e) => e.data)).toEqual([
      { at: expect.any(String), via: 'sms-reply' },
    ]);
    const secondQuarter = await reminders(t, { rule: 'uninsured-invitation' });
    const of = (p: Person) => secondQuarter.find((r) => r.personId === p.personId && r.period === '2031Q2');
    expect(of(answering)).toMatchObject({ state: 'withdrawn', withdrawnReason: 'opted-out' });
    expect(of(chatty)).toMatchObject({ state: 'delivered' });
    expect([...sim.state.messages.values()].filter((m) => m.to === answering.phone).map((m) => m.id)).toEqual([
      `${answering.personId}.uninsured-invitation.2031Q1`,
    ]);
    // Answers are read once; their text is kept nowhere.
    expect(await t.app.get(ReminderCycle).run()).toMatchObject({ optedOutByReply: 0 });
    expect(t.readLog()).not.toMatch(/ＴＤ|谢谢/);
  });
});
