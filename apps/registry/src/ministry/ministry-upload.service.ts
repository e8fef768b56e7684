import { Inject, Injectable, Logger } from '@nestjs/common';
import { PersonId, personIdFromStreamName, personStreamName } from '@registry/domain';
import { EVENT_STORE, EventFilter, EventStore, RecordedEvent } from '@registry/event-store';
import { AnchorService } from '../audit/anchor.service';
import { AUDIT_PROJECTION } from '../audit/audit.projection';
import type { Anchor } from '../audit/chain/anchor';
import { AppConfig } from '../config/app-config';
import { ProjectionsService } from '../projections/projections.service';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ExchangeLease } from './exchange-lease';
import { ExchangeStateStore, UploadState } from './exchange-state';
import { MinistryClient, MinistryError } from './ministry-client';
import { UploadBatch, UploadRecord, buildUploadBatch } from './ministry-protocol';
import { isVerifiedRegistrationEvent, toUploadRecord } from './upload-records';

export const PERSON_EVENTS: EventFilter = { streamPrefixes: ['person-'] };
/** Events scanned per batch at most, so a long run of non-uploaded events still advances in bounded steps. */
const SCAN_FACTOR = 20;
const CITIZEN_ID_CACHE = 100_000;

export interface UploadRunResult {
  outcome: 'completed' | 'failed' | 'busy' | 'disabled';
  fromPosition: number;
  position: number;
  batches: number;
  records: number;
  pendingEvents: number;
  error?: { code: string; status?: number };
}

/**
 * Periodic upload of verified registration data (spec §3.2): reads person events after
 * the last acknowledged position, turns the verified ones into records, sends them in
 * batches and stores the new position only once the ministry acknowledged the batch.
 * A failure leaves the position where it was, so the next run resends the same batch
 * (same id, same checksum) and the ministry counts it once.
 */
