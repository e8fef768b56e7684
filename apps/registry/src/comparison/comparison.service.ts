import { HttpStatus, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  CitizenId,
  CitizenIdRepairKind,
  PersonCommand,
  PersonId,
  SourceKind,
  ancestorCodes,
  parsePersonId,
  personIdFor,
  repairCitizenId,
} from '@registry/domain';
import { CanonicalRecord } from '@registry/ingest';
import { READ_STORE, ReadStore, WriteOp } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { CommandContext } from '../common/event-sourcing/command-context';
import { ProblemException } from '../common/problem';
import { KeyRing } from '../config/key-ring';
import { IMPORT_REJECTIONS, ImportJob, ImportRejection, IMPORT_JOBS, rejectionFields } from '../imports/import-job';
import { commandsForRecord } from '../imports/record-commands';
import { PersonStore } from '../persons/person-store';
import { PersonDocument, PersonalFields } from '../persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../persons/projections/persons.projection';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import {
  COMPARISON_RUNS,
  ComparisonRun,
  IDENTITY_CHECKS,
  IdentityCheckDoc,
  LINK_DECISIONS,
  LINK_REVIEWS,
  LinkDecisionDoc,
  LinkReviewDoc,
  RunPhase,
} from './comparison-run';
import { LinkIndex, LinkInput, LinkPerson, RecordLinker } from './record-linker';
import { MINISTRY_INQUIRY, MinistryInquiry } from './ministry-inquiry';
import { describeUnexpectedError } from '../common/redact';

const BATCH = 2000;

/** ID-related reasons: the rows record linkage may still place. */
const LINKABLE_REASONS = new Set([
  'ID_BAD_CHECK_CHARACTER',
  'ID_MISSING_CHECK_CHARACTER',
  'ID_BAD_LENGTH',
  'ID_BAD_CHARACTERS',
  'ID_BAD_BIRTH_DATE',
  'ID_MISSING',
  'ID_BIRTH_DATE_IN_FUTURE',
]);

/** A missing citizen ID is as linkable as a mistyped one. */
function idReason(reason: { code: string; field?: string }): boolean {
  return LINKABLE_REASONS.has(reason.code) || (reason.code === 'REQUIRED_FIELD_MISSING' && reason.field === 'citizenId');
}

/**
 * Rows linkage considers: those quarantined for their ID (and not as a repeat of another
 * row). A row with other faults too (an empty insurance type, say) is still linked, so
 * that the department learns whose row it is; its facts are applied only when its ID was
 * its only fault (`identityOnly`).
 */
function linkableRow(reasons: ReadonlyArray<{ code: string; field?: string }>): boolean {
  return reasons.some(idReason) && !reasons.some((r) => r.code === 'DUPLICATE_ROW');
}

function identityOnly(reasons: ReadonlyArray<{ code: string; field?: string }>): boolean {
  return reasons.length > 0 && reasons.every(idReason);
}

/**
 * Every link decision, automatic or a reviewer's, as the command that records it on the
 * person: idempotent per record (`link:<recordRef>`), with its score and the fields that drove it.
 */
function linkRecordCommand(
  recordRef: string,
  recordSource: SourceKind,
  occurredAt: string,
  decision: {
    decidedBy: 'automatic' | 'reviewer';
    reviewer?: string;
    score: number;
    fields: Record<string, { level: string; weight: number }>;
  },
): PersonCommand {
  return {
    type: 'LinkRecord',
    data: {
      source: 'comparison',
      sourceRecordId: `link:${recordRef}`,
      occurredAt,
      recordSource,
      recordRef,
      decidedBy: decision.decidedBy,
      ...(decision.reviewer ? { reviewer: decision.reviewer } : {}),
      score: Math.round(decision.score * 1000) / 1000,
      fields: decision.fields,
    },
  };
}

