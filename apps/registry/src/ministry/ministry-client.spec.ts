import { citizenIdCheckCharacter } from '@registry/domain';
import type { RecordedEvent } from '@registry/event-store';
import { createMinistrySim, MinistrySim } from '../../../ministry-sim/src/ministry-sim';
import { loadConfig } from '../config/app-config';
import { MinistryClient, MinistryError } from './ministry-client';
import { buildInquiry, buildUploadBatch, canonicalJson, checksumOf, UploadRecord } from './ministry-protocol';
import { factsOf, isVerifiedRegistrationEvent, toUploadRecord } from './upload-records';

const KEY = 'client-spec-key';

function citizen(n: number): string {
  const first17 = `440305${1970 + (n % 30)}0101${String(n % 1000).padStart(3, '0')}`;
  return first17 + citizenIdCheckCharacter(first17);
}

function record(position: number, name = '阿依古丽·买买提𠀀'): UploadRecord {
  return {
    position,
    eventId: `00000000-0000-8000-8000-${String(position).padStart(12, '0')}`,
    eventType: 'PersonRegistered',
    personId: `p_${'a'.repeat(26)}`,
    citizenId: citizen(position),
    source: 'household-registration',
    occurredAt: '2024-01-01T00:00:00.000Z',
    recordedAt: '2024-01-02T00:00:00.000Z',
    facts: { name, gender: '2', birthDate: '1975-01-01', householdRegion: '440305001' },
  };
}

describe('ministry protocol helpers', () => {
  it('canonicalises as the specification says (sorted keys, no whitespace, absent members dropped)', () => {
    expect(canonicalJson({ b: [2, { d: undefined, c: 'é' }], a: null })).toBe('{"a":null,"b":[2,{"c":"é"}]}');
    expect(checksumOf({ x: 1, checksum: 'ignored' })).toBe(checksumOf({ x: 1 }));
  });

  it('derives the same batch id from the same positions and content, another from other content', () => {
    const a = buildUploadBatch('44', 0, 7, [record(3), record(7)]);
    const b = buildUploadBatch('44', 0, 7, [record(3), record(7)]);
    const c = buildUploadBatch('44', 0, 7, [record(3)]);
    expect(a.batchId).toBe(b.batchId);
    expect(a.batchId).toMatch(/^U44-0-7-[0-9a-f]{16}$/);
    expect(c.batchId).not.toBe(a.batchId);
    expect(buildInquiry('44', [citizen(2), citizen(1), citizen(2)])).toEqual(buildInquiry('44', [citizen(1), citizen(2)]));
  });
});

