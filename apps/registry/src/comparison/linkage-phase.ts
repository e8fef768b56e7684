import { CitizenId, PersonId, SourceKind, personIdFor, repairCitizenId } from '@registry/domain';
import { WriteOp } from '@registry/read-store';
import { IMPORT_JOBS, IMPORT_REJECTIONS, ImportJob, ImportRejection, rejectionFields } from '../imports/import-job';
import { PersonCommandRequest } from '../persons/execute-person-commands';
import { enrollment } from '../persons/person-commands';
import { PersonDocument, PersonalFields } from '../persons/projections/person-document';
import { IDENTITY_CHECKS, IdentityCheckDoc, LINK_DECISIONS, LINK_REVIEWS, LinkDecisionDoc, LinkReviewDoc } from './comparison-run';
import { IdRepair, identityOnly, linkableRow, linkCommands, linkRecordCommand, repairCommands } from './link-commands';
import { PhaseContext, allPersons, identityCheck, personDocuments } from './phase-context';
import { LinkIndex, LinkInput, LinkPerson, RecordLinker } from './record-linker';

const LINK_BATCH = 2000;

interface Candidate {
  rejection: ImportRejection;
  source: string;
  /** The row's earlier decision, "none" (rows with another outcome are not linked again). */
  prior?: LinkDecisionDoc;
}

/** What linkage keeps of an orphan's document: its id, its sources, its enrolments (merged when it links). */
export type OrphanDoc = Pick<PersonDocument, '_id' | 'sources' | 'enrollments'>;

const orphanDoc = (doc: PersonDocument): OrphanDoc => ({ _id: doc._id, sources: doc.sources, enrollments: doc.enrollments });

/** A person known only from departments other than the household register, not yet taken for a household person. */
export interface OpenOrphan {
  doc: OrphanDoc;
  person: LinkPerson;
  /** The score of the orphan's last "none" decision, when it has one: an equal one is not written again. */
  priorScore?: number;
}

/**
 * What linkage knows of the registry's persons between runs: the linker's index (household
 * persons, and the others as secondary candidates) and the persons of other departments whose
 * link is still open. Kept by the service after a completed run, so that the next run on
 * changes updates it from the changed persons instead of reading every person again.
 */
export interface LinkagePopulation {
  index: LinkIndex;
  openOrphans: Map<string, OpenOrphan>;
}

export interface LinkageOutcome {
  population: LinkagePopulation;
  /** Persons the run's linkage recorded something on (links, merged enrolments, registrations under a repaired ID). */
  touched: Set<string>;
}

/**
 * Record linkage: quarantined rows whose ID was unusable are linked to persons (automatically
 * above the link threshold, to the review queue between the thresholds), and a linked row's
 * facts are applied to the person through the same commands as an import. Household rows that
 * link to nobody but whose ID can be repaired register their person; the rest become identity
 * checks for the township survey. Persons known only from departments other than the
 * household register are linked the same way (a mistyped but valid-looking ID creates one).
 *
 * The persons come from one pass over the read model (`onPerson` sees each document of that
 * pass), or, given `update`, from the population of an earlier run brought up to date with
 * the persons changed since.
 */
