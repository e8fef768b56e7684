import { normaliseCitizenIdInput } from '@registry/domain';
import type { RegionTable } from '@registry/domain';
import { hash } from 'node:crypto';
import { FieldSpec, FieldType, fieldSpecsOf, HOUSEHOLD_STATUS_TARGETS } from '../mapping/field-specs';
import { FieldMapping, SourceMapping, normaliseHeader } from '../mapping/mapping';
import { RawRecord, RowProblem } from '../readers/types';
import { HashSet64 } from '../shared/hash-set64';
import { IngestSourceKind, ingestSourceKind } from '../source-kinds';
import { CanonicalRecord, CanonicalRecordOf } from './canonical-record';
import {
  citizenIdRule,
  codeRule,
  dateRule,
  nameRule,
  ParsedCitizenId,
  phoneRule,
  provinceRule,
  regionRule,
  RuleIssue,
} from './field-rules';
import { Issue, IssueCode, makeIssue, SeverityOverrides } from './issues';
import { RememberedRule } from './remembered-rule';

export interface CleanerOptions {
  readonly regions: RegionTable;
  /** `YYYY-MM-DD`; injected because the cleaner has no clock (future-date rules). */
  readonly today: string;
  /** Change a rule's severity (e.g. make BIRTH_DATE_MISMATCH an error) without code changes. */
  readonly severity?: SeverityOverrides;
  /** Quarantine repeated rows (default true). Costs 8–21 bytes per distinct accepted row. */
  readonly dedupe?: boolean;
}

/** Whatever was cleaned successfully from a rejected row, for record linkage later. */
export interface PartialRecord {
  readonly kind: IngestSourceKind;
  /**
   * Registry field → normalised value. `citizenId` is present only when it was valid;
   * otherwise `rawCitizenId` holds the normalised attempt (for record linkage only).
   */
  readonly fields: Readonly<Record<string, string>>;
}

export type CleanResult<K extends IngestSourceKind = IngestSourceKind> =
  | { readonly status: 'ok'; readonly rowNumber: number; readonly record: CanonicalRecordOf<K>; readonly warnings: readonly Issue[] }
  | {
      readonly status: 'rejected';
      readonly rowNumber: number;
      readonly reasons: readonly Issue[];
      readonly warnings: readonly Issue[];
      readonly partial: PartialRecord;
    };

export interface CleanerStats {
  readonly rows: number;
  readonly ok: number;
  readonly rejected: number;
  /** Per issue code, how many rows raised it (errors and warnings). */
  readonly issues: Readonly<Partial<Record<IssueCode, number>>>;
  /** Memory held by the duplicate filter. */
  readonly dedupeBytes: number;
}

export interface Cleaner<K extends IngestSourceKind = IngestSourceKind> {
  readonly kind: K;
  /** Stateful only through the duplicate filter: call in file order. */
  clean(row: RawRecord): CleanResult<K>;
  stats(): CleanerStats;
}

type Out = Record<string, string>;

/** Reasons and warnings of a row that raised none; shared, so it is frozen. */
const NO_ISSUES: readonly Issue[] = Object.freeze([]);
const NO_PROBLEMS: readonly RowProblem[] = [];

/** One mapped field, in mapping order. */
interface FieldPlan {
  readonly field: string;
  readonly type: FieldType;
  readonly required: boolean;
  readonly mapping: FieldMapping;
  readonly spec: FieldSpec;
}

/**
 * What depends on the row's header set (NDJSON rows may differ): per field, the row's
 * header, its label for messages, and its rule (whose messages name the label).
 */
interface Layout {
  readonly keys: readonly string[];
  readonly headers: readonly (string | undefined)[];
  readonly labels: readonly string[];
  readonly rules: readonly (RememberedRule<string | undefined> | undefined)[];
}

