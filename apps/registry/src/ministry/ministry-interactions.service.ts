import { CommandBus } from '@nestjs/cqrs';
import { Injectable, Logger } from '@nestjs/common';
import { CitizenId, ContributionStatus, InsuranceType, PersonCommand, PersonId, personIdFor } from '@registry/domain';
import { randomUUID } from 'node:crypto';
import { CommandContext } from '../common/event-sourcing/command-context';
import { AppConfig } from '../config/app-config';
import { KeyRing } from '../config/key-ring';
import { ExecutePersonCommands, PersonCommandRequest } from '../persons/execute-person-commands';
import { ExchangeLease } from './exchange-lease';
import { ExchangeStateStore, InteractionFacts, InteractionsState, UnmatchedInteraction } from './exchange-state';
import { MinistryClient, MinistryError } from './ministry-client';
import { Interaction } from './ministry-protocol';

const PAGE_SIZE = 500;
const UNMATCHED_RETRY_PAGE = 500;

export interface DownloadRunResult {
  outcome: 'completed' | 'failed' | 'busy' | 'disabled';
  cursor: string | null;
  pages: number;
  received: number;
  applied: number;
  alreadyApplied: number;
  unmatched: number;
  matchedLater: number;
  refused: number;
  skipped: number;
  error?: { code: string; status?: number };
}

type RunCounts = Omit<DownloadRunResult, 'outcome' | 'cursor' | 'error'>;

/**
 * Download of interaction data (spec §3.3): this province's people registered as insured
 * or deceased in another province. Each item goes through the one person command path
 * with source 'ministry' and the item's cursor as source record id, so a repeated
 * download records nothing twice. Items about persons the registry does not hold are
 * parked under their person id (a keyed hash, no ID number) and retried on later runs.
 */
@Injectable()
export class MinistryInteractionsService {
  private readonly logger = new Logger('MinistryInteractions');

  constructor(
    private readonly client: MinistryClient,
    private readonly commands: CommandBus,
    private readonly keys: KeyRing,
    private readonly state: ExchangeStateStore,
    private readonly lease: ExchangeLease,
    private readonly config: AppConfig,
  ) {}

  get running(): boolean {
    return this.lease.isRunning('interactions');
  }

  /** Pages through interactions after the stored cursor (or from the start with `restart`). Never throws for an exchange failure. */
  downloadInteractions(options: { restart?: boolean } = {}): Promise<DownloadRunResult> {
    const idle = (outcome: 'busy' | 'disabled'): DownloadRunResult => ({
      outcome,
      cursor: null,
      pages: 0,
      received: 0,
      applied: 0,
      alreadyApplied: 0,
      unmatched: 0,
      matchedLater: 0,
      refused: 0,
      skipped: 0,
    });
    if (!this.client.enabled) return Promise.resolve(idle('disabled'));
    return this.lease.run(
      'interactions',
      (renew) => this.run(options.restart === true, renew),
      () => idle('busy'),
    );
  }

  private context(): CommandContext {
    return {
      operator: 'ministry-exchange',
      role: 'system',
      region: this.config.PROVINCE_CODE,
      channel: 'system',
      sourceSystem: 'ministry',
      correlationId: randomUUID(),
    };
  }

  private async run(restart: boolean, renew: () => Promise<boolean>): Promise<DownloadRunResult> {
    const state = await this.state.interactions();
    state.lastRunAt = new Date().toISOString();
    const run: RunCounts = { pages: 0, received: 0, applied: 0, alreadyApplied: 0, unmatched: 0, matchedLater: 0, refused: 0, skipped: 0 };
    const context = this.context();
    let cursor = restart ? null : state.cursor;
    try {
      await this.retryUnmatched(state, run, context);
      for (;;) {
        const page = await this.client.interactions(cursor ?? undefined, PAGE_SIZE);
        await this.applyPage(page.items, state, run, context);
        cursor = page.nextCursor ?? (page.items.length > 0 ? page.items[page.items.length - 1].cursor : cursor);
        state.cursor = cursor;
        state.pages++;
        run.pages++;
        await this.state.save(state);
        if (!page.hasMore || page.items.length === 0) break;
        if (!(await renew())) throw new MinistryError('LEASE_LOST', 'Another instance took over the download', false);
      }
      state.lastSuccessAt = new Date().toISOString();
      state.consecutiveFailures = 0;
      state.lastError = null;
      await this.state.save(state);
      return { outcome: 'completed', cursor: state.cursor, ...run };
    } catch (error) {
      const code = error instanceof MinistryError ? error.code : 'INTERNAL_ERROR';
      const status = error instanceof MinistryError ? error.status : undefined;
      state.consecutiveFailures++;
      state.lastError = { code, ...(status !== undefined ? { status } : {}), at: new Date().toISOString() };
      await this.state.save(state);
      const cause = error instanceof MinistryError ? code : `${code}: ${error instanceof Error ? error.name : typeof error}`;
      this.logger.error(`Interaction download failed (${cause}); ${state.consecutiveFailures} failed run(s) in a row`);
      return { outcome: 'failed', cursor: state.cursor, ...run, error: { code, ...(status !== undefined ? { status } : {}) } };
    }
  }

