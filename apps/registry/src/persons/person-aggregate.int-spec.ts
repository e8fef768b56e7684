import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersonCommand, PersonId, PersonState, personIdFor, personStreamName } from '@registry/domain';
import { SqliteEventStore } from '@registry/event-store';
import { citizenIdIn, freshKeys, Keys } from '../../../../test/support/person-events';
import type { AppConfig } from '../config/app-config';
import { CommandRequest, handleCommands } from '../common/event-sourcing/command-handling';
import { ReferenceData } from '../reference/reference-data.module';
import { PersonAggregate, personAggregate } from './person-aggregate';

type BatchCommand<K> = CommandRequest<K, PersonCommand, PersonState>;

/**
 * The person aggregate on the one command path, over a real SQLite event store and the real
 * field cipher: a batch opens a stream's personal data only for the persons with a command
 * that reads personal values.
 */
describe('person commands and personal data', () => {
  let dir: string;
  let keys: Keys;
  let events: SqliteEventStore;
  let aggregate: PersonAggregate;
  const execute = <K>(requests: BatchCommand<K>[]) => handleCommands(events, aggregate, requests, context);
  let opened: number;
  const context = { operator: 'spec', role: 'system', region: '44', channel: 'import' as const, correlationId: 'spec-batch' };
  const ids = [citizenIdIn('440106'), citizenIdIn('440106', '2'), citizenIdIn('441481')];
  let persons: PersonId[];

  const at = '2024-03-01T08:00:00.000Z';
  const register = (i: number, source: 'household-registration' | 'card-library', name: string, ensure = false): BatchCommand<string> => ({
    key: `${source}-${i}`,
    id: persons[i],
    command: {
      type: 'RegisterPerson',
      data: { source, sourceRecordId: `${source}-${i}`, occurredAt: at, citizenId: ids[i], name, ...(ensure && { ensure }) },
    },
  });
  const enrol = (i: number, insuranceType: '110' | '390'): BatchCommand<string> => ({
    key: `enrol-${i}-${insuranceType}`,
    id: persons[i],
    command: {
      type: 'RecordEnrollment',
      data: {
        source: 'insurance-enrollment',
        sourceRecordId: `e-${i}-${insuranceType}`,
        occurredAt: at,
        insuranceType,
        contributionStatus: '1',
        provinceCode: '44',
        since: '2020-01-01',
      },
    } as PersonCommand,
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'registry-person-store-'));
    keys = freshKeys();
    events = new SqliteEventStore(join(dir, 'events.sqlite'));
    const reference = new ReferenceData({ PROVINCE_CODE: '44' } as AppConfig);
    aggregate = personAggregate(reference.personDecider, keys.protector);
    persons = ids.map((id) => personIdFor(id, keys.keys.personIdKey));
    opened = 0;
    const open = keys.protector.cipher.open.bind(keys.protector.cipher);
    keys.protector.cipher.open = (sealed, aad) => {
      opened++;
      return open(sealed, aad);
    };
    const outcomes = await execute([
      register(0, 'household-registration', '陈一'),
      register(1, 'household-registration', '陈二'),
      register(2, 'household-registration', '陈三'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied']);
    expect(opened).toBe(0); // new streams: nothing to open
  });

  afterEach(async () => {
    await events.close();
    keys.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an enrolment batch opens only the persons its rows name (to compare their names), and none for enrolments alone', async () => {
    const outcomes = await execute([
      register(0, 'household-registration', '陈一', true),
      enrol(0, '110'),
      register(1, 'household-registration', '陈二', true),
      enrol(1, '390'),
      enrol(2, '390'),
    ]);
    // Persons 0 and 1 hold one sealed event each; person 2's stream stays sealed.
    expect(opened).toBe(2);
    expect(outcomes.map((o) => (o.status === 'applied' ? o.events.map((e) => e.type) : o.error.code))).toEqual([
      [],
      ['EnrollmentRecorded'],
      [],
      ['EnrollmentRecorded'],
      ['EnrollmentRecorded'],
    ]);

    // Read back in full: the personal values are intact and the enrolment is there.
    const stream = await events.readStream(personStreamName(persons[0]));
    const state = aggregate.fromStored(stream, true).reduce(aggregate.decider.evolve, aggregate.decider.initialState());
    expect(state.status === 'living' && state.person.citizenId).toBe(ids[0].value);
    expect(state.status === 'living' && state.person.fields.name?.value).toBe('陈一');
    expect(state.status === 'living' && state.person.enrollments.map((e) => e.insuranceType)).toEqual(['110']);
    expect(stream[stream.length - 1].revision).toBe(1);
  });

  it('an enrolment row whose name disagrees records the conflict beside the enrolment', async () => {
    const row: BatchCommand<string> = {
      key: 'row-1',
      id: persons[0],
      command: {
        type: 'RegisterPerson',
        data: {
          source: 'insurance-enrollment',
          sourceRecordId: 'e-0#person',
          occurredAt: at,
          citizenId: ids[0],
          name: '陈壹',
          ensure: true,
        },
      },
    };
    const outcomes = await execute([row, enrol(0, '110')]);
    expect(outcomes.map((o) => (o.status === 'applied' ? o.events.map((e) => e.type) : o.error.code))).toEqual([
      ['IdentityConflictDetected'],
      ['EnrollmentRecorded'],
    ]);
  });

  it('a report of a known person opens that person’s stream only, and decides from the full state', async () => {
    const outcomes = await execute([register(0, 'card-library', '陈壹'), enrol(1, '110')]);
    // Person 0's one stored event carries a personal part; person 1's stream stays sealed.
    expect(opened).toBe(1);
    const [report, enrolment] = outcomes;
    expect(report.status === 'applied' && report.events.map((e) => e.type)).toEqual(['PersonDetailsReported', 'IdentityConflictDetected']);
    expect(enrolment.status === 'applied' && enrolment.events.map((e) => e.type)).toEqual(['EnrollmentRecorded']);
    const stream = await events.readStream(personStreamName(persons[0]));
    expect(stream.map((e) => e.type)).toEqual(['PersonRegistered', 'PersonDetailsReported', 'IdentityConflictDetected']);
  });
});