export function createCleaner<K extends IngestSourceKind>(requested: K, mapping: SourceMapping, options: CleanerOptions): Cleaner<K> {
  // The kind as this module spells it, not the caller's copy (read back from a store, say):
  // every record carries it, and later steps compare it once per row.
  const kind = ingestSourceKind(requested) as K;
  if (mapping.kind !== kind) throw new Error(`mapping ${mapping.file} is for ${mapping.kind}, not ${kind}`);
  const kindRule = KIND_RULES[kind];
  const { regions, today, severity } = options;
  const idOptions = { regions, today };
  const specs = fieldSpecsOf(kind);
  const fieldOrder = Object.keys(specs);
  const hasBirthDate = 'birthDate' in specs;
  const hasGender = 'gender' in specs;
  const plans: FieldPlan[] = Object.entries(mapping.fields).map(([field, fm]) => ({
    field,
    type: specs[field].type,
    required: fm.required,
    mapping: fm,
    spec: specs[field],
  }));
  const seen = options.dedupe === false ? undefined : new HashSet64();
  const layouts = new Map<string, Layout>();
  let lastLayout: Layout | undefined;
  // By label (field and header), so header sets that differ elsewhere share what a rule remembers.
  const rulesByLabel = new Map<string, RememberedRule<string | undefined>>();
  const citizenIds = new RememberedRule((cell) => citizenIdRule(cell, idOptions));
  // Reused for every row's digest: clean() is synchronous, so no two rows share it at once.
  const digestValues: (string | null)[] = new Array(fieldOrder.length);
  const counts: Partial<Record<IssueCode, number>> = {};
  let rows = 0;
  let accepted = 0;

  function newRule(plan: FieldPlan, label: string): RememberedRule<string | undefined> | undefined {
    switch (plan.type) {
      case 'name':
        return new RememberedRule(nameRule);
      case 'date':
        return new RememberedRule((cell) => dateRule(cell, today, label));
      case 'code': {
        const domain = plan.spec.codeDomain ?? 'gender';
        return new RememberedRule((cell) => codeRule(cell, domain, plan.mapping.values, label), { fewValues: true });
      }
      case 'region':
        return new RememberedRule((cell) => regionRule(cell, regions, label), { fewValues: true });
      case 'province':
        return new RememberedRule((cell) => provinceRule(cell, regions, label), { fewValues: true });
      case 'phone':
        return new RememberedRule(phoneRule);
      case 'citizen-id':
      case 'text':
        return undefined;
      default: {
        const never: never = plan.type;
        throw new Error(`unhandled field type ${String(never)}`);
      }
    }
  }

  function ruleFor(plan: FieldPlan, label: string): RememberedRule<string | undefined> | undefined {
    let rule = rulesByLabel.get(label);
    if (rule === undefined) {
      rule = newRule(plan, label);
      if (rule) rulesByLabel.set(label, rule);
    }
    return rule;
  }

  function buildLayout(keys: readonly string[]): Layout {
    const byNorm = new Map(keys.map((k) => [normaliseHeader(k), k] as const));
    const headers = plans.map((plan) => plan.mapping.headers.map((h) => byNorm.get(normaliseHeader(h))).find((h) => h !== undefined));
    const labels = plans.map((plan, i) => (headers[i] ? `${plan.field} (${headers[i]})` : plan.field));
    return {
      keys,
      headers,
      labels,
      rules: plans.map((plan, i) => ruleFor(plan, labels[i])),
    };
  }

  /** The layout of the row's header set; files keep one, so the previous row's usually fits. */
  function layoutFor(values: Readonly<Record<string, string>>): Layout {
    if (lastLayout !== undefined && hasKeys(values, lastLayout.keys)) return lastLayout;
    const keys = Object.keys(values);
    const signature = keys.join('\u0001');
    let layout = layouts.get(signature);
    if (layout === undefined) {
      layout = buildLayout(keys);
      if (layouts.size > 64) layouts.clear();
      layouts.set(signature, layout);
    }
    lastLayout = layout;
    return layout;
  }

  function issue(code: IssueCode, message: string, field?: string): Issue {
    return makeIssue(code, message, field, severity);
  }

  // Index loops in the per-row helpers: for...of allocated an iterator per call here.
  function addAll(issues: Issue[], found: readonly RuleIssue[], field: string): void {
    for (let i = 0; i < found.length; i++) issues.push(issue(found[i].code, found[i].message, field));
  }

  function count(list: readonly Issue[]): void {
    for (let i = 0; i < list.length; i++) counts[list[i].code] = (counts[list[i].code] ?? 0) + 1;
  }

  function reject(rowNumber: number, reasons: readonly Issue[], warnings: readonly Issue[], out: Out): CleanResult<K> {
    count(reasons);
    count(warnings);
    return { status: 'rejected', rowNumber, reasons, warnings, partial: { kind, fields: out } };
  }

  function clean(row: RawRecord): CleanResult<K> {
    rows++;
    const issues: Issue[] = [];
    const problems = row.problems ?? NO_PROBLEMS;
    for (let i = 0; i < problems.length; i++) issues.push(issue(problems[i].code, problems[i].message));

    const layout = layoutFor(row.values);
    const out: Out = {};
    let id: ParsedCitizenId | undefined;
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i];
      const header = layout.headers[i];
      const raw = header === undefined ? '' : (row.values[header] ?? '').trim();
      if (raw === '') {
        if (plan.required) issues.push(issue('REQUIRED_FIELD_MISSING', `${layout.labels[i]} is required but empty or absent`, plan.field));
        continue;
      }
      if (plan.type === 'text') {
        out[plan.field] = raw;
        continue;
      }
      if (plan.type === 'citizen-id') {
        const parsed = citizenIds.check(raw);
        if (parsed.ok) {
          addAll(issues, parsed.warnings, plan.field);
          id = parsed.value;
          out[plan.field] = id.value;
        } else {
          addAll(issues, parsed.errors, plan.field);
          // Unusable as an ID, still evidence for record linkage (a typo is one digit off).
          const attempted = normaliseCitizenIdInput(raw);
          if (attempted !== '') out.rawCitizenId = attempted;
        }
        continue;
      }
      const verdict = (layout.rules[i] as RememberedRule<string | undefined>).check(raw);
      if (verdict.ok) {
        addAll(issues, verdict.warnings, plan.field);
        if (verdict.value !== undefined) out[plan.field] = verdict.value;
      } else {
        addAll(issues, verdict.errors, plan.field);
      }
    }

    // The ID is the better witness: it was checked by MOD 11-2; a column may be mistyped. The
    // record keeps what the column says, and the registry holds the ID's values and records
    // the disagreement as an anomaly on the person; an empty or broken column takes the ID's.
    if (id) {
      if (hasBirthDate) {
        if (out.birthDate === undefined) out.birthDate = id.birthDate;
        else if (out.birthDate !== id.birthDate) {
          issues.push(
            issue('BIRTH_DATE_MISMATCH', `${labelOf(layout, 'birthDate')} disagrees with the citizen ID; the ID date is held`, 'birthDate'),
          );
        }
      }
      if (hasGender) {
        if (out.gender === undefined || out.gender === '0' || out.gender === '9') out.gender = id.gender;
        else if (out.gender !== id.gender) {
          issues.push(
            issue('GENDER_MISMATCH', `${labelOf(layout, 'gender')} disagrees with the citizen ID; the ID gender is held`, 'gender'),
          );
        }
      }
    }
    kindRule.needs(out, id, issues, severity);
    // With a valid ID the row names its person: a broken side column (a name with digits, a
    // day and month swapped into an impossible date, an unknown code) loses that value, not
    // the row. Only a fault in a field the row cannot be used without quarantines it.
    if (id && issues.length > 0) tolerateSideFaults(issues, kindRule.essential(out));

    let reasons = NO_ISSUES;
    let warnings = NO_ISSUES;
    if (issues.length > 0) {
      reasons = issues.filter((i) => i.severity === 'error');
      warnings = issues.filter((i) => i.severity === 'warning');
      if (reasons.length > 0) return reject(row.rowNumber, reasons, warnings, out);
    }

    // One SHA-1 serves both the derived record id (its first 10 bytes) and the duplicate key
    // (its first 8). One-shot hash() (Node 20.12+) in hex: no Hash object or Buffer per row.
    for (let i = 0; i < fieldOrder.length; i++) digestValues[i] = out[fieldOrder[i]] ?? null;
    const digest = hash('sha1', JSON.stringify(digestValues), 'hex');
    if (out.sourceRecordId === undefined) out.sourceRecordId = `h${digest.slice(0, 20)}`;
    if (seen && !seen.add(parseInt(digest.slice(0, 8), 16), parseInt(digest.slice(8, 16), 16))) {
      return reject(
        row.rowNumber,
        [...reasons, issue('DUPLICATE_ROW', 'an earlier row of this file has the same normalised content')],
        warnings,
        out,
      );
    }
    accepted++;
    count(warnings);
    return { status: 'ok', rowNumber: row.rowNumber, record: buildRecord(kind, out) as CanonicalRecordOf<K>, warnings };
  }

  function labelOf(layout: Layout, field: string): string {
    const i = plans.findIndex((p) => p.field === field);
    return i < 0 ? field : layout.labels[i];
  }

  return {
    kind,
    clean,
    stats: () => ({ rows, ok: accepted, rejected: rows - accepted, issues: { ...counts }, dedupeBytes: seen?.bytes ?? 0 }),
  };
}