/**
 * Information comparison (信息比对). One run at a time:
 * 1. linkage: quarantined rows whose ID was unusable are linked to persons (automatically
 *    above the link threshold, to the review queue between thresholds), and a linked row's
 *    facts are applied to the person through the same commands as an import; household
 *    rows that link to nobody but whose ID can be repaired register their person;
 * 2. ministry inquiry: persons the registry holds as uninsured are asked about at the
 *    ministry; insured-elsewhere answers are recorded as enrolments from source `ministry`;
 * 3. determination: every household-registered person gets a verdict with its evidence,
 *    recorded as an event only when it changed, so a run with nothing new records nothing.
 */
@Injectable()
export class ComparisonService {
  private readonly logger = new Logger('Comparison');
  private running?: Promise<void>;

  constructor(
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly persons: PersonStore,
    private readonly protector: PersonalDataProtector,
    private readonly projections: ProjectionsService,
    private readonly reference: ReferenceData,
    private readonly keys: KeyRing,
    private readonly linker: RecordLinker,
    @Optional() @Inject(MINISTRY_INQUIRY) private readonly ministry?: MinistryInquiry,
  ) {}

  private get runs() {
    return this.reads.collection<ComparisonRun>(COMPARISON_RUNS);
  }

  async get(id: string): Promise<ComparisonRun | null> {
    return /^run_[0-9a-f-]{36}$/.test(id) ? this.runs.get(id) : null;
  }

  async list(limit = 20): Promise<ComparisonRun[]> {
    return (await this.runs.find({}, { sort: [['startedAt', -1]], limit })).items;
  }

  /** Starts a run; refuses while another one is running in this registry. */
  async start(caller: Principal, channel: 'http' | 'cli'): Promise<ComparisonRun> {
    const active = await this.runs.find({ state: 'running' }, { limit: 1 });
    if (this.running || active.items.length > 0) {
      throw new ProblemException(
        HttpStatus.CONFLICT,
        'COMPARISON_RUNNING',
        'A comparison run is already in progress; follow it or wait for it to end.',
        {
          runId: active.items[0]?._id,
        },
      );
    }
    const run: ComparisonRun = {
      _id: `run_${randomUUID()}`,
      state: 'running',
      phase: 'starting',
      startedBy: { operator: caller.subject, role: caller.roles.join(','), region: caller.region, channel },
      startedAt: new Date().toISOString(),
      progress: { phase: 'starting', done: 0, total: 0 },
      counts: {
        persons: 0,
        statusChanges: 0,
        byStatus: {},
        inquired: 0,
        insuredElsewhereFound: 0,
        recordsConsidered: 0,
        linked: 0,
        repaired: 0,
        possibleLinks: 0,
        notLinked: 0,
      },
    };
    await this.runs.upsert(run);
    this.running = this.execute(run).finally(() => (this.running = undefined));
    return run;
  }

  async waitFor(id: string): Promise<ComparisonRun> {
    await this.running;
    return (await this.runs.get(id))!;
  }

  private context(run: ComparisonRun): CommandContext {
    return {
      operator: run.startedBy.operator,
      role: run.startedBy.role,
      region: run.startedBy.region,
      channel: 'comparison',
      sourceSystem: 'comparison',
      correlationId: run._id,
    };
  }

  private async progress(run: ComparisonRun, phase: RunPhase, done: number, total: number): Promise<void> {
    run.phase = phase;
    run.progress = { phase, done, total };
    await this.runs.upsert(run);
  }

  private async execute(run: ComparisonRun): Promise<void> {
    try {
      const persons = await this.projections.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
      await this.link(run, persons);
      // The inquiry reads who is still uninsured, so it waits for what linkage recorded
      // (enrolments of linked rows, persons registered under a repaired ID).
      if (this.projections.running) await this.projections.waitUntilCaughtUp(undefined, 600_000);
      await this.inquire(run, persons);
      await this.determine(run, persons);
      run.state = 'completed';
      run.finishedAt = new Date().toISOString();
      await this.progress(run, 'done', run.progress.total, run.progress.total);
      this.logger.log(
        `Comparison ${run._id} completed: ${run.counts.persons} persons, ${run.counts.statusChanges} status changes, ${run.counts.linked} records linked`,
      );
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      run.state = 'failed';
      run.finishedAt = new Date().toISOString();
      run.error = {
        code: typeof code === 'string' ? code : 'COMPARISON_FAILED',
        message: 'The comparison run stopped; start a new run to continue.',
      };
      await this.runs.upsert(run);
      this.logger.error(`Comparison ${run._id} failed: ${describeUnexpectedError(error)}`);
    }
  }