  private async applyPage(items: Interaction[], state: InteractionsState, counts: RunCounts, context: CommandContext): Promise<void> {
    const commands: PersonCommandRequest<number>[] = [];
    const facts: InteractionFacts[] = [];
    const skip = (reason: string) => {
      state.skipped[reason] = (state.skipped[reason] ?? 0) + 1;
      counts.skipped++;
    };
    for (const item of items) {
      state.received++;
      counts.received++;
      const parsed = typeof item?.citizenId === 'string' ? CitizenId.parse(item.citizenId) : undefined;
      if (!parsed?.ok) {
        skip('INVALID_CITIZEN_ID');
        continue;
      }
      const f = factsOf(item);
      if (typeof f === 'string') {
        skip(f);
        continue;
      }
      facts.push(f);
      commands.push({ key: facts.length - 1, id: personIdFor(parsed.value, this.keys.personIdKey), command: commandOf(f) });
    }
    if (commands.length === 0) return;
    const outcomes = await this.commands.execute(new ExecutePersonCommands(commands, context));
    const parked: UnmatchedInteraction[] = [];
    const parkedAt = new Date().toISOString();
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome.status === 'applied') {
        if (outcome.events.length > 0) {
          state.applied++;
          counts.applied++;
        } else {
          state.alreadyApplied++;
          counts.alreadyApplied++;
        }
      } else if (outcome.error.code === 'PERSON_NOT_REGISTERED') {
        state.unmatched++;
        counts.unmatched++;
        const personId = commands[i].id;
        parked.push({ _id: `${personId}:${facts[outcome.key].cursor}`, personId, ...facts[outcome.key], parkedAt });
      } else {
        state.refused[outcome.error.code] = (state.refused[outcome.error.code] ?? 0) + 1;
        counts.refused++;
      }
    }
    const unmatched = this.state.unmatched();
    for (const doc of parked) await unmatched.upsert(doc);
  }

  /** Parked interactions whose person has been registered since are applied now. */
  private async retryUnmatched(state: InteractionsState, counts: RunCounts, context: CommandContext): Promise<void> {
    const unmatched = this.state.unmatched();
    let cursor: string | undefined;
    do {
      const page = await unmatched.find({}, { limit: UNMATCHED_RETRY_PAGE, cursor });
      cursor = page.nextCursor;
      if (page.items.length === 0) break;
      const commands = page.items.map((doc, key) => ({ key, id: doc.personId as PersonId, command: commandOf(doc) }));
      const outcomes = await this.commands.execute(new ExecutePersonCommands(commands, context));
      for (const outcome of outcomes) {
        if (outcome.status === 'refused' && outcome.error.code === 'PERSON_NOT_REGISTERED') continue;
        if (outcome.status === 'applied') {
          state.matchedLater++;
          counts.matchedLater++;
        } else state.refused[outcome.error.code] = (state.refused[outcome.error.code] ?? 0) + 1;
        await unmatched.delete(page.items[outcome.key]._id);
      }
    } while (cursor);
  }
}

/** The interaction's facts without the citizen ID, or why it cannot be applied. */
function factsOf(item: Interaction): InteractionFacts | string {
  if (typeof item.cursor !== 'string' || item.cursor === '') return 'INVALID_INTERACTION';
  if (typeof item.provinceCode !== 'string') return 'INVALID_INTERACTION';
  const base = { cursor: item.cursor, kind: item.kind, provinceCode: item.provinceCode, recordedAt: item.recordedAt };
  if (item.kind === 'insured-elsewhere') {
    if (!item.insuranceType) return 'INVALID_INTERACTION';
    const since = item.since ?? item.recordedAt?.slice(0, 10);
    if (!since) return 'INVALID_INTERACTION';
    return { ...base, insuranceType: item.insuranceType, contributionStatus: item.contributionStatus ?? '1', since };
  }
  if (item.kind === 'deceased-elsewhere') {
    if (!item.dateOfDeath) return 'INVALID_INTERACTION';
    return { ...base, dateOfDeath: item.dateOfDeath };
  }
  return 'UNSUPPORTED_KIND';
}

function commandOf(f: InteractionFacts): PersonCommand {
  if (f.kind === 'insured-elsewhere') {
    return {
      type: 'RecordEnrollment',
      data: {
        source: 'ministry',
        sourceRecordId: f.cursor,
        occurredAt: f.since!,
        insuranceType: f.insuranceType as InsuranceType,
        contributionStatus: f.contributionStatus as ContributionStatus,
        provinceCode: f.provinceCode,
        since: f.since!,
      },
    };
  }
  return {
    type: 'RecordDeath',
    data: { source: 'ministry', sourceRecordId: f.cursor, occurredAt: f.recordedAt ?? f.dateOfDeath!, dateOfDeath: f.dateOfDeath! },
  };
}
