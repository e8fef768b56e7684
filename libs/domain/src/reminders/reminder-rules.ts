import { InsuranceType, isInsuranceType } from '../codes/insurance-type';
import { isCalendarDate } from '../shared/dates';

/**
 * The reminder rules a province configures (REMINDER_RULES_FILE), validated once at start:
 * a bad file stops the service with a message naming the key. Pure: parsing, periods, local
 * time and quiet hours take their inputs; nothing here reads a clock.
 */

export type ReminderPeriod = 'once' | 'year' | 'quarter' | 'month';
const PERIODS: readonly ReminderPeriod[] = ['once', 'year', 'quarter', 'month'];

interface RuleBase {
  /** Stable id, part of reminder ids: a changed id starts a new series of reminders. */
  id: string;
  /** How often a person may get this rule's reminder: once a period at most. */
  period: ReminderPeriod;
  /** Template name written with every message (the gateway may map it to a registered SMS template). */
  template: string;
  /** The message text; `{months}`, `{closes}` and `{daysBefore}` are filled from the rule. Never personal data. */
  text: string;
}

/** Persons the read model holds as uninsured: an invitation to register. */
export interface UninsuredRule extends RuleBase {
  kind: 'uninsured';
}

/** A local enrolment of one of these types suspended (暂停缴费) for at least `months` months. */
export interface SuspendedRule extends RuleBase {
  kind: 'contributions-suspended';
  months: number;
  insuranceTypes: InsuranceType[];
}

/** The residents' annual contribution window (集中缴费期), one per province: month-day of opening and closing. */
export interface ContributionWindow {
  opens: string;
  closes: string;
}

/**
 * Residents enrolled here in one of these types, `daysBefore` days or fewer before the
 * province's window closes (and while it is open). The period is the window: one reminder
 * per person and window.
 */
export interface ContributionWindowRule extends RuleBase {
  kind: 'contribution-window';
  insuranceTypes: InsuranceType[];
  daysBefore: number;
  /** By 2-digit province code; `default` for provinces not listed. */
  windows: Record<string, ContributionWindow>;
}

/**
 * Persons whose household-survey outcome was a refusal at least `months` months ago. The
 * survey read model is another capability's: the rule names where to find it, and is skipped
 * (with a logged reason) while that read model does not exist.
 */
export interface SurveyRefusalRule extends RuleBase {
  kind: 'survey-refusal';
  months: number;
  readModel: {
    projection: string;
    collection: string;
    /** Field holding the person id (p_…). */
    personField: string;
    /** Field holding the outcome code, and the code that means a refusal. */
    outcomeField: string;
    refusedValue: string;
    /** Field holding when the outcome was recorded (ISO date or timestamp). */
    dateField: string;
  };
}

export type ReminderRule = UninsuredRule | SuspendedRule | ContributionWindowRule | SurveyRefusalRule;
export type ReminderRuleKind = ReminderRule['kind'];

export interface ReminderRulesConfig {
  /** IANA time zone the quiet hours and dates are read in. */
  timeZone: string;
  /** No message leaves between start and end (local, HH:MM; may wrap midnight). */
  quietHours: { start: string; end: string };
  /** At most this many reminders per person in any `windowDays` days (all rules together). */
  maxPerPerson: number;
  windowDays: number;
  /** Sending attempts before a reminder is given up as failed. */
  maxAttempts: number;
  rules: ReminderRule[];
}

export class ReminderRulesError extends Error {
  readonly code = 'REMINDER_RULES_INVALID';
  constructor(
    readonly source: string,
    readonly key: string,
    why: string,
  ) {
    super(`${source}: ${key} ${why}`);
    this.name = 'ReminderRulesError';
  }
}

const RULE_ID = /^[a-z][a-z0-9-]{1,39}$/;
const TEMPLATE = /^[a-z][a-z0-9-]{1,63}$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const MONTH_DAY = /^(\d{2})-(\d{2})$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const KINDS: readonly ReminderRuleKind[] = ['uninsured', 'contributions-suspended', 'contribution-window', 'survey-refusal'];

