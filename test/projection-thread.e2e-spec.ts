/**
 * Where the projection workers run on the embedded default: in a thread of their own
 * (PROJECTION_THREAD=on, the default on a multi-core machine) or in the main thread (off).
 * Either way a registration reaches the read models, the runner reports its status, and
 * the application shuts down cleanly. In a thread, it also copies the WALs of both files back
 * into them (checkpoints), which the main thread then never does after a request's commit.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { newCitizen } from './support/citizens';
import { registrationBody } from './support/requests';
import { bearer, startApp } from './support/app';

jest.setTimeout(60_000);

describe.each(['on', 'off'] as const)('PROJECTION_THREAD=%s', (setting) => {
  it('builds the read models from what the main thread appends, and reports the runner status', async () => {
    const t = await startApp({ PROJECTION_THREAD: setting });
    try {
      const projections = t.app.get(ProjectionsService);
      expect(projections.threaded).toBe(setting === 'on');
      expect(projections.running).toBe(true);

      const hr = t.token({ role: 'service-client', sub: 'hr-system', region: '44', source: 'household-registration' });
      const admin = t.token({ role: 'province-admin', sub: 'thread-admin', region: '44' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.http().post('/v1/persons/registrations').set(bearer(hr)).send(registrationBody(newCitizen()));
        expect(res.status).toBe(200);
        ids.push(res.body.personId);
      }
      await t.caughtUp();
      const list = await t.http().get('/v1/persons').query({ limit: 50 }).set(bearer(admin)).expect(200);
      expect(list.body.items.map((p: { personId: string }) => p.personId)).toEqual(expect.arrayContaining(ids));
      const counts = await t.http().get('/v1/reports/region-counts').query({ region: '44' }).set(bearer(admin)).expect(200);
      expect(JSON.stringify(counts.body)).toContain('"total":5');

      // The status comes from wherever the runner works: the thread posts it every 250 ms.
      await new Promise((r) => setTimeout(r, 400));
      const [persons] = projections.status();
      expect(persons).toMatchObject({ name: 'persons', leaseHeld: true, state: 'live', lag: 0 });
      const health = await t.http().get('/health').expect(200);
      expect(JSON.stringify(health.body)).toContain('persons');

      // Each thread's heap is in the metrics: the main thread's read when scraped, the
      // projection thread's as it sent it with its status (its own, far smaller than the
      // main thread's, which holds the whole application).
      const memory = projections.threadMemory();
      if (setting === 'on') {
        expect(memory!.heapUsed).toBeGreaterThan(0);
        expect(memory!.heapUsed).toBeLessThanOrEqual(memory!.heapTotal);
        expect(memory!.heapTotal).toBeLessThan(process.memoryUsage().heapTotal);
      } else {
        expect(memory).toBeUndefined();
      }
      projections.publishMetrics();
      const metrics = (await t.http().get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/^registry_thread_memory_bytes\{thread="main",kind="heap_total"\} [1-9]\d*$/m);
      expect(metrics).toMatch(/^registry_thread_memory_bytes\{thread="main",kind="array_buffers"\} \d+$/m);
      expect(/thread="projections",kind="heap_used"/.test(metrics)).toBe(setting === 'on');

      // The database files alone, without their WALs, hold what was committed once a checkpoint
      // copied it back: within a second in the thread; in the main thread only past 16,384 pages.
      await new Promise((r) => setTimeout(r, 1500));
      /** Rows of the first table named like `table` in the file alone (0 when the file does not hold that table yet). */
      const withoutWal = (file: string, table: string, where = ''): number => {
        const dir = mkdtempSync(join(tmpdir(), 'checkpointed-'));
        try {
          copyFileSync(join(t.dataDir, file), join(dir, file));
          const db = new Database(join(dir, file), { readonly: true });
          try {
            const name = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?").pluck().get(table) as
              string | undefined;
            return name ? (db.prepare(`SELECT COUNT(*) FROM "${name}" ${where}`).pluck().get() as number) : 0;
          } finally {
            db.close();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      };
      const registered = withoutWal('events.sqlite', 'events', "WHERE type = 'PersonRegistered'");
      const documents = withoutWal('read.sqlite', 'c_persons_v%_persons');
      expect([registered, documents]).toEqual(setting === 'on' ? [5, 5] : [0, 0]);
    } finally {
      await t.close();
    }
  });
});