  /** Every document of the persons read model, page by page. */
  private async *allPersons(collection: Awaited<ReturnType<ProjectionsService['collection']>>) {
    let cursor: string | undefined;
    do {
      const page = await collection.find({}, { sort: [['_id', 1]], limit: 1000, cursor });
      for (const doc of page.items) yield doc as PersonDocument;
      cursor = page.nextCursor;
    } while (cursor);
  }

  private inProvince(doc: PersonDocument): boolean {
    return doc.householdRegion !== null && doc.householdRegion.startsWith(this.reference.provinceCode);
  }

  private async inquire(run: ComparisonRun, collection: Awaited<ReturnType<ProjectionsService['collection']>>): Promise<void> {
    if (!this.ministry?.enabled) return;
    const ids: string[] = [];
    for await (const doc of this.allPersons(collection)) {
      if (doc.coverageStatus !== 'uninsured' || !this.inProvince(doc)) continue;
      const personal = this.protector.openFromDocument<PersonalFields>(doc._id, doc.personal);
      if (personal?.citizenId) ids.push(personal.citizenId);
    }
    await this.progress(run, 'ministry-inquiry', 0, ids.length);
    for (let i = 0; i < ids.length; i += 1000) {
      const slice = ids.slice(i, i + 1000);
      const results = await this.ministry.inquire(slice);
      const commands = [];
      for (const result of results) {
        const parsed = CitizenId.parse(result.citizenId);
        if (!parsed.ok) continue;
        const personId = personIdFor(parsed.value, this.keys.personIdKey);
        for (const r of result.records) {
          run.counts.insuredElsewhereFound++;
          commands.push({
            key: personId,
            personId,
            command: {
              type: 'RecordEnrollment',
              data: {
                source: 'ministry' as SourceKind,
                sourceRecordId: `inquiry:${r.provinceCode}:${r.insuranceType}:${r.since}:${r.contributionStatus}`,
                occurredAt: run.startedAt,
                insuranceType: r.insuranceType,
                contributionStatus: r.contributionStatus,
                provinceCode: r.provinceCode.slice(0, 2),
                since: r.since,
              },
            } as PersonCommand,
          });
        }
      }
      if (commands.length > 0) await this.persons.executeBatch(commands, this.context(run));
      run.counts.inquired += slice.length;
      await this.progress(run, 'ministry-inquiry', Math.min(i + 1000, ids.length), ids.length);
    }
  }

