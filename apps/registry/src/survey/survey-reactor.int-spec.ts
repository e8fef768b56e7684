import { SurveySubject, SurveyTaskCommand, surveyTaskIdFor, surveyTaskStreamName } from '@registry/domain';
import type { EventStore } from '@registry/event-store';
import { tempStores, type TempStores } from '@registry/projections/testing/fixtures';
import type { ReadStore } from '@registry/read-store';
import { freshKeys, Keys, PersonScript } from '../../../../test/support/person-events';
import { CommandContext } from '../common/event-sourcing/command-context';
import { handleCommands } from '../common/event-sourcing/command-handling';
import { REACTOR_CHECKPOINTS, ReactorRunner } from '../common/event-sourcing/reactor';
import type { ReferenceData } from '../reference/reference-data.module';
import { SurveyCommandRequest } from './execute-survey-commands';
import { SurveyTaskStreams } from './survey-aggregate';
import { surveyCancellationReaction } from './survey-reactor';

jest.setTimeout(30_000);

const context: CommandContext = { operator: 'spec', role: 'system', region: '44', channel: 'system' };
const TOWNSHIP = '440305001';

/**
 * The registry's cancellation of tasks whose person changed before the visit, on real
 * SQLite stores: what it cancels and what it leaves, and that a restart, a replay from an
 * old checkpoint, a crash between commands and checkpoint, and a second instance change
 * nothing more.
 */
