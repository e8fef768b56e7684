import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  LocalTime,
  ReminderFacts,
  ReminderRule,
  ReminderState,
  ReminderWithdrawalReason,
  SurveyRefusalRule,
  inQuietHours,
  isDispatchable,
  isOptOutReply,
  localTime,
  normaliseMobilePhone,
  parseReminderId,
  reminderIdFor,
  reminderStreamName,
} from '@registry/domain';
import { ConcurrencyError, EVENT_STORE, EventStore } from '@registry/event-store';
import { ReadModelNotReadyError } from '@registry/projections';
import { Collection, Document, READ_STORE, ReadStore } from '@registry/read-store';
import { Clock } from '../common/clock';
import { LeasedRuns, instanceName } from '../common/leased-runs';
import { CommandContext } from '../common/event-sourcing/command-context';
import { describeUnexpectedError } from '../common/redact';
import { AppConfig } from '../config/app-config';
import { NOTIFICATIONS, NotificationPort, OutgoingMessage } from '../notifications/notification.port';
import { PersonDocument, PersonalFields } from '../persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../persons/projections/persons.projection';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { ExecuteRecipientCommands, ExecuteReminderCommands, ReminderRequest, reminderAggregate } from './reminder-aggregates';
import { PERSON_FIELDS, PreparedRule, RuleMatch, prepareRule, reachable, stillApplies, surveyRefusalMatch } from './reminder-evaluation';
import { ReminderRules } from './reminder-rules.provider';
import {
  RECIPIENTS_COLLECTION,
  RECIPIENTS_PROJECTION,
  REMINDERS_COLLECTION,
  REMINDERS_PROJECTION,
  RecipientDocument,
  ReminderDocument,
} from './projections/reminders.projection';

const PAGE = 1000;
const SCHEDULE_BATCH = 500;
const DISPATCH_BATCH = 100;

/** A reminder the rules call for and nobody has scheduled yet (as far as the read models know). */
export interface DueReminder {
  personId: string;
  region: string | null;
  match: RuleMatch;
}

export interface RuleReport {
  rule: string;
  matched: number;
  /** Why the rule was not evaluated (its read model does not exist yet). */
  skipped?: string;
}

export interface CycleReport {
  at: string;
  rules: RuleReport[];
  /** Matches already scheduled in an earlier cycle (read model), and persons who opted out. */
  known: number;
  optedOut: number;
  scheduled: number;
  /** Scheduled meanwhile by another instance: refused by the reminder's stream. */
  alreadyScheduled: number;
  dispatch: 'done' | 'quiet-hours' | 'busy' | 'stopped-quiet-hours' | 'lease-lost';
  sent: number;
  failed: number;
  withdrawn: Partial<Record<ReminderWithdrawalReason, number>>;
  delivered: number;
  undeliverable: number;
  /** Whether the adapter's delivery receipts could be read this cycle. */
  receipts: 'read' | 'unavailable';
  /** Opt-outs recorded from citizens' answers (TD, 退订, …) this cycle; answers that named no reminder of ours. */
  optedOutByReply: number;
  unmatchedOptOutReplies: number;
  replies: 'read' | 'unavailable';
  ms: { evaluate: number; schedule: number; dispatch: number };
}

/**
 * One reminder cycle: evaluate the rules over the read models, schedule what is due, send
 * what waits (outside the quiet hours), and record delivery receipts.
 *
 * Scheduling needs no coordination: a reminder's stream is its person, rule and period, and
 * scheduling appends with expected revision `no_stream`, so two instances (or a cycle
 * repeated after a restart) schedule each reminder once; the read models only save the work
 * of trying again. Sending is one instance at a time (a lease in the read store), and each
 * send first re-reads the reminder's stream and takes a slot on the person's recipient stream
 * (opt-out and the per-person cap, exact), then hands the message to the notification port
 * with the reminder id as its idempotency key, then records sent or failed.
 */
@Injectable()
export class ReminderCycle {
  private readonly logger = new Logger('Reminders');
  /** Sending is one instance at a time: the lease `reminders:dispatch`, renewed while it sends. */
  private readonly dispatchLease: LeasedRuns;
  private running?: Promise<CycleReport>;
  private readonly context: CommandContext;

