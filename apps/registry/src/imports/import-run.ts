import { CitizenId, PersonId, personIdFor } from '@registry/domain';
import {
  CanonicalRecord,
  FileFormat,
  ReadLimits,
  TextEncoding,
  createCleaner,
  ingestSourceKind,
  loadMapping,
  openRecords,
  resolveHeaders,
} from '@registry/ingest';
import { ReadStore, WriteOp } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { CommandContext } from '../common/event-sourcing/command-context';
import { CountedPersonOutcome, PersonCommandRequest } from '../persons/execute-person-commands';
import { commandsForRecord, recordRegion } from '../persons/person-commands';
import { PersonalDataProtector } from '../privacy/personal-data';
import { IMPORT_JOBS, IMPORT_REJECTIONS, ImportJob, ImportRejection, sealRejectionPartial } from './import-job';

/** Quarantined rows held in memory before the progress is stored anyway (each holds its sealed raw line). */
const MAX_UNSTORED_REJECTIONS = 5000;
/**
 * Characters of raw rows held (pending and quarantined) before a batch is applied and stored
 * anyway: rows may be up to IMPORT_MAX_ROW_BYTES each, and a batch of 8000 such rows must not
 * hold gigabytes.
 */
const MAX_HELD_RAW_CHARS = 64 * 1024 * 1024;

/**
 * Applies a batch of person commands through the one command path (the CommandBus in the
 * service, the handler itself in an import thread). A run only counts what applied, so its
 * outcomes carry no states (HandleOptions.states).
 */
export type ExecuteBatch = (requests: PersonCommandRequest<number>[], context: CommandContext) => Promise<CountedPersonOutcome<number>[]>;

export interface ImportRunDependencies {
  execute: ExecuteBatch;
  reads: ReadStore;
  protector: PersonalDataProtector;
  regions: Parameters<typeof createCleaner>[2]['regions'];
  provinceCode: string;
  personIdKey: Buffer | string;
  batchRows: number;
  progressIntervalMs: number;
  /** Reader limits (record size, columns, XLSX inflation); the defaults of @registry/ingest where absent. */
  readLimits?: Partial<ReadLimits>;
  /** Asked before every row: true once the service is stopping (the run then stores what is committed and returns). */
  stopping(): boolean;
  emit(job: ImportJob): void;
}

/** How a run reads and batches, from the configuration. */
export type ImportRunSettings = Pick<ImportRunDependencies, 'batchRows' | 'progressIntervalMs' | 'readLimits'>;

interface PendingRow {
  rowNumber: number;
  rawLine: string;
  record: CanonicalRecord;
  citizenId: CitizenId;
  warnings: number;
  personId: PersonId;
}

type Reasons = ImportRejection['reasons'];
type Warnings = ImportRejection['warnings'];

/**
 * One import of one file: rows are read (streamed), cleaned, quarantined when they cannot be
 * used, and applied in batches through the person commands (one append per batch). Progress,
 * counts and quarantined rows are stored together at most every `progressIntervalMs`, so the
 * stored resume point (`committedRow`) never passes a quarantined row that is not stored; a
 * restarted run cleans the rows before it again (to rebuild the duplicate filter) and applies
 * from there, and event ids derived from the source records keep it from appending twice.
 */
export class ImportRun {
  private job: ImportJob;
  private readonly counts: ImportJob['counts'];
  private readonly reasonsByCode: Record<string, number>;
  private readonly warningsByCode: Record<string, number>;
  private readonly fieldsPresent: Record<string, number>;
  private pending: PendingRow[] = [];
  private rejections: ImportRejection[] = [];
  private rowsSinceFlush = 0;
  /** Characters of raw rows read since the last batch was applied. */
  private heldRawChars = 0;
  /** Characters of raw rows in `rejections`, not stored yet. */
  private unstoredRawChars = 0;
  private rowsThisRun = 0;
  private lastRow: number;
  private storedAt = Date.now();
  private readonly started = Date.now();
  private readonly context: CommandContext;
  private lastPerson?: { citizenId: string; personId: PersonId };

  constructor(
    initial: ImportJob,
    private readonly deps: ImportRunDependencies,
  ) {
    this.job = initial;
    this.counts = { ...initial.counts };
    this.reasonsByCode = { ...initial.reasonsByCode };
    this.warningsByCode = { ...initial.warningsByCode };
    this.fieldsPresent = { ...initial.fieldsPresent };
    this.lastRow = initial.committedRow;
    this.context = {
      operator: initial.submittedBy.operator,
      role: initial.submittedBy.role,
      region: initial.submittedBy.region,
      channel: 'import',
      sourceSystem: initial.source,
      correlationId: initial._id,
    };
  }