describe('survey cancellation reaction', () => {
  let stores: TempStores;
  let keys: Keys;
  let runners: ReactorRunner[];

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

  const streamsOn = (events: EventStore) => new SurveyTaskStreams(events, keys.protector, { provinceCode: '44' } as ReferenceData);

  function runner(
    on: { eventStore: EventStore; readStore: ReadStore } = stores,
    instanceId = 'one',
    wrap: (send: (r: SurveyCommandRequest<string>[]) => Promise<unknown>) => (r: SurveyCommandRequest<string>[]) => Promise<unknown> = (
      s,
    ) => s,
  ): ReactorRunner {
    const tasks = streamsOn(on.eventStore);
    const send = (requests: SurveyCommandRequest<string>[]) => handleCommands(on.eventStore, tasks.aggregate, requests, context);
    const reaction = surveyCancellationReaction(on.eventStore, tasks, wrap(send));
    const r = new ReactorRunner(on.eventStore, on.readStore, reaction, { instanceId, idleWaitMs: 20, leaseTtlMs: 3000 });
    runners.push(r);
    r.start();
    return r;
  }

  async function person(): Promise<PersonScript> {
    const p = new PersonScript(keys, '440305');
    await stores.eventStore.appendToStream(p.stream, p.register('调查对象', TOWNSHIP));
    return p;
  }

  /** Issues round 1 for the person, as a batch would, with the person's revision the issuer read. */
  async function issue(p: PersonScript, personRevision: number, surveyor?: string): Promise<string> {
    const subject: SurveySubject = { kind: 'person', personId: p.personId };
    const taskId = surveyTaskIdFor(subject, 1);
    const command: SurveyTaskCommand = {
      type: 'IssueSurveyTask',
      data: {
        taskId,
        round: 1,
        subject,
        region: TOWNSHIP,
        batchId: 'b',
        origin: 'worklist',
        dueDate: '2099-01-01',
        issuedBy: 'op',
        basis: { personRevision },
        previous: null,
        ...(surveyor && { surveyor }),
        occurredAt: new Date().toISOString(),
      },
    };
    const [outcome] = await handleCommands(
      stores.eventStore,
      streamsOn(stores.eventStore).aggregate,
      [{ key: 0, id: taskId, command }],
      context,
    );
    expect(outcome.status).toBe('applied');
    return taskId;
  }

  const append = (p: PersonScript, events: ReturnType<PersonScript['enrol']>) => stores.eventStore.appendToStream(p.stream, events);
  const taskEvents = async (taskId: string) => (await stores.eventStore.readStream(surveyTaskStreamName(taskId))).map((e) => e.type);
  const cancellation = async (taskId: string) => {
    const events = await stores.eventStore.readStream(surveyTaskStreamName(taskId));
    return events.find((e) => e.type === 'SurveyTaskCancelled')?.data as
      { cause: string; personEvent: { type: string; revision: number } } | undefined;
  };

  it('cancels a waiting task when its person enrols, dies, moves out of the township or loses the household, and leaves the others', async () => {
    const [enrols, dies, movesAway, movesNearby, cancels, renamed, reviewed] = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(() => person()));
    const tasks = new Map<PersonScript, string>();
    for (const p of [enrols, dies, movesAway, movesNearby, cancels, renamed, reviewed]) tasks.set(p, await issue(p, 0, 'sv'));
    const r = runner();
    await append(enrols, enrols.enrol('390'));
    await append(dies, dies.die());
    await append(movesAway, movesAway.move({ scope: 'within-province', toRegion: '440106001' }));
    await append(movesNearby, movesNearby.move({ scope: 'within-province', toRegion: '440305001002' }));
    await append(cancels, cancels.cancel('emigration'));
    // Another source's name for the person, and a work-injury enrolment: the visit is still worth making.
    await append(renamed, renamed.reportName('别名', 'card-library'));
    await append(renamed, renamed.enrol('410'));
    // A task whose result waits for review is the reviewer's: the change is shown there, not acted on.
    const [submitted] = await handleCommands(
      stores.eventStore,
      streamsOn(stores.eventStore).aggregate,
      [
        {
          key: 1,
          id: tasks.get(reviewed)!,
          command: {
            type: 'SubmitSurveyResult',
            data: {
              resultId: 'r1',
              surveyor: 'sv',
              visitedAt: new Date().toISOString(),
              finding: { outcome: 'refused' },
              evidence: [],
              occurredAt: new Date().toISOString(),
            },
          },
        },
      ],
      context,
    );
    expect(submitted.status).toBe('applied');
    await append(reviewed, reviewed.die());
    await r.waitUntilCaughtUp();

    expect(await cancellation(tasks.get(enrols)!)).toMatchObject({
      cause: 'person-enrolled',
      personEvent: { type: 'EnrollmentRecorded', revision: 1 },
    });
    expect(await cancellation(tasks.get(dies)!)).toMatchObject({ cause: 'person-deceased', personEvent: { type: 'DeathRecorded' } });
    expect(await cancellation(tasks.get(movesAway)!)).toMatchObject({ cause: 'person-moved' });
    expect(await cancellation(tasks.get(cancels)!)).toMatchObject({ cause: 'household-cancelled' });
    expect(await taskEvents(tasks.get(movesNearby)!)).toEqual(['SurveyTaskIssued']);
    expect(await taskEvents(tasks.get(reviewed)!)).toEqual(['SurveyTaskIssued', 'SurveyResultSubmitted']);
    expect(await taskEvents(tasks.get(renamed)!)).toEqual(['SurveyTaskIssued']);
  });

  it('cancels a task issued after a change the issuer did not see, and keeps one issued knowing it', async () => {
    const unseen = await person();
    const seen = await person();
    await append(unseen, unseen.enrol('390'));
    await append(seen, seen.enrol('390'));
    // The worklist read model had not caught up with the first enrolment; the second issuer listed the person on purpose.
    const unseenTask = await issue(unseen, 0);
    const seenTask = await issue(seen, 1);
    const r = runner();
    await r.waitUntilCaughtUp();
    expect(await cancellation(unseenTask)).toMatchObject({ cause: 'person-enrolled', personEvent: { revision: 1 } });
    expect(await taskEvents(seenTask)).toEqual(['SurveyTaskIssued']);
  });

  it('changes nothing more when restarted, replayed from the start, or crashed between its commands and its checkpoint', async () => {
    const p = await person();
    const taskId = await issue(p, 0);
    let crashes = 1;
    const first = runner(stores, 'one', (send) => async (requests) => {
      const done = await send(requests);
      // The commands are stored, then the instance dies before its checkpoint.
      if (crashes-- > 0) throw new Error('simulated crash after the commands');
      return done;
    });
    await append(p, p.enrol('390'));
    await first.waitUntilCaughtUp();
    expect(first.lastError).toMatch(/^Error/);
    expect(await taskEvents(taskId)).toEqual(['SurveyTaskIssued', 'SurveyTaskCancelled']);
    await first.stop();

    // A replay from position 0 by a fresh instance: the same commands, the same event ids, nothing new.
    await stores.readStore.collection(REACTOR_CHECKPOINTS).delete('survey-cancellation');
    const again = runner(stores, 'two');
    await again.waitUntilCaughtUp();
    expect(await taskEvents(taskId)).toEqual(['SurveyTaskIssued', 'SurveyTaskCancelled']);
    expect(await again.readCheckpoint()).toBeGreaterThan(0);
  });

  it('runs in one instance at a time: a second instance waits for the lease', async () => {
    const other = await stores.open();
    const a = runner(stores, 'instance-a');
    const b = runner(other, 'instance-b');
    const p = await person();
    const taskId = await issue(p, 0);
    await append(p, p.enrol('390'));
    await a.waitUntilCaughtUp();
    expect([a.held, b.held].filter(Boolean)).toHaveLength(1);
    expect(await taskEvents(taskId)).toEqual(['SurveyTaskIssued', 'SurveyTaskCancelled']);
    // The holder stops; the other takes over and goes on from the checkpoint.
    const holder = a.held ? a : b;
    const standby = a.held ? b : a;
    await holder.stop();
    const q = await person();
    const second = await issue(q, 0);
    await append(q, q.die());
    await standby.waitUntilCaughtUp(15_000);
    expect(standby.held).toBe(true);
    expect(await cancellation(second)).toMatchObject({ cause: 'person-deceased' });
  });
});
