import {
  PersonState,
  SurveyResultFacts,
  SurveyTaskEvent,
  SurveyTaskState,
  VISIT_PENDING_STATUSES,
  assessPersonCoverage,
  displayRegionCode,
} from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import type { LoadedPerson } from '../persons/person-aggregate';
import { IdentityDisclosure } from '../privacy/identity-disclosure';
import type { SurveySubjectDto } from './dto/survey.responses';

/** Overdue: still waiting for its visit after the due date (a result under review is not overdue). */
export function isOverdue(state: string, dueDate: string, today: string): boolean {
  return (VISIT_PENDING_STATUSES as readonly string[]).includes(state) && dueDate < today;
}

/** What a surveyor and a reviewer see of the person a task is about, as the registry holds them (`asOf`: YYYY-MM-DD). */
export function personSummary(
  personId: string,
  state: PersonState,
  disclosure: IdentityDisclosure,
  localProvince: string,
  asOf: string,
): Omit<SurveySubjectDto, 'kind'> {
  if (state.status === 'unregistered') return { personId };
  const p = state.person;
  const region = p.fields.householdRegion?.value;
  return {
    personId,
    maskedCitizenId: disclosure.maskId(p.citizenId),
    name: p.fields.name?.value,
    gender: p.fields.gender?.value,
    ...disclosure.birth(p.fields.birthDate?.value),
    householdRegion: region && displayRegionCode(region),
    householdAddress: p.fields.householdAddress?.value,
    phone: p.fields.phone?.value,
    householdStatus: p.household.status,
    deceased: state.status === 'deceased',
    coverageStatus: assessPersonCoverage(state, localProvince, asOf).status,
  };
}

/** The facts a reviewer compares, as display values (birth dates as the caller may see them). */
function comparable(state: PersonState, disclosure: IdentityDisclosure, localProvince: string, asOf: string): Record<string, unknown> {
  if (state.status === 'unregistered') return { registered: false };
  const p = state.person;
  const coverage = assessPersonCoverage(state, localProvince, asOf);
  return {
    coverageStatus: coverage.status,
    exemptionReason: coverage.exemptionReason,
    householdStatus: p.household.status,
    householdRegion: p.fields.householdRegion && displayRegionCode(p.fields.householdRegion.value),
    deceased: state.status === 'deceased',
    dateOfDeath: state.status === 'deceased' ? state.death.dateOfDeath : undefined,
    // The state keeps enrolments in code order.
    enrollments: p.enrollments.map((e) => `${e.insuranceType}:${e.contributionStatus}:${e.provinceCode}`).join(','),
    exemptions: Object.keys(p.exemptions).sort().join(','),
    name: p.fields.name?.value,
    gender: p.fields.gender?.value,
    birth: disclosure.birthValue(p.fields.birthDate?.value),
    householdAddress: p.fields.householdAddress?.value,
    phone: p.fields.phone?.value,
    openConflicts: p.openConflicts.length,
  };
}

/**
 * What changed about the person between the task's issue and now: the events recorded since
 * (type, source, channel, when) and each compared fact that differs, before and after (the
 * coverage status judged as of the issue's day and as of today). The
 * reviewer sees this beside the result, so a result about a person who changed meanwhile is
 * never applied blind.
 */
