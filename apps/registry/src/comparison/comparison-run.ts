import type { Document } from '@registry/read-store';

export const COMPARISON_RUNS = 'comparison_runs';
export const LINK_DECISIONS = 'link_decisions';
export const LINK_REVIEWS = 'link_reviews';
export const IDENTITY_CHECKS = 'identity_checks';

/** `interrupted`: the service stopped or crashed during the run (see ComparisonService.start). */
export type RunState = 'running' | 'completed' | 'failed' | 'interrupted';
export type RunPhase = 'starting' | 'ministry-inquiry' | 'linkage' | 'determination' | 'done';

/**
 * `full`: every person of the province. `changes`: what changed since the last completed run
 * (see ComparisonService.runOnChanges); the same verdicts a full run would give. A run on
 * changes with no completed run before it is a full run.
 */
export type RunScope = 'full' | 'changes';

/** A comparison run (信息比对): state and progress, visible over HTTP and the CLI. */
export interface ComparisonRun extends Document {
  state: RunState;
  /** Absent on runs recorded before runs had a scope: those were full. */
  scope?: RunScope;
  /** The event log's head when the run began reading: a later run on changes reads the log after it. */
  logFrom?: number;
  /** The log's head when the run ended; what others recorded between logFrom and logTo is noted apart. */
  logTo?: number;
  phase: RunPhase;
  startedBy: { operator: string; role: string; region: string; channel: string };
  startedAt: string;
  finishedAt?: string;
  /** Written at least every COMPARISON_HEARTBEAT_MS while the run is alive; a running run whose heartbeat stopped was interrupted. */
  heartbeatAt?: string;
  progress: { phase: RunPhase; done: number; total: number };
  counts: {
    /** Persons judged: every household-registered person of the province, or on changes those the changes reached. */
    persons: number;
    statusChanges: number;
    byStatus: Record<string, number>;
    inquired: number;
    insuredElsewhereFound: number;
    recordsConsidered: number;
    linked: number;
    /** Of `linked`: household rows registered under a repaired ID (see ComparisonService.repairable). */
    repaired?: number;
    possibleLinks: number;
    notLinked: number;
  };
  error?: { code: string; message: string };
  /** Milliseconds each step took: the read models catching up, linkage, inquiry, determination. */
  timings?: Record<string, number>;
}

/** The outcome of linking one quarantined row, kept so a later run does not redo it. */
export interface LinkDecisionDoc extends Document {
  /** `${importId}:${rowNumber}` */
  recordRef: string;
  importId: string;
  rowNumber: number;
  source: string;
  /** 'rejected': a reviewer said none of the candidates; later runs leave it alone. */
  outcome: 'link' | 'possible' | 'none' | 'rejected';
  personId?: string;
  score: number;
  decidedBy: 'automatic' | 'reviewer';
  /** How an automatic link was made: by the linker's score (default) or by repairing the row's own ID. */
  method?: 'linkage' | 'id-repair';
  runId: string;
  decidedAt: string;
}

/**
 * A household-register row whose ID was unusable and that no person could be found for (no
 * link, no repair, or a reviewer rejected every candidate): somebody lives at that address
 * whom the registry cannot name by ID, so the township survey checks them. Personal fields
 * stay sealed in the quarantined row (`recordRef` is its id).
 */
export interface IdentityCheckDoc extends Document {
  recordRef: string;
  importId: string;
  rowNumber: number;
  householdRegion: string;
  /** The region and its ancestors: "this region and below" is one indexed equality. */
  regionPath: string[];
  reasons: string[];
  runId: string;
  createdAt: string;
}

/** A possible link waiting for a person to confirm or reject it. */
export interface LinkReviewDoc extends Document {
  recordRef: string;
  importId: string;
  rowNumber: number;
  source: string;
  state: 'pending' | 'confirmed' | 'rejected';
  runId: string;
  createdAt: string;
  /** Regions of the candidate persons (for region scope), canonical codes. */
  regions: string[];
  candidates: Array<{ personId: string; score: number; fields: Record<string, { level: string; weight?: number }> }>;
  decidedBy?: string;
  decidedAt?: string;
  personId?: string;
}
