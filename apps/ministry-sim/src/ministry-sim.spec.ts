import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { citizenIdCheckCharacter } from '@registry/domain';
import { generateProvince } from '@registry/ingest';
import { createMinistrySim, MinistrySim } from './ministry-sim';
import { bodyChecksum, canonicalJson } from './protocol';

const TOKEN = 'spec-token';
const auth = { Authorization: `Bearer ${TOKEN}` };

function citizen(n: number, county = '440305'): string {
  const first17 = `${county}1980${String(1 + (n % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}${String(n % 1000).padStart(3, '0')}`;
  return first17 + citizenIdCheckCharacter(first17);
}

function uploadBody(from: number, to: number, positions: number[], id: string) {
  const body: Record<string, unknown> = {
    province: '44',
    fromPosition: from,
    toPosition: to,
    count: positions.length,
    records: positions.map((position) => ({
      position,
      eventId: `${id}-${position}`,
      eventType: 'PersonRegistered',
      personId: `p_${position}`,
      citizenId: citizen(position),
      source: 'household-registration',
      occurredAt: '2024-01-01',
      recordedAt: '2024-01-02T00:00:00.000Z',
      facts: { gender: '1', birthDate: '1980-01-01' },
    })),
  };
  body.checksum = bodyChecksum(body);
  return body;
}

describe('canonical JSON', () => {
  it('sorts keys, drops absent members, keeps array order and non-ASCII text', () => {
    expect(canonicalJson({ b: 1, a: [3, 1, { z: null, y: undefined, x: '䶮·𠀀' }], c: true })).toBe(
      '{"a":[3,1,{"x":"䶮·𠀀","z":null}],"b":1,"c":true}',
    );
  });

  it('gives the checksum of the body without its checksum member', () => {
    const body = { province: '44', citizenIds: ['1'], batchId: 'Q1' };
    expect(bodyChecksum({ ...body, checksum: 'whatever' })).toBe(bodyChecksum(body));
    // The example of docs/ministry-interface.md §4.
    expect(bodyChecksum({ b: 1, a: '李·娜', c: [true, null] })).toBe('f017d52dbf85f1fe993fd741031fb2199be0c8fc338214002fe428fe295155bf');
  });
});

