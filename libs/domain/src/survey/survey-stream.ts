import { createHash } from 'node:crypto';

/**
 * Task ids, stream names and subjects. A subject (a person, or a household-register row
 * the registry cannot name by ID) is surveyed in rounds 1, 2, 3…; the task of a subject's
 * round n has an id derived from the subject and n, so "the task of round n" is one stream
 * whoever creates it. Round n+1 may be issued only while round n is final (approved or
 * cancelled, which never change again) and only into an empty stream: concurrent creators
 * meet at the same stream, its expected revision lets exactly one of them write, and no
 * subject ever has two tasks that are not final. No stream name carries personal data: the
 * person id is already a keyed hash, and a row reference names an import and a row number.
 */

export type SurveySubject =
  | { readonly kind: 'person'; readonly personId: string }
  /** `recordRef` is the quarantined row's `${importId}:${rowNumber}` (an identity check). */
  | { readonly kind: 'identity-check'; readonly recordRef: string };

const TASK_ID = /^st_[0-9a-f]{24}$/;
const STREAM_PREFIX = 'survey-task-';
const LABEL = 'registry/survey-task/v1';
const PERSON_ID = /^p_[a-z2-7]{26}$/;
const RECORD_REF = /^imp_[0-9a-f]{24}:\d{1,9}$/;

/** One string per subject: the key rounds are counted under. */
export function subjectKey(subject: SurveySubject): string {
  return subject.kind === 'person' ? `person:${subject.personId}` : `record:${subject.recordRef}`;
}

export function isValidSubject(subject: SurveySubject): boolean {
  if (subject.kind === 'person') return PERSON_ID.test(subject.personId);
  if (subject.kind === 'identity-check') return RECORD_REF.test(subject.recordRef);
  return false;
}

/** `st_` + 24 hex characters of SHA-256 over the subject and the round. */
export function surveyTaskIdFor(subject: SurveySubject, round: number): string {
  return (
    'st_' +
    createHash('sha256')
      .update(`${LABEL}\0${subjectKey(subject)}\0${round}`)
      .digest('hex')
      .slice(0, 24)
  );
}

export function isSurveyTaskId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID.test(value);
}

/** The only place a task stream name is built. */
export function surveyTaskStreamName(taskId: string): string {
  return STREAM_PREFIX + taskId;
}

export const SURVEY_TASK_STREAM_PREFIX = STREAM_PREFIX;

/** Inverse of surveyTaskStreamName; undefined for other streams. */
export function surveyTaskIdFromStreamName(stream: string): string | undefined {
  if (!stream.startsWith(STREAM_PREFIX)) return undefined;
  const id = stream.slice(STREAM_PREFIX.length);
  return isSurveyTaskId(id) ? id : undefined;
}