  private async link(run: ComparisonRun, collection: Awaited<ReturnType<ProjectionsService['collection']>>): Promise<void> {
    const decisions = this.reads.collection<LinkDecisionDoc>(LINK_DECISIONS);
    await decisions.ensureIndexes([{ name: 'person', fields: [['personId', 1]] }]);
    await this.reads.collection<LinkReviewDoc>(LINK_REVIEWS).ensureIndexes([
      {
        name: 'state',
        fields: [
          ['state', 1],
          ['createdAt', 1],
        ],
      },
    ]);
    await this.reads.collection<IdentityCheckDoc>(IDENTITY_CHECKS).ensureIndexes([{ name: 'region_path', fields: [['regionPath', 1]] }]);

    // Candidates: quarantined rows of completed imports that failed on their ID only.
    const jobs = await this.reads.collection<ImportJob>(IMPORT_JOBS).find({ state: 'completed' }, { limit: 1000 });
    const rejections = this.reads.collection<ImportRejection>(IMPORT_REJECTIONS);
    const pending: Array<{ rejection: ImportRejection; source: string }> = [];
    for (const job of jobs.items) {
      let cursor: string | undefined;
      do {
        const page = await rejections.find({ importId: job._id }, { sort: [['rowNumber', 1]], limit: 1000, cursor });
        const decided = await decisions.getMany(page.items.map((r) => r._id));
        for (const r of page.items) {
          const prior = decided.get(r._id);
          if (prior && prior.outcome !== 'none') continue;
          if (r.partial === undefined || !linkableRow(r.reasons)) continue;
          pending.push({ rejection: r, source: job.source });
        }
        cursor = page.nextCursor;
      } while (cursor);
    }
    // Persons only departments other than the household register know of may exist only
    // because a row carried a mistyped but valid-looking ID: they are linked like rows.
    // Each person's personal part is opened once here and kept as the linker's input.
    const orphans: Array<{ doc: PersonDocument; person: LinkPerson }> = [];
    const index = this.linker.create();
    for await (const doc of this.allPersons(collection)) {
      const person = this.linkPerson(doc);
      if (doc.sources.includes('household-registration')) index.add(person);
      else orphans.push({ doc, person });
    }
    const decidedOrphans = await decisions.getMany(orphans.map((o) => `person:${o.doc._id}`));
    const openOrphans = orphans.filter((o) => (decidedOrphans.get(`person:${o.doc._id}`)?.outcome ?? 'none') === 'none');

    run.counts.recordsConsidered = pending.length + openOrphans.length;
    await this.progress(run, 'linkage', 0, run.counts.recordsConsidered);
    await this.linkOrphans(run, index, openOrphans);
    if (pending.length === 0) return;
    // Quarantined rows may belong to any known person, those without a household here too.
    for (const { person } of orphans) index.add(person);

    const now = new Date().toISOString();
    for (let i = 0; i < pending.length; i += BATCH) {
      const slice = pending.slice(i, i + BATCH);
      const ops: WriteOp[] = [];
      const commands: Array<{ key: string; personId: PersonId; command: PersonCommand }> = [];
      for (const { rejection, source } of slice) {
        const fields = rejectionFields(this.protector, rejection);
        const input: LinkInput = {
          citizenId: fields.citizenId ?? fields.rawCitizenId,
          name: fields.name,
          birthDate: fields.birthDate,
          gender: fields.gender,
          region: fields.householdRegion ?? fields.region,
        };
        const decision = index.link(input);
        const base: LinkDecisionDoc = {
          _id: rejection._id,
          recordRef: rejection._id,
          importId: rejection.importId,
          rowNumber: rejection.rowNumber,
          source,
          outcome: decision.outcome,
          personId: decision.outcome === 'link' ? decision.personId : undefined,
          score: decision.score,
          decidedBy: 'automatic',
          runId: run._id,
          decidedAt: now,
        };
        ops.push({ kind: 'upsert', collection: LINK_DECISIONS, doc: base });
        const repair = decision.outcome === 'none' ? this.repairable(index, rejection, source, fields) : undefined;
        if (decision.outcome === 'link' && decision.personId) {
          run.counts.linked++;
          const personId = decision.personId as PersonId;
          commands.push(
            ...this.linkCommands(rejection, source, personId, decision.score, decision.fields, 'automatic', run.startedAt, fields),
          );
        } else if (repair) {
          run.counts.linked++;
          run.counts.repaired = (run.counts.repaired ?? 0) + 1;
          base.outcome = 'link';
          base.personId = repair.personId;
          base.method = 'id-repair';
          commands.push(...this.repairCommands(rejection, repair, run.startedAt, fields));
          index.add({
            personId: repair.personId,
            citizenId: repair.citizenId.value,
            name: fields.name,
            birthDate: fields.birthDate,
            gender: fields.gender,
            region: fields.householdRegion,
          });
        } else if (decision.outcome === 'possible') {
          run.counts.possibleLinks++;
          const review: LinkReviewDoc = {
            _id: rejection._id,
            recordRef: rejection._id,
            importId: rejection.importId,
            rowNumber: rejection.rowNumber,
            source,
            state: 'pending',
            runId: run._id,
            createdAt: now,
            regions: decision.candidates.map((c) => c.region ?? this.reference.provinceCode),
            candidates: decision.candidates.map((c) => ({ personId: c.personId, score: c.score, fields: c.fields })),
          };
          ops.push({ kind: 'upsert', collection: LINK_REVIEWS, doc: review });
        } else {
          run.counts.notLinked++;
        }
        // A household row nobody could be found for goes to the township survey; one that
        // found its person (or a reviewer's queue) leaves it.
        const check = decision.outcome === 'none' && !repair ? this.identityCheck(rejection, source, fields, run._id, now) : undefined;
        if (check) ops.push({ kind: 'upsert', collection: IDENTITY_CHECKS, doc: check });
        else if (source === 'household-registration') ops.push({ kind: 'delete', collection: IDENTITY_CHECKS, id: rejection._id });
      }
      if (commands.length > 0) await this.persons.executeBatch(commands, this.context(run));
      await this.reads.write(ops);
      await this.progress(run, 'linkage', openOrphans.length + Math.min(i + BATCH, pending.length), run.counts.recordsConsidered);
    }
  }