/** Validates a parsed rules file; `source` names it in messages. */
export function parseReminderRules(doc: unknown, source: string): ReminderRulesConfig {
  const bad = (key: string, why: string): never => {
    throw new ReminderRulesError(source, key, why);
  };
  const object = (value: unknown, key: string): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : bad(key, 'must be an object');
  const text = (value: unknown, key: string, re?: RegExp): string =>
    typeof value === 'string' && value.length > 0 && (!re || re.test(value))
      ? value
      : bad(key, re ? `must match ${re.source}` : 'must be a non-empty string');
  const whole = (value: unknown, key: string, min: number, max: number): number =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? value
      : bad(key, `must be a whole number from ${min} to ${max}`);
  const types = (value: unknown, key: string): InsuranceType[] =>
    Array.isArray(value) && value.length > 0 && value.every(isInsuranceType)
      ? [...value]
      : bad(key, 'must list insurance type codes (AAE140)');
  const onlyKeys = (obj: Record<string, unknown>, key: string, allowed: string[]) => {
    const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
    if (unknown.length > 0) bad(`${key}.${unknown[0]}`, 'is not a known setting');
  };

  const root = object(doc, '(root)');
  onlyKeys(root, '(root)', ['$comment', 'timeZone', 'quietHours', 'maxPerPerson', 'windowDays', 'maxAttempts', 'rules']);
  const timeZone = text(root.timeZone ?? 'Asia/Shanghai', 'timeZone');
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone });
  } catch {
    bad('timeZone', 'is not an IANA time zone');
  }
  const quiet = object(root.quietHours ?? { start: '21:00', end: '08:00' }, 'quietHours');
  onlyKeys(quiet, 'quietHours', ['start', 'end']);
  const quietHours = { start: text(quiet.start, 'quietHours.start', HHMM), end: text(quiet.end, 'quietHours.end', HHMM) };
  const maxPerPerson = whole(root.maxPerPerson ?? 2, 'maxPerPerson', 1, 100);
  const windowDays = whole(root.windowDays ?? 30, 'windowDays', 1, 366);
  const maxAttempts = whole(root.maxAttempts ?? 3, 'maxAttempts', 1, 20);
  if (!Array.isArray(root.rules)) bad('rules', 'must be a list');
  const seen = new Set<string>();
  const rules = (root.rules as unknown[]).map((raw, i): ReminderRule => {
    const key = `rules[${i}]`;
    const r = object(raw, key);
    const kind = r.kind as ReminderRuleKind;
    if (!KINDS.includes(kind)) bad(`${key}.kind`, `must be one of ${KINDS.join(', ')}`);
    const id = text(r.id, `${key}.id`, RULE_ID);
    if (seen.has(id)) bad(`${key}.id`, `repeats the id ${id}`);
    seen.add(id);
    const period = (r.period ?? (kind === 'contribution-window' ? 'year' : 'quarter')) as ReminderPeriod;
    if (!PERIODS.includes(period)) bad(`${key}.period`, `must be one of ${PERIODS.join(', ')}`);
    const base = { id, period, template: text(r.template ?? id, `${key}.template`, TEMPLATE), text: text(r.text, `${key}.text`) };
    if (base.text.length > 500) bad(`${key}.text`, 'is longer than 500 characters');
    const common = ['$comment', 'id', 'kind', 'period', 'template', 'text'];
    switch (kind) {
      case 'uninsured':
        onlyKeys(r, key, common);
        return { ...base, kind };
      case 'contributions-suspended':
        onlyKeys(r, key, [...common, 'months', 'insuranceTypes']);
        return {
          ...base,
          kind,
          months: whole(r.months, `${key}.months`, 1, 120),
          insuranceTypes: types(r.insuranceTypes, `${key}.insuranceTypes`),
        };
      case 'contribution-window': {
        onlyKeys(r, key, [...common, 'insuranceTypes', 'daysBefore', 'windows']);
        if (period !== 'year') bad(`${key}.period`, 'must be year: one reminder per window');
        const windows: Record<string, ContributionWindow> = {};
        for (const [province, w] of Object.entries(object(r.windows, `${key}.windows`))) {
          const wkey = `${key}.windows.${province}`;
          if (province !== 'default' && !/^\d{2}$/.test(province)) bad(wkey, 'must be a 2-digit province code or default');
          const window = object(w, wkey);
          onlyKeys(window, wkey, ['opens', 'closes']);
          windows[province] = {
            opens: monthDay(window.opens, `${wkey}.opens`, bad),
            closes: monthDay(window.closes, `${wkey}.closes`, bad),
          };
        }
        if (Object.keys(windows).length === 0) bad(`${key}.windows`, 'must name at least one window');
        return {
          ...base,
          kind,
          period: 'year',
          insuranceTypes: types(r.insuranceTypes, `${key}.insuranceTypes`),
          daysBefore: whole(r.daysBefore, `${key}.daysBefore`, 1, 365),
          windows,
        };
      }
      case 'survey-refusal': {
        onlyKeys(r, key, [...common, 'months', 'readModel']);
        const m = object(r.readModel, `${key}.readModel`);
        onlyKeys(m, `${key}.readModel`, ['projection', 'collection', 'personField', 'outcomeField', 'refusedValue', 'dateField']);
        const name = /^[a-z][a-z0-9_]{0,62}$/;
        return {
          ...base,
          kind,
          months: whole(r.months, `${key}.months`, 1, 120),
          readModel: {
            projection: text(m.projection, `${key}.readModel.projection`, name),
            collection: text(m.collection, `${key}.readModel.collection`, name),
            personField: text(m.personField, `${key}.readModel.personField`, FIELD),
            outcomeField: text(m.outcomeField, `${key}.readModel.outcomeField`, FIELD),
            refusedValue: text(m.refusedValue, `${key}.readModel.refusedValue`),
            dateField: text(m.dateField, `${key}.readModel.dateField`, FIELD),
          },
        };
      }
      default:
        return bad(`${key}.kind`, 'is unknown');
    }
  });
  return { timeZone, quietHours, maxPerPerson, windowDays, maxAttempts, rules };
}