  /** Runs to the end of the file (the job, completed), or until the service stops (undefined). */
  async run(): Promise<ImportJob | undefined> {
    const kind = ingestSourceKind(this.job.source);
    const mapping = loadMapping(kind);
    const opened = await openRecords(
      { path: this.job.filePath },
      {
        format: this.job.requestedFormat as FileFormat | undefined,
        encoding: this.job.requestedEncoding as TextEncoding | undefined,
        limits: this.deps.readLimits,
      },
    );
    const headers = resolveHeaders(mapping, opened.headers);
    if (!headers.ok) {
      const first = headers.errors[0];
      throw Object.assign(new Error(headers.errors.map((e) => e.message).join('; ')), { code: first.code });
    }
    const cleaner = createCleaner(kind, mapping, { regions: this.deps.regions, today: new Date().toISOString().slice(0, 10) });
    const columns = Object.entries(headers.columns);
    for (const [field] of columns) this.fieldsPresent[field] ??= 0;
    const fieldsMissing = Object.keys(mapping.fields).filter((field) => !(field in headers.columns));
    const scope = new Principal(this.job.submittedBy.operator, [], this.job.submittedBy.region);
    const provinceWide = scope.regionPrefix === this.deps.provinceCode;
    const progressOf = () => opened.progress();
    this.job = {
      ...this.job,
      state: 'running',
      startedAt: this.job.startedAt ?? new Date().toISOString(),
      format: opened.format,
      encoding: opened.encoding,
      fieldsMissing,
    };
    await this.deps.reads.collection<ImportJob>(IMPORT_JOBS).upsert(this.job);
    const resumeAfter = this.job.committedRow;

    for await (const row of opened.records) {
      if (this.deps.stopping()) {
        // The batches committed so far are kept; the rows read since resume at the next start.
        await this.storeProgress(true);
        return undefined;
      }
      const result = cleaner.clean(row);
      if (row.rowNumber <= resumeAfter) continue; // cleaned only to rebuild the duplicate filter
      this.rowsThisRun++;
      this.counts.read++;
      this.lastRow = row.rowNumber;
      for (const [field, header] of columns) {
        const cell = row.values[header];
        if (cell !== undefined && cell.trim() !== '') this.fieldsPresent[field]++;
      }
      for (const w of result.warnings) this.warningsByCode[w.code] = (this.warningsByCode[w.code] ?? 0) + 1;
      const warnings = result.warnings.map((w) => ({ code: w.code, field: w.field }));
      if (result.status === 'rejected') {
        const reasons = result.reasons.map((r) => ({ code: r.code, severity: r.severity, field: r.field, message: r.message }));
        this.reject(row.rowNumber, row.rawLine, reasons, warnings, result.partial);
      } else {
        const record = result.record as CanonicalRecord;
        const region = recordRegion(record);
        const parsed = record.citizenId ? CitizenId.parse(record.citizenId) : undefined;
        if (!parsed || !parsed.ok) {
          const reason = {
            code: 'ID_MISSING',
            severity: 'error',
            field: 'citizenId',
            message: 'The row has no usable citizen ID; kept for record linkage.',
          };
          this.reject(row.rowNumber, row.rawLine, [reason], warnings, { kind: record.kind, fields: record });
        } else if (region ? !scope.covers(region) : !provinceWide) {
          const reason = {
            code: 'REGION_OUT_OF_SCOPE',
            severity: 'error',
            message: "The row's region lies outside the importer's region.",
          };
          this.reject(row.rowNumber, row.rawLine, [reason], warnings);
        } else {
          const personId = this.personIdOf(parsed.value);
          this.pending.push({
            rowNumber: row.rowNumber,
            rawLine: row.rawLine,
            record,
            citizenId: parsed.value,
            warnings: warnings.length,
            personId,
          });
        }
      }
      // Quarantined rows count too: they are stored with the batch's progress.
      this.heldRawChars += row.rawLine.length;
      if (++this.rowsSinceFlush >= this.deps.batchRows || this.heldRawChars >= MAX_HELD_RAW_CHARS) await this.flush(progressOf());
    }
    await this.flush(progressOf());
    await this.storeProgress(true);
    return {
      ...this.job,
      state: 'completed',
      finishedAt: new Date().toISOString(),
      progress: { ...this.job.progress, fraction: 1, bytesRead: this.job.progress.totalBytes },
    };
  }

