/**
 * Events the audit capability writes to the log. Reads of personal data are recorded as
 * `PersonalDataRead`, one event per caller per flush of the read recorder, on the stream of
 * the day (`reads-YYYY-MM-DD`); anchors of the hash chain as `ChainAnchored` on `audit-anchors`.
 * Neither carries a personal value: persons are named by their person id (a keyed hash).
 */
export const PERSONAL_DATA_READ = 'PersonalDataRead';
export const PERSONAL_DATA_DISCLOSED = 'PersonalDataDisclosed';
export const CHAIN_ANCHORED = 'ChainAnchored';
export const IMPORT_COMPLETED = 'ImportCompleted';

export const ANCHOR_STREAM = 'audit-anchors';

export function readStreamOf(day: string): string {
  return `reads-${day}`;
}

/** One read of personal data by one caller. */
export interface ReadEntry {
  at: string;
  /** What was read: person, person-as-of, history, persons-list, survey-worklist, link-reviews, identity-checks, self-service-reviews, status-query, reminders, export… */
  view: string;
  /** Person ids shown (keyed hashes). */
  persons: string[];
  /** Rows shown that belong to no person yet (identity checks), when any. */
  records?: number;
}

export interface PersonalDataReadData {
  entries: ReadEntry[];
}

/** A signed statement that the chain's link after `position` is `link` (see anchor.ts). */
export interface ChainAnchoredData {
  anchor: import('./chain/anchor').Anchor;
}
