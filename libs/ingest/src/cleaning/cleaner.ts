import { normaliseCitizenIdInput } from '@registry/domain';
import { createHash } from 'node:crypto';
import type {
  ContributionStatus,
  Gender,
  HouseholdCancellationReason,
  HouseholdStatus,
  InsuranceType,
  RegionTable,
} from '@registry/domain';
import { fieldSpecsOf } from '../mapping/field-specs';
import { FieldMapping, SourceMapping, normaliseHeader } from '../mapping/mapping';
import { RawRecord } from '../readers/types';
import { HashSet64 } from '../shared/hash-set64';
import { IngestSourceKind } from '../source-kinds';
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
  RuleResult,
} from './field-rules';
import { Issue, IssueCode, makeIssue, SeverityOverrides } from './issues';

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

export function createCleaner<K extends IngestSourceKind>(kind: K, mapping: SourceMapping, options: CleanerOptions): Cleaner<K> {
  if (mapping.kind !== kind) throw new Error(`mapping ${mapping.file} is for ${mapping.kind}, not ${kind}`);
  const { regions, today } = options;
  const specs = fieldSpecsOf(kind);
  const fieldOrder = Object.keys(specs);
  const seen = options.dedupe === false ? undefined : new HashSet64();
  const columnCache = new Map<string, Record<string, string>>();
  const counts: Partial<Record<IssueCode, number>> = {};
  let rows = 0;
  let accepted = 0;

  /** Field → the row's header, per distinct header set (NDJSON rows may differ). */
  function columnsFor(values: Readonly<Record<string, string>>): Record<string, string> {
    const keys = Object.keys(values);
    const signature = keys.join('\u0001');
    const cached = columnCache.get(signature);
    if (cached) return cached;
    const byNorm = new Map(keys.map((k) => [normaliseHeader(k), k] as const));
    const cols: Record<string, string> = {};
    for (const fm of Object.values(mapping.fields) as FieldMapping[]) {
      const hit = fm.headers.map((h) => byNorm.get(normaliseHeader(h))).find((h) => h !== undefined);
      if (hit !== undefined) cols[fm.field] = hit;
    }
    if (columnCache.size > 64) columnCache.clear();
    columnCache.set(signature, cols);
    return cols;
  }

  function clean(row: RawRecord): CleanResult<K> {
    rows++;
    const issues: Issue[] = [];
    const erroredFields = new Set<string>();
    const add = (ri: RuleIssue, field?: string): void => {
      const issue = makeIssue(ri.code, ri.message, field, options.severity);
      issues.push(issue);
      if (issue.severity === 'error' && field) erroredFields.add(field);
    };
    for (const p of row.problems ?? []) add(p);

    const cols = columnsFor(row.values);
    const out: Out = {};
    let id: ParsedCitizenId | undefined;
    const label = (field: string): string => (cols[field] ? `${field} (${cols[field]})` : field);
    const take = <T>(field: string, r: RuleResult<T>): T | undefined => {
      if (!r.ok) {
        for (const e of r.errors) add(e, field);
        return undefined;
      }
      for (const w of r.warnings) add(w, field);
      return r.value;
    };

    for (const [field, fm] of Object.entries(mapping.fields)) {
      const spec = specs[field];
      const header = cols[field];
      const raw = header === undefined ? '' : (row.values[header] ?? '').trim();
      if (raw === '') {
        if (fm.required) add({ code: 'REQUIRED_FIELD_MISSING', message: `${label(field)} is required but empty or absent` }, field);
        continue;
      }
      let value: string | undefined;
      switch (spec.type) {
        case 'citizen-id': {
          const parsed = take(field, citizenIdRule(raw, regions, today));
          if (parsed) {
            id = parsed;
            value = parsed.value;
          } else {
            // Unusable as an ID, still evidence for record linkage (a typo is one digit off).
            const attempted = normaliseCitizenIdInput(raw);
            if (attempted !== '') out.rawCitizenId = attempted;
          }
          break;
        }
        case 'name':
          value = take(field, nameRule(raw));
          break;
        case 'date':
          value = take(field, dateRule(raw, today, label(field)));
          break;
        case 'code':
          value = take(field, codeRule(raw, spec.codeDomain ?? 'gender', fm.values, label(field)));
          break;
        case 'region':
          value = take(field, regionRule(raw, regions, label(field)))?.code;
          break;
        case 'province':
          value = take(field, provinceRule(raw, regions, label(field)));
          break;
        case 'phone':
          value = take(field, phoneRule(raw));
          break;
        case 'text':
          value = raw;
          break;
        default: {
          const never: never = spec.type;
          throw new Error(`unhandled field type ${String(never)}`);
        }
      }
      if (value !== undefined) out[field] = value;
    }

    // The ID is the better witness: it was checked by MOD 11-2; a column may be mistyped.
    if (id) {
      if ('birthDate' in specs) {
        if (out.birthDate !== undefined && out.birthDate !== id.birthDate) {
          add({ code: 'BIRTH_DATE_MISMATCH', message: `${label('birthDate')} disagrees with the citizen ID; the ID date is kept` }, 'birthDate');
        }
        out.birthDate = id.birthDate;
      }
      if ('gender' in specs) {
        if ((out.gender === '1' || out.gender === '2') && out.gender !== id.gender) {
          add({ code: 'GENDER_MISMATCH', message: `${label('gender')} disagrees with the citizen ID; the ID gender is kept` }, 'gender');
        }
        out.gender = id.gender;
      }
    }
    kindRules(kind, out, id, add, erroredFields);

    const reasons = issues.filter((i) => i.severity === 'error');
    const warnings = issues.filter((i) => i.severity === 'warning');
    const reject = (extra?: Issue): CleanResult<K> => {
      for (const i of extra ? [...reasons, extra] : reasons) counts[i.code] = (counts[i.code] ?? 0) + 1;
      for (const i of warnings) counts[i.code] = (counts[i.code] ?? 0) + 1;
      return { status: 'rejected', rowNumber: row.rowNumber, reasons: extra ? [...reasons, extra] : reasons, warnings, partial: { kind, fields: out } };
    };
    if (reasons.length > 0) return reject();

    // One digest serves both the derived record id and the duplicate key.
    const digest = createHash('sha1')
      .update(JSON.stringify(fieldOrder.map((f) => out[f] ?? null)))
      .digest();
    if (out.sourceRecordId === undefined) out.sourceRecordId = `h${digest.toString('hex', 0, 10)}`;
    if (seen && !seen.add(digest.readUInt32BE(0), digest.readUInt32BE(4))) {
      return reject(makeIssue('DUPLICATE_ROW', 'an earlier row of this file has the same normalised content', undefined, options.severity));
    }
    accepted++;
    for (const i of warnings) counts[i.code] = (counts[i.code] ?? 0) + 1;
    return { status: 'ok', rowNumber: row.rowNumber, record: buildRecord(kind, out) as CanonicalRecordOf<K>, warnings };
  }

  return {
    kind,
    clean,
    stats: () => ({ rows, ok: accepted, rejected: rows - accepted, issues: { ...counts }, dedupeBytes: seen?.bytes ?? 0 }),
  };
}