describe('the examples in docs/ministry-interface.md', () => {
  it('have the checksums and batch ids printed there', () => {
    expect(checksumOf({ b: 1, a: '李·娜', c: [true, null] })).toBe('f017d52dbf85f1fe993fd741031fb2199be0c8fc338214002fe428fe295155bf');
    const inquiry = buildInquiry('44', ['440305198503120028', '44010619900101003X']);
    expect(inquiry).toEqual({
      batchId: 'Q44-f2886ba46c0df468dcf8a5f0',
      province: '44',
      citizenIds: ['44010619900101003X', '440305198503120028'],
      checksum: '3d87236944afad136b27099e7a020e7d7e049211bf217600c038f21fad269690',
    });
    const personId = 'p_k3m5q7s9u2w4y6a8c3e5g7i9kb';
    const batch = buildUploadBatch('44', 1200, 1207, [
      {
        position: 1203,
        eventId: '5b0c6f1e-2d4a-8c3b-9e1f-0a2b3c4d5e6f',
        eventType: 'PersonRegistered',
        personId,
        citizenId: '440305198503120028',
        source: 'household-registration',
        occurredAt: '2024-05-01',
        recordedAt: '2024-05-02T08:00:00.000Z',
        facts: { name: '李娜', gender: '2', birthDate: '1985-03-12', householdRegion: '440305001' },
      },
      {
        position: 1207,
        eventId: '7d2e8a30-4f6c-8e5d-b031-2c4d6e8f0a1b',
        eventType: 'EnrollmentRecorded',
        personId,
        citizenId: '440305198503120028',
        source: 'insurance-enrollment',
        occurredAt: '2024-05-03',
        recordedAt: '2024-05-03T09:30:00.000Z',
        facts: { insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2024-05-01' },
      },
    ]);
    expect(batch.checksum).toBe('69cdf461ea51d5b0b282a8c759e27aea1a2fefad57dca06565160cbd76c84d7a');
    expect(batch.batchId).toBe('U44-1200-1207-69cdf461ea51d5b0');
  });
});

describe('upload records', () => {
  const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
    id: 'e1',
    type,
    data,
    metadata: { occurredAt: '2024-01-01' },
    stream: 'person-p_x',
    revision: 0,
    position: 9,
    recordedAt: '2024-01-02T00:00:00.000Z',
  });

  it('uploads verified registration events, not evidence, conflicts, anomalies or what the ministry said', () => {
    expect(isVerifiedRegistrationEvent(event('EnrollmentRecorded', { source: 'insurance-enrollment' }))).toBe(true);
    expect(isVerifiedRegistrationEvent(event('EnrollmentRecorded', { source: 'ministry' }))).toBe(false);
    for (const type of ['PersonDetailsReported', 'IdentityConflictDetected', 'AnomalyDetected', 'CoverageStatusDetermined']) {
      expect(isVerifiedRegistrationEvent(event(type, { source: 'household-registration' }))).toBe(false);
    }
  });

  it('keeps the name but leaves phone, address and operator reasons in the province', () => {
    expect(
      factsOf('PersonRegistered', {
        gender: '1',
        birthDate: '1980-01-01',
        householdRegion: '440305001',
        personal: { citizenId: 'x', name: '张三', phone: '13800000000', householdAddress: '某路1号' },
      }),
    ).toEqual({ name: '张三', gender: '1', birthDate: '1980-01-01', householdRegion: '440305001' });
    expect(
      factsOf('RecordCorrected', {
        fields: ['name', 'phone'],
        changes: {},
        personal: { name: { from: '张三', to: '张叁' }, phone: { to: '139' }, reason: '本人申请' },
      }),
    ).toEqual({ fields: ['name', 'phone'], name: '张叁' });
    const r = toUploadRecord(
      event('DeathRecorded', { source: 'health', occurredAt: '2024-03-01', dateOfDeath: '2024-03-01', corroborating: false }),
      'p_x',
      citizen(5),
    );
    expect(r).toEqual({
      position: 9,
      eventId: 'e1',
      eventType: 'DeathRecorded',
      personId: 'p_x',
      citizenId: citizen(5),
      source: 'health',
      occurredAt: '2024-03-01',
      recordedAt: '2024-01-02T00:00:00.000Z',
      facts: { dateOfDeath: '2024-03-01', corroborating: false },
    });
  });
});