/** True when the record's own keys are `keys`, in order; for...in allocates nothing (readers build plain records). */
function hasKeys(values: Readonly<Record<string, string>>, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in values) {
    if (k !== keys[i] || !Object.hasOwn(values, k)) return false;
    i++;
  }
  return i === keys.length;
}

function hasError(issues: readonly Issue[], field: string): boolean {
  return issues.some((i) => i.field === field && i.severity === 'error');
}

/** A field another field's value requires; not reported again when its own rule already failed. */
function need(out: Out, issues: Issue[], severity: SeverityOverrides | undefined, field: string, why: string): void {
  if (out[field] === undefined && !hasError(issues, field)) {
    issues.push(makeIssue('REQUIRED_FIELD_MISSING', `${field} is required ${why}`, field, severity));
  }
}

function deathAfterBirth(out: Out, birth: string | undefined, issues: Issue[], severity: SeverityOverrides | undefined): void {
  if (birth !== undefined && out.dateOfDeath !== undefined && out.dateOfDeath < birth) {
    issues.push(makeIssue('DATE_ORDER', 'dateOfDeath is before the birth date', 'dateOfDeath', severity));
  }
}

/**
 * Per kind: the fields a row cannot be used without (its `essential` fields; any other
 * field's broken value is dropped with a warning when the ID is valid), and the requirements
 * that depend on another field's value (which event the row reports). A cleaner picks its
 * kind's rule once; rows then call it without comparing kinds.
 */
