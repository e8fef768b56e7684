import { Inject, Injectable } from '@nestjs/common';
import { createReadStream, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { CitizenId, personIdFor } from '@registry/domain';
import { IngestSourceKind, createCleaner, loadMapping, openRecords } from '@registry/ingest';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { KeyRing } from '../config/key-ring';
import { IMPORT_JOBS, IMPORT_REJECTIONS, ImportJob, ImportRejection } from '../imports/import-job';
import { PersonDocument } from '../persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../persons/projections/persons.projection';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { LINK_DECISIONS, LINK_REVIEWS, LinkDecisionDoc, LinkReviewDoc } from './comparison-run';

interface TruthPerson {
  truePersonId: string;
  citizenId: string;
  inScope: boolean;
  coverage: { status: string };
}

interface TruthRecord {
  file: string;
  rowNumber: number;
  truePersonId: string | null;
}

export interface LinkageScore {
  records: number;
  predictedLinks: number;
  truePositives: number;
  falsePositives: number;
  precision: number;
  recall: number;
  f1: number;
  hardRecords: number;
  hardTruePositives: number;
  hardRecall: number;
  /** Hard records that carry more than a name (some ID digits or a birth date). */
  hardRecordsBeyondName: number;
  hardTruePositivesBeyondName: number;
  hardRecallBeyondName: number;
  pendingReview: number;
  excludedDuplicates: number;
  /**
   * Rows without any ID whose person the registry does not hold at all (no row of theirs
   * carried a usable or repairable ID): there is no person for linkage to find, so they are
   * left out of the hard-record figures and counted here.
   */
  unplaceable: number;
  /** hardRecall with the unplaceable rows counted as misses, for comparison. */
  hardRecallCountingUnplaceable: number;
  /** Hard records (beyond a name) not attributed to their person, by the row's quarantine reasons. */
  hardMissesByKind: Record<string, number>;
  /** Wrong attributions by the row's state ('accepted': its own valid ID named someone else). */
  falsePositivesByKind: Record<string, number>;
}

export interface ScoreReport {
  files: Array<{ file: string; importId: string; rows: number }>;
  linkage: LinkageScore;
  coverage: { persons: number; agreeing: number; agreement: number; confusion: Record<string, number> };
  /** With `{ disagreements: true }`: every in-scope person whose status differs, for diagnosis (no personal data). */
  disagreements?: CoverageDisagreement[];
  /** With `{ disagreements: true }`: every hard record (beyond a name) not attributed to its person. */
  hardMisses?: HardMiss[];
}

export interface CoverageDisagreement {
  truePersonId: string;
  truth: string;
  got: string;
  /** The registry's side, when it holds the person: what the verdict rested on. */
  evidence?: string[];
  flags?: string[];
  conflicts?: string[];
  sources?: string[];
  enrollments?: number;
}

/** A hard record not attributed to its person: the row, why it was quarantined, and what linkage decided (no personal data). */
export interface HardMiss {
  file: string;
  rowNumber: number;
  truePersonId: string;
  why: string;
  ref?: string;
  personId: string | null;
  pending: boolean;
  decision?: { outcome: string; score: number; candidates?: Array<{ score: number; levels: Record<string, string> }> };
}

export interface ScoreOptions {
  readonly disagreements?: boolean;
}

async function* ndjson<T>(path: string): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) yield JSON.parse(line) as T;
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

/**
 * Scores the registry against a synthetic province's ground truth: which person each
 * imported row was attributed to (by its valid ID, or by record linkage for rows whose ID
 * was unusable), and which coverage status each in-scope person got.
 */
@Injectable()
export class ScoreService {
  constructor(
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly keys: KeyRing,
    private readonly reference: ReferenceData,
    private readonly projections: ProjectionsService,
  ) {}