export async function runLinkage(
  ctx: PhaseContext,
  linker: RecordLinker,
  options: {
    update?: { population: LinkagePopulation; changed: readonly PersonDocument[] };
    /** Sees each document of the pass; a promise it returns is awaited before the next. */
    onPerson?: (doc: PersonDocument) => Promise<void> | undefined;
  } = {},
): Promise<LinkageOutcome> {
  const decisions = ctx.reads.collection<LinkDecisionDoc>(LINK_DECISIONS);
  await decisions.ensureIndexes([{ name: 'person', fields: [['personId', 1]] }]);
  await ctx.reads.collection<LinkReviewDoc>(LINK_REVIEWS).ensureIndexes([
    {
      name: 'state',
      fields: [
        ['state', 1],
        ['createdAt', 1],
      ],
    },
  ]);
  await ctx.reads.collection<IdentityCheckDoc>(IDENTITY_CHECKS).ensureIndexes([{ name: 'region_path', fields: [['regionPath', 1]] }]);

  let started = Date.now();
  const pending = await undecidedRows(ctx);
  const timings = ctx.run.timings;
  if (timings) timings.linkageRows = Date.now() - started;
  started = Date.now();
  const population = options.update
    ? await updatedPopulation(ctx, options.update.population, options.update.changed)
    : await freshPopulation(ctx, linker, options.onPerson);
  if (timings) timings.linkagePopulation = Date.now() - started;
  const { index } = population;
  const touched = new Set<string>();
  // Persons recorded on since the population last read them: their entries are read again
  // before the next stage links against them.
  let stale = new Set<string>();
  const refresh = async () => {
    if (stale.size === 0) return;
    await ctx.caughtUp();
    await updatedPopulation(ctx, population, await personDocuments(ctx.persons, [...stale].sort(byId)));
    stale = new Set();
  };

  ctx.run.counts.recordsConsidered = pending.length + population.openOrphans.size;
  await ctx.progress('linkage', 0, ctx.run.counts.recordsConsidered);
  // Household rows first: what they register (a repaired ID) or make household-registered (a
  // link, which may also bring the register's name and region) is the person the other
  // departments' rows and persons are then linked to, within this run rather than the next one.
  const household = pending.filter((c) => c.source === 'household-registration');
  const others = pending.filter((c) => c.source !== 'household-registration');
  let done = 0;
  const linkAll = async (rows: Candidate[]) => {
    for (let i = 0; i < rows.length; i += LINK_BATCH) {
      const slice = rows.slice(i, i + LINK_BATCH);
      for (const id of await linkRows(ctx, index, slice)) {
        touched.add(id);
        stale.add(id);
      }
      done += slice.length;
      await ctx.progress('linkage', done, ctx.run.counts.recordsConsidered);
    }
  };
  await linkAll(household);
  await refresh();
  // In id order whatever order the store read them in, so ties fall the same way on every store.
  const openOrphans = [...population.openOrphans.values()].sort((a, b) => byId(a.doc._id, b.doc._id));
  for (const linked of await linkOrphans(ctx, index, openOrphans)) {
    population.openOrphans.delete(linked.orphan);
    touched.add(linked.person);
    stale.add(linked.person);
  }
  done += openOrphans.length;
  await linkAll(others);
  // The population outlives the run (the next run on changes starts from it, and leaves this
  // run's own records out of its changes): it leaves holding what this run recorded.
  await refresh();
  return { population, touched };
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The linker's view of a person, from their document (the personal part opened here, once). */
function linkPerson(ctx: PhaseContext, doc: PersonDocument): LinkPerson {
  const personal = ctx.protector.openFromDocument<PersonalFields>(doc._id, doc.personal);
  return {
    personId: doc._id,
    citizenId: personal?.citizenId,
    name: personal?.name,
    birthDate: doc.birthDate,
    gender: doc.gender,
    region: doc.householdRegion ?? undefined,
  };
}

const heldByHousehold = (doc: PersonDocument) => doc.sources.includes('household-registration');

/** Whether a person of other departments still waits for a link (no decision yet, or "none"). */
async function openOf(ctx: PhaseContext, orphans: readonly { _id: string }[]): Promise<Map<string, number | undefined>> {
  const decided = await ctx.reads.collection<LinkDecisionDoc>(LINK_DECISIONS).getMany(orphans.map((o) => `person:${o._id}`));
  const open = new Map<string, number | undefined>();
  for (const o of orphans) {
    const prior = decided.get(`person:${o._id}`);
    if ((prior?.outcome ?? 'none') === 'none') open.set(o._id, prior?.score);
  }
  return open;
}

/** Every person, from one pass over the read model. */
async function freshPopulation(
  ctx: PhaseContext,
  linker: RecordLinker,
  onPerson: ((doc: PersonDocument) => Promise<void> | undefined) | undefined,
): Promise<LinkagePopulation> {
  const orphans: OpenOrphan[] = [];
  const index = linker.create();
  // Household persons go into the index as the scan yields them, in no particular order: the
  // linker's decisions do not depend on it (equal scores go to the smaller person id), and the
  // province's persons are not held a second time to be sorted first (at 1,000,000 some 200 MB
  // of heap, which V8 let grow to twice that).
  for await (const doc of allPersons(ctx.persons)) {
    const seen = onPerson?.(doc);
    if (seen) await seen;
    const person = linkPerson(ctx, doc);
    if (heldByHousehold(doc)) index.add(person);
    else orphans.push({ doc: orphanDoc(doc), person });
  }
  // Quarantined rows may belong to any known person, those without a household here too; an
  // orphan is linked to household persons only.
  for (const { person } of orphans) index.add(person, { secondary: true });
  const open = await openOf(
    ctx,
    orphans.map((o) => o.doc),
  );
  return {
    index,
    openOrphans: new Map(orphans.filter((o) => open.has(o.doc._id)).map((o) => [o.doc._id, { ...o, priorScore: open.get(o.doc._id) }])),
  };
}

/** An earlier run's population with the persons changed since put in. */
async function updatedPopulation(
  ctx: PhaseContext,
  population: LinkagePopulation,
  changed: readonly PersonDocument[],
): Promise<LinkagePopulation> {
  const open = await openOf(
    ctx,
    changed.filter((doc) => !heldByHousehold(doc)),
  );
  for (const doc of changed) {
    const person = linkPerson(ctx, doc);
    const household = heldByHousehold(doc);
    population.index.add(person, { secondary: !household });
    if (!household && open.has(doc._id))
      population.openOrphans.set(doc._id, { doc: orphanDoc(doc), person, priorScore: open.get(doc._id) });
    else population.openOrphans.delete(doc._id);
  }
  return population;
}

/** Quarantined rows of completed imports that failed on their ID and have no decision yet (or only "none"). */
async function undecidedRows(ctx: PhaseContext): Promise<Candidate[]> {
  const decisions = ctx.reads.collection<LinkDecisionDoc>(LINK_DECISIONS);
  const jobs = await ctx.reads.collection<ImportJob>(IMPORT_JOBS).find({ state: 'completed' }, { limit: 1000 });
  const rejections = ctx.reads.collection<ImportRejection>(IMPORT_REJECTIONS);
  const pending: Candidate[] = [];
  for (const job of jobs.items) {
    let cursor: string | undefined;
    do {
      const page = await rejections.find({ importId: job._id }, { sort: [['rowNumber', 1]], limit: 1000, cursor });
      const decided = await decisions.getMany(page.items.map((r) => r._id));
      for (const r of page.items) {
        const prior = decided.get(r._id);
        if (prior && prior.outcome !== 'none') continue;
        if (r.partial === undefined || !linkableRow(r.reasons)) continue;
        pending.push({ rejection: r, source: job.source, prior });
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  return pending;
}

/** Links a slice of rows; the persons it recorded something on. */
async function linkRows(ctx: PhaseContext, index: LinkIndex, slice: Candidate[]): Promise<string[]> {
  const { run } = ctx;
  const now = new Date().toISOString();
  const ops: WriteOp[] = [];
  const requests: PersonCommandRequest<string>[] = [];
  for (const { rejection, source, prior } of slice) {
    const fields = rejectionFields(ctx.protector, rejection);
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
    // A possible link whose ID is another number altogether (not a near one) and whose name is
    // another name is a stranger sharing the row's birth date, place or sequence number: when the
    // row's own ID can be repaired, the repair names the person, not that candidate. (With the
    // name agreeing, the candidate may be the person under a row whose ID and birth date were both
    // typed wrongly: a reviewer decides.)
    const idLevel = decision.fields.citizenId?.level;
    const stranger =
      (idLevel === 'different' || idLevel === 'same-region-sequence-birth-differs') && decision.fields.name?.level === 'different';
    // Nor does a repair go ahead beside a candidate of the same county and sequence number whose
    // name agrees, however low the score: that may be the person, under a row whose ID birth part
    // and birth-date column were both typed wrongly.
    const sameCountyAndSequence = idLevel?.startsWith('same-region-') === true;
    const nameAgrees =
      decision.fields.name !== undefined && decision.fields.name.level !== 'different' && decision.fields.name.level !== 'missing';
    const weak = (decision.outcome === 'none' && !(sameCountyAndSequence && nameAgrees)) || (decision.outcome === 'possible' && stranger);
    const repair = weak ? repairable(ctx, index, rejection, source, fields) : undefined;
    // Still nobody, with the same score: its decision and identity check stand as written.
    const unchanged = prior?.outcome === 'none' && decision.outcome === 'none' && !repair && prior.score === decision.score;
    if (!unchanged) ops.push({ kind: 'upsert', collection: LINK_DECISIONS, doc: base });
    if (decision.outcome === 'link' && decision.personId) {
      run.counts.linked++;
      const evidence = { decidedBy: 'automatic' as const, score: decision.score, fields: decision.fields };
      const personCitizenId = source === 'household-registration' ? CitizenId.parse(index.citizenIdOf(decision.personId) ?? '') : undefined;
      requests.push(
        ...linkCommands(
          rejection,
          source,
          decision.personId as PersonId,
          run.startedAt,
          evidence,
          fields,
          personCitizenId?.ok ? personCitizenId.value : undefined,
        ),
      );
    } else if (repair) {
      run.counts.linked++;
      run.counts.repaired = (run.counts.repaired ?? 0) + 1;
      Object.assign(base, { outcome: 'link', personId: repair.personId, method: 'id-repair' });
      requests.push(...repairCommands(rejection, repair, run.startedAt, fields));
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
        regions: decision.candidates.map((c) => c.region ?? ctx.reference.provinceCode),
        candidates: decision.candidates.map((c) => ({ personId: c.personId, score: c.score, fields: c.fields })),
      };
      ops.push({ kind: 'upsert', collection: LINK_REVIEWS, doc: review });
    } else {
      run.counts.notLinked++;
    }
    // A household row nobody could be found for goes to the township survey; one that found
    // its person (or a reviewer's queue) leaves it.
    const check =
      decision.outcome === 'none' && !repair ? identityCheck(rejection, source, fields, ctx.reference, run._id, now) : undefined;
    if (unchanged) continue;
    if (check) ops.push({ kind: 'upsert', collection: IDENTITY_CHECKS, doc: check });
    else if (source === 'household-registration') ops.push({ kind: 'delete', collection: IDENTITY_CHECKS, id: rejection._id });
  }
  if (requests.length > 0) await ctx.execute(requests);
  await ctx.reads.write(ops);
  return requests.map((r) => r.id);
}

/**
 * A person known only from non-household sources whose record links to a household person
 * is taken to be that person typed wrongly: the link is recorded on the household person with
 * its evidence, and the enrolments the orphan holds are recorded there too. The orphan stream
 * stays as the departments reported it.
 */
async function linkOrphans(
  ctx: PhaseContext,
  index: LinkIndex,
  orphans: readonly OpenOrphan[],
): Promise<Array<{ orphan: string; person: string }>> {
  const { run } = ctx;
  const linked: Array<{ orphan: string; person: string }> = [];
  const now = new Date().toISOString();
  for (let i = 0; i < orphans.length; i += LINK_BATCH) {
    const ops: WriteOp[] = [];
    const requests: PersonCommandRequest<string>[] = [];
    for (const open of orphans.slice(i, i + LINK_BATCH)) {
      const { doc: orphan, person } = open;
      // Region left out: an orphan's region, if any, is where its own source placed it.
      const decision = index.link(
        { citizenId: person.citizenId, name: person.name, birthDate: person.birthDate, gender: person.gender },
        { householdOnly: true },
      );
      const ref = `person:${orphan._id}`;
      // Both sides hold a valid ID here, so "the same person typed wrongly" needs both the IDs
      // near each other and the names agreeing. Name, birth date and gender alone are shared
      // by different people in a province of millions; and two people born the same day in
      // the same county hold IDs one sequence digit apart, which also carry that birth date
      // and gender, so a near ID with a different name is two people, not a typo.
      const level = (field: string) => decision.fields[field]?.level;
      const idLevel = level('citizenId');
      const typedWrongly =
        idLevel !== undefined &&
        idLevel !== 'different' &&
        idLevel !== 'same-region-sequence-birth-differs' &&
        level('name') !== undefined &&
        level('name') !== 'different';
      const outcome = decision.outcome === 'link' && decision.personId && typedWrongly ? 'link' : 'none';
      const recordSource = (orphan.sources[0] ?? 'insurance-enrollment') as SourceKind;
      if (outcome === 'none' && open.priorScore === decision.score) {
        // Still nobody, with the same score: the decision stands as written.
        run.counts.notLinked++;
        continue;
      }
      open.priorScore = outcome === 'none' ? decision.score : undefined;
      ops.push({
        kind: 'upsert',
        collection: LINK_DECISIONS,
        doc: {
          _id: ref,
          recordRef: ref,
          importId: '',
          rowNumber: 0,
          source: recordSource,
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
      linked.push({ orphan: orphan._id, person: target });
      const evidence = { decidedBy: 'automatic' as const, score: decision.score, fields: decision.fields };
      requests.push({ key: ref, id: target, command: linkRecordCommand(ref, recordSource, run.startedAt, evidence) });
      for (const e of orphan.enrollments) {
        const source = {
          source: e.source as SourceKind,
          sourceRecordId: `merged:${orphan._id}:${e.insuranceType}:${e.contributionStatus}:${e.since}`,
          occurredAt: run.startedAt,
        };
        const { insuranceType, contributionStatus, provinceCode, since } = e;
        requests.push({ key: ref, id: target, command: enrollment(source, { insuranceType, contributionStatus, provinceCode, since }) });
      }
    }
    if (requests.length > 0) await ctx.execute(requests);
    await ctx.reads.write(ops);
    await ctx.progress('linkage', Math.min(i + LINK_BATCH, orphans.length), run.counts.recordsConsidered);
  }
  return linked;
}

/**
 * A household row that links to nobody is the register saying a person lives here: when its
 * ID's fault can be undone from the row itself (repairCitizenId: check character, or an
 * impossible birth date with the row's birth date to put in its place) and no person holds the
 * repaired ID yet, the person is registered under it. The registration carries an anomaly
 * naming the repair, for public security to confirm. Rows with other faults, or whose repaired
 * ID someone already holds (the linker did not take them for that person), are left alone.
 */
function repairable(
  ctx: PhaseContext,
  index: LinkIndex,
  rejection: ImportRejection,
  source: string,
  fields: Record<string, string>,
): IdRepair | undefined {
  if (source !== 'household-registration' || !identityOnly(rejection.reasons) || !fields.householdRegion) return undefined;
  const repaired = repairCitizenId(fields.rawCitizenId ?? '', { birthDate: fields.birthDate, gender: fields.gender });
  if (!repaired) return undefined;
  const personId = personIdFor(repaired.citizenId, ctx.personIdKey);
  if (index.has(personId)) return undefined;
  return { personId, citizenId: repaired.citizenId, kind: repaired.kind };
}