  /**
   * A person known only from non-household sources whose record links to a household
   * person (same name, near ID, …) is taken to be that person typed wrongly: the link is
   * recorded on the household person with its evidence, and the enrolments the orphan
   * holds are recorded there too. The orphan stream stays as the departments reported it.
   */
  private linkPerson(doc: PersonDocument): LinkPerson {
    const personal = this.protector.openFromDocument<PersonalFields>(doc._id, doc.personal);
    return {
      personId: doc._id,
      citizenId: personal?.citizenId,
      name: personal?.name,
      birthDate: doc.birthDate,
      gender: doc.gender,
      region: doc.householdRegion ?? undefined,
    };
  }

  private async linkOrphans(
    run: ComparisonRun,
    index: LinkIndex,
    orphans: Array<{ doc: PersonDocument; person: LinkPerson }>,
  ): Promise<void> {
    const now = new Date().toISOString();
    for (let i = 0; i < orphans.length; i += BATCH) {
      const ops: WriteOp[] = [];
      const commands: Array<{ key: string; personId: PersonId; command: PersonCommand }> = [];
      for (const { doc: orphan, person } of orphans.slice(i, i + BATCH)) {
        // Region left out: an orphan's region, if any, is where its own source placed it.
        const decision = index.link({ citizenId: person.citizenId, name: person.name, birthDate: person.birthDate, gender: person.gender });
        const ref = `person:${orphan._id}`;
        // Both sides hold a valid ID here, so "the same person typed wrongly" needs both the IDs
        // near each other and the names agreeing. Name, birth date and gender alone are shared
        // by different people in a province of millions; and two people born the same day in
        // the same county hold IDs one sequence digit apart, which also carry that birth date
        // and gender, so a near ID with a different name is two people, not a typo.
        const level = (field: string) => decision.fields[field]?.level;
        const typedWrongly =
          level('citizenId') !== undefined &&
          level('citizenId') !== 'different' &&
          level('name') !== undefined &&
          level('name') !== 'different';
        const outcome = decision.outcome === 'link' && decision.personId && typedWrongly ? 'link' : 'none';
        ops.push({
          kind: 'upsert',
          collection: LINK_DECISIONS,
          doc: {
            _id: ref,
            recordRef: ref,
            importId: '',
            rowNumber: 0,
            source: orphan.sources[0] ?? 'insurance-enrollment',
            outcome,
            personId: outcome === 'link' ? decision.personId : undefined,
            score: decision.score,
            decidedBy: 'automatic',
            runId: run._id,
            decidedAt: now,
          } satisfies LinkDecisionDoc,
        });
        if (outcome !== 'link') {
          run.counts.notLinked++;
          continue;
        }
        run.counts.linked++;
        const target = decision.personId as PersonId;
        commands.push({
          key: ref,
          personId: target,
          command: linkRecordCommand(ref, (orphan.sources[0] ?? 'insurance-enrollment') as SourceKind, run.startedAt, {
            decidedBy: 'automatic',
            score: decision.score,
            fields: decision.fields,
          }),
        });
        for (const e of orphan.enrollments) {
          const type = e.insuranceType;
          commands.push({
            key: ref,
            personId: target,
            command: {
              type: 'RecordEnrollment',
              data: {
                source: e.source as SourceKind,
                sourceRecordId: `merged:${orphan._id}:${type}:${e.contributionStatus}:${e.since}`,
                occurredAt: run.startedAt,
                insuranceType: type,
                contributionStatus: e.contributionStatus,
                provinceCode: e.provinceCode,
                since: e.since,
              },
            } as PersonCommand,
          });
        }
      }
      if (commands.length > 0) await this.persons.executeBatch(commands, this.context(run));
      await this.reads.write(ops);
      await this.progress(run, 'linkage', Math.min(i + BATCH, orphans.length), run.counts.recordsConsidered);
    }
  }

