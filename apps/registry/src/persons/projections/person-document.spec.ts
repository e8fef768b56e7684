import { PERSON_EVENT_TYPES, foldPerson, PersonEvent } from '@registry/domain';
import type { NewEvent, RecordedEvent } from '@registry/event-store';
import { FakeLog, freshKeys, Keys, PersonScript } from '../../../../../test/support/person-events';
import { IdentityDisclosure } from '../../privacy/identity-disclosure';
import { personView } from '../person-view';
import { evolvePersonDocument, PersonDocument } from './person-document';

describe('evolvePersonDocument', () => {
  let keys: Keys;
  let log: FakeLog;

  beforeEach(() => {
    keys = freshKeys();
    log = new FakeLog();
  });
  afterEach(() => keys.cleanup());

  /** Records the script's events and folds them into the document, from `start`. */
  function project(
    person: PersonScript,
    events: NewEvent[],
    start: PersonDocument | null = null,
  ): { doc: PersonDocument | null; recorded: RecordedEvent[] } {
    const recorded = log.record(person.stream, events);
    const doc = recorded.reduce<PersonDocument | null>((d, e) => evolvePersonDocument(d, e, keys.codec, '44'), start);
    return { doc, recorded };
  }

  const open = (doc: PersonDocument) => keys.codec.open(doc._id, doc.personal);

  it('builds the document from PersonRegistered: masked ID, sealed personal part, region path, uninsured', () => {
    const person = new PersonScript(keys, '440305');
    const { doc } = project(person, person.register('王𠀀', '440305001'));
    const id = person.citizenId.value;
    expect(doc).toMatchObject({
      _id: person.personId,
      maskedCitizenId: `${id.slice(0, 6)}********${id.slice(14)}`,
      birthDate: person.citizenId.birthDate,
      gender: '1',
      householdRegion: '440305001',
      regionPath: ['44', '4403', '440305', '440305001'],
      householdStatus: 'active',
      deceased: false,
      coverageStatus: 'uninsured',
      evidence: ['NO_ACTIVE_BASIC_ENROLLMENT'],
      insuranceTypes: [],
      enrollmentStatuses: [],
      hasAnomalies: false,
      hasConflicts: false,
      sources: ['household-registration'],
      revision: 0,
    });
    expect(doc!.registeredAt).toBe(doc!.updatedAt);
    const stored = JSON.stringify(doc);
    expect(stored).not.toContain(id);
    expect(stored).not.toContain('王𠀀');
    expect(open(doc!)).toEqual({ citizenId: id, name: '王𠀀' });
  });

  describe('coverage status', () => {
    type Step = (p: PersonScript) => NewEvent[];
    const cases: Array<[label: string, steps: Step[], expected: Partial<PersonDocument>]> = [
      ['uninsured without enrolment', [], { coverageStatus: 'uninsured', evidence: ['NO_ACTIVE_BASIC_ENROLLMENT'] }],
      [
        'insured-local by a contributing medical enrolment here',
        [(p) => p.enrol('390')],
        { coverageStatus: 'insured-local', evidence: ['ENROLLED_390'] },
      ],
      [
        'insured-local by a suspended pension (flagged as a lapse)',
        [(p) => p.enrol('110'), (p) => p.transition('SuspendEnrollment', '110')],
        { coverageStatus: 'insured-local', coverageFlags: ['LAPSED_CONTRIBUTION'] },
      ],
      [
        'insured-elsewhere by an enrolment in another province',
        [(p) => p.enrol('170', '1', '32')],
        { coverageStatus: 'insured-elsewhere', evidence: ['ENROLLED_IN_32'] },
      ],
      ['uninsured with only a non-basic type', [(p) => p.enrol('410')], { coverageStatus: 'uninsured', insuranceTypes: ['410'] }],
      [
        'exempt when deceased',
        [(p) => p.enrol('390'), (p) => p.die()],
        { coverageStatus: 'exempt', exemptionReason: 'deceased', deceased: true, dateOfDeath: '2024-01-15' },
      ],
      [
        'exempt for military service',
        [(p) => p.cancel('military-service')],
        { coverageStatus: 'exempt', exemptionReason: 'military-service', householdStatus: 'cancelled' },
      ],
      [
        'exempt when the household is cancelled for emigration',
        [(p) => p.cancel('emigration')],
        { coverageStatus: 'exempt', exemptionReason: 'household-cancelled' },
      ],
      [
        'exempt as deceased when the household is cancelled for death',
        [(p) => p.cancel('death')],
        { coverageStatus: 'exempt', exemptionReason: 'deceased' },
      ],
      [
        'exempt when moved out of the province',
        [(p) => p.move({ scope: 'out-of-province', toProvince: '32' })],
        { coverageStatus: 'exempt', exemptionReason: 'household-cancelled', householdStatus: 'moved-out', toProvince: '32' },
      ],
      [
        'unresolved with an open identity conflict that leaves the person in doubt',
        [(p) => p.reportName('王二', 'card-library', { inDoubt: true })],
        { coverageStatus: 'unresolved', evidence: ['OPEN_IDENTITY_CONFLICT'], hasConflicts: true },
      ],
      [
        'uninsured with an open conflict the precedence settles (a card name against the household register)',
        [(p) => p.reportName('王二', 'card-library')],
        { coverageStatus: 'uninsured', evidence: ['NO_ACTIVE_BASIC_ENROLLMENT'], hasConflicts: true },
      ],
    ];

    it.each(cases)('%s', (_label, steps, expected) => {
      const person = new PersonScript(keys, '440305');
      const events = [...person.register('王一', '440305001'), ...steps.flatMap((step) => step(person))];
      const { doc } = project(person, events);
      expect(doc).toMatchObject(expected);
      if (!('exemptionReason' in expected)) expect(doc).not.toHaveProperty('exemptionReason');
    });
  });

  it('keeps one enrolment per type, in code order, whatever order they arrive in', () => {
    const person = new PersonScript(keys, '440305');
    const { doc } = project(person, [
      ...person.register('周五', '440305001'),
      ...person.enrol('390'),
      ...person.enrol('110'),
      ...person.enrol('210'),
      ...person.enrol('110', '2'),
    ]);
    expect(doc!.enrollments.map((e) => [e.insuranceType, e.contributionStatus])).toEqual([
      ['110', '2'],
      ['210', '1'],
      ['390', '1'],
    ]);
    expect(doc).toMatchObject({ insuranceTypes: ['110', '210', '390'], enrollmentStatuses: ['110:2', '210:1', '390:1'] });
  });

  it('follows an enrolment through suspension, resumption and termination', () => {
    const person = new PersonScript(keys, '440305');
    let { doc } = project(person, [...person.register('李四', '440305001'), ...person.enrol('110')]);
    expect(doc).toMatchObject({
      insuranceTypes: ['110'],
      enrollmentStatuses: ['110:1'],
      coverageStatus: 'insured-local',
      coverageFlags: [],
    });
    expect(doc!.enrollments.find((e) => e.insuranceType === '110')).toMatchObject({
      contributionStatus: '1',
      provinceCode: '44',
      since: '2020-01-01',
      source: 'insurance-enrollment',
    });

    ({ doc } = project(person, person.transition('SuspendEnrollment', '110', '2024-02-01'), doc));
    expect(doc).toMatchObject({ enrollmentStatuses: ['110:2'], coverageStatus: 'insured-local', coverageFlags: ['LAPSED_CONTRIBUTION'] });
    expect(doc!.enrollments.find((e) => e.insuranceType === '110')).toMatchObject({ contributionStatus: '2', lastChangedAt: '2024-02-01' });

    ({ doc } = project(person, person.transition('ResumeEnrollment', '110', '2024-03-01'), doc));
    expect(doc).toMatchObject({ enrollmentStatuses: ['110:1'], coverageFlags: [] });

    ({ doc } = project(person, person.transition('TerminateEnrollment', '110', '2024-04-01'), doc));
    expect(doc).toMatchObject({ insuranceTypes: ['110'], enrollmentStatuses: ['110:3'], coverageStatus: 'uninsured' });
    expect(doc!.revision).toBe(4);
  });

  it('flags duplicate enrolment and records the anomaly', () => {
    const person = new PersonScript(keys, '440305');
    const { doc } = project(person, [...person.register('赵六', '440305001'), ...person.enrol('310'), ...person.enrol('390')]);
    expect(doc).toMatchObject({
      insuranceTypes: ['310', '390'],
      coverageFlags: ['DUPLICATE_MEDICAL_ENROLLMENT'],
      anomalies: ['DUPLICATE_ENROLLMENT'],
      hasAnomalies: true,
    });
  });

  it('records a contribution after death as an anomaly, once', () => {
    const person = new PersonScript(keys, '440305');
    const { doc, recorded } = project(person, [
      ...person.register('钱七', '440305001'),
      ...person.enrol('390'),
      ...person.die('2024-01-15'),
      ...person.enrol('390', '1', '44', '2024-04-01T00:00:00.000Z'),
      ...person.enrol('390', '1', '44', '2024-05-01T00:00:00.000Z'),
    ]);
    expect(recorded.filter((e) => e.type === 'AnomalyDetected')).toHaveLength(2);
    expect(doc).toMatchObject({ anomalies: ['CONTRIBUTION_AFTER_DEATH'], hasAnomalies: true, deceased: true, coverageStatus: 'exempt' });
  });

  it('opens a conflict without changing the held value, and a correction resolves it and changes the sealed name', () => {
    const person = new PersonScript(keys, '440303', '2');
    let { doc } = project(person, [...person.register('孙丽', '440303001'), ...person.reportName('孙莉', 'card-library')]);
    expect(doc!.openConflicts).toEqual([
      { conflictId: expect.stringMatching(/^name:card-library:/), field: 'name', reportedSource: 'card-library', heldValueStands: true },
    ]);
    expect(doc).toMatchObject({ hasConflicts: true, coverageStatus: 'uninsured', sources: ['household-registration', 'card-library'] });
    expect(open(doc!).name).toBe('孙丽');

    ({ doc } = project(person, person.correct({ name: '孙莉' }), doc));
    expect(doc).toMatchObject({
      openConflicts: [],
      hasConflicts: false,
      coverageStatus: 'uninsured',
      sources: ['household-registration', 'card-library', 'operator'],
    });
    expect(open(doc!)).toEqual({ citizenId: person.citizenId.value, name: '孙莉' });
    expect(JSON.stringify(doc)).not.toContain('孙莉');
  });

  it('lets a higher-precedence report change name and region, and updates the region path', () => {
    const person = new PersonScript(keys, '440305');
    const { doc } = project(person, [
      ...person.register('周五', '440305001', 'card-library'),
      ...person.register('周伍', '440106001', 'household-registration'),
    ]);
    expect(doc).toMatchObject({ householdRegion: '440106001', regionPath: ['44', '4401', '440106', '440106001'], hasConflicts: false });
    expect(open(doc!).name).toBe('周伍');
  });

  it('moves the household within the province', () => {
    const person = new PersonScript(keys, '440305');
    const { doc } = project(person, [
      ...person.register('吴九', '440305001'),
      ...person.move({ scope: 'within-province', toRegion: '440303001' }),
    ]);
    expect(doc).toMatchObject({
      householdRegion: '440303001',
      regionPath: ['44', '4403', '440303', '440303001'],
      householdStatus: 'active',
    });
  });

  it('ignores other event types, and person events before a registration', () => {
    const person = new PersonScript(keys, '440305');
    const [registered] = log.record(person.stream, person.register('郑十', '440305001'));
    const doc = evolvePersonDocument(null, registered, keys.codec, '44');
    const other = { ...registered, type: 'ImportStarted', data: {} };
    expect(evolvePersonDocument(doc, other, keys.codec, '44')).toBe(doc);
    const [enrolled] = log.record(person.stream, person.enrol('390'));
    expect(evolvePersonDocument(null, enrolled, keys.codec, '44')).toBeNull();
    // A second PersonRegistered (replayed) keeps the document as it is.
    expect(evolvePersonDocument(doc, { ...registered, position: 99 }, keys.codec, '44')).toBe(doc);
  });

  it('gives the same documents when the same events are evolved again (deterministic sealing)', () => {
    const person = new PersonScript(keys, '440305');
    const events = [
      ...person.register('冯十一', '440305001'),
      ...person.reportName('冯拾壹', 'card-library'),
      ...person.correct({ name: '冯拾壹' }),
      ...person.enrol('390'),
    ];
    const recorded = log.record(person.stream, events);
    const fold = () => recorded.reduce<PersonDocument | null>((d, e) => evolvePersonDocument(d, e, keys.codec, '44'), null);
    expect(fold()).toEqual(fold());
  });

  it('agrees with the person view (GET /v1/persons/:id) on coverage at every step', () => {
    const person = new PersonScript(keys, '440305');
    const steps = [
      person.register('褚十二', '440305001'),
      person.reportName('褚拾贰', 'card-library', { inDoubt: true }),
      person.enrol('170', '1', '32'),
      person.enrol('390'),
      person.enrol('310'),
      person.transition('SuspendEnrollment', '390'),
      person.transition('ResumeEnrollment', '390'),
      person.transition('TerminateEnrollment', '390'),
      person.transition('TerminateEnrollment', '310'),
      person.transition('TerminateEnrollment', '170'),
      person.exempt('imprisoned', '2020-01-01'),
      person.exempt('imprisoned', '2020-01-01', '2021-01-01'),
      person.correct({ name: '褚十二' }),
      person.move({ scope: 'out-of-province', toProvince: '45' }),
      person.move({ scope: 'within-province', toRegion: '440106001' }),
      person.cancel('military-service'),
      person.die(),
    ];
    let doc: PersonDocument | null = null;
    const all: RecordedEvent[] = [];
    const seen: string[] = [];
    for (const events of steps) {
      const recorded = log.record(person.stream, events);
      all.push(...recorded);
      for (const e of recorded) doc = evolvePersonDocument(doc, e, keys.codec, '44');
      const decoded = all.map((e) => keys.protector.decodeEvent(e));
      const state = foldPerson(decoded.map((e) => ({ type: e.type, data: e.data }) as PersonEvent));
      const view = personView(
        person.personId,
        state,
        all[all.length - 1].revision,
        '44',
        IdentityDisclosure.FULL,
        false,
        all[all.length - 1].recordedAt.slice(0, 10),
      )!;
      expect({
        status: doc!.coverageStatus,
        reason: doc!.exemptionReason,
        flags: doc!.coverageFlags,
        region: doc!.householdRegion,
        revision: doc!.revision,
      }).toEqual({
        status: view.coverage.status,
        reason: view.coverage.exemptionReason,
        flags: view.coverage.flags,
        region: view.householdRegion,
        revision: view.revision,
      });
      seen.push(`${doc!.coverageStatus}${doc!.exemptionReason ? `:${doc!.exemptionReason}` : ''}`);
    }
    // The steps pass through every status the rules give here, the recorded exemption included.
    expect([...new Set(seen)]).toEqual([
      'uninsured',
      'unresolved',
      'insured-elsewhere',
      'insured-local',
      'exempt:imprisoned',
      'exempt:household-cancelled',
      'exempt:military-service',
      'exempt:deceased',
    ]);
    // Every event type a source or operator causes took part (PersonDetailsChanged is covered above).
    const types = new Set(all.map((e) => e.type));
    expect([...types].sort()).toEqual(
      [
        'PersonRegistered',
        'PersonDetailsReported',
        'IdentityConflictDetected',
        'EnrollmentRecorded',
        'EnrollmentSuspended',
        'EnrollmentResumed',
        'EnrollmentTerminated',
        'AnomalyDetected',
        'RecordCorrected',
        'HouseholdMoved',
        'HouseholdCancelled',
        'DeathRecorded',
        'ExemptionRecorded',
      ].sort(),
    );
    expect([...types].every((t) => PERSON_EVENT_TYPES.includes(t as never))).toBe(true);
  });
});
