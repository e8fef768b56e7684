import { isInsuranceType } from '../codes/insurance-type';
import { CitizenId } from '../identity/citizen-id';
import { IDENTITY_FIELDS, IdentityField } from '../person/person-fields';
import { canonicalIdentityValue } from '../person/person-validation';
import { regionLevelOfCode } from '../regions/region-level';
import { datePart, isIsoDate } from '../shared/dates';
import { EvidenceTypes, IDENTITY_CHECK_OUTCOMES, PERSON_OUTCOMES, REQUIRED_VISITS, isSurveyOutcome } from './survey-codes';
import { SubmitSurveyResult } from './survey-commands';
import { ElsewhereEnrollmentFound, LocalEnrollmentFound, SurveyFinding, SurveyResultPersonal } from './survey-events';
import { InvalidSurveyFieldError, SurveyNoteRequiredError } from './survey-errors';
import { EvidenceReference } from './survey-reference';
import { SurveyTask } from './survey-state';

/**
 * Checks a result and copies exactly what each outcome needs: a field the client sent that
 * the outcome does not name is not stored, so nothing personal reaches clear event data by
 * way of a stray property. Messages name the field and the rule, never the value.
 */

const STAFF_OR_CLIENT_ID = /^[\x21-\x7e]{1,128}$/;
const PROVINCE = /^\d{2}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T/;
const MAX_EVIDENCE = 20;
const MAX_ENROLLMENTS = 8;
const MAX_NOTE = 2000;
const DAY_MS = 86_400_000;
/** Identity values a survey may correct; the household region changes by a move, not a correction. */
const CORRECTABLE: readonly IdentityField[] = IDENTITY_FIELDS.filter((f) => f !== 'householdRegion');

export interface CheckedResult {
  finding: SurveyFinding;
  evidence: EvidenceReference[];
  personal: SurveyResultPersonal;
}

const invalid = (field: string, why: string) => new InvalidSurveyFieldError(field, why);

export function checkStaffId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !STAFF_OR_CLIENT_ID.test(value)) throw invalid(field, 'must be 1-128 printable ASCII characters');
  return value;
}

function checkDate(field: string, value: unknown, notAfter?: string): string {
  if (typeof value !== 'string' || !isIsoDate(value)) throw invalid(field, 'must be a real YYYY-MM-DD date');
  if (notAfter !== undefined && value > notAfter) throw invalid(field, 'must not be after the visit');
  return value;
}

function checkLocalRegion(field: string, value: unknown, localProvince: string): string {
  if (typeof value !== 'string' || regionLevelOfCode(value) === undefined || value.length < 6) {
    throw invalid(field, 'must be a county, township or village code');
  }
  if (!value.startsWith(localProvince)) throw invalid(field, 'must lie in this province');
  return value;
}

function checkOtherProvince(field: string, value: unknown, localProvince: string): string {
  if (typeof value !== 'string' || !PROVINCE.test(value)) throw invalid(field, 'must be a two-digit province code');
  if (value === localProvince) throw invalid(field, 'must be another province than this one');
  return value;
}

function list<T>(field: string, value: unknown, min: number, max: number): T[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) throw invalid(field, `must list ${min} to ${max} entries`);
  return value as T[];
}

function checkFinding(
  raw: SurveyFinding,
  task: SurveyTask,
  visitDay: string,
  localProvince: string,
  note: string | undefined,
): SurveyFinding {
  const outcome: unknown = raw?.outcome;
  if (!isSurveyOutcome(outcome)) throw invalid('finding.outcome', 'is not a survey outcome code');
  const allowed = task.subject.kind === 'identity-check' ? IDENTITY_CHECK_OUTCOMES : PERSON_OUTCOMES;
  if (!allowed.includes(outcome)) {
    throw invalid(
      'finding.outcome',
      task.subject.kind === 'identity-check' ? 'does not apply to an identity check' : 'applies to identity checks only',
    );
  }
  const f = raw as unknown as Record<string, unknown>;
  switch (outcome) {
    case 'enrolled-now': {
      const enrollments = list<LocalEnrollmentFound>('finding.enrollments', f.enrollments, 1, MAX_ENROLLMENTS).map((e, i) => {
        if (!isInsuranceType(e?.insuranceType)) throw invalid(`finding.enrollments[${i}].insuranceType`, 'is not an AAE140 code');
        return {
          insuranceType: e.insuranceType,
          since: checkDate(`finding.enrollments[${i}].since`, e.since, visitDay),
          region: checkLocalRegion(`finding.enrollments[${i}].region`, e.region, localProvince),
        };
      });
      return { outcome, enrollments };
    }
    case 'insured-elsewhere': {
      const enrollments = list<ElsewhereEnrollmentFound>('finding.enrollments', f.enrollments, 1, MAX_ENROLLMENTS).map((e, i) => {
        if (!isInsuranceType(e?.insuranceType)) throw invalid(`finding.enrollments[${i}].insuranceType`, 'is not an AAE140 code');
        return {
          insuranceType: e.insuranceType,
          since: checkDate(`finding.enrollments[${i}].since`, e.since, visitDay),
          provinceCode: checkOtherProvince(`finding.enrollments[${i}].provinceCode`, e.provinceCode, localProvince),
        };
      });
      return { outcome, enrollments };
    }
    case 'deceased':
      return { outcome, dateOfDeath: checkDate('finding.dateOfDeath', f.dateOfDeath, visitDay) };
    case 'moved-away': {
      const d = f.destination as Record<string, unknown> | undefined;
      if (d?.scope === 'within-province') {
        const toRegion = checkLocalRegion('finding.destination.toRegion', d.toRegion, localProvince);
        if (toRegion.startsWith(task.region)) throw invalid('finding.destination.toRegion', "lies in the task's own township");
        return { outcome, destination: { scope: 'within-province', toRegion } };
      }
      if (d?.scope === 'out-of-province') {
        return {
          outcome,
          destination: {
            scope: 'out-of-province',
            toProvince: checkOtherProvince('finding.destination.toProvince', d.toProvince, localProvince),
          },
        };
      }
      throw invalid('finding.destination.scope', 'must be within-province or out-of-province');
    }
    case 'military-service':
      return { outcome, since: checkDate('finding.since', f.since, visitDay) };
    case 'imprisoned': {
      const since = checkDate('finding.since', f.since, visitDay);
      if (f.until === undefined) return { outcome, since };
      const until = checkDate('finding.until', f.until);
      if (until <= since) throw invalid('finding.until', 'must be after since');
      return { outcome, since, until };
    }
    case 'studying-or-working-elsewhere': {
      if (f.region !== undefined && f.provinceCode !== undefined) throw invalid('finding', 'names a region or a province, not both');
      if (f.region !== undefined) return { outcome, region: checkLocalRegion('finding.region', f.region, localProvince) };
      if (f.provinceCode !== undefined)
        return { outcome, provinceCode: checkOtherProvince('finding.provinceCode', f.provinceCode, localProvince) };
      return { outcome };
    }
    case 'not-found': {
      const days = list<string>('finding.visitDates', f.visitDates, REQUIRED_VISITS, 31).map((d, i) =>
        checkDate(`finding.visitDates[${i}]`, d, visitDay),
      );
      const distinct = [...new Set(days)].sort();
      if (distinct.length < REQUIRED_VISITS) throw invalid('finding.visitDates', `must name at least ${REQUIRED_VISITS} different days`);
      return { outcome, visitDates: distinct };
    }
    case 'other':
      if (note === undefined) throw new SurveyNoteRequiredError();
      return { outcome };
    case 'refused':
    case 'identified':
      return { outcome };
    default: {
      const unreachable: never = outcome;
      return unreachable;
    }
  }
}

