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
