import type { NewEvent } from '@registry/event-store';
import { CHECKPOINT_COLLECTION, Projection, ProjectionRunner, type ProjectionRunnerOptions } from '@registry/projections';
import {
  NonTransactionalReadStore,
  allDocs,
  logicalDocs,
  runnerOptions,
  tempStores,
  type TempStores,
} from '@registry/projections/testing/fixtures';
import { SqliteReadStore, type ReadStore, type WriteOp } from '@registry/read-store';
import { join } from 'node:path';
import { freshKeys, Keys, PersonScript } from '../../../../../test/support/person-events';
import type { PersonDocument } from './person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION, REGION_COUNTS_COLLECTION, personsProjection } from './persons.projection';
import { localTypeCounts, type RegionCountsDocument } from './region-counts';

jest.setTimeout(30_000);

/**
 * The persons projection (person documents and region counts) run by the real runner on
 * temp SQLite stores, fed with person events as the service stores them (decided, then sealed).
 */
describe('persons projection on the runner: person documents and region counts', () => {
  let stores: TempStores;
  let keys: Keys;
  let runners: ProjectionRunner[];

  beforeEach(async () => {
    stores = await tempStores();
    keys = freshKeys();
    runners = [];
  });
  afterEach(async () => {
    for (const r of runners) await r.stop();
    await stores.cleanup();
    keys.cleanup();
  });

  const projections = (): Projection[] => [personsProjection(keys.codec, '44')];

  async function run(
    readStore: ReadStore = stores.readStore,
    only?: Projection[],
    extra: Partial<ProjectionRunnerOptions> = {},
  ): Promise<ProjectionRunner> {
    const runner = new ProjectionRunner(runnerOptions({ eventStore: stores.eventStore, readStore }, extra));
    runners.push(runner);
    await runner.start(only ?? projections());
    await runner.waitUntilCaughtUp(undefined, 15_000);
    return runner;
  }

  async function append(script: PersonScript, events: NewEvent[]): Promise<void> {
    await stores.eventStore.appendToStream(script.stream, events);
  }

  /**
   * Seven persons across 深圳南山、深圳罗湖 and 广州天河, one per coverage situation, with
   * a household move and a resolved conflict on the way. Returns the number of events.
   */
  async function appendScenario(): Promise<{ events: number; people: Record<string, PersonScript> }> {
    const p = {
      localMedical: new PersonScript(keys, '440305'),
      movedAway: new PersonScript(keys, '440305'),
      elsewhere: new PersonScript(keys, '440106'),
      deceased: new PersonScript(keys, '440303'),
      corrected: new PersonScript(keys, '440303', '2'),
      lapsed: new PersonScript(keys, '440305'),
      emigrated: new PersonScript(keys, '440303'),
    };
    const steps: Array<[PersonScript, NewEvent[]]> = [
      [p.localMedical, p.localMedical.register('甲', '440305001')],
      [p.movedAway, p.movedAway.register('乙', '440305002')],
      [p.elsewhere, p.elsewhere.register('丙', '440106001')],
      [p.deceased, p.deceased.register('丁', '440303001')],
      [p.corrected, p.corrected.register('戊', '440303001')],
      [p.lapsed, p.lapsed.register('己', '440305001')],
      [p.emigrated, p.emigrated.register('庚', '440303002')],
      [p.localMedical, p.localMedical.enrol('390')],
      [p.elsewhere, p.elsewhere.enrol('170', '1', '32')],
      [p.corrected, p.corrected.reportName('戊二', 'card-library')],
      [p.lapsed, p.lapsed.enrol('110')],
      [p.deceased, p.deceased.enrol('390')],
      [p.movedAway, p.movedAway.move({ scope: 'within-province', toRegion: '440106001' })],
      [p.deceased, p.deceased.die()],
      [p.lapsed, p.lapsed.transition('SuspendEnrollment', '110')],
      [p.corrected, p.corrected.correct({ name: '戊二' })],
      [p.emigrated, p.emigrated.cancel('emigration')],
    ];
    let events = 0;
    for (const [script, batch] of steps) {
      await append(script, batch);
      events += batch.length;
    }
    return { events, people: p };
  }

  const counts = async (runner: ProjectionRunner) =>
    Object.fromEntries(
      ((await logicalDocs(runner, PERSONS_PROJECTION, REGION_COUNTS_COLLECTION)) as RegionCountsDocument[]).map((d) => [d._id, d]),
    );

  /** The counts a region must show, computed from the persons read model alone. */
  async function countsFromPersons(runner: ProjectionRunner): Promise<Record<string, { total: number; coverage: Record<string, number> }>> {
    const persons = (await logicalDocs(runner, PERSONS_PROJECTION, PERSONS_COLLECTION)) as PersonDocument[];
    const out: Record<string, { total: number; coverage: Record<string, number> }> = {};
    for (const person of persons) {
      for (const code of person.regionPath) {
        const c = (out[code] ??= { total: 0, coverage: {} });
        c.total++;
        c.coverage[person.coverageStatus] = (c.coverage[person.coverageStatus] ?? 0) + 1;
      }
    }
    return out;
  }

  // Counters back at zero stay in the documents as 0; the API leaves them out, and so does this.
  const nonZero = (counter: Record<string, number>) => Object.fromEntries(Object.entries(counter).filter(([, n]) => n !== 0));
  const withoutEmpty = (docs: Record<string, RegionCountsDocument>) =>
    Object.fromEntries(
      Object.entries(docs)
        .filter(([, d]) => d.total > 0)
        .map(([id, d]) => [id, { total: d.total, coverage: nonZero(d.coverage) }]),
    );

  it('counts persons by region and level, coverage, exemption, local type and flag', async () => {
    const { people } = await appendScenario();
    const runner = await run();
    const c = await counts(runner);

    expect(c['44']).toMatchObject({
      level: 'province',
      total: 7,
      coverage: { 'insured-local': 2, 'insured-elsewhere': 1, uninsured: 2, exempt: 2 },
      exempt: { deceased: 1, 'household-cancelled': 1 },
      flags: { LAPSED_CONTRIBUTION: 1 },
    });
    expect(localTypeCounts(c['44'])).toMatchObject({ '390': 1, '110': 1, '310': 0 });
    expect(c['4403']).toMatchObject({ level: 'city', total: 5, coverage: { 'insured-local': 2, uninsured: 1, exempt: 2 } });
    expect(c['4401']).toMatchObject({ level: 'city', total: 2, coverage: { 'insured-elsewhere': 1, uninsured: 1 } });
    expect(c['440305']).toMatchObject({ level: 'county', total: 2 });
    expect(localTypeCounts(c['440305'])).toMatchObject({ '390': 1, '110': 1 });
    expect(c['440303']).toMatchObject({ level: 'county', total: 3, exempt: { deceased: 1, 'household-cancelled': 1 } });
    expect(c['440303001']).toMatchObject({ level: 'township', total: 2, coverage: { exempt: 1, uninsured: 1 } });
    // The person who moved left 440305002 empty, and arrived in 440106001.
    expect(c['440305002']).toMatchObject({ total: 0, coverage: {} });
    expect(c['440106001']).toMatchObject({ total: 2 });

    // Every region's counts agree with the persons read model.
    expect(withoutEmpty(c)).toEqual(await countsFromPersons(runner));
    for (const doc of Object.values(c)) {
      expect(Object.values(doc.coverage).reduce((a, b) => a + b, 0)).toBe(doc.total);
    }
    // No personal data in the counts.
    const stored = JSON.stringify(Object.values(c));
    expect(stored).not.toMatch(/"personal"|maskedCitizenId/);
    for (const person of Object.values(people)) expect(stored).not.toContain(person.citizenId.value);
  });

  it('applying the same events twice gives the same documents (persons and region counts)', async () => {
    const { events } = await appendScenario();
    const first = await run();
    // Physical collections of generation 1 (the replay must write into the same ones).
    const physical = {
      persons: (await first.collection(PERSONS_PROJECTION, PERSONS_COLLECTION)).name,
      counts: (await first.collection(PERSONS_PROJECTION, REGION_COUNTS_COLLECTION)).name,
    };
    expect(Object.values(physical).every((name) => /_g1_/.test(name))).toBe(true);
    const snapshot = async () => ({
      persons: await allDocs(stores.readStore, physical.persons),
      counts: await allDocs(stores.readStore, physical.counts),
    });
    const before = await snapshot();
    expect(before.persons).toHaveLength(7);
    expect(before.counts.length).toBeGreaterThan(7);
    await first.stop();

    // Rewind the checkpoint to 0: every event is delivered and applied again.
    await stores.readStore
      .collection(CHECKPOINT_COLLECTION)
      .upsert({ _id: `${PERSONS_PROJECTION}_g1`, projection: PERSONS_PROJECTION, generation: 1, checkpoint: 0, _position: 0 });
    const replayed: Record<string, number> = {};
    const again = new ProjectionRunner(runnerOptions({ eventStore: stores.eventStore, readStore: stores.readStore }));
    runners.push(again);
    again.progress$.subscribe((p) => (replayed[p.projection] = (replayed[p.projection] ?? 0) + p.events));
    await again.start(projections());
    await again.waitUntilCaughtUp(undefined, 15_000);
    expect(replayed).toEqual({ [PERSONS_PROJECTION]: events });
    expect(await snapshot()).toEqual(before);
  });

  // The batch writes 11 counters, 7 person documents and the checkpoint: fail after some
  // counters, after all of them, and after some person documents.
  it.each([1, 6, 11, 15])('loses no count when a non-transactional store fails after %i ops of a batch', async (okOps) => {
    await appendScenario();
    const clean = await run(stores.readStore, projections());
    const expected = withoutEmpty(await counts(clean));
    await clean.stop();

    // A second read model of the same events, behind a store that applies ops one by one
    // (like MongoDB) and dies after `okOps` ops of the first batch; the runner retries.
    const second = new SqliteReadStore(join(stores.dir, 'read-second.sqlite'));
    try {
      const flaky = new PartialWriteStore(second, okOps);
      const runner = await run(flaky, projections(), { batchSize: 500 });
      expect(flaky.failures).toBe(1);
      expect(withoutEmpty(await counts(runner))).toEqual(expected);
      await runner.stop();
    } finally {
      await second.close();
    }
  });
});

/**
 * The read store reporting itself non-transactional, applying a write's ops one at a time
 * and failing once after `okOps` ops of the first multi-op write that holds region counts.
 */
class PartialWriteStore extends NonTransactionalReadStore {
  failures = 0;

  constructor(
    inner: ReadStore,
    private readonly okOps: number,
  ) {
    super(inner);
  }

  override async write(ops: WriteOp[]): Promise<void> {
    if (this.failures === 0 && ops.some((o) => o.collection.includes(REGION_COUNTS_COLLECTION)) && ops.length > this.okOps + 1) {
      this.failures++;
      for (const op of ops.slice(0, this.okOps)) await this.inner.write([op]);
      throw new Error('simulated failure part-way through a batch');
    }
    for (const op of ops) await this.inner.write([op]);
  }
}
