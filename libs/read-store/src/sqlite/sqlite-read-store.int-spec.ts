import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readStoreContract } from '../testing/read-store.contract';
import { SqliteReadStore } from './sqlite-read-store';

const dir = mkdtempSync(join(tmpdir(), 'read-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

readStoreContract('SQLite', async () => new SqliteReadStore(join(dir, 'read.sqlite')));

describe('SqliteReadStore with two connections on one file (the service and its projection thread)', () => {
  it('a batch that reads before it writes is not refused when the other connection commits in between', async () => {
    const file = join(dir, 'two-connections.sqlite');
    const service = new SqliteReadStore(file);
    const other = new SqliteReadStore(file, { busyTimeoutMs: 50 });
    try {
      await service.collection('jobs').upsert({ _id: 'warm', n: 0 });
      await other.collection('persons').upsert({ _id: 'p0', n: 0 });
      let otherOutcome = 'not run';
      // Serialising this document runs the other connection's write inside the service's batch,
      // after the batch has read its table's columns and before its first write.
      const doc = {
        _id: 'job-1',
        toJSON() {
          try {
            (other as unknown as { db: { prepare(sql: string): { run(...a: unknown[]): unknown } } }).db
              .prepare("UPDATE c_persons SET doc = json_set(doc, '$.n', 1) WHERE id = 'p0'")
              .run();
            otherOutcome = 'committed';
          } catch (error) {
            otherOutcome = (error as { code?: string }).code ?? 'failed';
          }
          return { _id: 'job-1', n: 1 };
        },
      };
      // A fresh connection view of the table (as after a schema change): the batch reads first.
      (service as unknown as { tableShapes: Map<string, unknown> }).tableShapes.clear();
      await service.write([{ kind: 'upsert', collection: 'jobs', doc }]);
      expect(await service.collection('jobs').get('job-1')).toMatchObject({ n: 1 });
      // The batch held the write lock from its start: the other connection waited, then gave up.
      expect(otherOutcome).toBe('SQLITE_BUSY');
    } finally {
      await other.close();
      await service.close();
    }
  });
});

describe('SqliteReadStore while another connection holds the write lock', () => {
  /** Another writer on the file (the projection thread, an import thread) inside a write transaction. */
  const holdLock = (file: string) => {
    const other = new Database(file);
    other.prepare('BEGIN IMMEDIATE').run();
    return () => {
      other.prepare('COMMIT').run();
      other.close();
    };
  };

  /**
   * Starts `work` while another connection holds the file's write lock, runs `meanwhile` after
   * 60 ms (the lock still held), then lets go and waits for the work. Returns how many 1 ms
   * timers the thread ran in all: many when the work waited without holding it.
   */
  const underHeldLock = async (file: string, work: () => Array<Promise<unknown>>, meanwhile: () => Promise<void>): Promise<number> => {
    const release = holdLock(file);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const started = work();
      await new Promise((resolve) => setTimeout(resolve, 60));
      await meanwhile();
      release();
      await Promise.all(started);
      return ticks;
    } finally {
      clearInterval(timer);
    }
  };

  it('waits without holding the thread, and applies the writes made meanwhile in call order', async () => {
    const file = join(dir, 'locked-order.sqlite');
    const store = new SqliteReadStore(file);
    try {
      const jobs = store.collection<{ _id: string; steps: string[] }>('jobs');
      await jobs.upsert({ _id: 'j', steps: [] });
      const ticks = await underHeldLock(
        file,
        () => [
          jobs.upsert({ _id: 'j', steps: ['a'] }),
          store.write([{ kind: 'patch', collection: 'jobs', id: 'j', set: { steps: ['a', 'b'] } }]),
          jobs.patch('j', { steps: ['a', 'b', 'c'] }),
        ],
        async () => expect(await jobs.get('j')).toEqual({ _id: 'j', steps: [] }),
      );
      // The thread ran its timers while the writes waited; they then applied in the order they were made.
      expect(ticks).toBeGreaterThan(15);
      expect(await jobs.get('j')).toEqual({ _id: 'j', steps: ['a', 'b', 'c'] });
    } finally {
      await store.close();
    }
  });

  it('changes the schema (indexes, drop, rename) once the lock is free, without holding the thread meanwhile', async () => {
    const file = join(dir, 'locked-schema.sqlite');
    // A busy timeout shorter than the hold: SQLite's own busy handler would block the thread for
    // it and then give up, and the holder (on this thread) could never have let go.
    const store = new SqliteReadStore(file, { busyTimeoutMs: 2000 });
    try {
      await store.collection('jobs').upsert({ _id: 'j', state: 'open' });
      await store.collection('old').upsert({ _id: 'o' });
      await store.collection('gone').upsert({ _id: 'g' });
      const ticks = await underHeldLock(
        file,
        () => [
          store.collection('jobs').ensureIndexes([{ name: 'state', fields: [['state', 1]] }]),
          store.renameCollection('old', 'new'),
          store.dropCollection('gone'),
        ],
        async () => expect(await store.listCollections()).toEqual(['gone', 'jobs', 'old']),
      );
      expect(ticks).toBeGreaterThan(15);
      expect(await store.listCollections()).toEqual(['jobs', 'new']);
      const indexes = new Database(file, { readonly: true });
      try {
        expect(indexes.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'c_jobs__state'").pluck().all()).toEqual([
          'c_jobs__state',
        ]);
      } finally {
        indexes.close();
      }
      expect((await store.collection('jobs').find({ state: 'open' })).items).toEqual([{ _id: 'j', state: 'open' }]);
    } finally {
      await store.close();
    }
  });

  it('does not wait for the lock when the indexes asked for are in place already', async () => {
    const file = join(dir, 'locked-indexes-in-place.sqlite');
    const store = new SqliteReadStore(file, { busyTimeoutMs: 2000 });
    try {
      const jobs = store.collection('jobs');
      await jobs.upsert({ _id: 'j', state: 'open' });
      await jobs.ensureIndexes([{ name: 'state', fields: [['state', 1]] }]);
      const release = holdLock(file);
      try {
        const outcome = await Promise.race([
          jobs.ensureIndexes([{ name: 'state', fields: [['state', 1]] }]).then(() => 'done'),
          new Promise((resolve) => setTimeout(() => resolve('waited'), 200)),
        ]);
        expect(outcome).toBe('done');
      } finally {
        release();
      }
    } finally {
      await store.close();
    }
  });

  it('gives up with SQLITE_BUSY busyTimeoutMs after the call, writing nothing', async () => {
    const file = join(dir, 'locked-timeout.sqlite');
    const store = new SqliteReadStore(file, { busyTimeoutMs: 60 });
    try {
      await store.collection('jobs').upsert({ _id: 'warm' });
      const release = holdLock(file);
      const started = Date.now();
      const outcome = await store
        .collection('jobs')
        .upsert({ _id: 'late' })
        .catch((error: { code?: string }) => error.code);
      const waited = Date.now() - started;
      release();
      expect(outcome).toBe('SQLITE_BUSY');
      expect(waited).toBeGreaterThanOrEqual(55);
      expect(await store.collection('jobs').get('late')).toBeNull();
      await expect(store.collection('jobs').upsert({ _id: 'late' })).resolves.toBe(true);
    } finally {
      await store.close();
    }
  });
});