interface KindRule {
  needs(out: Out, id: ParsedCitizenId | undefined, issues: Issue[], severity: SeverityOverrides | undefined): void;
  essential(out: Out): ReadonlySet<string>;
}

const fixed = (...fields: string[]): (() => ReadonlySet<string>) => {
  const set = new Set(fields);
  return () => set;
};

const HEALTH_BIRTH = new Set(['event', 'citizenId', 'birthDate']);
const HEALTH_DEATH = new Set(['event', 'citizenId', 'dateOfDeath']);
const HEALTH_OTHER = new Set(['event', 'citizenId']);
const CIVIL_DEATH = new Set(['event', 'citizenId', 'dateOfDeath']);
const CIVIL_ALLOWANCE = new Set(['event', 'citizenId', 'since']);
const CIVIL_OTHER = HEALTH_OTHER;

const KIND_RULES: { readonly [K in IngestSourceKind]: KindRule } = {
  'household-registration': {
    needs: (out, _id, issues, severity) => {
      need(out, issues, severity, 'gender', 'for a household record (from the column or the ID)');
      need(out, issues, severity, 'birthDate', 'for a household record (from the column or the ID)');
    },
    // The household's region and status are what the register says about the person.
    essential: fixed('citizenId', 'householdRegion', 'householdStatus'),
  },
  'card-library': {
    needs: (out, _id, issues, severity) => {
      need(out, issues, severity, 'gender', 'for a card holder (from the column or the ID)');
      need(out, issues, severity, 'birthDate', 'for a card holder (from the column or the ID)');
    },
    essential: fixed('citizenId'),
  },
  health: {
    needs: (out, id, issues, severity) => {
      if (out.event === 'birth') need(out, issues, severity, 'birthDate', 'for a birth');
      if (out.event === 'death') {
        need(out, issues, severity, 'dateOfDeath', 'for a death');
        need(out, issues, severity, 'citizenId', 'for a death (a deceased person is always registered)');
      }
      deathAfterBirth(out, out.birthDate ?? id?.birthDate, issues, severity);
    },
    essential: (out) => (out.event === 'birth' ? HEALTH_BIRTH : out.event === 'death' ? HEALTH_DEATH : HEALTH_OTHER),
  },
  'civil-affairs': {
    needs: (out, id, issues, severity) => {
      if (out.event === 'death' || out.event === 'cremation') need(out, issues, severity, 'dateOfDeath', 'for a death or cremation');
      if (out.event === 'minimum-living-allowance') need(out, issues, severity, 'since', 'for a minimum-living allowance');
      deathAfterBirth(out, id?.birthDate, issues, severity);
    },
    essential: (out) =>
      out.event === 'death' || out.event === 'cremation'
        ? CIVIL_DEATH
        : out.event === 'minimum-living-allowance'
          ? CIVIL_ALLOWANCE
          : CIVIL_OTHER,
  },
  'insurance-enrollment': {
    needs: () => undefined,
    essential: fixed('citizenId', 'insuranceType', 'contributionStatus', 'provinceCode'),
  },
  disability: {
    needs: () => undefined,
    essential: fixed('citizenId', 'certificateNo', 'grade'),
  },
};