function checkEvidence(raw: readonly EvidenceReference[]): EvidenceReference[] {
  const seen = new Set<string>();
  return list<EvidenceReference>('evidence', raw, 0, MAX_EVIDENCE).map((e, i) => {
    const documentId = checkStaffId(`evidence[${i}].documentId`, e?.documentId);
    if (!EvidenceTypes.is(e.type)) throw invalid(`evidence[${i}].type`, `must be one of ${EvidenceTypes.codes.join(', ')}`);
    if (typeof e.sha256 !== 'string' || !SHA256.test(e.sha256)) throw invalid(`evidence[${i}].sha256`, 'must be 64 lower-case hex digits');
    if (seen.has(documentId)) throw invalid(`evidence[${i}].documentId`, 'is listed twice');
    seen.add(documentId);
    return { documentId, type: e.type, sha256: e.sha256 };
  });
}

/** A result's facts, checked against the task it is sent to. */
export function checkResult(command: SubmitSurveyResult, task: SurveyTask, localProvince: string): CheckedResult {
  const d = command.data;
  checkStaffId('resultId', d.resultId);
  checkStaffId('surveyor', d.surveyor);
  const visited = typeof d.visitedAt === 'string' && TIMESTAMP.test(d.visitedAt) ? Date.parse(d.visitedAt) : NaN;
  if (Number.isNaN(visited)) throw invalid('visitedAt', 'must be an ISO 8601 timestamp');
  if (visited > Date.parse(d.occurredAt)) throw invalid('visitedAt', 'must not be after the registry received the result');
  // A day of slack: a device's local date may lie a day behind the registry's (time zones).
  if (visited < Date.parse(task.issuedAt) - DAY_MS) throw invalid('visitedAt', 'must not be before the task was issued');
  const visitDay = datePart(new Date(visited).toISOString());

  const personal: { note?: string; corrections?: Partial<Record<IdentityField, string>>; citizenId?: string } = {};
  if (d.note !== undefined) {
    if (typeof d.note !== 'string' || d.note.trim() === '' || d.note.length > MAX_NOTE)
      throw invalid('note', `must be 1 to ${MAX_NOTE} characters`);
    personal.note = d.note.trim();
  }
  if (d.corrections !== undefined) {
    if (task.subject.kind !== 'person') throw invalid('corrections', 'apply to person tasks only');
    const corrections: Partial<Record<IdentityField, string>> = {};
    for (const [field, value] of Object.entries(d.corrections)) {
      if (!(CORRECTABLE as readonly string[]).includes(field)) throw invalid(`corrections.${field}`, 'is not a correctable identity field');
      if (typeof value !== 'string') throw invalid(`corrections.${field}`, 'must be text');
      corrections[field as IdentityField] = canonicalIdentityValue(field as IdentityField, value, d.occurredAt);
    }
    if (Object.keys(corrections).length === 0) throw invalid('corrections', 'must name at least one field');
    personal.corrections = corrections;
  }
  const finding = checkFinding(d.finding, task, visitDay, localProvince, personal.note);
  if (finding.outcome === 'identified') {
    const parsed = typeof d.citizenId === 'string' ? CitizenId.parse(d.citizenId) : undefined;
    if (!parsed?.ok) throw invalid('citizenId', 'must be a valid citizen ID');
    personal.citizenId = parsed.value.value;
  } else if (d.citizenId !== undefined) {
    throw invalid('citizenId', 'belongs to the outcome identified only');
  }
  return { finding, evidence: checkEvidence(d.evidence ?? []), personal };
}