@Injectable()
export class MinistryUploadService {
  private readonly logger = new Logger('MinistryUpload');
  private readonly citizenIds = new Map<PersonId, string>();
  private anchorList: Anchor[] = [];

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly protector: PersonalDataProtector,
    private readonly client: MinistryClient,
    private readonly state: ExchangeStateStore,
    private readonly lease: ExchangeLease,
    private readonly config: AppConfig,
    private readonly anchors: AnchorService,
    private readonly projections: ProjectionsService,
  ) {}

  get running(): boolean {
    return this.lease.isRunning('upload');
  }

  /** Uploads everything not yet acknowledged. Never throws for an exchange failure: the outcome and the stored state say what happened. */
  uploadNow(): Promise<UploadRunResult> {
    const idle = (outcome: 'busy' | 'disabled'): UploadRunResult => ({
      outcome,
      fromPosition: 0,
      position: 0,
      batches: 0,
      records: 0,
      pendingEvents: 0,
    });
    if (!this.client.enabled) return Promise.resolve(idle('disabled'));
    return this.lease.run(
      'upload',
      (renew) => this.run(renew),
      () => idle('busy'),
    );
  }

  /**
   * Uploads go as far as the hash chain is anchored, so every batch carries an anchor that
   * covers it: the chain is anchored at its head first (after waiting a little for the audit
   * projection to reach the log's head), and events after the last anchor wait for the next run.
   */
  private async anchoredHead(): Promise<{ head: number; anchors: Anchor[] }> {
    const personHead = await this.events.headPosition(PERSON_EVENTS);
    if (this.projections.running) {
      await this.projections.waitUntilCaughtUp(AUDIT_PROJECTION, 10_000).catch(() => undefined);
    }
    await this.anchors.anchorNow();
    const anchors = await this.anchors.anchors();
    const last = anchors[anchors.length - 1];
    return { head: Math.min(personHead, last?.position ?? 0), anchors };
  }

  private async run(renew: () => Promise<boolean>): Promise<UploadRunResult> {
    const state = await this.state.upload();
    const fromPosition = state.lastAcknowledgedPosition;
    const { head, anchors } = await this.anchoredHead();
    this.anchorList = anchors;
    state.lastRunAt = new Date().toISOString();
    let batches = 0;
    let records = 0;
    let resyncedThisRun = 0;
    try {
      for (;;) {
        const batch = await this.nextBatch(state.lastAcknowledgedPosition, head);
        if (!batch) break;
        try {
          await this.client.upload(batch);
        } catch (error) {
          // The ministry is the authority on what it holds: after a lost answer or a reset
          // of our state, continue from its position (receivers deduplicate by event id).
          if (error instanceof MinistryError && error.code === 'POSITION_MISMATCH' && resyncedThisRun < 2) {
            const theirs = error.problem.lastPosition;
            if (
              theirs !== undefined &&
              Number.isSafeInteger(theirs) &&
              theirs >= 0 &&
              theirs <= head &&
              theirs !== state.lastAcknowledgedPosition
            ) {
              this.logger.warn(
                `Ministry holds uploads up to position ${theirs}, registry state said ${state.lastAcknowledgedPosition}: continuing from the ministry's position`,
              );
              state.lastAcknowledgedPosition = theirs;
              state.resyncs++;
              resyncedThisRun++;
              continue;
            }
          }
          throw error;
        }
        batches++;
        records += batch.count;
        state.lastAcknowledgedPosition = batch.toPosition;
        state.lastBatchId = batch.batchId;
        state.batchesAcknowledged++;
        state.recordsAcknowledged += batch.count;
        state.lastSuccessAt = new Date().toISOString();
        state.consecutiveFailures = 0;
        state.lastError = null;
        state.headPosition = head;
        state.pendingEvents = Math.max(0, head - state.lastAcknowledgedPosition);
        await this.state.save(state);
        if (!(await renew())) throw new MinistryError('LEASE_LOST', 'Another instance took over the upload', false);
      }
      state.lastSuccessAt = new Date().toISOString();
      state.consecutiveFailures = 0;
      state.lastError = null;
      return this.finish(state, head, { outcome: 'completed', fromPosition, batches, records });
    } catch (error) {
      const code = error instanceof MinistryError ? error.code : 'INTERNAL_ERROR';
      const status = error instanceof MinistryError ? error.status : undefined;
      state.consecutiveFailures++;
      state.lastError = { code, ...(status !== undefined ? { status } : {}), at: new Date().toISOString() };
      // The error's class and code only: a message from below might quote data.
      const cause = error instanceof MinistryError ? code : `${code}: ${error instanceof Error ? error.name : typeof error}`;
      this.logger.error(
        `Upload to the ministry failed (${cause}) after position ${state.lastAcknowledgedPosition}; ${state.consecutiveFailures} failed run(s) in a row`,
      );
      return this.finish(state, head, {
        outcome: 'failed',
        fromPosition,
        batches,
        records,
        error: { code, ...(status !== undefined ? { status } : {}) },
      });
    }
  }

  private async finish(
    state: UploadState,
    head: number,
    result: Omit<UploadRunResult, 'position' | 'pendingEvents'>,
  ): Promise<UploadRunResult> {
    state.headPosition = head;
    state.pendingEvents = Math.max(0, head - state.lastAcknowledgedPosition);
    await this.state.save(state);
    return { ...result, position: state.lastAcknowledgedPosition, pendingEvents: state.pendingEvents };
  }

  /**
   * The batch after `from`: up to MINISTRY_UPLOAD_BATCH verified records, covering every
   * person event up to its `toPosition` (events that are not uploaded are covered too, so
   * a batch may carry fewer records, or none). Null when nothing follows `from`.
   */
  private async nextBatch(from: number, head: number): Promise<UploadBatch | null> {
    const size = this.config.MINISTRY_UPLOAD_BATCH;
    const records: UploadRecord[] = [];
    let to = from;
    for await (const event of this.events.readAll({ fromPosition: from, filter: PERSON_EVENTS, maxCount: size * SCAN_FACTOR })) {
      if (event.position > head) break;
      to = event.position;
      if (isVerifiedRegistrationEvent(event)) {
        const record = await this.recordOf(event);
        if (record) records.push(record);
      }
      if (records.length >= size) break;
    }
    if (to === from) return null;
    // The first anchor at or after the batch's end: anchors are only ever added after the last, so a rebuilt batch carries the same one.
    const anchor = this.anchorList.find((a) => a.position >= to);
    return buildUploadBatch(this.config.PROVINCE_CODE, from, to, records, anchor);
  }

  private async recordOf(stored: RecordedEvent): Promise<UploadRecord | undefined> {
    const personId = personIdFromStreamName(stored.stream);
    if (!personId) return undefined;
    const event = this.protector.decodeEvent(stored);
    const registered = citizenIdOf(event);
    if (registered) this.remember(personId, registered);
    const citizenId = registered ?? (await this.citizenIdOfPerson(personId));
    if (!citizenId) {
      // Cannot happen for a stream the person decider wrote (it starts with PersonRegistered).
      this.logger.warn(`Person ${personId} has no registration event; event at position ${stored.position} not uploaded`);
      return undefined;
    }
    return toUploadRecord(event, personId, citizenId);
  }

  private async citizenIdOfPerson(personId: PersonId): Promise<string | undefined> {
    const cached = this.citizenIds.get(personId);
    if (cached) return cached;
    const name = personStreamName(personId);
    const head = await this.events.readStream(name, { maxCount: 1 });
    const first =
      head[0]?.type === 'PersonRegistered' ? head[0] : (await this.events.readStream(name)).find((e) => e.type === 'PersonRegistered');
    const citizenId = first ? citizenIdOf(this.protector.decodeEvent(first)) : undefined;
    if (citizenId) this.remember(personId, citizenId);
    return citizenId;
  }

  /** A bounded in-memory map person id → citizen ID (never persisted, never logged). */
  private remember(personId: PersonId, citizenId: string): void {
    if (this.citizenIds.size >= CITIZEN_ID_CACHE) this.citizenIds.clear();
    this.citizenIds.set(personId, citizenId);
  }
}

function citizenIdOf(event: RecordedEvent): string | undefined {
  if (event.type !== 'PersonRegistered') return undefined;
  const personal = (event.data as { personal?: { citizenId?: unknown } }).personal;
  return typeof personal?.citizenId === 'string' ? personal.citizenId : undefined;
}
