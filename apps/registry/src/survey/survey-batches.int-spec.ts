import { bearer, startApp, TestApp } from '../../../../test/support/app';
import { newCitizen, PLACES } from '../../../../test/support/citizens';
import { registrationBody } from '../../../../test/support/requests';
import { Principal } from '../auth/principal';
import { SurveyTaskStreams } from './survey-aggregate';
import { BatchOutcome, SurveyBatches } from './survey-batches';

jest.setTimeout(60_000);

/**
 * Batches that race for the same persons: every batch reads the persons' rounds before any
 * of them appends (a barrier holds each read until all have read), so each decides that
 * round 1 is free, and the append's expected revision must settle it. Run on the service's
 * own modules and the embedded store.
 */
describe('survey batches racing for the same persons', () => {
  let t: TestApp;
  const caller = new Principal('county-op', ['county-operator'], PLACES.nanshan.county);

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function persons(n: number): Promise<string[]> {
    const token = t.token({ role: 'province-admin', region: '44' });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await t
        .http()
        .post('/v1/persons/registrations')
        .set(bearer(token))
        .send(
          registrationBody(newCitizen(), {
            source: 'operator',
            sourceRecordId: `RACE-${Date.now()}-${i}`,
            householdRegion: PLACES.nanshan.township,
          }),
        )
        .expect(200);
      ids.push(res.body.personId);
    }
    return ids;
  }

  /** Holds every `rounds` read until `parties` reads have been made. */
  function barrier(parties: number) {
    const streams = t.app.get(SurveyTaskStreams);
    const original = streams.rounds.bind(streams);
    let waiting = 0;
    let release!: () => void;
    const all = new Promise<void>((r) => (release = r));
    return jest.spyOn(streams, 'rounds').mockImplementation(async (...args) => {
      const answer = await original(...args);
      if (++waiting >= parties) release();
      await all;
      return answer;
    });
  }

  it('issues each person one task when every batch saw round 1 free: the others are refused at the append', async () => {
    const ids = await persons(12);
    const spy = barrier(3);
    const batches = t.app.get(SurveyBatches);
    let outcomes: BatchOutcome[];
    try {
      outcomes = await Promise.all(
        ['race-1', 'race-2', 'race-3'].map((batchId) =>
          batches.create(caller, { batchId, region: PLACES.nanshan.township, dueDate: '2099-01-01', from: 'list', personIds: ids }),
        ),
      );
    } finally {
      spy.mockRestore();
    }
    const created = outcomes.flatMap((o) => o.tasks.filter((x) => x.status === 'created').map((x) => x.personId));
    expect(created.sort()).toEqual([...ids].sort());
    // Every loser was refused by the decider on the re-read after its append conflicted.
    const refused = outcomes.flatMap((o) => o.skipped);
    expect(refused).toHaveLength(ids.length * 2);
    expect(new Set(refused.map((s) => s.code))).toEqual(new Set(['SURVEY_TASK_ALREADY_ISSUED']));
    // In the store: one stream per person, issued once.
    const latest = await t.app.get(SurveyTaskStreams).latest(ids.map((personId) => ({ kind: 'person' as const, personId })));
    for (const id of ids) {
      const task = latest.get(`person:${id}`);
      expect(task?.revision).toBe(0);
      expect(task?.state.status).toBe('open');
    }
  });

  it('stores nothing twice when the same batch is sent twice at once', async () => {
    const ids = await persons(4);
    const spy = barrier(2);
    const batches = t.app.get(SurveyBatches);
    let outcomes: BatchOutcome[];
    try {
      const dto = { batchId: 'same-twice', region: PLACES.nanshan.township, dueDate: '2099-01-01', from: 'list' as const, personIds: ids };
      outcomes = await Promise.all([batches.create(caller, dto), batches.create(caller, dto)]);
    } finally {
      spy.mockRestore();
    }
    // Both answers name the same tasks; the store holds each once (the events' ids derive from the batch).
    const [a, b] = outcomes.map((o) => o.tasks.map((x) => x.taskId).sort());
    expect(a).toHaveLength(ids.length);
    expect(b).toEqual(a);
    expect(outcomes.flatMap((o) => o.skipped)).toEqual([]);
    const latest = await t.app.get(SurveyTaskStreams).latest(ids.map((personId) => ({ kind: 'person' as const, personId })));
    for (const id of ids) expect(latest.get(`person:${id}`)?.revision).toBe(0);
  });
});