  /** The survey's entry for a household row without a person (see IdentityCheckDoc); undefined for other sources or rows without a known region. */
  identityCheck(
    rejection: Pick<ImportRejection, '_id' | 'importId' | 'rowNumber' | 'reasons'>,
    source: string,
    fields: Record<string, string>,
    runId: string,
    now: string,
  ): IdentityCheckDoc | undefined {
    const region = fields.householdRegion;
    if (source !== 'household-registration' || !region || !this.reference.regions.get(region)) return undefined;
    return {
      _id: rejection._id,
      recordRef: rejection._id,
      importId: rejection.importId,
      rowNumber: rejection.rowNumber,
      householdRegion: region,
      regionPath: [...ancestorCodes(region), region],
      reasons: [...new Set(rejection.reasons.map((r) => r.code))],
      runId,
      createdAt: now,
    };
  }

  /**
   * A household row that links to nobody is the register saying a person lives here: when
   * its ID's fault can be undone from the row itself (repairCitizenId: check character, or
   * an impossible birth date with the row's birth date to put in its place) and no person
   * holds the repaired ID yet, the person is registered under it. The registration carries
   * an anomaly naming the repair, for public security to confirm, and the link decision
   * says `id-repair`. Rows with other faults, or whose repaired ID someone already holds
   * (the linker did not take them for that person), are left alone.
   */
  private repairable(
    index: LinkIndex,
    rejection: ImportRejection,
    source: string,
    fields: Record<string, string>,
  ): { personId: PersonId; citizenId: CitizenId; kind: CitizenIdRepairKind } | undefined {
    if (source !== 'household-registration' || !identityOnly(rejection.reasons) || !fields.householdRegion) return undefined;
    const repaired = repairCitizenId(fields.rawCitizenId ?? '', { birthDate: fields.birthDate, gender: fields.gender });
    if (!repaired) return undefined;
    const personId = personIdFor(repaired.citizenId, this.keys.personIdKey);
    if (index.has(personId)) return undefined;
    return { personId, citizenId: repaired.citizenId, kind: repaired.kind };
  }

  private repairCommands(
    rejection: Pick<ImportRejection, '_id'>,
    repair: { personId: PersonId; citizenId: CitizenId; kind: CitizenIdRepairKind },
    occurredAt: string,
    recordFields: Record<string, string>,
  ): Array<{ key: string; personId: PersonId; command: PersonCommand }> {
    const record = {
      ...recordFields,
      kind: 'household-registration',
      sourceRecordId: recordFields.sourceRecordId ?? `row:${rejection._id}`,
    } as unknown as CanonicalRecord;
    const out: Array<{ key: string; personId: PersonId; command: PersonCommand }> = [];
    for (const rc of commandsForRecord(record, repair.citizenId, occurredAt)) {
      const command =
        rc.command.type === 'RegisterPerson' ? { ...rc.command, data: { ...rc.command.data, idRepair: repair.kind } } : rc.command;
      out.push({ key: rejection._id, personId: repair.personId, command });
    }
    out.push({
      key: rejection._id,
      personId: repair.personId,
      command: linkRecordCommand(rejection._id, 'household-registration', occurredAt, {
        decidedBy: 'automatic',
        score: 0,
        fields: { citizenId: { level: repair.kind === 'check-character' ? 'repaired-check-character' : 'repaired-birth-date', weight: 0 } },
      }),
    });
    return out;
  }

