import { HttpStatus, Injectable } from '@nestjs/common';
import { displayRegionCode } from '@registry/domain';
import { ReadModelNotReadyError } from '@registry/projections';
import type { Filter } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { AUDIT_PROJECTION, AUDIT_QUALITY, QualityDocument } from '../audit/audit.projection';
import { timelinessQuantile } from '../audit/quality-buckets';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { suppress } from './suppression';

/** One unit's figures: an import, or one source's events of a day outside imports. */
export interface QualityRow {
  unit: string;
  kind: 'import' | 'daily';
  importId: string | null;
  source: string | null;
  region: string | null;
  day: string;
  /** Rows read = imported + quarantined (imports only). */
  rows: number | null;
  imported: number | null;
  quarantined: number | null;
  events: number | null;
  /** Share of rows whose cell for the field was not blank, per field of the source's mapping (imports only). */
  completeness: Record<string, number | null>;
  /** Rows failing a rule, by rule code: quarantine reasons and warnings. */
  validity: { rejectedByCode: Record<string, number | null>; warningsByCode: Record<string, number | null>; validRate: number | null };
  /** Cross-source disagreements recorded, by identity field (IdentityConflictDetected). */
  consistency: { conflictsByField: Record<string, number | null>; anomaliesByCode: Record<string, number | null> };
  /** recordedAt − occurredAt, seconds: the median and the 95th percentile, each as the upper bound of its bucket. */
  timeliness: { medianSeconds: number | null; p95Seconds: number | null };
  /** Rows repeating an earlier row of the same file, and rows that changed nothing (already known). */
  duplicates: { duplicateRows: number | null; unchangedRows: number | null };
  suppressed: string[];
}

export interface DataQualityReport {
  filters: { source: string | null; region: string | null; importId: string | null };
  minCell: number | null;
  definitions: Record<string, string>;
  /** Per unit, oldest first: the trend across imports. */
  rows: QualityRow[];
}

const DEFINITIONS = {
  completeness: 'rows whose cell for the field is not blank ÷ rows read',
  validity: 'rows failing each rule (quarantine reasons, warnings) by code; validRate = imported ÷ rows read',
  consistency: 'IdentityConflictDetected events by field (a lower-ranked source disagreeing with the held value); AnomalyDetected by code',
  timeliness: 'recordedAt − occurredAt of each event: median and 95th percentile, as the upper bound of the bucket they fall in',
  duplicates: 'DUPLICATE_ROW: rows repeating an earlier row of the same file; unchanged: rows that changed nothing (known already)',
};

/**
 * Data quality per import, source and region, from the counters the audit projection keeps
 * per import (and per source and day outside imports) and each import's own figures
 * (ImportCompleted). The region of an import is the importer's. For reporting consumers
 * counts below k are hidden, with the complementary cell of rows = imported + quarantined.
 */
@Injectable()
export class DataQualityService {
  constructor(
    private readonly projections: ProjectionsService,
    private readonly reference: ReferenceData,
    private readonly config: AppConfig,
  ) {}

  async report(
    caller: Principal,
    q: { source?: string; region?: string; importId?: string },
    suppressFor: boolean,
  ): Promise<DataQualityReport> {
    if (q.region && !caller.covers(q.region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
    }
    const scope = q.region ?? (caller.regionPrefix === this.reference.provinceCode ? undefined : caller.regionPrefix);
    const filter: Filter = {};
    if (q.source) filter.source = q.source;
    if (q.importId) filter._id = q.importId;
    const docs: QualityDocument[] = [];
    try {
      const coll = await this.projections.collection<QualityDocument>(AUDIT_PROJECTION, AUDIT_QUALITY);
      let cursor: string | undefined;
      do {
        const page = await coll.find(filter, { sort: [['firstRecordedAt', 1]], limit: 1000, cursor });
        docs.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
    } catch (error) {
      if (!(error instanceof ReadModelNotReadyError)) throw error;
    }
    const k = suppressFor ? this.config.REPORT_MIN_CELL : null;
    const rows = docs
      .filter((d) => !scope || (d.region ?? '').startsWith(scope) || (d.region ?? '').startsWith(displayRegionCode(scope)))
      .map((d) => row(d, k));
    return {
      filters: { source: q.source ?? null, region: q.region ?? null, importId: q.importId ?? null },
      minCell: k,
      definitions: DEFINITIONS,
      rows,
    };
  }
}

function row(d: QualityDocument, k: number | null): QualityRow {
  const c = d.completed;
  const read = c?.counts.read ?? null;
  const hidden = new Set<string>();
  // rows = imported + quarantined: the one exact relation between the counts shown.
  if (k !== null && c) {
    const { hidden: cells } = suppress(
      { values: [c.counts.read, c.counts.imported, c.counts.quarantined], relations: [{ cells: [0, 1, 2], coefs: [1, -1, -1] }] },
      k,
    );
    ['rows', 'imported', 'quarantined'].forEach((name, i) => cells.has(i) && hidden.add(name));
  }
  const small = (name: string, v: number | undefined | null): number | null => {
    if (v === undefined || v === null) return null;
    if (k !== null && v < k) {
      hidden.add(name);
      return null;
    }
    return v;
  };
  const counts = (prefix: string, m: Record<string, number> | undefined) =>
    Object.fromEntries(Object.entries(m ?? {}).map(([code, n]) => [code, small(`${prefix}.${code}`, n)]));
  const completeness: Record<string, number | null> = {};
  if (c?.fieldsPresent && read) {
    for (const [field, n] of Object.entries(c.fieldsPresent)) {
      const missing = read - n;
      // A share reveals the small count it is made of: hidden with it.
      completeness[field] =
        k !== null && (n < k || missing < k) && missing !== 0 ? (hidden.add(`completeness.${field}`), null) : round(n / read);
    }
    for (const field of c.fieldsMissing ?? []) completeness[field] = 0;
  }
  const unit = d._id;
  return {
    unit,
    kind: d.kind,
    importId: d.importId,
    source: d.source,
    region: d.region,
    day: d.day,
    rows: hidden.has('rows') ? null : read,
    imported: hidden.has('imported') ? null : (c?.counts.imported ?? null),
    quarantined: hidden.has('quarantined') ? null : (c?.counts.quarantined ?? null),
    events: small('events', d.events),
    completeness,
    validity: {
      rejectedByCode: counts('rejected', c?.reasonsByCode),
      warningsByCode: counts('warnings', c?.warningsByCode),
      validRate: c && read ? (hidden.has('imported') || hidden.has('rows') ? null : round(c.counts.imported / read)) : null,
    },
    consistency: { conflictsByField: counts('conflicts', d.conflictsByField), anomaliesByCode: counts('anomalies', d.anomaliesByCode) },
    timeliness: { medianSeconds: timelinessQuantile(d.timeliness, 0.5), p95Seconds: timelinessQuantile(d.timeliness, 0.95) },
    duplicates: {
      duplicateRows: small('duplicateRows', c ? (c.reasonsByCode.DUPLICATE_ROW ?? 0) : null),
      unchangedRows: small('unchangedRows', c?.counts.unchanged),
    },
    suppressed: [...hidden],
  };
}

const round = (x: number) => Math.round(x * 10000) / 10000;
