import { SurveyTaskEvent, SurveyTaskStatus, ancestorCodes, regionLevelOfCode, subjectKey } from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import type { SummarySpec } from '@registry/projections';
import type { Document } from '@registry/read-store';

/**
 * One document per survey task: what lists filter and sort on (region, state, surveyor, due
 * date) and what the progress counts are kept from. Nothing personal: the subject is a
 * person id or a row reference; notes and reasons stay in the task's events.
 */
export interface SurveyTaskDocument extends Document {
  round: number;
  subjectKind: 'person' | 'identity-check';
  subjectKey: string;
  personId: string | null;
  recordRef: string | null;
  /** The township the task belongs to. */
  region: string;
  household: string | null;
  batchId: string;
  origin: 'worklist' | 'list';
  state: SurveyTaskStatus;
  surveyor: string | null;
  dueDate: string;
  issuedAt: string;
  updatedAt: string;
  /** The outcome of the result waiting for review, or of the approved one. */
  outcome: string | null;
  approvedOutcome: string | null;
  /** When the result was approved (the approval's recording time); what a follow-up, such as a reminder after a refusal, counts from. */
  approvedAt: string | null;
  /** What an approved result did to the person's place in the coverage rate (see SurveyEffect). */
  effect: SurveyEffect | null;
  /** Where a reported move takes the household: a region code, or the province's two digits for a move out. */
  movedTo: string | null;
  cancellation: string | null;
  /** While an approval holds its claim (the state stays submitted): who claimed, and when; an interrupted approval stays so until approved again. */
  approvalStartedBy?: string | null;
  approvalStartedAt?: string | null;
  /** The code the last released approval's person commands were refused with. */
  approvalRefusal?: string | null;
  results: number;
  setAside: number;
  assignments: number;
  revision: number;
}

/**
 * covered: the approval recorded an enrolment that covers the person; exempted: a death, an
 * exemption, a move out of the province (the person leaves the rate's denominator); moved: a
 * move within the province (out of the regions the move leaves).
 */
export type SurveyEffect = 'covered' | 'exempted' | 'moved';

const EFFECTS: Readonly<Record<string, SurveyEffect>> = {
  'enrolled-now': 'covered',
  'insured-elsewhere': 'covered',
  deceased: 'exempted',
  'military-service': 'exempted',
  imprisoned: 'exempted',
};

