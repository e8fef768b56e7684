import { CoverageStatus, datePart, parsePersonId } from '@registry/domain';
import { IdColumn } from '@registry/linkage';
import type { Document, WriteOp } from '@registry/read-store';
import { PersonCommandRequest } from '../persons/execute-person-commands';
import type { PersonDocument } from '../persons/projections/person-document';
import { PhaseContext, allPersons, eachPersonDocument, inProvince } from './phase-context';
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

/** What a judgement found: the verdict is the person's last one, or it changes. */
const UNCHANGED = 1;
const CHANGES = 2;

/**
 * The judgements of a run until its commands go out, in columns: a first run holds one for
 * every person of the province. Objects in a map cost about 110 bytes a person here; these
 * columns 36, all outside the heap (the ids packed, see IdColumn). There is no index by id:
 * each person is judged once per pass, and `forget` (before a person is judged again) goes
 * through the column once.
 */
class Judgements {
  private readonly ids = new IdColumn();
  private registeredAt = new Float64Array(1024);
  private statuses = new Uint8Array(1024);
  /** UNCHANGED, CHANGES, or 0 once forgotten. */
  private kinds = new Uint8Array(1024);

  add(id: string, kind: typeof UNCHANGED | typeof CHANGES, status: CoverageStatus, registeredAt: number): void {
    const slot = this.ids.push(id);
    if (slot === this.kinds.length) this.grow();
    this.kinds[slot] = kind;
    this.statuses[slot] = COVERAGE_STATUSES.indexOf(status);
    this.registeredAt[slot] = registeredAt;
  }

  forget(ids: ReadonlySet<string>): void {
    if (ids.size === 0) return;
    for (let slot = 0; slot < this.ids.length; slot++) if (this.kinds[slot] !== 0 && ids.has(this.ids.get(slot))) this.kinds[slot] = 0;
  }

  /** Persons judged (forgotten ones left out), by status. */
  countByStatus(): { persons: number; byStatus: Record<string, number> } {
    const byStatus: Record<string, number> = Object.fromEntries(COVERAGE_STATUSES.map((s) => [s, 0]));
    let persons = 0;
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (this.kinds[slot] === 0) continue;
      persons++;
      if (this.kinds[slot] === UNCHANGED) byStatus[COVERAGE_STATUSES[this.statuses[slot]]]++;
    }
    return { persons, byStatus };
  }

  /** The slots of the persons whose verdict changes, in the order their commands go: registration time, then id. */
  changes(): Int32Array {
    let count = 0;
    for (let slot = 0; slot < this.ids.length; slot++) if (this.kinds[slot] === CHANGES) count++;
    const slots = new Int32Array(count);
    count = 0;
    for (let slot = 0; slot < this.ids.length; slot++) if (this.kinds[slot] === CHANGES) slots[count++] = slot;
    const { ids, registeredAt } = this;
    return slots.sort((a, b) => registeredAt[a] - registeredAt[b] || ids.compare(a, b));
  }

  id(slot: number): string {
    return this.ids.get(slot);
  }

  status(slot: number): CoverageStatus {
    return COVERAGE_STATUSES[this.statuses[slot]];
  }

  private grow(): void {
    const size = this.kinds.length * 2;
    this.registeredAt = doubled(this.registeredAt, new Float64Array(size));
    this.statuses = doubled(this.statuses, new Uint8Array(size));
    this.kinds = doubled(this.kinds, new Uint8Array(size));
  }
}

/** `bigger` holding `column` at its start. */
function doubled<T extends Float64Array | Uint8Array>(column: T, bigger: T): T {
  bigger.set(column);
  return bigger;
}

/**
 * Determination: every household-registered person of the province gets a verdict by the
 * coverage rules, recorded (CoverageStatusDetermined, with its evidence) only when it changed,
 * so a run with nothing new records nothing.
 *
 * Each person's verdict is worked out from their read-model document (readModelVerdict), and
 * only persons whose verdict differs from their last one go through the command path, where
 * the decider decides it again on the stream and records it. The counts by status come from
 * the same judgements, the changed persons counted under the verdict the decider recorded.
 *
 * The documents can be judged during a pass another phase makes anyway (`judge`: a full run's
 * linkage population reads every person before anything of the run is recorded), and the
 * persons recorded on since then judged again from their documents as they are now
 * (`judgeAgain`), so a full run reads the read model once instead of twice.
 *
 * Persons whose verdict can change by the calendar alone are noted with the date (VERDICT_DATES);
 * with `forgetDates` (a run on changes, and persons judged again) the notes of persons judged
 * without one are dropped too.
 *
 * The commands go in the order persons were registered: the event store's indexes lead with
 * the stream, and streams are numbered as created, so neighbouring commands touch neighbouring
 * index pages instead of one page each all over the file.
 */