  constructor(
    private readonly commands: CommandBus,
    private readonly projections: ProjectionsService,
    private readonly rules: ReminderRules,
    private readonly clock: Clock,
    private readonly reference: ReferenceData,
    private readonly protector: PersonalDataProtector,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) reads: ReadStore,
    @Inject(NOTIFICATIONS) private readonly notifications: NotificationPort,
    config: AppConfig,
  ) {
    const instance = instanceName(config);
    // Lease expiry is real time, whatever time the cycle evaluates at.
    this.dispatchLease = new LeasedRuns(reads, config, 'reminders:');
    this.context = { operator: `reminders@${instance}`, role: 'system', region: this.reference.provinceCode, channel: 'system' };
  }

  /** Resolves once no cycle runs in this instance (shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  /** Runs a cycle now, or joins the one this instance is running. */
  run(): Promise<CycleReport> {
    this.running ??= this.cycle().finally(() => (this.running = undefined));
    return this.running;
  }

  private async cycle(): Promise<CycleReport> {
    const now = this.clock.now();
    const report = emptyReport(now);
    let t = performance.now();
    const due = await this.findDue(now, report);
    report.ms.evaluate = Math.round(performance.now() - t);
    t = performance.now();
    const fresh = await this.schedule(due, now, report);
    report.ms.schedule = Math.round(performance.now() - t);
    t = performance.now();
    await this.dispatch(fresh, report);
    report.ms.dispatch = Math.round(performance.now() - t);
    this.logger.log(
      `cycle at ${report.at}: ${report.rules.map((r) => `${r.rule} ${r.skipped ? `skipped (${r.skipped})` : r.matched}`).join(', ')}; ` +
        `scheduled ${report.scheduled} (already ${report.alreadyScheduled}), dispatch ${report.dispatch}: sent ${report.sent}, failed ${report.failed}, ` +
        `withdrawn ${JSON.stringify(report.withdrawn)}, delivered ${report.delivered}, opted out by answer ${report.optedOutByReply}`,
    );
    return report;
  }

  // ── Evaluate ──────────────────────────────────────────────────────────────────────────

  /**
   * Every reminder the rules call for at `now` that the read models do not show as scheduled,
   * for persons who did not opt out. One pass over the persons read model in id order (every
   * person rule at once), one over each survey read model a rule names.
   */
  async findDue(now: Date, report?: CycleReport): Promise<DueReminder[]> {
    const { config } = this.rules;
    const local = localTime(now, config.timeZone);
    const province = this.reference.provinceCode;
    const optedOut = await this.optedOut();
    const reminders = await this.collection<ReminderDocument>(REMINDERS_PROJECTION, REMINDERS_COLLECTION);
    const due: DueReminder[] = [];
    const ruleReports = new Map<string, RuleReport>(config.rules.map((r) => [r.id, { rule: r.id, matched: 0 }]));
    let skippedKnown = 0;
    let skippedOptedOut = 0;
    /** Keeps the candidates the reminders read model does not show yet: one look-up by id per page, whatever the read model holds. */
    const consider = async (candidates: DueReminder[]) => {
      const ids = candidates.map((c) => reminderIdFor(c.personId, c.match.rule.id, c.match.period));
      const known = reminders && ids.length > 0 ? await reminders.getMany(ids) : new Map<string, ReminderDocument>();
      candidates.forEach((c, i) => {
        ruleReports.get(c.match.rule.id)!.matched++;
        if (optedOut.has(c.personId)) skippedOptedOut++;
        else if (known.has(ids[i])) skippedKnown++;
        else due.push(c);
      });
    };

    const personRules = config.rules.filter((r) => r.kind !== 'survey-refusal');
    const persons = await this.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    if (!persons) for (const rule of personRules) ruleReports.get(rule.id)!.skipped = 'the persons read model does not exist yet';
    const prepared = personRules.map((rule) => prepareRule(rule, local, province)).filter((p): p is PreparedRule => p !== null);
    if (persons && prepared.length > 0) {
      // One pass over every person (a scan: paging with `find` made a wire server that cannot
      // page from an index read the whole collection for every page), every person rule at once,
      // considered a thousand persons at a time.
      let candidates: DueReminder[] = [];
      let read = 0;
      for await (const doc of persons.scan(undefined, { fields: PERSON_FIELDS })) {
        if (reachable(doc)) {
          for (const rule of prepared) {
            if (rule.applies(doc)) candidates.push({ personId: doc._id, region: doc.householdRegion ?? null, match: rule.match });
          }
        }
        if (++read % PAGE === 0) {
          await consider(candidates);
          candidates = [];
        }
      }
      await consider(candidates);
    }

    for (const rule of config.rules.filter((r): r is SurveyRefusalRule => r.kind === 'survey-refusal')) {
      const m = rule.readModel;
      const surveys = await this.collection<Document>(m.projection, m.collection);
      if (!surveys) {
        const why = `the read model ${m.projection}/${m.collection} does not exist (no survey capability, or it has not built it yet)`;
        ruleReports.get(rule.id)!.skipped = why;
        this.logger.warn(`rule ${rule.id} skipped: ${why}`);
        continue;
      }
      const matches: Array<{ personId: string; match: RuleMatch }> = [];
      const fields = [...new Set([m.personField, m.outcomeField, m.dateField].map((f) => f.split('.')[0]))];
      for await (const doc of scan(surveys, { [m.outcomeField]: m.refusedValue }, fields)) {
        const found = surveyRefusalMatch(rule, doc, local);
        if (found) matches.push(found);
      }
      // The person's region and reachability come from the persons read model.
      for (let i = 0; i < matches.length; i += PAGE) {
        const chunk = matches.slice(i, i + PAGE);
        const docs = persons ? await persons.getMany([...new Set(chunk.map((c) => c.personId))]) : new Map<string, PersonDocument>();
        const candidates: DueReminder[] = [];
        for (const { personId, match } of chunk) {
          const doc = docs.get(personId);
          if (doc && stillApplies(rule, doc, local, province)) candidates.push({ personId, region: doc.householdRegion ?? null, match });
        }
        await consider(candidates);
      }
    }
    if (report) {
      report.rules = [...ruleReports.values()];
      report.known = skippedKnown;
      report.optedOut = skippedOptedOut;
    }
    return due;
  }

  private async optedOut(): Promise<Set<string>> {
    const recipients = await this.collection<RecipientDocument>(RECIPIENTS_PROJECTION, RECIPIENTS_COLLECTION);
    const out = new Set<string>();
    if (recipients) for await (const doc of scan(recipients, { optedOut: true }, ['_id'], 'optedOut')) out.add(doc._id);
    return out;
  }

  private async collection<T extends Document>(projection: string, logical: string): Promise<Collection<T> | null> {
    try {
      return await this.projections.collection<T>(projection, logical);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return null;
      throw error;
    }
  }

  // ── Schedule ──────────────────────────────────────────────────────────────────────────

  /** Schedules the due reminders in batches; answers the ids this instance scheduled. */
  async schedule(due: readonly DueReminder[], now: Date, report?: CycleReport): Promise<string[]> {
    const scheduledAt = now.toISOString();
    const fresh: string[] = [];
    for (let i = 0; i < due.length; i += SCHEDULE_BATCH) {
      const requests: ReminderRequest<string>[] = due.slice(i, i + SCHEDULE_BATCH).map(({ personId, region, match }) => {
        const reminderId = reminderIdFor(personId, match.rule.id, match.period);
        const facts: ReminderFacts = {
          reminderId,
          personId,
          rule: match.rule.id,
          period: match.period,
          template: match.rule.template,
          text: match.text,
          region,
          scheduledAt,
        };
        return { key: reminderId, id: reminderId, command: { type: 'ScheduleReminder', data: facts } };
      });
      const outcomes = await this.withRetries(() => this.commands.execute(new ExecuteReminderCommands(requests, this.context)));
      if (!outcomes) continue;
      for (const o of outcomes) {
        if (o.status === 'applied') fresh.push(o.key);
        else if (o.error.code === 'REMINDER_ALREADY_SCHEDULED' && report) report.alreadyScheduled++;
      }
    }
    if (report) report.scheduled = fresh.length;
    return fresh;
  }

  /**
   * handleCommands retries a conflict itself; two instances racing through the same batches
   * can outlast that. Each further try re-reads the streams and is refused where the other
   * instance won; a batch that still cannot land is left to the next cycle.
   */
  private async withRetries<T>(run: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        if (attempt >= 8) {
          this.logger.warn(`a reminder batch met concurrent writes ${attempt} times; the next cycle takes it up`);
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
      }
    }
  }

  // ── Send ──────────────────────────────────────────────────────────────────────────────

  /** Sends the reminders given and every reminder the read model shows waiting (the cycle's last step; the bench times it alone). */
  async dispatch(fresh: string[], report: CycleReport = emptyReport(this.clock.now())): Promise<CycleReport> {
    const { config } = this.rules;
    if (inQuietHours(this.clock.now(), config)) {
      report.dispatch = 'quiet-hours';
      return report;
    }
    return this.dispatchLease.run(
      'dispatch',
      async (renew) => {
        try {
          // Answers first: a citizen who wrote back TD gets nothing more, from this batch on.
          await this.recordReplies(report);
          const queue = new Set(fresh);
          const reminders = await this.collection<ReminderDocument>(REMINDERS_PROJECTION, REMINDERS_COLLECTION);
          if (reminders) for await (const doc of scan(reminders, { state: 'scheduled' }, ['_id'], 'state')) queue.add(doc._id);
          const ids = [...queue];
          for (let i = 0; i < ids.length; i += DISPATCH_BATCH) {
            if (inQuietHours(this.clock.now(), config)) {
              report.dispatch = 'stopped-quiet-hours';
              break;
            }
            if (i > 0 && !(await renew())) {
              report.dispatch = 'lease-lost';
              break;
            }
            await this.dispatchBatch(ids.slice(i, i + DISPATCH_BATCH), report);
          }
          await this.recordReceipts(report);
          return report;
        } catch (error) {
          this.logger.error(`dispatch failed: ${describeUnexpectedError(error)}`);
          throw error;
        }
      },
      () => {
        report.dispatch = 'busy';
        return report;
      },
    );
  }

  private async dispatchBatch(ids: string[], report: CycleReport): Promise<void> {
    const { config } = this.rules;
    const now = this.clock.now();
    const at = now.toISOString();
    const local = localTime(now, config.timeZone);
    const province = this.reference.provinceCode;
    const read = await this.events.readStreams(ids.map(reminderStreamName));
    const waiting: Array<{ id: string; state: Extract<ReminderState, { status: 'scheduled' }> }> = [];
    for (const id of ids) {
      const { decider, fromStored } = reminderAggregate;
      const state = fromStored(read.get(reminderStreamName(id)) ?? [], false).reduce(decider.evolve, decider.initialState());
      if (isDispatchable(state)) waiting.push({ id, state });
    }
    if (waiting.length === 0) return;

    const persons = await this.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    const docs = persons
      ? await persons.getMany([...new Set(waiting.map((w) => w.state.facts.personId))])
      : new Map<string, PersonDocument>();
    const rules = new Map<string, ReminderRule>(config.rules.map((r) => [r.id, r]));
    const records: ReminderRequest<string>[] = [];
    const withdraw = (id: string, reason: ReminderWithdrawalReason) => {
      records.push({ key: id, id, command: { type: 'WithdrawReminder', data: { reason, at } } });
      report.withdrawn[reason] = (report.withdrawn[reason] ?? 0) + 1;
    };
    const ready: Array<{ id: string; state: Extract<ReminderState, { status: 'scheduled' }>; phone: string }> = [];
    for (const w of waiting) {
      const rule = rules.get(w.state.facts.rule);
      const doc = docs.get(w.state.facts.personId) ?? null;
      if (!rule || !stillApplies(rule, doc, local, province)) {
        withdraw(w.id, 'no-longer-applies');
        continue;
      }
      // The phone is opened here, for this send only.
      const held = this.protector.openFromDocument<PersonalFields>(doc!._id, doc!.personal);
      const phone = held?.phone ? normaliseMobilePhone(held.phone) : undefined;
      if (!phone) withdraw(w.id, 'no-phone');
      else ready.push({ ...w, phone });
    }

    const allotments = ready.length
      ? await this.commands.execute(
          new ExecuteRecipientCommands(
            ready.map((r) => ({
              key: r.id,
              id: r.state.facts.personId,
              command: {
                type: 'AllotReminder' as const,
                data: { reminderId: r.id, at, maxPerWindow: config.maxPerPerson, windowDays: config.windowDays },
              },
            })),
            this.context,
          ),
        )
      : [];
    const messages: OutgoingMessage[] = [];
    const sending = new Map<string, (typeof ready)[number]>();
    allotments.forEach((outcome, i) => {
      const r = ready[i];
      if (outcome.status === 'refused') {
        withdraw(r.id, outcome.error.code === 'RECIPIENT_OPTED_OUT' ? 'opted-out' : 'frequency-cap');
        return;
      }
      sending.set(r.id, r);
      messages.push({ id: r.id, to: r.phone, template: r.state.facts.template, text: r.state.facts.text });
    });
    const results = messages.length ? await this.notifications.send(messages) : [];
    for (const result of results) {
      const r = sending.get(result.id)!;
      if (result.status === 'accepted') {
        records.push({
          key: r.id,
          id: r.id,
          command: { type: 'RecordReminderSent', data: { messageId: r.id, adapter: this.notifications.kind, sentAt: at } },
        });
        report.sent++;
      } else {
        const final = !result.retryable || r.state.attempts + 1 >= config.maxAttempts;
        records.push({ key: r.id, id: r.id, command: { type: 'RecordReminderFailed', data: { code: result.code, at, final } } });
        report.failed++;
      }
    }
    if (records.length > 0) await this.withRetries(() => this.commands.execute(new ExecuteReminderCommands(records, this.context)));
  }

  private async recordReceipts(report: CycleReport): Promise<void> {
    let batch;
    try {
      batch = await this.notifications.receipts();
    } catch (error) {
      // The gateway keeps receipts: the next cycle reads them.
      report.receipts = 'unavailable';
      this.logger.warn(`delivery receipts unavailable: ${describeUnexpectedError(error)}`);
      return;
    }
    const requests: ReminderRequest<string>[] = [];
    for (const receipt of batch.items) {
      if (!parseReminderId(receipt.id)) continue; // a phone code, not a reminder
      if (receipt.status === 'delivered') {
        requests.push({ key: receipt.id, id: receipt.id, command: { type: 'RecordReminderDelivered', data: { at: receipt.at } } });
      } else {
        requests.push({
          key: receipt.id,
          id: receipt.id,
          command: { type: 'RecordReminderFailed', data: { code: receipt.code ?? 'UNDELIVERABLE', at: receipt.at, final: true } },
        });
      }
    }
    for (let i = 0; i < requests.length; i += SCHEDULE_BATCH) {
      const outcomes = await this.withRetries(() =>
        this.commands.execute(new ExecuteReminderCommands(requests.slice(i, i + SCHEDULE_BATCH), this.context)),
      );
      for (const o of outcomes ?? []) {
        if (o.status !== 'applied') continue;
        for (const e of o.events) {
          if (e.type === 'ReminderDelivered') report.delivered++;
          if (e.type === 'ReminderFailed') report.undeliverable++;
        }
      }
    }
    await batch.acknowledge();
  }

  /**
   * Citizens' answers to reminders: an opt-out word (回复TD退订) records RemindersOptedOut on the
   * person the answered reminder was for, through the recipient aggregate like a staff opt-out.
   * The answer's text is read for that word only and kept nowhere; an answer to a phone code, or
   * one the gateway could not tie to a message, opts nobody out (the registry never looks a
   * person up by phone number).
   */
  private async recordReplies(report: CycleReport): Promise<void> {
    let batch;
    try {
      batch = await this.notifications.replies();
    } catch (error) {
      report.replies = 'unavailable';
      this.logger.warn(`SMS answers unavailable: ${describeUnexpectedError(error)}`);
      return;
    }
    const persons = new Map<string, string>();
    for (const reply of batch.items) {
      if (!isOptOutReply(reply.text)) continue;
      const reminder = reply.inReplyTo === undefined ? undefined : parseReminderId(reply.inReplyTo);
      if (!reminder) report.unmatchedOptOutReplies++;
      else if (!persons.has(reminder.personId)) persons.set(reminder.personId, reply.at);
    }
    const requests = [...persons].map(([personId, at]) => ({
      key: personId,
      id: personId,
      command: { type: 'OptOutOfReminders' as const, data: { at, via: 'sms-reply' } },
    }));
    for (let i = 0; i < requests.length; i += SCHEDULE_BATCH) {
      const outcomes = await this.withRetries(() =>
        this.commands.execute(new ExecuteRecipientCommands(requests.slice(i, i + SCHEDULE_BATCH), this.context)),
      );
      // A batch that could not land is read again next cycle: the cursor stays.
      if (!outcomes) return;
      for (const o of outcomes) if (o.status === 'applied' && o.events.length > 0) report.optedOutByReply++;
    }
    await batch.acknowledge();
  }

  /** For tests and the CLI: the local time a cycle would evaluate at now. */
  localNow(): LocalTime {
    return localTime(this.clock.now(), this.rules.config.timeZone);
  }
}

function emptyReport(now: Date): CycleReport {
  return {
    at: now.toISOString(),
    rules: [],
    known: 0,
    optedOut: 0,
    scheduled: 0,
    alreadyScheduled: 0,
    dispatch: 'done',
    sent: 0,
    failed: 0,
    withdrawn: {},
    delivered: 0,
    undeliverable: 0,
    receipts: 'read',
    optedOutByReply: 0,
    unmatchedOptOutReplies: 0,
    replies: 'read',
    ms: { evaluate: 0, schedule: 0, dispatch: 0 },
  };
}

/**
 * Every document of a filter, in one scan. `by` names the filter's field when an index on it
 * and `_id` exists: where the store pages a scan (SQLite), pages then walk that index instead
 * of testing every document in id order.
 */
function scan<T extends Document>(
  collection: Collection<T>,
  filter: Record<string, unknown>,
  fields: string[],
  by?: string,
): AsyncIterable<T> {
  return collection.scan(filter as never, { fields, ...(by && { sort: [[by, 1]] }) });
}