export function personChanges(
  then: LoadedPerson,
  now: LoadedPerson,
  disclosure: IdentityDisclosure,
  localProvince: string,
  issuedDay: string,
  today: string,
) {
  const events = now.events
    .filter((e) => e.revision > then.revision)
    .map((e) => {
      const data = e.data as { source?: string; survey?: { taskId: string } };
      return {
        revision: e.revision,
        type: e.type,
        source: data.source ?? e.metadata.sourceSystem,
        channel: e.metadata.channel,
        occurredAt: e.metadata.occurredAt,
        recordedAt: e.recordedAt,
        ...(data.survey && { surveyTaskId: data.survey.taskId }),
      };
    });
  const before = comparable(then.state, disclosure, localProvince, issuedDay);
  const after = comparable(now.state, disclosure, localProvince, today);
  const changes = Object.keys({ ...before, ...after })
    .filter((field) => before[field] !== after[field])
    .map((field) => ({ field, before: before[field], after: after[field] }));
  // Changed: a compared fact differs. Events that only confirm what was held (a source reporting the same values, a
  // comparison verdict equal to the last) are listed, but change nothing a reviewer must weigh.
  return { changed: changes.length > 0, revisionAtIssue: then.revision, revisionNow: now.revision, events, changes };
}

type ResultView = Omit<SurveyResultFacts, 'personal' | 'personalFields' | 'occurredAt' | 'evidence' | 'finding'> & {
  finding: Record<string, unknown>;
  evidence: Array<{ documentId: string; type: string; sha256: string }>;
  receivedAt: string;
  /** not-reviewed: the task was cancelled while the result waited for review. */
  status: 'pending-review' | 'returned' | 'approved' | 'not-reviewed' | 'set-aside';
  setAside?: 'task-final' | 'reassigned';
  note?: string;
  corrections?: Record<string, string>;
  maskedCitizenId?: string;
};

/** Results and review decisions of a task, read from its events (personal parts opened), for its view. */
export function taskHistory(events: readonly RecordedEvent[], state: SurveyTaskState, disclosure: IdentityDisclosure) {
  const results: ResultView[] = [];
  const returns: Array<{ resultId: string; returnedBy: string; at: string; reason: string }> = [];
  let cancellationReason: string | undefined;
  for (const recorded of events) {
    const event = { type: recorded.type, data: recorded.data } as SurveyTaskEvent;
    switch (event.type) {
      case 'SurveyResultSubmitted':
      case 'SurveyResultSetAside': {
        const { personal, personalFields: _fields, occurredAt, ...facts } = event.data;
        const setAside = event.type === 'SurveyResultSetAside' ? event.data.why : undefined;
        const { why: _why, ...rest } = facts as typeof facts & { why?: string };
        results.push({
          ...rest,
          finding: { ...rest.finding },
          evidence: rest.evidence.map((e) => ({ documentId: e.documentId, type: e.type, sha256: e.sha256 })),
          receivedAt: occurredAt,
          status: setAside ? 'set-aside' : 'pending-review',
          ...(setAside && { setAside }),
          ...(personal?.note !== undefined && { note: personal.note }),
          ...(personal?.corrections !== undefined && { corrections: disclosedCorrections(personal.corrections, disclosure) }),
          ...(personal?.citizenId !== undefined && { maskedCitizenId: disclosure.maskId(personal.citizenId) }),
        });
        break;
      }
      case 'SurveyResultReturned':
        returns.push({
          resultId: event.data.resultId,
          returnedBy: event.data.returnedBy,
          at: event.data.occurredAt,
          reason: event.data.personal?.reason,
        });
        break;
      case 'SurveyTaskCancelled':
        cancellationReason = event.data.personal?.reason;
        break;
      default:
        break;
    }
  }
  if (state.status !== 'unissued') {
    const returned = new Set(returns.map((r) => r.resultId));
    for (const r of results) {
      if (r.status === 'set-aside') continue;
      if (state.task.approval?.resultId === r.resultId) r.status = 'approved';
      else if (returned.has(r.resultId)) r.status = 'returned';
      else if (state.status !== 'submitted' || state.task.pendingResultId !== r.resultId) r.status = 'not-reviewed';
    }
  }
  return { results, returns, cancellationReason };
}

function disclosedCorrections(corrections: Record<string, string | undefined>, disclosure: IdentityDisclosure): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(corrections)) {
    if (value === undefined) continue;
    out[field] = field === 'birthDate' ? String(disclosure.birthValue(value)) : value;
  }
  return out;
}
