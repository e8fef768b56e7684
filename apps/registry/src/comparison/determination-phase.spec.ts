/**
 * Determination judged in two steps, as a full run does: every document once during another
 * phase's pass (`judge`), then the persons recorded on since judged again from their documents
 * as they are now (`judgeAgain`). What it sends to the command path and what it counts must be
 * what one pass over the documents as they are at the end would give.
 */
import type { NewEvent } from '@registry/event-store';
import type { WriteOp } from '@registry/read-store';
import { FakeLog, PersonScript, freshKeys, type Keys } from '../../../../test/support/person-events';
import type { PersonCommandRequest } from '../persons/execute-person-commands';
import { PersonDocument, evolvePersonDocument } from '../persons/projections/person-document';
import type { ComparisonRun } from './comparison-run';
import { Determination, VERDICT_DATES } from './determination-phase';
import type { PhaseContext } from './phase-context';

const RUN_AT = '2024-07-01T09:00:00.000Z';

let keys: Keys;
beforeAll(() => (keys = freshKeys()));
afterAll(() => keys.cleanup());

/** Documents by person id, kept as the persons projection would keep them. */
class Documents {
  readonly docs = new Map<string, PersonDocument>();
  private readonly log = new FakeLog();

  apply(script: PersonScript, events: NewEvent[]): PersonDocument {
    let doc = this.docs.get(script.personId) ?? null;
    for (const e of this.log.record(script.stream, events)) doc = evolvePersonDocument(doc, e, keys.codec, '44');
    this.docs.set(script.personId, doc!);
    return doc!;
  }
}

function context(documents: Documents) {
  const sent: string[][] = [];
  const writes: WriteOp[] = [];
  const run = { _id: 'run_spec', startedAt: RUN_AT, counts: { persons: 0, statusChanges: 0, byStatus: {} } } as unknown as ComparisonRun;
  const ctx = {
    run,
    reference: { provinceCode: '44' },
    reads: {
      collection: () => ({ ensureIndexes: async () => undefined }),
      write: async (ops: WriteOp[]) => void writes.push(...ops),
    },
    persons: {
      getMany: async (ids: string[]) => new Map(ids.flatMap((id) => (documents.docs.has(id) ? [[id, documents.docs.get(id)!]] : []))),
    },
    progress: async () => undefined,
    // Every command is refused as "not registered" would be: the counts then take the read model's verdict.
    execute: async (requests: PersonCommandRequest<{ status: string }>[]) => {
      sent.push(requests.map((r) => r.id));
      return requests.map((r) => ({ key: r.key, status: 'refused', error: new Error('spec') }));
    },
  } as unknown as PhaseContext;
  return { ctx, run, sent, writes };
}

describe('determination judged during another pass, then again for the persons recorded on since', () => {
  it('sends and counts the verdicts of the documents as they are at the end', async () => {
    const documents = new Documents();
    const insured = new PersonScript(keys, '440305');
    const uninsuredThenEnrolled = new PersonScript(keys, '440305');
    const movedAway = new PersonScript(keys, '440305');
    const registeredLater = new PersonScript(keys, '440305');
    const neverRegistered = new PersonScript(keys, '440305');
    const determine = (script: PersonScript) =>
      documents.apply(
        script,
        script.run({
          type: 'DetermineCoverage',
          data: { source: 'comparison', sourceRecordId: 'run_before', occurredAt: RUN_AT, runId: 'run_before', localProvince: '44' },
        }),
      );
    documents.apply(insured, insured.register('甲', '440305001'));
    documents.apply(insured, insured.enrol('110'));
    determine(insured);
    documents.apply(uninsuredThenEnrolled, uninsuredThenEnrolled.register('乙', '440305001'));
    determine(uninsuredThenEnrolled);
    documents.apply(movedAway, movedAway.register('丙', '440305001'));
    const { ctx, run, sent, writes } = context(documents);

    const determination = await Determination.start(ctx);
    for (const doc of documents.docs.values()) await determination.judge(doc);
    // Recorded on after the pass: an enrolment, a move out of the province, a new person.
    documents.apply(uninsuredThenEnrolled, uninsuredThenEnrolled.enrol('390'));
    documents.apply(movedAway, movedAway.move({ scope: 'out-of-province', toProvince: '11' }));
    documents.apply(registeredLater, registeredLater.register('丁', '440305001'));
    await determination.judgeAgain([
      uninsuredThenEnrolled.personId,
      movedAway.personId,
      registeredLater.personId,
      neverRegistered.personId,
    ]);
    await determination.decide();

    // The insured person's verdict stands; the others' changed, and go to the command path in registration order.
    expect(sent.flat()).toEqual([uninsuredThenEnrolled.personId, movedAway.personId, registeredLater.personId]);
    // Counted once each, under their verdict as of the end (the refused commands keep the read model's).
    expect(run.counts.persons).toBe(4);
    expect(run.counts.byStatus).toEqual({ 'insured-local': 2, 'insured-elsewhere': 0, uninsured: 1, exempt: 1, unresolved: 0 });
    // The person who left is no longer judged, and a note of theirs is dropped; so are notes of persons judged again without a date.
    const deleted = writes.filter((w) => w.kind === 'delete' && w.collection === VERDICT_DATES).map((w) => (w as { id: string }).id);
    expect(deleted).toEqual(expect.arrayContaining([movedAway.personId, uninsuredThenEnrolled.personId]));
  });

  it("holds a province of judgements: every person sent once, in registration order, past the columns' first sizes", async () => {
    const documents = new Documents();
    const scripts = Array.from({ length: 2_500 }, () => new PersonScript(keys, '440305'));
    for (const script of scripts) documents.apply(script, script.register('甲', '440305001'));
    const { ctx, run, sent } = context(documents);

    const determination = await Determination.start(ctx);
    for (const doc of documents.docs.values()) await determination.judge(doc);
    await determination.decide();

    const docs = [...documents.docs.values()];
    const byRegistration = docs
      .map((d) => ({ id: d._id, at: Date.parse(d.registeredAt) }))
      .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
      .map((d) => d.id);
    // Scripts may draw the same ID (one person then); still past the columns' first 1,024.
    expect(docs.length).toBeGreaterThan(1_024);
    expect(sent.flat()).toEqual(byRegistration);
    expect(run.counts.persons).toBe(docs.length);
    expect(run.counts.byStatus.uninsured).toBe(docs.length);
  });
});