  /**
   * Department files list a person's rows together (an enrolment file has one per insurance
   * type): the keyed hash of the last ID is kept rather than computed again.
   */
  private personIdOf(citizenId: CitizenId): PersonId {
    if (this.lastPerson?.citizenId !== citizenId.value) {
      this.lastPerson = { citizenId: citizenId.value, personId: personIdFor(citizenId, this.deps.personIdKey) };
    }
    return this.lastPerson.personId;
  }

  private reject(rowNumber: number, rawLine: string, reasons: Reasons, warnings: Warnings, partial?: unknown): void {
    const id = `${this.job._id}:${rowNumber}`;
    const { protector } = this.deps;
    this.rejections.push({
      _id: id,
      importId: this.job._id,
      rowNumber,
      reasons,
      warnings,
      raw: protector.sealForDocument(id, { raw: rawLine }),
      partial: partial ? sealRejectionPartial(protector, id, partial) : undefined,
    });
    this.counts.quarantined++;
    this.unstoredRawChars += rawLine.length;
    for (const r of reasons) this.reasonsByCode[r.code] = (this.reasonsByCode[r.code] ?? 0) + 1;
  }

  /** Applies the pending rows as one batch of person commands; a row the domain refuses entirely is quarantined with the rule it broke. */
  private async flush(progress: { bytesRead: number; totalBytes: number; fraction: number; etaMs?: number }): Promise<void> {
    const requests: PersonCommandRequest<number>[] = [];
    for (const p of this.pending) {
      for (const command of commandsForRecord(p.record, p.citizenId, this.job.createdAt))
        requests.push({ key: p.rowNumber, id: p.personId, command });
    }
    const outcomes = requests.length > 0 ? await this.deps.execute(requests, this.context) : [];
    const refused = new Map<number, { code: string; message: string }>();
    const eventsByRow = new Map<number, number>();
    for (const o of outcomes) {
      if (o.status === 'refused') refused.set(o.key, { code: o.error.code, message: o.error.message });
      else eventsByRow.set(o.key, (eventsByRow.get(o.key) ?? 0) + o.events.length);
    }
    for (const p of this.pending) {
      const refusal = refused.get(p.rowNumber);
      const events = eventsByRow.get(p.rowNumber) ?? 0;
      this.counts.events += events;
      if (refusal && events === 0) {
        this.reject(p.rowNumber, p.rawLine, [{ code: refusal.code, severity: 'error', message: refusal.message }], []);
      } else {
        this.counts.imported++;
        if (events === 0) this.counts.unchanged++;
        if (p.warnings > 0) this.counts.withWarnings++;
      }
    }
    const elapsed = (Date.now() - this.started) / 1000;
    this.job = {
      ...this.job,
      committedRow: this.lastRow,
      counts: { ...this.counts },
      reasonsByCode: { ...this.reasonsByCode },
      warningsByCode: { ...this.warningsByCode },
      fieldsPresent: { ...this.fieldsPresent },
      progress: {
        bytesRead: progress.bytesRead,
        totalBytes: progress.totalBytes,
        fraction: progress.fraction,
        rowsPerSecond: Math.round(elapsed > 0 ? this.rowsThisRun / elapsed : 0),
        etaSeconds: progress.etaMs !== undefined ? Math.round(progress.etaMs / 1000) : undefined,
      },
    };
    this.pending = [];
    this.rowsSinceFlush = 0;
    this.heldRawChars = 0;
    this.deps.emit(this.job);
    await this.storeProgress(false);
  }

  /**
   * Stores the job (counts, resume point) with the rows quarantined since the last store, in
   * one write. Between stores the progress lives in memory (and reaches followers through
   * `emit`): the write waits for the read store's lock, which the projection thread holds
   * while it writes.
   */
  private async storeProgress(now: boolean): Promise<void> {
    const due =
      Date.now() - this.storedAt >= this.deps.progressIntervalMs ||
      this.rejections.length >= MAX_UNSTORED_REJECTIONS ||
      this.unstoredRawChars >= MAX_HELD_RAW_CHARS;
    if (!now && !due) return;
    const ops: WriteOp[] = this.rejections.map((r) => ({ kind: 'upsert', collection: IMPORT_REJECTIONS, doc: r }));
    ops.push({ kind: 'upsert', collection: IMPORT_JOBS, doc: this.job });
    await this.deps.reads.write(ops);
    this.rejections = [];
    this.unstoredRawChars = 0;
    this.storedAt = Date.now();
  }
}