describe('ministry simulator', () => {
  let sim: MinistrySim;
  const http = () => supertest(sim.app.getHttpServer());
  const elsewhere = citizen(11);
  const dead = citizen(12);

  beforeAll(async () => {
    sim = await createMinistrySim({
      apiKeys: { [TOKEN]: '44', 'other-key': '45' },
      records: [
        {
          citizenId: elsewhere,
          kind: 'insured-elsewhere',
          provinceCode: '45',
          insuranceType: '110',
          contributionStatus: '1',
          since: '2019-03-01',
        },
        { citizenId: dead, kind: 'deceased-elsewhere', provinceCode: '11', dateOfDeath: '2023-05-06' },
      ],
    });
  });
  afterAll(() => sim.close());

  it('refuses calls without a valid key, and keys of another province', async () => {
    const none = await http().get('/ministry/v1/interactions').query({ province: '44' });
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body.code).toBe('UNAUTHENTICATED');
    const other = await http().get('/ministry/v1/interactions').query({ province: '44' }).set({ Authorization: 'Bearer other-key' });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('PROVINCE_MISMATCH');
  });

  it('answers an inquiry with the enrolments elsewhere, one result per ID', async () => {
    const body = { batchId: 'Q44-1', province: '44', citizenIds: [elsewhere, citizen(13)] };
    const res = await http()
      .post('/ministry/v1/inquiries')
      .set(auth)
      .send({ ...body, checksum: bodyChecksum(body) });
    expect(res.status).toBe(200);
    expect(res.headers['ministry-api-version']).toBe('1.1');
    expect(res.body).toEqual({
      batchId: 'Q44-1',
      province: '44',
      results: [
        { citizenId: elsewhere, records: [{ provinceCode: '45', insuranceType: '110', contributionStatus: '1', since: '2019-03-01' }] },
        { citizenId: citizen(13), records: [] },
      ],
    });
  });

  it('refuses bad IDs without echoing them, oversized inquiries and a reused batch id', async () => {
    const bad = await http()
      .post('/ministry/v1/inquiries')
      .set(auth)
      .send({ batchId: 'Q44-2', province: '44', citizenIds: ['440305198001010010'] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'citizenIds[0]', code: 'INVALID_CITIZEN_ID' }]);
    expect(JSON.stringify(bad.body)).not.toContain('440305198001010010');
    const big = await http()
      .post('/ministry/v1/inquiries')
      .set(auth)
      .send({ batchId: 'Q44-3', province: '44', citizenIds: Array.from({ length: 1001 }, (_, i) => citizen(i)) });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('BATCH_TOO_LARGE');
    const reused = await http()
      .post('/ministry/v1/inquiries')
      .set(auth)
      .send({ batchId: 'Q44-1', province: '44', citizenIds: [citizen(14)] });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('BATCH_CONFLICT');
  });

  it('stores an upload once, re-acknowledges a repeat, refuses a changed batch and a gap', async () => {
    const first = uploadBody(0, 5, [1, 3, 5], 'a');
    const ok = await http().post('/ministry/v1/uploads/U44-0-5').set(auth).send(first);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ batchId: 'U44-0-5', acknowledged: true, position: 5, duplicate: false, records: 3 });
    const again = await http().post('/ministry/v1/uploads/U44-0-5').set(auth).send(first);
    expect(again.body).toMatchObject({ acknowledged: true, position: 5, duplicate: true });
    const changed = await http()
      .post('/ministry/v1/uploads/U44-0-5')
      .set(auth)
      .send(uploadBody(0, 5, [1, 3], 'a'));
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('BATCH_CONFLICT');
    const gap = await http()
      .post('/ministry/v1/uploads/U44-6-9')
      .set(auth)
      .send(uploadBody(6, 9, [7], 'b'));
    expect(gap.status).toBe(409);
    expect(gap.body).toMatchObject({ code: 'POSITION_MISMATCH', lastPosition: 5 });
    const tampered = uploadBody(5, 9, [7], 'b');
    (tampered.records as Array<{ eventType: string }>)[0].eventType = 'DeathRecorded';
    const bad = await http().post('/ministry/v1/uploads/U44-5-9').set(auth).send(tampered);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('CHECKSUM_MISMATCH');
    const stats = await http().get('/ministry/v1/uploads/stats');
    expect(stats.body).toMatchObject({
      batches: 1,
      records: 3,
      duplicateBatches: 1,
      conflictsRefused: 1,
      positionMismatches: 1,
      duplicateRecords: 0,
    });
    const progress = await http().get('/ministry/v1/uploads/progress').query({ province: '44' }).set(auth);
    expect(progress.body).toMatchObject({ province: '44', lastPosition: 5, lastBatchId: 'U44-0-5' });
  });

  it('pages interactions by cursor', async () => {
    const first = await http().get('/ministry/v1/interactions').query({ province: '44', limit: 1 }).set(auth);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0]).toMatchObject({
      kind: 'insured-elsewhere',
      citizenId: elsewhere,
      provinceCode: '45',
      insuranceType: '110',
    });
    expect(first.body.hasMore).toBe(true);
    const second = await http()
      .get('/ministry/v1/interactions')
      .query({ province: '44', after: first.body.nextCursor, limit: 10 })
      .set(auth);
    expect(second.body.items).toEqual([
      expect.objectContaining({ kind: 'deceased-elsewhere', citizenId: dead, dateOfDeath: '2023-05-06' }),
    ]);
    expect(second.body.hasMore).toBe(false);
    const empty = await http().get('/ministry/v1/interactions').query({ province: '44', after: second.body.nextCursor }).set(auth);
    expect(empty.body).toEqual({ province: '44', items: [], nextCursor: second.body.nextCursor, hasMore: false });
  });

  it('fails, then recovers, when told to', async () => {
    await http().post('/sim/faults').send({ mode: 'fail', count: 2, status: 502 }).expect(200);
    const a = await http().get('/ministry/v1/uploads/progress').query({ province: '44' }).set(auth);
    const b = await http().get('/ministry/v1/uploads/progress').query({ province: '44' }).set(auth);
    const c = await http().get('/ministry/v1/uploads/progress').query({ province: '44' }).set(auth);
    expect([a.status, b.status, c.status]).toEqual([502, 502, 200]);
    await http().post('/sim/faults').send({ mode: 'slow', count: 1, delayMs: 150 }).expect(200);
    const started = Date.now();
    await http().get('/ministry/v1/uploads/progress').query({ province: '44' }).set(auth).expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('stores a batch and then loses the response in store-then-fail mode', async () => {
    sim.setFault({ mode: 'store-then-fail', count: 1 });
    await expect(
      http()
        .post('/ministry/v1/uploads/U44-5-9')
        .set(auth)
        .send(uploadBody(5, 9, [7, 9], 'c')),
    ).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sim.state.progress('44')).toMatchObject({ lastPosition: 9, lastBatchId: 'U44-5-9' });
    const retry = await http()
      .post('/ministry/v1/uploads/U44-5-9')
      .set(auth)
      .send(uploadBody(5, 9, [7, 9], 'c'));
    expect(retry.body).toMatchObject({ acknowledged: true, position: 9, duplicate: true });
    expect(sim.state.stats()).toMatchObject({ records: 5, duplicateRecords: 0 });
  });
});

