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
export function reachable(doc: PersonFacts): boolean {
  return !doc.deceased && doc.householdStatus === 'active';
}

/**
 * A person rule as it stands at one local date: the reminder it would give (period, text) and
 * the test a person document must pass. Everything that depends on the date alone (the
 * period, the suspension cut-off, the window's closing day) is worked out once per cycle, not
 * once per person. Null when the rule cannot apply at this date (no window closing soon) or
 * reads another read model (survey refusals).
 */
export interface PreparedRule {
  match: RuleMatch;
  applies(doc: PersonFacts): boolean;
}

export function prepareRule(rule: ReminderRule, local: LocalTime, province: string): PreparedRule | null {
  switch (rule.kind) {
    case 'uninsured':
      return {
        match: { rule, period: periodKey(rule.period, local.date), text: reminderText(rule) },
        applies: (doc) => doc.coverageStatus === 'uninsured',
      };
    case 'contributions-suspended': {
      const cutoff = monthsBefore(local.date, rule.months);
      const types: readonly string[] = rule.insuranceTypes;
      return {
        match: { rule, period: periodKey(rule.period, local.date), text: reminderText(rule) },
        applies: (doc) =>
          doc.enrollments.some(
            (e) =>
              e.contributionStatus === '2' &&
              e.provinceCode === province &&
              types.includes(e.insuranceType) &&
              e.lastChangedAt.slice(0, 10) <= cutoff,
          ),
      };
    }
    case 'contribution-window': {
      const window = windowFor(rule, province);
      const closes = window ? closingWindow(local.date, window, rule.daysBefore) : undefined;
      if (!closes) return null;
      return {
        match: { rule, period: closes.slice(0, 4), text: reminderText(rule, closes) },
        applies: (doc) => enrolledIn(doc, rule.insuranceTypes, province),
      };
    }
    case 'survey-refusal':
      return null;
  }
}

function enrolledIn(doc: PersonFacts, types: readonly string[], province: string): boolean {
  return doc.enrollments.some((e) => e.provinceCode === province && e.contributionStatus !== '3' && types.includes(e.insuranceType));
}

/** The rule's reminder for this person at this local date, or null. Survey-refusal rules read another read model (surveyRefusalMatch). */
export function personRuleMatch(rule: ReminderRule, doc: PersonFacts, local: LocalTime, province: string): RuleMatch | null {
  if (!reachable(doc)) return null;
  const prepared = prepareRule(rule, local, province);
  return prepared && prepared.applies(doc) ? prepared.match : null;
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