function monthDay(value: unknown, key: string, bad: (key: string, why: string) => never): string {
  const m = typeof value === 'string' ? MONTH_DAY.exec(value) : null;
  // 2024 is a leap year: 02-29 is a valid day of a window.
  if (!m || !isCalendarDate(2024, Number(m[1]), Number(m[2]))) return bad(key, 'must be MM-DD');
  return value as string;
}

/** The window of a province (or the default one); undefined when the rule names neither. */
export function windowFor(rule: ContributionWindowRule, province: string): ContributionWindow | undefined {
  return rule.windows[province] ?? rule.windows.default;
}

// ── Local time ─────────────────────────────────────────────────────────────────────────

export interface LocalTime {
  /** YYYY-MM-DD in the time zone. */
  date: string;
  /** Minutes since local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date and time of day of an instant in a time zone. */
export function localTime(instant: Date, timeZone: string): LocalTime {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether the instant lies in the quiet hours (start inclusive, end exclusive; may wrap midnight). */
export function inQuietHours(instant: Date, config: Pick<ReminderRulesConfig, 'timeZone' | 'quietHours'>): boolean {
  const { minutes } = localTime(instant, config.timeZone);
  const start = minutesOf(config.quietHours.start);
  const end = minutesOf(config.quietHours.end);
  if (start === end) return false;
  return start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

/** The key of the period a local date falls in: `once`, `2025`, `2025Q2`, `2025-06`. */
export function periodKey(period: ReminderPeriod, localDate: string): string {
  const year = localDate.slice(0, 4);
  const month = Number(localDate.slice(5, 7));
  switch (period) {
    case 'once':
      return 'once';
    case 'year':
      return year;
    case 'quarter':
      return `${year}Q${Math.floor((month - 1) / 3) + 1}`;
    case 'month':
      return localDate.slice(0, 7);
  }
}

/** The date `months` calendar months before a date (the month's last day when the day does not exist there). */
export function monthsBefore(localDate: string, months: number): string {
  const [y, m, d] = localDate.split('-').map(Number);
  const index = y * 12 + (m - 1) - months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  let day = d;
  while (!isCalendarDate(year, month, day)) day--;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The window a local date belongs to for reminding: its closing date (YYYY-MM-DD) when the
 * date is open and at most `daysBefore` days before closing, else undefined. A window whose
 * closing day comes before its opening day runs over the new year.
 */
export function closingWindow(localDate: string, window: ContributionWindow, daysBefore: number): string | undefined {
  const year = Number(localDate.slice(0, 4));
  const spansNewYear = window.closes < window.opens;
  for (const closeYear of [year, year + 1]) {
    const closes = validDay(closeYear, window.closes);
    const opens = validDay(spansNewYear ? closeYear - 1 : closeYear, window.opens);
    if (localDate < opens || localDate > closes) continue;
    const daysLeft = Math.round((Date.parse(`${closes}T00:00:00Z`) - Date.parse(`${localDate}T00:00:00Z`)) / 86_400_000);
    return daysLeft <= daysBefore ? closes : undefined;
  }
  return undefined;
}

function validDay(year: number, monthDay: string): string {
  const month = Number(monthDay.slice(0, 2));
  let day = Number(monthDay.slice(3, 5));
  while (!isCalendarDate(year, month, day)) day--;
  return `${year}-${monthDay.slice(0, 2)}-${String(day).padStart(2, '0')}`;
}

/** The message text of a rule, its placeholders filled from the rule and the window. */
export function reminderText(rule: ReminderRule, closes?: string): string {
  return rule.text
    .replace(/\{months\}/g, 'months' in rule ? String(rule.months) : '')
    .replace(/\{daysBefore\}/g, rule.kind === 'contribution-window' ? String(rule.daysBefore) : '')
    .replace(/\{closes\}/g, closes ? `${Number(closes.slice(5, 7))}月${Number(closes.slice(8, 10))}日` : '');
}
