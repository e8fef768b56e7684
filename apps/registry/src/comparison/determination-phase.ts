import { CoverageStatus, datePart, parsePersonId } from '@registry/domain';
import type { Document, WriteOp } from '@registry/read-store';
import { PersonCommandRequest } from '../persons/execute-person-commands';
import type { PersonDocument } from '../persons/projections/person-document';
import { PhaseContext, allPersons, inProvince } from './phase-context';
import { nextVerdictDate, readModelVerdict, sameAsLastVerdict } from './verdict';

const DETERMINATION_BATCH = 2000;

/**
 * Persons whose verdict can change on a date with no new fact (nextVerdictDate), by that date:
 * a run on changes judges those whose date has come. An entry that no longer holds costs one
 * needless look at the person.
 */
export const VERDICT_DATES = 'comparison_verdict_dates';

export interface VerdictDateDoc extends Document {
  /** `YYYY-MM-DD` */
  due: string;
}

export const COVERAGE_STATUSES: readonly CoverageStatus[] = ['insured-local', 'insured-elsewhere', 'uninsured', 'exempt', 'unresolved'];

/** A person whose verdict changes, in the order their commands are sent. */
interface Pending {
  id: string;
  registeredAt: string;
  status: CoverageStatus;
}

/**
 * Determination: every household-registered person of the province gets a verdict by the
 * coverage rules, recorded (CoverageStatusDetermined, with its evidence) only when it changed,
 * so a run with nothing new records nothing.
 *
 * The read model is read once (the caller waits until it holds what the run recorded before):
 * each person's verdict is worked out from their document (readModelVerdict), and only persons
 * whose verdict differs from their last one go through the command path, where the decider
 * decides it again on the stream and records it. The counts by status come from the same
 * pass, the changed persons counted under the verdict the decider recorded.
 *
 * Persons whose verdict can change by the calendar alone are noted with the date (VERDICT_DATES);
 * `forgetDates` (a run on changes) also drops the notes of persons judged without one.
 *
 * The commands go in the order persons were registered: the event store's indexes lead with
 * the stream, and streams are numbered as created, so neighbouring commands touch neighbouring
 * index pages instead of one page each all over the file.
 */
export async function runDetermination(
  ctx: PhaseContext,
  persons: AsyncIterable<PersonDocument> | Iterable<PersonDocument> = allPersons(ctx.persons),
  options: { forgetDates?: boolean } = {},
): Promise<void> {
  const { run, reference } = ctx;
  const province = reference.provinceCode;
  const byStatus: Record<string, number> = Object.fromEntries(COVERAGE_STATUSES.map((s) => [s, 0]));
  const pending: Pending[] = [];
  const dates = ctx.reads.collection<VerdictDateDoc>(VERDICT_DATES);
  await dates.ensureIndexes([{ name: 'due', fields: [['due', 1]] }]);
  let ops: WriteOp[] = [];
  const day = datePart(run.startedAt);
  for await (const doc of persons) {
    if (!parsePersonId(doc._id) || !inProvince(doc, province)) {
      if (options.forgetDates) ops.push({ kind: 'delete', collection: VERDICT_DATES, id: doc._id });
      continue;
    }
    run.counts.persons++;
    const verdict = readModelVerdict(doc, province, run.startedAt);
    if (sameAsLastVerdict(doc, verdict)) byStatus[verdict.status]++;
    else pending.push({ id: doc._id, registeredAt: doc.registeredAt, status: verdict.status });
    const due = nextVerdictDate(doc, verdict, day);
    if (due) ops.push({ kind: 'upsert', collection: VERDICT_DATES, doc: { _id: doc._id, due } satisfies VerdictDateDoc });
    else if (options.forgetDates) ops.push({ kind: 'delete', collection: VERDICT_DATES, id: doc._id });
    if (ops.length >= 1000) {
      await ctx.reads.write(ops);
      ops = [];
    }
  }
  if (ops.length > 0) await ctx.reads.write(ops);
  pending.sort((a, b) =>
    a.registeredAt < b.registeredAt ? -1 : a.registeredAt > b.registeredAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  await ctx.progress('determination', 0, pending.length);
  const data = {
    source: 'comparison' as const,
    sourceRecordId: run._id,
    occurredAt: run.startedAt,
    runId: run._id,
    localProvince: province,
  };
  for (let i = 0; i < pending.length; i += DETERMINATION_BATCH) {
    const slice = pending.slice(i, i + DETERMINATION_BATCH);
    const requests: PersonCommandRequest<Pending>[] = slice.map((p) => ({
      key: p,
      id: p.id,
      command: { type: 'DetermineCoverage', data },
    }));
    for (const o of await ctx.execute(requests)) {
      if (o.status === 'applied' && o.events.some((e) => e.type === 'CoverageStatusDetermined')) run.counts.statusChanges++;
      // The verdict the stream holds now; for a refusal (not registered after all), the read model's.
      const coverage = o.status === 'applied' && 'person' in o.state ? o.state.person.coverage : undefined;
      byStatus[coverage?.status ?? o.key.status]++;
    }
    await ctx.progress('determination', Math.min(i + DETERMINATION_BATCH, pending.length), pending.length);
  }
  run.counts.byStatus = byStatus;
}