export class Determination {
  private readonly judgements = new Judgements();
  private ops: WriteOp[] = [];
  private readonly day: string;

  private constructor(
    private readonly ctx: PhaseContext,
    private readonly forgetDates: boolean,
  ) {
    this.day = datePart(ctx.run.startedAt);
  }

  static async start(ctx: PhaseContext, options: { forgetDates?: boolean } = {}): Promise<Determination> {
    await ctx.reads.collection<VerdictDateDoc>(VERDICT_DATES).ensureIndexes([{ name: 'due', fields: [['due', 1]] }]);
    return new Determination(ctx, options.forgetDates === true);
  }

  /** Judges one document; returns a promise only when it wrote a batch of verdict dates (await it then). */
  judge(doc: PersonDocument, forgetDates = this.forgetDates): Promise<void> | undefined {
    const province = this.ctx.reference.provinceCode;
    if (!parsePersonId(doc._id) || !inProvince(doc, province)) {
      if (forgetDates) this.ops.push({ kind: 'delete', collection: VERDICT_DATES, id: doc._id });
    } else {
      const verdict = readModelVerdict(doc, province, this.ctx.run.startedAt);
      const kind = sameAsLastVerdict(doc, verdict) ? UNCHANGED : CHANGES;
      this.judgements.add(doc._id, kind, verdict.status, kind === CHANGES ? Date.parse(doc.registeredAt) : 0);
      const due = nextVerdictDate(doc, verdict, this.day);
      if (due) this.ops.push({ kind: 'upsert', collection: VERDICT_DATES, doc: { _id: doc._id, due } satisfies VerdictDateDoc });
      else if (forgetDates) this.ops.push({ kind: 'delete', collection: VERDICT_DATES, id: doc._id });
    }
    return this.ops.length >= 1000 ? this.flushDates() : undefined;
  }

  /**
   * Judges these persons again from their documents as they are now (the caller has waited for
   * the read models), dropping what was judged of them before; a person without a document
   * (none in this read model) is no longer judged.
   */
  async judgeAgain(ids: Iterable<string>): Promise<void> {
    const list = [...ids];
    this.judgements.forget(new Set(list));
    for await (const doc of eachPersonDocument(this.ctx.persons, list)) await this.judge(doc, true);
  }

  /** Records the verdicts that changed, through the command path, and the run's counts. */
  async decide(): Promise<void> {
    const { ctx } = this;
    const { run } = ctx;
    await this.flushDates();
    const { judgements } = this;
    const { persons, byStatus } = judgements.countByStatus();
    run.counts.persons += persons;
    const pending = judgements.changes();
    await ctx.progress('determination', 0, pending.length);
    const data = {
      source: 'comparison' as const,
      sourceRecordId: run._id,
      occurredAt: run.startedAt,
      runId: run._id,
      localProvince: ctx.reference.provinceCode,
    };
    for (let i = 0; i < pending.length; i += DETERMINATION_BATCH) {
      const slice = pending.subarray(i, i + DETERMINATION_BATCH);
      // The key: the verdict judged from the read model, counted when the command is refused.
      const requests: PersonCommandRequest<CoverageStatus>[] = Array.from(slice, (slot) => ({
        key: judgements.status(slot),
        id: judgements.id(slot),
        command: { type: 'DetermineCoverage', data },
      }));
      for (const o of await ctx.execute(requests)) {
        if (o.status === 'applied' && o.events.some((e) => e.type === 'CoverageStatusDetermined')) run.counts.statusChanges++;
        // The verdict the stream holds now; for a refusal (not registered after all), the read model's.
        const coverage = o.status === 'applied' && 'person' in o.state ? o.state.person.coverage : undefined;
        byStatus[coverage?.status ?? o.key]++;
      }
      await ctx.progress('determination', Math.min(i + DETERMINATION_BATCH, pending.length), pending.length);
    }
    run.counts.byStatus = byStatus;
  }

  private async flushDates(): Promise<void> {
    if (this.ops.length === 0) return;
    const ops = this.ops;
    this.ops = [];
    await this.ctx.reads.write(ops);
  }
}

/** Determination over these documents (by default every person, in one pass over the read model). */
export async function runDetermination(
  ctx: PhaseContext,
  persons: AsyncIterable<PersonDocument> | Iterable<PersonDocument> = allPersons(ctx.persons),
  options: { forgetDates?: boolean } = {},
): Promise<void> {
  const determination = await Determination.start(ctx, options);
  for await (const doc of persons) await determination.judge(doc);
  await determination.decide();
}