  /** The link event plus the row's own facts, applied to the linked person. */
  linkCommands(
    rejection: Pick<ImportRejection, '_id' | 'reasons'>,
    source: string,
    personId: PersonId,
    score: number,
    fields: Record<string, { level: string; weight: number }>,
    decidedBy: 'automatic' | 'reviewer',
    occurredAt: string,
    recordFields: Record<string, string>,
    reviewer?: string,
  ): Array<{ key: string; personId: PersonId; command: PersonCommand }> {
    const link = linkRecordCommand(rejection._id, source as SourceKind, occurredAt, { decidedBy, reviewer, score, fields });
    const out: Array<{ key: string; personId: PersonId; command: PersonCommand }> = [{ key: rejection._id, personId, command: link }];
    // The row's facts other than identity (an enrolment, a death) now have a person,
    // unless the row was faulty beyond its ID: then the link only says whose row it is.
    if (!identityOnly(rejection.reasons)) return out;
    const record = {
      ...recordFields,
      kind: source,
      sourceRecordId: recordFields.sourceRecordId ?? `row:${rejection._id}`,
    } as unknown as CanonicalRecord;
    if (source === 'insurance-enrollment' || source === 'health' || source === 'civil-affairs') {
      const placeholder = { value: '', masked: '' } as unknown as CitizenId;
      for (const rc of commandsForRecord(record, placeholder, occurredAt)) {
        if (rc.command.type === 'RegisterPerson') continue; // the person exists: that is what the link says
        out.push({ key: rejection._id, personId, command: rc.command });
      }
    }
    return out;
  }

  private async determine(run: ComparisonRun, collection: Awaited<ReturnType<ProjectionsService['collection']>>): Promise<void> {
    const total = await collection.count({ householdRegion: { prefix: this.reference.provinceCode } });
    await this.progress(run, 'determination', 0, total);
    let batch: Array<{ key: string; personId: PersonId; command: PersonCommand }> = [];
    let done = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const outcomes = await this.persons.executeBatch(batch, this.context(run));
      for (const o of outcomes) {
        if (o.status !== 'applied') continue;
        for (const e of o.events) {
          if (e.type === 'CoverageStatusDetermined') run.counts.statusChanges++;
        }
      }
      done += batch.length;
      batch = [];
      await this.progress(run, 'determination', done, total);
    };
    for await (const doc of this.allPersons(collection)) {
      if (!this.inProvince(doc)) continue;
      const personId = parsePersonId(doc._id);
      if (!personId) continue;
      run.counts.persons++;
      batch.push({
        key: doc._id,
        personId,
        command: {
          type: 'DetermineCoverage',
          data: {
            source: 'comparison',
            sourceRecordId: run._id,
            occurredAt: run.startedAt,
            runId: run._id,
            localProvince: this.reference.provinceCode,
          },
        },
      });
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    // The verdicts by status come from the person read model once it has caught up.
    if (this.projections.running) await this.projections.waitUntilCaughtUp(undefined, 600_000);
    const byStatus: Record<string, number> = {};
    for (const status of ['insured-local', 'insured-elsewhere', 'uninsured', 'exempt', 'unresolved']) {
      byStatus[status] = await collection.count({ householdRegion: { prefix: this.reference.provinceCode }, coverageStatus: status });
    }
    run.counts.byStatus = byStatus;
  }
}