  async score(truthDir: string, options: ScoreOptions = {}): Promise<ScoreReport> {
    const personsPath = join(truthDir, 'truth', 'persons.ndjson');
    const recordsPath = join(truthDir, 'truth', 'records.ndjson');
    if (!existsSync(personsPath) || !existsSync(recordsPath)) {
      throw Object.assign(new Error(`no ground truth under ${truthDir}: expected truth/persons.ndjson and truth/records.ndjson`), {
        code: 'TRUTH_NOT_FOUND',
      });
    }
    const truePersonIds = new Map<string, string>();
    const truth: TruthPerson[] = [];
    for await (const p of ndjson<TruthPerson>(personsPath)) {
      const parsed = CitizenId.parse(p.citizenId);
      if (parsed.ok) truePersonIds.set(p.truePersonId, personIdFor(parsed.value, this.keys.personIdKey));
      truth.push(p);
    }

    // Imports of the truth's files (the latest completed import of each file name).
    const jobs = (
      await this.reads.collection<ImportJob>(IMPORT_JOBS).find({ state: 'completed' }, { sort: [['createdAt', 1]], limit: 1000 })
    ).items;
    const byFile = new Map<string, ImportJob>();
    for (const job of jobs) byFile.set(basename(job.fileName), job);

    // For every row: the person the registry attributed it to (or null), and whether it was hard.
    const attribution = new Map<
      string,
      {
        personId: string | null;
        hard: boolean;
        duplicate: boolean;
        pending: boolean;
        nameOnly: boolean;
        noId: boolean;
        why: string;
        /** The quarantined row's id and its linkage decision, for diagnostics. */
        ref?: string;
        decision?: HardMiss['decision'];
      }
    >();
    const files: ScoreReport['files'] = [];
    const rejections = this.reads.collection<ImportRejection>(IMPORT_REJECTIONS);
    const decisions = this.reads.collection<LinkDecisionDoc>(LINK_DECISIONS);
    for (const [file, job] of byFile) {
      const path = existsSync(job.filePath) ? job.filePath : join(truthDir, file);
      if (!existsSync(path)) continue;
      const kind = job.source as IngestSourceKind;
      const cleaner = createCleaner(kind, loadMapping(kind), {
        regions: this.reference.regions,
        today: new Date().toISOString().slice(0, 10),
      });
      const opened = await openRecords({ path }, { format: job.format as never, encoding: job.encoding as never });
      let rows = 0;
      for await (const row of opened.records) {
        rows++;
        const result = cleaner.clean(row);
        const key = `${file}:${row.rowNumber}`;
        if (result.status === 'ok') {
          const id = (result.record as { citizenId?: string }).citizenId;
          const parsed = id ? CitizenId.parse(id) : undefined;
          const personId = parsed?.ok ? personIdFor(parsed.value, this.keys.personIdKey) : null;
          attribution.set(key, { personId, hard: false, duplicate: false, pending: false, nameOnly: false, noId: false, why: 'accepted' });
        } else {
          const duplicate = result.reasons.every((r) => r.code === 'DUPLICATE_ROW');
          // A row quarantined for another field still names its person by a valid ID.
          const fields = result.partial.fields;
          const parsed = fields.citizenId ? CitizenId.parse(fields.citizenId) : undefined;
          const personId = parsed?.ok ? personIdFor(parsed.value, this.keys.personIdKey) : null;
          const noId = !fields.citizenId && !fields.rawCitizenId;
          const nameOnly = noId && !fields.birthDate;
          attribution.set(key, {
            personId,
            hard: personId === null,
            duplicate,
            pending: false,
            nameOnly,
            noId,
            why: [...new Set(result.reasons.map((r) => r.code))].sort().join('+'),
          });
        }
      }
      files.push({ file, importId: job._id, rows });
      // Rows placed (or queued) by record linkage.
      let cursor: string | undefined;
      do {
        const page = await rejections.find({ importId: job._id }, { sort: [['rowNumber', 1]], limit: 1000, cursor, fields: ['rowNumber'] });
        const decided = await decisions.getMany(page.items.map((r) => r._id));
        const reviews = options.disagreements
          ? await this.reads.collection<LinkReviewDoc>(LINK_REVIEWS).getMany(page.items.map((r) => r._id))
          : undefined;
        for (const r of page.items) {
          const d = decided.get(r._id);
          const entry = attribution.get(`${file}:${r.rowNumber}`);
          if (!entry || !d) continue;
          entry.ref = r._id;
          entry.decision = { outcome: d.outcome, score: d.score };
          if (reviews && d.outcome === 'possible') {
            entry.decision.candidates = reviews.get(r._id)?.candidates.map((c) => ({
              score: c.score,
              levels: Object.fromEntries(Object.entries(c.fields).map(([k, v]) => [k, v.level])),
            }));
          }
          if (d.outcome === 'link' && d.personId) entry.personId = d.personId;
          if (d.outcome === 'possible') entry.pending = true;
        }
        cursor = page.nextCursor;
      } while (cursor);
    }

    // Persons created from a mistyped ID that the comparison linked to their household person.
    const personIds = [...new Set([...attribution.values()].map((e) => e.personId).filter((id): id is string => id !== null))];
    const mergedInto = new Map<string, string>();
    for (let i = 0; i < personIds.length; i += 1000) {
      const found = await decisions.getMany(personIds.slice(i, i + 1000).map((id) => `person:${id}`));
      for (const d of found.values())
        if (d.outcome === 'link' && d.personId) mergedInto.set(d.recordRef.slice('person:'.length), d.personId);
    }
    for (const entry of attribution.values()) {
      const target = entry.personId ? mergedInto.get(entry.personId) : undefined;
      if (target) {
        entry.personId = target;
        entry.hard = true;
        entry.why = 'accepted, linked as a person';
      }
    }

    const knownPersons = new Set(truePersonIds.values());
    const persons = await this.projections.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    // The persons of ID-less rows, and which of them the registry holds at all.
    const idLessPersons = new Set<string>();
    for await (const r of ndjson<TruthRecord>(recordsPath)) {
      const entry = attribution.get(`${r.file}:${r.rowNumber}`);
      const truthPerson = r.truePersonId ? truePersonIds.get(r.truePersonId) : undefined;
      if (entry?.noId && truthPerson) idLessPersons.add(truthPerson);
    }
    const held = new Set<string>();
    const idLess = [...idLessPersons];
    for (let i = 0; i < idLess.length; i += 1000) for (const id of (await persons.getMany(idLess.slice(i, i + 1000))).keys()) held.add(id);

    const s: LinkageScore = {
      records: 0,
      predictedLinks: 0,
      truePositives: 0,
      falsePositives: 0,
      precision: 0,
      recall: 0,
      f1: 0,
      hardRecords: 0,
      hardTruePositives: 0,
      hardRecall: 0,
      hardRecordsBeyondName: 0,
      hardTruePositivesBeyondName: 0,
      hardRecallBeyondName: 0,
      pendingReview: 0,
      excludedDuplicates: 0,
      unplaceable: 0,
      hardRecallCountingUnplaceable: 0,
      hardMissesByKind: {},
      falsePositivesByKind: {},
    };
    const hardMisses: HardMiss[] = [];
    for await (const r of ndjson<TruthRecord>(recordsPath)) {
      const entry = attribution.get(`${r.file}:${r.rowNumber}`);
      if (!entry) continue;
      if (entry.duplicate) {
        s.excludedDuplicates++;
        continue;
      }
      const truthPerson = r.truePersonId ? truePersonIds.get(r.truePersonId) : undefined;
      if (entry.noId && truthPerson && !held.has(truthPerson)) {
        s.unplaceable++;
        continue;
      }
      // A row is hard when its own ID does not lead to its person exactly.
      const hard = entry.hard || (truthPerson !== undefined && entry.personId !== truthPerson);
      if (truthPerson) s.records++;
      if (truthPerson && hard) {
        s.hardRecords++;
        if (!entry.nameOnly) s.hardRecordsBeyondName++;
      }
      if (entry.pending) s.pendingReview++;
      // A row about someone outside the truth population (noise the generator adds) that the
      // registry attributed to a person of its own, not to a known person, is correctly unlinked.
      if (entry.personId && !truthPerson && !knownPersons.has(entry.personId)) continue;
      if (entry.personId) {
        s.predictedLinks++;
        if (entry.personId === truthPerson) {
          s.truePositives++;
          if (hard) {
            s.hardTruePositives++;
            if (!entry.nameOnly) s.hardTruePositivesBeyondName++;
          }
        } else {
          s.falsePositives++;
          s.falsePositivesByKind[entry.why] = (s.falsePositivesByKind[entry.why] ?? 0) + 1;
        }
      }
      if (truthPerson && hard && !entry.nameOnly && entry.personId !== truthPerson) {
        const why = `${r.file.replace(/\..*$/, '')}: ${entry.why}${entry.pending ? ' (in review)' : ''}`;
        s.hardMissesByKind[why] = (s.hardMissesByKind[why] ?? 0) + 1;
        if (options.disagreements) {
          const { personId, pending, ref, decision } = entry;
          hardMisses.push({
            file: r.file,
            rowNumber: r.rowNumber,
            truePersonId: r.truePersonId ?? '',
            why,
            personId,
            pending,
            ref,
            decision,
          });
        }
      }
    }
    s.precision = ratio(s.truePositives, s.predictedLinks);
    s.recall = ratio(s.truePositives, s.records);
    s.f1 = s.precision + s.recall === 0 ? 0 : (2 * s.precision * s.recall) / (s.precision + s.recall);
    s.hardRecall = ratio(s.hardTruePositives, s.hardRecords);
    s.hardRecallBeyondName = ratio(s.hardTruePositivesBeyondName, s.hardRecordsBeyondName);
    s.hardRecallCountingUnplaceable = ratio(s.hardTruePositives, s.hardRecords + s.unplaceable);

    // Coverage: every in-scope person's status in the read model against the truth.
    const confusion: Record<string, number> = {};
    const disagreements: CoverageDisagreement[] = [];
    let agreeing = 0;
    let total = 0;
    const inScope = truth.filter((p) => p.inScope);
    for (let i = 0; i < inScope.length; i += 1000) {
      const slice = inScope.slice(i, i + 1000);
      const docs = await persons.getMany(slice.map((p) => truePersonIds.get(p.truePersonId) ?? '').filter(Boolean));
      for (const p of slice) {
        total++;
        const doc = docs.get(truePersonIds.get(p.truePersonId) ?? '');
        const got = doc?.coverageStatus ?? 'missing';
        if (got === p.coverage.status) agreeing++;
        else {
          confusion[`${p.coverage.status}→${got}`] = (confusion[`${p.coverage.status}→${got}`] ?? 0) + 1;
          if (options.disagreements)
            disagreements.push({
              truePersonId: p.truePersonId,
              truth: p.coverage.status,
              got,
              ...(doc
                ? {
                    evidence: doc.evidence,
                    flags: doc.coverageFlags,
                    conflicts: doc.openConflicts.map((c) => `${c.field}:${c.reportedSource}`),
                    sources: doc.sources,
                    enrollments: doc.enrollments.length,
                  }
                : {}),
            });
        }
      }
    }
    return {
      files,
      linkage: s,
      coverage: { persons: total, agreeing, agreement: ratio(agreeing, total), confusion },
      ...(options.disagreements ? { disagreements, hardMisses } : {}),
    };
  }
}