/** Pure evolve of a task document. */
export function evolveSurveyTaskDocument(doc: SurveyTaskDocument | null, recorded: RecordedEvent): SurveyTaskDocument | null {
  const event = { type: recorded.type, data: recorded.data } as SurveyTaskEvent;
  const at = recorded.recordedAt;
  if (event.type === 'SurveyTaskIssued') {
    if (doc) return doc;
    const d = event.data;
    return {
      _id: d.taskId,
      round: d.round,
      subjectKind: d.subject.kind,
      subjectKey: subjectKey(d.subject),
      personId: d.subject.kind === 'person' ? d.subject.personId : null,
      recordRef: d.subject.kind === 'identity-check' ? d.subject.recordRef : null,
      region: d.region,
      household: d.household ?? null,
      batchId: d.batchId,
      origin: d.origin,
      state: d.surveyor === undefined ? 'open' : 'assigned',
      surveyor: d.surveyor ?? null,
      dueDate: d.dueDate,
      issuedAt: at,
      updatedAt: at,
      outcome: null,
      approvedOutcome: null,
      approvedAt: null,
      effect: null,
      movedTo: null,
      cancellation: null,
      results: 0,
      setAside: 0,
      assignments: d.surveyor === undefined ? 0 : 1,
      revision: recorded.revision,
    };
  }
  if (!doc) return null;
  const next: SurveyTaskDocument = { ...doc, updatedAt: at, revision: recorded.revision };
  switch (event.type) {
    case 'SurveyTaskAssigned':
      next.surveyor = event.data.surveyor;
      next.dueDate = event.data.dueDate;
      next.assignments = doc.assignments + 1;
      if (doc.state === 'open') next.state = 'assigned';
      return next;
    case 'SurveyResultSubmitted': {
      const finding = event.data.finding;
      next.state = 'submitted';
      next.outcome = finding.outcome;
      next.results = doc.results + 1;
      // A region code for a move within the province, the province's two digits for a move out.
      next.movedTo =
        finding.outcome === 'moved-away'
          ? finding.destination.scope === 'within-province'
            ? finding.destination.toRegion
            : finding.destination.toProvince
          : null;
      return next;
    }
    case 'SurveyResultSetAside':
      next.results = doc.results + 1;
      next.setAside = doc.setAside + 1;
      return next;
    case 'SurveyResultReturned':
      next.state = 'returned';
      return next;
    case 'SurveyApprovalStarted':
      next.approvalStartedBy = event.data.approvedBy;
      next.approvalStartedAt = at;
      return next;
    case 'SurveyApprovalReleased':
      next.approvalStartedBy = null;
      next.approvalStartedAt = null;
      next.approvalRefusal = event.data.code;
      return next;
    case 'SurveyResultApproved': {
      next.approvalStartedBy = null;
      next.approvalStartedAt = null;
      next.state = 'approved';
      next.approvedOutcome = event.data.outcome;
      next.approvedAt = at;
      next.outcome = event.data.outcome;
      next.effect =
        event.data.outcome === 'moved-away' ? (doc.movedTo?.length === 2 ? 'exempted' : 'moved') : (EFFECTS[event.data.outcome] ?? null);
      return next;
    }
    case 'SurveyTaskCancelled':
      next.state = 'cancelled';
      next.cancellation = event.data.cause;
      return next;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** Survey progress for one region (province, city, county, township) and everything below it. */
export interface SurveyProgressDocument extends Document {
  level: string;
  total: number;
  states: Record<string, number>;
  /** Approved results by outcome. */
  outcomes: Record<string, number>;
  /** Results waiting for review, by outcome. */
  submittedOutcomes: Record<string, number>;
  cancellations: Record<string, number>;
  /** Persons an approved result covered, exempted, or moved out of this region (see SurveyEffect). */
  effect: { covered: number; exempted: number; left: number };
}

export interface ProgressContribution {
  state: string;
  outcome: string | null;
  cause: string | null;
  effect: SurveyEffect | null;
  movedTo: string | null;
}

export function progressContribution(doc: SurveyTaskDocument): ProgressContribution {
  return {
    state: doc.state,
    outcome: doc.state === 'approved' || doc.state === 'submitted' ? doc.outcome : null,
    cause: doc.cancellation,
    effect: doc.effect,
    movedTo: doc.effect === 'moved' ? doc.movedTo : null,
  };
}

function bump(counter: Record<string, number>, key: string, delta: number): Record<string, number> {
  return { ...counter, [key]: (counter[key] ?? 0) + delta };
}

export function emptyProgress(code: string): SurveyProgressDocument {
  return {
    _id: code,
    level: regionLevelOfCode(code) ?? 'unknown',
    total: 0,
    states: {},
    outcomes: {},
    submittedOutcomes: {},
    cancellations: {},
    effect: { covered: 0, exempted: 0, left: 0 },
  };
}

/** Pure: the progress of region `code` with a task's contribution added `count` times (taken out when negative). */
export function countTask(
  progress: SurveyProgressDocument | null,
  code: string,
  c: ProgressContribution,
  count: number,
): SurveyProgressDocument {
  const doc = progress ?? emptyProgress(code);
  const next: SurveyProgressDocument = { ...doc, total: doc.total + count, states: bump(doc.states, c.state, count) };
  if (c.outcome !== null && c.state === 'approved') next.outcomes = bump(doc.outcomes, c.outcome, count);
  if (c.outcome !== null && c.state === 'submitted') next.submittedOutcomes = bump(doc.submittedOutcomes, c.outcome, count);
  if (c.cause !== null) next.cancellations = bump(doc.cancellations, c.cause, count);
  if (c.effect !== null) {
    const effect = { ...doc.effect };
    if (c.effect === 'covered') effect.covered += count;
    else if (c.effect === 'exempted') effect.exempted += count;
    // A move counts where it took the person out of: regions the destination lies outside of.
    else if (c.movedTo === null || !c.movedTo.startsWith(code)) effect.left += count;
    next.effect = effect;
  }
  return next;
}

/** A contribution as text: tasks with the same key count the same. */
function key(c: ProgressContribution): string {
  return JSON.stringify([c.state, c.outcome, c.cause, c.effect, c.movedTo]);
}

export const SURVEY_PROGRESS_COLLECTION = 'progress';

/** Progress kept from the task documents: every task counts in its township and each region above it. */
export function surveyProgress(localProvince: string): SummarySpec<SurveyTaskDocument, ProgressContribution, SurveyProgressDocument> {
  return {
    collection: SURVEY_PROGRESS_COLLECTION,
    indexes: [{ name: 'level', fields: [['level', 1]] }],
    contribution: (doc) => ({ ids: [...ancestorCodes(doc.region), doc.region], value: progressContribution(doc) }),
    key,
    apply: countTask,
    usual: () => [localProvince],
  };
}