/** Requirements that depend on another field's value (which event the row reports). */
function kindRules(
  kind: IngestSourceKind,
  out: Out,
  id: ParsedCitizenId | undefined,
  add: (ri: RuleIssue, field?: string) => void,
  erroredFields: ReadonlySet<string>,
): void {
  const need = (field: string, why: string): void => {
    if (out[field] === undefined && !erroredFields.has(field)) {
      add({ code: 'REQUIRED_FIELD_MISSING', message: `${field} is required ${why}` }, field);
    }
  };
  const deathAfterBirth = (birth: string | undefined): void => {
    if (birth !== undefined && out.dateOfDeath !== undefined && out.dateOfDeath < birth) {
      add({ code: 'DATE_ORDER', message: 'dateOfDeath is before the birth date' }, 'dateOfDeath');
    }
  };
  switch (kind) {
    case 'household-registration':
      need('gender', 'for a household record (from the column or the ID)');
      need('birthDate', 'for a household record (from the column or the ID)');
      return;
    case 'card-library':
      need('gender', 'for a card holder (from the column or the ID)');
      need('birthDate', 'for a card holder (from the column or the ID)');
      return;
    case 'health':
      if (out.event === 'birth') need('birthDate', 'for a birth');
      if (out.event === 'death') {
        need('dateOfDeath', 'for a death');
        need('citizenId', 'for a death (a deceased person is always registered)');
      }
      deathAfterBirth(out.birthDate ?? id?.birthDate);
      return;
    case 'civil-affairs':
      if (out.event === 'death' || out.event === 'cremation') need('dateOfDeath', 'for a death or cremation');
      if (out.event === 'minimum-living-allowance') need('since', 'for a minimum-living allowance');
      deathAfterBirth(id?.birthDate);
      return;
    case 'insurance-enrollment':
    case 'disability':
      return;
    default: {
      const never: never = kind;
      throw new Error(`unhandled kind ${String(never)}`);
    }
  }
}