describe('seeding from a generated province', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ministry-sim-truth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers inquiries and interactions for the persons the truth says are insured elsewhere', async () => {
    await generateProvince({ persons: 300, seed: 'ministry-sim', outDir: dir });
    const sim = await createMinistrySim({ token: TOKEN, truthDir: dir });
    try {
      const { readFileSync } = await import('node:fs');
      const persons = readFileSync(join(dir, 'truth', 'persons.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { citizenId: string; coverage: { status: string; province?: string; types?: string[] } });
      const elsewhere = persons.filter((p) => p.coverage.status === 'insured-elsewhere');
      expect(elsewhere.length).toBeGreaterThan(5);
      const res = await supertest(sim.app.getHttpServer())
        .post('/ministry/v1/inquiries')
        .set(auth)
        .send({ batchId: 'Q-truth', province: '44', citizenIds: persons.slice(0, 1000).map((p) => p.citizenId) });
      expect(res.status).toBe(200);
      const answered = res.body.results.filter((r: { records: unknown[] }) => r.records.length > 0);
      expect(answered.map((r: { citizenId: string }) => r.citizenId).sort()).toEqual(elsewhere.map((p) => p.citizenId).sort());
      const one = elsewhere[0];
      const result = res.body.results.find((r: { citizenId: string }) => r.citizenId === one.citizenId);
      expect(result.records.map((r: { insuranceType: string }) => r.insuranceType).sort()).toEqual([...one.coverage.types!].sort());
      expect(
        result.records.every(
          (r: { provinceCode: string; since: string }) => r.provinceCode === one.coverage.province && /^\d{4}-\d{2}-\d{2}$/.test(r.since),
        ),
      ).toBe(true);
      const page = await supertest(sim.app.getHttpServer())
        .get('/ministry/v1/interactions')
        .query({ province: '44', limit: 1000 })
        .set(auth);
      const kinds = new Set(page.body.items.map((i: { kind: string }) => i.kind));
      expect(kinds.has('insured-elsewhere')).toBe(true);
      expect(page.body.items.filter((i: { kind: string }) => i.kind === 'insured-elsewhere')).toHaveLength(
        elsewhere.reduce((n, p) => n + p.coverage.types!.length, 0),
      );
    } finally {
      await sim.close();
    }
  });
});
