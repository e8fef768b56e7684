import {
  LocalTime,
  ReminderRule,
  SurveyRefusalRule,
  closingWindow,
  monthsBefore,
  periodKey,
  reminderText,
  windowFor,
} from '@registry/domain';
import type { Document } from '@registry/read-store';
import type { PersonDocument } from '../persons/projections/person-document';

/**
 * What each rule means over the read models, as pure functions: whether a person document
 * (or a survey document) calls for the rule's reminder at a local date, in which period and
 * with which text. The cycle scans the read models with them; the dispatcher asks again
 * right before sending (stillApplies), so a person who enrolled meanwhile gets nothing.
 */

export interface RuleMatch {
  rule: ReminderRule;
  period: string;
  text: string;
}

/** The fields of a person document the rules read. */
export type PersonFacts = Pick<
  PersonDocument,
  '_id' | 'deceased' | 'householdStatus' | 'coverageStatus' | 'enrollments' | 'householdRegion'
>;
export const PERSON_FIELDS = ['deceased', 'householdStatus', 'coverageStatus', 'enrollments', 'householdRegion'];

/** Only persons living here with their household registered here are reminded of anything. */
function reachable(doc: PersonFacts): boolean {
  return !doc.deceased && doc.householdStatus === 'active';
}

/** The rule's reminder for this person at this local date, or null. Survey-refusal rules read another read model (surveyRefusalMatch). */
export function personRuleMatch(rule: ReminderRule, doc: PersonFacts, local: LocalTime, province: string): RuleMatch | null {
  if (!reachable(doc)) return null;
  switch (rule.kind) {
    case 'uninsured':
      return doc.coverageStatus === 'uninsured' ? { rule, period: periodKey(rule.period, local.date), text: reminderText(rule) } : null;
    case 'contributions-suspended': {
      const cutoff = monthsBefore(local.date, rule.months);
      const suspended = doc.enrollments.some(
        (e) =>
          e.provinceCode === province &&
          e.contributionStatus === '2' &&
          rule.insuranceTypes.includes(e.insuranceType) &&
          e.lastChangedAt.slice(0, 10) <= cutoff,
      );
      return suspended ? { rule, period: periodKey(rule.period, local.date), text: reminderText(rule) } : null;
    }
    case 'contribution-window': {
      const window = windowFor(rule, province);
      const closes = window ? closingWindow(local.date, window, rule.daysBefore) : undefined;
      if (!closes) return null;
      const enrolled = doc.enrollments.some(
        (e) => e.provinceCode === province && e.contributionStatus !== '3' && rule.insuranceTypes.includes(e.insuranceType),
      );
      return enrolled ? { rule, period: closes.slice(0, 4), text: reminderText(rule, closes) } : null;
    }
    case 'survey-refusal':
      return null;
  }
}

/** Reads a dotted path of a document (`a.b`). */
export function fieldOf(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The survey-refusal reminder a survey document calls for: its person id, or null. */
export function surveyRefusalMatch(
  rule: SurveyRefusalRule,
  doc: Document,
  local: LocalTime,
): { personId: string; match: RuleMatch } | null {
  const m = rule.readModel;
  const personId = fieldOf(doc, m.personField);
  const outcome = fieldOf(doc, m.outcomeField);
  const at = fieldOf(doc, m.dateField);
  if (typeof personId !== 'string' || !/^p_[a-z2-7]{26}$/.test(personId) || outcome !== m.refusedValue || typeof at !== 'string')
    return null;
  if (at.slice(0, 10) > monthsBefore(local.date, rule.months)) return null;
  return { personId, match: { rule, period: periodKey(rule.period, local.date), text: reminderText(rule) } };
}

/** Right before sending: does the person still call for this rule's reminder? */
export function stillApplies(rule: ReminderRule, doc: PersonFacts | null, local: LocalTime, province: string): boolean {
  if (!doc || !reachable(doc)) return false;
  if (rule.kind === 'survey-refusal') return doc.coverageStatus === 'uninsured' || doc.coverageStatus === 'unresolved';
  // A window reminder stays due until the window closes, even on a day outside the reminding days.
  if (rule.kind === 'contribution-window') {
    return doc.enrollments.some(
      (e) => e.provinceCode === province && e.contributionStatus !== '3' && rule.insuranceTypes.includes(e.insuranceType),
    );
  }
  return personRuleMatch(rule, doc, local, province) !== null;
}
