import { Inject, Injectable } from '@nestjs/common';
import { Document, READ_STORE, ReadStore } from '@registry/read-store';

/** Exchange progress lives in the read store, so a restarted instance resumes where the last one stopped. */
export const MINISTRY_EXCHANGE_COLLECTION = 'ministry_exchange';
/** Interactions about persons not (yet) in the registry, keyed by person id: retried on every download. */
export const MINISTRY_UNMATCHED_COLLECTION = 'ministry_unmatched';

export interface ExchangeError {
  code: string;
  status?: number;
  at: string;
}

export interface UploadState extends Document {
  _id: 'upload';
  /** Everything up to this event-log position is acknowledged by the ministry. */
  lastAcknowledgedPosition: number;
  lastBatchId: string | null;
  /** Head of the person event log at the last run, and head − acknowledged then (positions, not only verified events). */
  headPosition: number;
  pendingEvents: number;
  batchesAcknowledged: number;
  recordsAcknowledged: number;
  /** Times the ministry's own progress was adopted after a POSITION_MISMATCH. */
  resyncs: number;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  lastError: ExchangeError | null;
}

export interface InteractionsState extends Document {
  _id: 'interactions';
  /** Cursor of the last applied page (null: from the beginning). */
  cursor: string | null;
  pages: number;
  received: number;
  /** Interactions that recorded something on a person. */
  applied: number;
  /** Interactions already applied before (a repeated download): nothing recorded. */
  alreadyApplied: number;
  /** Interactions about persons not in the registry, parked for later runs. */
  unmatched: number;
  /** Parked interactions applied once their person was registered. */
  matchedLater: number;
  /** Interactions the domain refused, by code. */
  refused: Record<string, number>;
  /** Kinds this version does not know, or items missing required fields. */
  skipped: Record<string, number>;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  lastError: ExchangeError | null;
}

export function initialUploadState(): UploadState {
  return {
    _id: 'upload',
    lastAcknowledgedPosition: 0,
    lastBatchId: null,
    headPosition: 0,
    pendingEvents: 0,
    batchesAcknowledged: 0,
    recordsAcknowledged: 0,
    resyncs: 0,
    lastRunAt: null,
    lastSuccessAt: null,
    consecutiveFailures: 0,
    lastError: null,
  };
}

export function initialInteractionsState(): InteractionsState {
  return {
    _id: 'interactions',
    cursor: null,
    pages: 0,
    received: 0,
    applied: 0,
    alreadyApplied: 0,
    unmatched: 0,
    matchedLater: 0,
    refused: {},
    skipped: {},
    lastRunAt: null,
    lastSuccessAt: null,
    consecutiveFailures: 0,
    lastError: null,
  };
}

/** What one interaction asks of the person command path, without the citizen ID. */
export interface InteractionFacts {
  cursor: string;
  kind: string;
  provinceCode: string;
  insuranceType?: string;
  contributionStatus?: string;
  since?: string;
  dateOfDeath?: string;
  recordedAt?: string;
}

/** An interaction parked because its person is not registered. No citizen ID: the person id is a keyed hash. */
export interface UnmatchedInteraction extends Document, InteractionFacts {
  personId: string;
  parkedAt: string;
}

@Injectable()
export class ExchangeStateStore {
  constructor(@Inject(READ_STORE) private readonly reads: ReadStore) {}

  async upload(): Promise<UploadState> {
    const doc = await this.reads.collection<UploadState>(MINISTRY_EXCHANGE_COLLECTION).get('upload');
    return { ...initialUploadState(), ...doc };
  }

  async interactions(): Promise<InteractionsState> {
    const doc = await this.reads.collection<InteractionsState>(MINISTRY_EXCHANGE_COLLECTION).get('interactions');
    return { ...initialInteractionsState(), ...doc };
  }

  async save(state: UploadState | InteractionsState): Promise<void> {
    await this.reads.collection(MINISTRY_EXCHANGE_COLLECTION).upsert(state);
  }

  unmatched() {
    return this.reads.collection<UnmatchedInteraction>(MINISTRY_UNMATCHED_COLLECTION);
  }
}