describe('MinistryClient against the simulator', () => {
  let sim: MinistrySim;
  let url: string;
  const client = (env: Record<string, string> = {}) =>
    new MinistryClient(
      loadConfig({
        MINISTRY_URL: url,
        MINISTRY_TOKEN: KEY,
        MINISTRY_RETRY_BASE_MS: '5',
        MINISTRY_TIMEOUT_MS: '200',
        MINISTRY_RETRIES: '2',
        ...env,
      }),
    );

  beforeAll(async () => {
    sim = await createMinistrySim({ apiKeys: { [KEY]: '44' } });
    url = await sim.listen(0);
  });
  afterAll(() => sim.close());
  afterEach(() => sim.setFault({ mode: 'none' }));

  it('uploads a batch whose checksum the ministry verifies, rare characters and all', async () => {
    const batch = buildUploadBatch('44', 0, 7, [record(3), record(7)]);
    await expect(client().upload(batch)).resolves.toMatchObject({
      batchId: batch.batchId,
      acknowledged: true,
      position: 7,
      duplicate: false,
    });
    await expect(client().upload(batch)).resolves.toMatchObject({ acknowledged: true, position: 7, duplicate: true });
  });

  it('does not retry a 4xx: the same request cannot succeed', async () => {
    const tampered = { ...buildUploadBatch('44', 7, 9, [record(9)]), checksum: '0'.repeat(64) };
    const error = await client()
      .upload(tampered)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MinistryError);
    expect(error).toMatchObject({ code: 'CHECKSUM_MISMATCH', status: 400, retryable: false, attempts: 1 });
    sim.setFault({ mode: 'fail', status: 403, count: 5 });
    await expect(client().interactions()).rejects.toMatchObject({ code: 'SIM_FAULT', status: 403, attempts: 1 });
    expect(sim.faults.state().applied).toBe(1);
  });

  it('refuses a wrong key with UNAUTHENTICATED, without retrying', async () => {
    await expect(client({ MINISTRY_TOKEN: 'wrong' }).uploadProgress()).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      status: 401,
      attempts: 1,
    });
  });

  it('retries 5xx and 429 with back-off, and gives up after MINISTRY_RETRIES', async () => {
    sim.setFault({ mode: 'fail', status: 429, count: 2 });
    await expect(client().uploadProgress()).resolves.toMatchObject({ province: '44', lastPosition: 7 });
    sim.setFault({ mode: 'fail' });
    await expect(client().uploadProgress()).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      status: 503,
      retryable: true,
      attempts: 3,
    });
    expect(sim.faults.state().applied).toBe(3);
  });

  it('aborts a request that takes longer than MINISTRY_TIMEOUT_MS and retries it', async () => {
    sim.setFault({ mode: 'slow', delayMs: 400, count: 1 });
    await expect(client().uploadProgress()).resolves.toMatchObject({ lastPosition: 7 });
    sim.setFault({ mode: 'timeout' });
    const started = Date.now();
    await expect(client({ MINISTRY_RETRIES: '1' }).uploadProgress()).rejects.toMatchObject({ code: 'MINISTRY_TIMEOUT', attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('treats a dropped connection as retryable', async () => {
    sim.setFault({ mode: 'store-then-fail', count: 1 });
    await expect(client().uploadProgress()).resolves.toMatchObject({ lastPosition: 7 });
  });

  it('splits inquiries into batches of at most 1000 distinct IDs and answers in the order asked', async () => {
    const ids = Array.from({ length: 2001 }, (_, i) => citizen(i));
    const before = sim.state.inquiryCounts.inquiries;
    // A timeout long enough that no batch is retried on a busy machine: a retry would be counted twice.
    const results = await client({ MINISTRY_TIMEOUT_MS: '10000' }).inquire([...ids, ids[0]]);
    const distinct = [...new Set(ids)];
    expect(results.map((r) => r.citizenId)).toEqual(distinct);
    expect(sim.state.inquiryCounts.inquiries - before).toBe(Math.ceil(distinct.length / 1000));
    await expect(client().inquire(['not-an-id'])).rejects.toMatchObject({ code: 'INVALID_CITIZEN_ID' });
  });

  it('is disabled without MINISTRY_URL', async () => {
    const off = new MinistryClient(loadConfig({}));
    expect(off.enabled).toBe(false);
    await expect(off.interactions()).rejects.toMatchObject({ code: 'MINISTRY_DISABLED' });
  });

  it('insists on TLS except to a loopback simulator, and on a key', () => {
    expect(() => loadConfig({ MINISTRY_URL: 'http://ministry.example.gov.cn', MINISTRY_TOKEN: 'k' })).toThrow(
      /MINISTRY_URL must be an https/,
    );
    expect(() => loadConfig({ MINISTRY_URL: 'https://ministry.example.gov.cn' })).toThrow(/MINISTRY_TOKEN is required/);
    expect(loadConfig({ MINISTRY_URL: 'https://ministry.example.gov.cn/', MINISTRY_TOKEN: 'k' }).MINISTRY_URL).toBe(
      'https://ministry.example.gov.cn/',
    );
  });
});