function opt(out: Out, field: string): string | undefined {
  return out[field];
}

/** Values were validated against their code lists by the rules, so the narrowing casts hold. */
function buildRecord(kind: IngestSourceKind, o: Out): CanonicalRecord {
  const sourceRecordId = o.sourceRecordId;
  switch (kind) {
    case 'household-registration': {
      const [status, reason] = (o.householdStatus ?? 'active').split(':');
      return strip({
        kind,
        sourceRecordId,
        citizenId: o.citizenId,
        name: o.name,
        gender: o.gender as Gender,
        birthDate: o.birthDate,
        householdRegion: o.householdRegion,
        householdAddress: opt(o, 'householdAddress'),
        householdStatus: status as HouseholdStatus,
        cancellationReason: reason as HouseholdCancellationReason | undefined,
        phone: opt(o, 'phone'),
      });
    }
    case 'insurance-enrollment':
      return strip({
        kind,
        sourceRecordId,
        citizenId: o.citizenId,
        name: opt(o, 'name'),
        insuranceType: o.insuranceType as InsuranceType,
        contributionStatus: o.contributionStatus as ContributionStatus,
        provinceCode: o.provinceCode,
        since: opt(o, 'since'),
        gender: opt(o, 'gender') as Gender | undefined,
        birthDate: opt(o, 'birthDate'),
      });
    case 'card-library':
      return strip({
        kind,
        sourceRecordId,
        citizenId: o.citizenId,
        name: o.name,
        gender: o.gender as Gender,
        birthDate: o.birthDate,
        region: opt(o, 'region'),
      });
    case 'health':
      return strip({
        kind,
        sourceRecordId,
        event: o.event as 'birth' | 'death',
        citizenId: opt(o, 'citizenId'),
        name: o.name,
        gender: opt(o, 'gender') as Gender | undefined,
        birthDate: opt(o, 'birthDate'),
        dateOfDeath: opt(o, 'dateOfDeath'),
        region: opt(o, 'region'),
      });
    case 'civil-affairs':
      return strip({
        kind,
        sourceRecordId,
        event: o.event as 'death' | 'cremation' | 'minimum-living-allowance',
        citizenId: o.citizenId,
        name: opt(o, 'name'),
        dateOfDeath: opt(o, 'dateOfDeath'),
        since: opt(o, 'since'),
        region: opt(o, 'region'),
      });
    case 'disability':
      return strip({
        kind,
        sourceRecordId,
        citizenId: o.citizenId,
        name: opt(o, 'name'),
        certificateNo: o.certificateNo,
        grade: o.grade as '1' | '2' | '3' | '4',
        region: opt(o, 'region'),
        since: opt(o, 'since'),
      });
    default: {
      const never: never = kind;
      throw new Error(`unhandled kind ${String(never)}`);
    }
  }
}

/** Drops undefined optionals so records compare and serialise cleanly. */
function strip<T extends object>(record: T): T {
  for (const k of Object.keys(record) as (keyof T)[]) if (record[k] === undefined) delete record[k];
  return record;
}