/** Faults of a value that was there but could not be read; a missing required value is another matter (the mapping's `required`). */
const VALUE_FAULTS: ReadonlySet<IssueCode> = new Set<IssueCode>([
  'DATE_INVALID',
  'DATE_IN_FUTURE',
  'CODE_UNKNOWN',
  'NAME_INVALID',
  'REGION_BAD_FORMAT',
  'REGION_UNKNOWN',
  'PROVINCE_UNKNOWN',
]);

/**
 * Turns the errors of side fields into warnings, in place: the field's value was never put
 * in the record (its rule failed), so the record goes on without it.
 */
function tolerateSideFaults(issues: Issue[], essential: ReadonlySet<string>): void {
  for (let i = 0; i < issues.length; i++) {
    const found = issues[i];
    if (found.severity !== 'error' || found.field === undefined || essential.has(found.field) || !VALUE_FAULTS.has(found.code)) continue;
    issues[i] = { ...found, severity: 'warning', message: `${found.message}; value dropped, the citizen ID identifies the person` };
  }
}

type RecordField<K extends IngestSourceKind> = Exclude<keyof CanonicalRecordOf<K>, 'kind' | 'sourceRecordId'>;

/** Each kind's record fields after kind and sourceRecordId, in the order records serialise. */
const RECORD_FIELDS: { readonly [K in IngestSourceKind]: readonly RecordField<K>[] } = {
  'household-registration': [
    'citizenId',
    'name',
    'gender',
    'birthDate',
    'householdRegion',
    'householdAddress',
    'householdStatus',
    'cancellationReason',
    'phone',
  ],
  'insurance-enrollment': ['citizenId', 'name', 'insuranceType', 'contributionStatus', 'provinceCode', 'since', 'gender', 'birthDate'],
  'card-library': ['citizenId', 'name', 'gender', 'birthDate', 'region'],
  health: ['event', 'citizenId', 'name', 'gender', 'birthDate', 'dateOfDeath', 'region'],
  'civil-affairs': ['event', 'citizenId', 'name', 'dateOfDeath', 'since', 'region'],
  disability: ['citizenId', 'name', 'certificateNo', 'grade', 'region', 'since'],
};

/** 'cancelled:death' → status and reason, split once rather than per row. */
const HOUSEHOLD_STATUS_PARTS: ReadonlyMap<string, readonly (string | undefined)[]> = new Map(
  HOUSEHOLD_STATUS_TARGETS.map((target) => [target, target.split(':')] as const),
);

/** A record field's value: the household status column holds both status and reason. */
function recordValue(o: Out, field: string): string | undefined {
  switch (field) {
    case 'householdStatus':
    case 'cancellationReason': {
      const status = o.householdStatus ?? 'active';
      const [householdStatus, cancellationReason] = HOUSEHOLD_STATUS_PARTS.get(status) ?? status.split(':');
      return field === 'householdStatus' ? householdStatus : cancellationReason;
    }
    default:
      return o[field];
  }
}

/**
 * Values were validated against their code lists by the rules, so the record's narrower
 * types hold. Absent optionals are left out rather than set to undefined, so records
 * compare and serialise cleanly; the object is built once, in field order.
 */
function buildRecord(kind: IngestSourceKind, o: Out): CanonicalRecord {
  const record: Out = { kind, sourceRecordId: o.sourceRecordId };
  const fields = RECORD_FIELDS[kind] as readonly string[];
  for (let i = 0; i < fields.length; i++) {
    const value = recordValue(o, fields[i]);
    if (value !== undefined) record[fields[i]] = value;
  }
  return record as unknown as CanonicalRecord;
}
