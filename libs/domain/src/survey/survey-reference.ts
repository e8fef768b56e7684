/**
 * What a household survey's result leaves on the facts it changes. A survey result becomes
 * person commands only when a reviewer approves it; each of those facts then names the task,
 * the outcome the surveyor found and the evidence kept for it, so a person's history shows
 * why the registry believes it. Nothing here is personal: ids, a code and file digests.
 */

/**
 * A document kept outside the registry (a photo, a death certificate, a signed statement):
 * its id in the store that holds it, its kind, and the SHA-256 of its bytes, so the copy
 * shown later can be checked against the one the surveyor sent. Never the bytes themselves.
 */
export interface EvidenceReference {
  readonly documentId: string;
  readonly type: string;
  /** Lower-case hex, 64 characters. */
  readonly sha256: string;
}

export interface SurveyReference {
  readonly taskId: string;
  /** The result the reviewer approved (the survey client's own id for it). */
  readonly resultId: string;
  readonly outcome: string;
  readonly evidence: readonly EvidenceReference[];
}
