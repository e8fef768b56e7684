import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from '@registry/read-store';
import { LeasedRuns } from './leased-runs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LeasedRuns (one run at a time across instances, renewed while it runs)', () => {
  let dir: string;
  let reads: SqliteReadStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'leased-runs-'));
    reads = new SqliteReadStore(join(dir, 'read.sqlite'));
  });
  afterEach(async () => {
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const instance = (id: string, leaseMs: number) => new LeasedRuns(reads, { INSTANCE_ID: id, LEASE_MS: leaseMs }, 'test:');

  it('keeps the lease for a run longer than LEASE_MS, and frees it when the run ends', async () => {
    const a = instance('a', 1000);
    const b = instance('b', 1000);
    let release!: () => void;
    const running = a.run(
      'job',
      () => new Promise<string>((resolve) => (release = () => resolve('a ran'))),
      () => 'a busy',
    );
    await sleep(50);
    expect(a.isRunning('job')).toBe(true);
    expect(
      await b.run(
        'job',
        async () => 'b ran',
        () => 'b busy',
      ),
    ).toBe('b busy');
    // Three lease lifetimes later the run still holds it: the background renewal kept it.
    await sleep(3000);
    expect(
      await b.run(
        'job',
        async () => 'b ran',
        () => 'b busy',
      ),
    ).toBe('b busy');
    release();
    expect(await running).toBe('a ran');
    expect(
      await b.run(
        'job',
        async () => 'b ran',
        () => 'b busy',
      ),
    ).toBe('b ran');
  });

  it('lets callers in one instance join the run in progress instead of starting another', async () => {
    const a = instance('a', 1000);
    let runs = 0;
    const first = a.run(
      'job',
      async () => (await sleep(100), ++runs),
      () => -1,
    );
    const second = a.run(
      'job',
      async () => ++runs,
      () => -1,
    );
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(runs).toBe(1);
  });

  it('tells the run through renew() that another instance took an expired lease', async () => {
    const a = instance('a', 1000);
    const b = instance('b', 1000);
    const seen = await a.run(
      'job',
      async (renew) => {
        // Simulate a stalled holder: its lease document expires and b takes it.
        await reads.collection('projection_leases').upsert({ _id: 'test:job', _position: 99, owner: 'a', expiresAt: 0 }, { position: 99 });
        const stillOurs = await b.run(
          'job',
          () => renew(),
          () => null,
        );
        // Lost stays lost, even once b has let the lease go.
        return { stillOurs, later: await renew() };
      },
      () => null,
    );
    expect(seen).toEqual({ stillOurs: false, later: false });
  });
});
