/**
 * Faults on the production shape: events in PostgreSQL, read models on a MongoDB wire server
 * (FerretDB on PostgreSQL), the service as processes of their own (dist/, as users run it).
 *
 * - The wire server killed and restarted while the projections write: /health says so with a
 *   stable code while it is down, the projections resume where they stopped, and every read
 *   model equals a clean rebuild (`replay` prints 0 differences). This part runs its own
 *   FerretDB (the binary scripts/ferretdb.sh builds) on a PostgreSQL database of its own, so
 *   killing it disturbs no other suite.
 * - Two instances on the same stores: one holds each projection; killed with -9, the other
 *   takes over within the lease (LEASE_MS, short here). A comparison run and a ministry upload
 *   run in one instance at a time: the other is refused with a stable code.
 * - kill -9 during a ministry upload (the simulator in the test's process): after the restart
 *   the ministry's copy and the registry's acknowledged position agree, nothing lost, nothing
 *   twice.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { PostgresEventStore } from '@registry/event-store/postgresql/postgres-event-store';
import { createMinistrySim, MinistrySim } from '../apps/ministry-sim/src/ministry-sim';
import { isVerifiedRegistrationEvent } from '../apps/registry/src/ministry/upload-records';
import { newCitizen } from './support/citizens';
import { REPO_ROOT, ensureBuilt, startCli } from './support/imports-cli';
import { registrationBody } from './support/requests';
import { describeWithServer } from './support/server-suite';
import { ServiceProcess, freePort, serviceToken, startService, stopAllServices, stopService, waitFor } from './support/service-process';

jest.setTimeout(180_000);

const HOW_TO = 'Start the test servers with `eval "$(scripts/test-servers.sh start)"`.';
/** The lease of these tests (the default is 15 s): the takeover after a kill is bounded by it. */
const LEASE_MS = 3000;
const SIM_KEY = 'faults-sim-key';
const FERRETDB_BIN = join(REPO_ROOT, '.tmp', 'ferretdb-test');

interface Health {
  status: number;
  ms: number;
  body: {
    status: string;
    details?: Record<string, { status: string; code?: string } & Record<string, unknown>>;
    error?: Record<string, { status: string; code?: string }>;
  };
}
interface ProjectionHealth {
  checkpoint: number;
  head: number;
  lag: number;
  leaseHeld: boolean;
  state: string;
}

async function health(service: ServiceProcess): Promise<Health> {
  const started = Date.now();
  const res = await fetch(`${service.base}/health`);
  return { status: res.status, ms: Date.now() - started, body: (await res.json()) as Health['body'] };
}

function projections(h: Health): Record<string, ProjectionHealth> {
  const out: Record<string, ProjectionHealth> = {};
  for (const [name, p] of Object.entries(h.body.details?.projections ?? {})) {
    if (p && typeof p === 'object' && 'lag' in p) out[name] = p as unknown as ProjectionHealth;
  }
  return out;
}

async function caughtUp(service: ServiceProcess, timeoutMs = 60_000): Promise<Record<string, ProjectionHealth>> {
  return waitFor(
    'the read models',
    async () => {
      const h = await health(service).catch(() => undefined);
      const p = h && projections(h);
      // Live (or standby on an instance without the lease), not only lag 0: the lag is measured against
      // the head as last read, and a worker taken over after a restart has reached the head only once live.
      return h?.status === 200 &&
        p &&
        Object.keys(p).length > 0 &&
        Object.values(p).every((x) => x.lag === 0 && (x.state === 'live' || x.state === 'standby'))
        ? p
        : undefined;
    },
    timeoutMs,
    100,
  );
}

async function call<T = Record<string, unknown>>(
  service: ServiceProcess,
  token: string,
  method: string,
  path: string,
  body?: object,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${service.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

let recordNo = 0;
async function register(service: ServiceProcess, token: string): Promise<number> {
  const body = registrationBody(newCitizen(), { sourceRecordId: `HR-FS-${process.pid}-${++recordNo}` });
  return (await call(service, token, 'POST', '/v1/persons/registrations', body)).status;
}

/** How many persons the persons read model lists. */
async function listedPersons(service: ServiceProcess, token: string): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams({ limit: '500', ...(cursor ? { cursor } : {}) });
    const res = await call<{ items: unknown[]; nextCursor?: string }>(service, token, 'GET', `/v1/persons?${q}`);
    expect(res.status).toBe(200);
    count += res.body.items.length;
    cursor = res.body.nextCursor;
  } while (cursor);
  return count;
}

/** `replay --read-model NAME` against the stores: its last line. */
async function replay(dataDir: string, env: Record<string, string>, model: string): Promise<string> {
  const { child, done } = startCli(['replay', '--read-model', model], dataDir, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const result = await done.finally(() => clearTimeout(timer));
  if (result.code !== 0) throw new Error(`replay ${model} exited ${result.code ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout.trim().split('\n').pop() ?? '';
}

async function sigkill(service: ServiceProcess): Promise<void> {
  expect((await stopService(service, 'SIGKILL')).signal).toBe('SIGKILL');
}

async function dropStores(postgresUrl: string, schema: string, mongoUri: string, database: string): Promise<void> {
  const pg = new Client({ connectionString: postgresUrl });
  await pg.connect();
  try {
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pg.end();
  }
  const mongo = await MongoClient.connect(mongoUri, { serverSelectionTimeoutMS: 5000 });
  try {
    await mongo.db(database).dropDatabase();
  } finally {
    await mongo.close();
  }
}

describeWithServer(
  { title: 'faults on the production shape', variable: 'POSTGRES_URL', howTo: HOW_TO, requiredInCi: true },
  (postgresUrl) => {
    describeWithServer({ title: 'on a MongoDB wire server', variable: 'MONGODB_URI', howTo: HOW_TO, requiredInCi: true }, (mongoUri) => {
      const tag = `faults_${process.pid}_${randomBytes(3).toString('hex')}`;
      const root = mkdtempSync(join(tmpdir(), 'registry-faults-servers-'));

      beforeAll(() => ensureBuilt(), 240_000);
      afterAll(async () => {
        await stopAllServices();
        rmSync(root, { recursive: true, force: true });
      });

      describe('the MongoDB wire server killed and restarted under running projections', () => {
        /** A FerretDB of this test's own, on a PostgreSQL database of its own. */
        const ferretDatabase = `${tag}_ferret`;
        let ferretUrl: string;
        let ferretPort: number;
        let ferret: ChildProcess | undefined;
        const schema = `${tag}_wire`;
        const database = `${tag}_wire`;
        const dataDir = join(root, 'wire');

        const startFerret = async (): Promise<void> => {
          const child = spawn(
            FERRETDB_BIN,
            ['-listen', `127.0.0.1:${ferretPort}`, '-handler', 'postgresql', '-postgresql-url', ferretUrl],
            {
              stdio: 'ignore',
            },
          );
          ferret = child;
          await waitFor('FerretDB to accept connections', async () => {
            if (child.exitCode !== null) throw new Error(`FerretDB exited (${child.exitCode}) at start`);
            const client = new MongoClient(`mongodb://127.0.0.1:${ferretPort}/`, { serverSelectionTimeoutMS: 500 });
            try {
              await client.db('admin').command({ ping: 1 });
              return true;
            } catch {
              return undefined;
            } finally {
              await client.close();
            }
          });
        };
        const killFerret = async (): Promise<void> => {
          const child = ferret!;
          if (child.exitCode !== null || child.signalCode !== null) return;
          await new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL')));
        };

        beforeAll(async () => {
          if (!existsSync(FERRETDB_BIN)) {
            throw new Error(`${FERRETDB_BIN} is missing: scripts/test-servers.sh start builds it (or scripts/ferretdb.sh build)`);
          }
          const pg = new Client({ connectionString: postgresUrl });
          await pg.connect();
          try {
            await pg.query(`CREATE DATABASE "${ferretDatabase}"`);
          } finally {
            await pg.end();
          }
          const url = new URL(postgresUrl);
          url.pathname = `/${ferretDatabase}`;
          ferretUrl = url.toString();
          const setup = new Client({ connectionString: ferretUrl });
          await setup.connect();
          try {
            await setup.query(readFileSync(join(REPO_ROOT, 'tools', 'ferretdb', 'postgresql-setup.sql'), 'utf8'));
          } finally {
            await setup.end();
          }
          ferretPort = await freePort();
          await startFerret();
          mkdirSync(dataDir);
        });

        afterAll(async () => {
          await stopAllServices();
          if (ferret) await killFerret();
          const pg = new Client({ connectionString: postgresUrl });
          await pg.connect();
          try {
            await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
            await pg.query(`DROP DATABASE IF EXISTS "${ferretDatabase}" WITH (FORCE)`);
          } finally {
            await pg.end();
          }
        });

        it('reports the read store down with a stable code, resumes the projections after the restart, and no document is wrong', async () => {
          const env = {
            POSTGRES_URL: postgresUrl,
            POSTGRES_SCHEMA: schema,
            MONGODB_URI: `mongodb://127.0.0.1:${ferretPort}/`,
            MONGODB_DATABASE: database,
            PROJECTION_BATCH_EVENTS: '100',
            LEASE_MS: String(LEASE_MS),
          };
          const service = await startService(dataDir, env);
          const token = await serviceToken(dataDir, 'service-client', '440000', 'household-registration');
          const admin = await serviceToken(dataDir);
          let accepted = 0;
          for (let i = 0; i < 30; i++) if ((await register(service, token)) === 200) accepted++;
          expect(accepted).toBe(30);
          await caughtUp(service);

          // Registrations go on (events are in PostgreSQL) while the wire server dies under the projections' writes.
          const statuses: number[] = [];
          const writes = (async () => {
            for (let i = 0; i < 80; i++) statuses.push(await register(service, token));
          })();
          await waitFor('registrations under way', async () => (statuses.length >= 20 ? true : undefined), 30_000, 20);
          await killFerret();
          await writes;
          accepted += statuses.filter((s) => s === 200).length;
          // A command that needs no read model is taken; any refusal is a 503 with a code, never a half write.
          expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
          expect(accepted).toBeGreaterThan(30);

          const down = await waitFor(
            '/health to report the read store down',
            async () => {
              const h = await health(service);
              return h.status === 503 && h.body.error?.readStore ? h : undefined;
            },
            30_000,
            200,
          );
          expect(down.body.error!.readStore).toMatchObject({ status: 'down', code: 'READ_STORE_UNAVAILABLE' });
          expect(down.body.details!.eventStore).toMatchObject({ status: 'up' });
          // Answered while the wire server is away, not after the driver's 30-s server selection.
          expect(down.ms).toBeLessThan(5000);
          const stalled = projections(down).persons;

          const restarted = Date.now();
          await startFerret();
          const resumed = await caughtUp(service, 90_000);
          process.stderr.write(
            `[faults-servers] wire server down: ${statuses.filter((x) => x === 200).length} of ${statuses.length} registrations taken, ` +
              `/health 503 READ_STORE_UNAVAILABLE in ${down.ms} ms; caught up ${Date.now() - restarted} ms after its restart\n`,
          );
          // Caught up (every projection at its head, which counts what was appended while the server was away)
          // from where it stopped: never behind it, and every accepted registration is listed below.
          expect(resumed.persons.checkpoint).toBeGreaterThanOrEqual(stalled.checkpoint);
          expect(resumed.persons.checkpoint).toBe(resumed.persons.head);
          expect((await health(service)).body.details!.readStore).toMatchObject({ status: 'up' });
          expect(await listedPersons(service, admin)).toBe(accepted);
          expect((await stopService(service, 'SIGTERM')).signal).toBe('SIGTERM');

          expect(await Promise.all(['persons', 'audit'].map((model) => replay(dataDir, env, model)))).toEqual([
            '0 differences',
            '0 differences',
          ]);
        });
      });

      describe('two instances on the same stores', () => {
        const schema = `${tag}_pair`;
        const database = `${tag}_pair`;
        const dirA = join(root, 'a');
        const dirB = join(root, 'b');
        let sim: MinistrySim;
        let env: (instance: string) => Record<string, string>;

        beforeAll(async () => {
          mkdirSync(dirA);
          mkdirSync(dirB);
          sim = await createMinistrySim({ apiKeys: { [SIM_KEY]: '44' } });
          const simUrl = await sim.listen(0);
          env = (instance) => ({
            POSTGRES_URL: postgresUrl,
            POSTGRES_SCHEMA: schema,
            MONGODB_URI: mongoUri,
            MONGODB_DATABASE: database,
            INSTANCE_ID: instance,
            // One key file for both, as instances of one deployment share their keys.
            KEYS_FILE: join(dirA, 'keys.json'),
            LEASE_MS: String(LEASE_MS),
            MINISTRY_URL: simUrl,
            MINISTRY_TOKEN: SIM_KEY,
            MINISTRY_UPLOAD_INTERVAL_MS: '0',
            MINISTRY_DOWNLOAD_INTERVAL_MS: '0',
            MINISTRY_UPLOAD_BATCH: '5',
            MINISTRY_TIMEOUT_MS: '5000',
            MINISTRY_RETRIES: '1',
            MINISTRY_RETRY_BASE_MS: '20',
            COMPARISON_HEARTBEAT_MS: '500',
          });
        });

        afterAll(async () => {
          await stopAllServices();
          await sim?.close();
          await dropStores(postgresUrl, schema, mongoUri, database);
        });

        it('one holds each projection, the other takes over within the lease after a kill -9; comparison and upload run in one instance at a time; a killed upload reconciles', async () => {
          // The first token makes the key file both instances share. A starts first, so it takes every lease.
          const token = await serviceToken(dirA, 'service-client', '440000', 'household-registration');
          const admin = await serviceToken(dirA);
          let a = await startService(dirA, env('instance-a'));
          const b = await startService(dirB, env('instance-b'));
          for (let i = 0; i < 60; i++) expect(await register(i % 2 ? b : a, token)).toBe(200);
          const held = await caughtUp(a);
          expect(Object.values(held).every((p) => p.leaseHeld)).toBe(true);
          const standby = await caughtUp(b);
          expect(Object.entries(standby).filter(([, p]) => p.leaseHeld)).toEqual([]);

          // A comparison run in A (the ministry answers slowly, so it runs a while): B is refused.
          sim.setFault({ mode: 'slow', delayMs: 1000 });
          const run = await call<{ _id: string }>(a, admin, 'POST', '/v1/comparison-runs', {});
          expect(run.status).toBe(202);
          const refused = await call<{ code: string }>(b, admin, 'POST', '/v1/comparison-runs', {});
          expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'COMPARISON_RUNNING' });
          const finished = await waitFor(
            'the comparison run',
            async () => {
              const r = await call<{ state: string }>(b, admin, 'GET', `/v1/comparison-runs/${run.body._id}`);
              return r.body.state === 'running' ? undefined : r.body;
            },
            60_000,
            200,
          );
          expect(finished.state).toBe('completed');
          // Asked twice of each at the same moment (new persons to inquire about, so the run waits on
          // the slow ministry): never two runs at once. The others are refused, or began after the one before ended.
          for (let i = 0; i < 4; i++) expect(await register(a, token)).toBe(200);
          await caughtUp(a);
          const asked = await Promise.all(
            [a, b, a, b].map((s) => call<{ _id?: string; code?: string }>(s, admin, 'POST', '/v1/comparison-runs', {})),
          );
          expect(asked.map((r) => r.status)).toContain(202);
          for (const r of asked)
            if (r.status !== 202) expect({ status: r.status, code: r.body.code }).toEqual({ status: 409, code: 'COMPARISON_RUNNING' });
          const runs = [];
          for (const r of asked.filter((x) => x.status === 202)) {
            runs.push(
              await waitFor(
                'the comparison runs',
                async () => {
                  const got = (
                    await call<{ state: string; startedAt: string; finishedAt: string }>(
                      a,
                      admin,
                      'GET',
                      `/v1/comparison-runs/${r.body._id}`,
                    )
                  ).body;
                  return got.state === 'running' ? undefined : got;
                },
                60_000,
                200,
              ),
            );
          }
          runs.sort((x, y) => x.startedAt.localeCompare(y.startedAt));
          expect(runs.map((r) => r.state)).toEqual(runs.map(() => 'completed'));
          for (let i = 1; i < runs.length; i++) expect(runs[i].startedAt >= runs[i - 1].finishedAt).toBe(true);
          await caughtUp(a);

          // An upload in A, a batch of 5 records every 700 ms: B is refused while it runs; then A is killed.
          sim.setFault({ mode: 'slow', delayMs: 700 });
          const uploading = call(a, admin, 'POST', '/v1/ministry/uploads/run').catch(() => undefined);
          await waitFor('batches at the ministry', async () => (sim.state.progress('44').lastPosition > 0 ? true : undefined), 30_000, 20);
          const busy = await call<{ code: string }>(b, admin, 'POST', '/v1/ministry/uploads/run');
          expect({ status: busy.status, code: busy.body.code }).toEqual({ status: 409, code: 'EXCHANGE_BUSY' });
          await sigkill(a);
          const killedAt = Date.now();
          await uploading;

          // B takes every projection over once A's leases have run out.
          await waitFor(
            'B to hold every projection',
            async () => {
              const p = projections(await health(b));
              return Object.keys(p).length > 0 && Object.values(p).every((x) => x.leaseHeld) ? true : undefined;
            },
            30_000,
            50,
          );
          const takeover = Date.now() - killedAt;
          process.stderr.write(`[faults-servers] B held every projection ${takeover} ms after A's kill -9 (LEASE_MS ${LEASE_MS})\n`);
          expect(takeover).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 1500);

          // The upload: refused while the dead instance's exchange lease runs, then B completes it.
          sim.setFault({ mode: 'none' });
          const done = await waitFor(
            'an upload accepted by B',
            async () => {
              const res = await call<{ outcome?: string; code?: string; batches?: number }>(b, admin, 'POST', '/v1/ministry/uploads/run');
              if (res.status === 409) {
                expect(res.body.code).toBe('EXCHANGE_BUSY');
                return undefined;
              }
              expect(res.status).toBe(200);
              return res.body;
            },
            30_000,
            200,
          );
          const uploadedAfter = Date.now() - killedAt;
          process.stderr.write(`[faults-servers] B's upload accepted ${uploadedAfter} ms after A's kill -9\n`);
          // The kill cut A's upload part way: B sent the rest.
          expect(done.outcome).toBe('completed');
          expect(done.batches).toBeGreaterThan(0);
          expect(uploadedAfter).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 3000);
          await expectReconciled(b, admin);

          // A back: a standby now; what it uploads goes on from the acknowledged position.
          a = await startService(dirA, env('instance-a'));
          for (let i = 0; i < 10; i++) expect(await register(a, token)).toBe(200);
          const again = await call<{ outcome: string; records: number }>(a, admin, 'POST', '/v1/ministry/uploads/run');
          expect(again.status).toBe(200);
          expect(again.body).toMatchObject({ outcome: 'completed', records: 10 });
          await expectReconciled(a, admin);
          const after = await caughtUp(b);
          expect(Object.values(after).every((p) => p.leaseHeld)).toBe(true);
          expect(Object.values(projections(await health(a))).filter((p) => p.leaseHeld)).toEqual([]);
          expect(await listedPersons(a, admin)).toBe(74);
          for (const s of [a, b]) expect((await stopService(s, 'SIGTERM')).signal).toBe('SIGTERM');
          const cli = env('cli');
          expect(await Promise.all(['persons', 'audit'].map((model) => replay(dirA, cli, model)))).toEqual([
            '0 differences',
            '0 differences',
          ]);
        });

        /** The ministry holds each verified event up to the registry's acknowledged position once, and that position is its own. */
        async function expectReconciled(service: ServiceProcess, admin: string): Promise<void> {
          const status = await call<{ upload: { lastAcknowledgedPosition: number; pendingEvents: number } }>(
            service,
            admin,
            'GET',
            '/v1/ministry/exchange',
          );
          expect(status.status).toBe(200);
          const acknowledged = status.body.upload.lastAcknowledgedPosition;
          expect(sim.state.progress('44').lastPosition).toBe(acknowledged);
          const events = await PostgresEventStore.connect(postgresUrl, { schema });
          const expected: number[] = [];
          try {
            for await (const e of events.readAll({ filter: { streamPrefixes: ['person-'] } })) {
              if (e.position <= acknowledged && isVerifiedRegistrationEvent(e)) expected.push(e.position);
            }
          } finally {
            await events.close();
          }
          expect(expected.length).toBeGreaterThan(0);
          expect(sim.state.uploadedRecords('44').map((r) => r.position)).toEqual(expected);
          expect(sim.state.stats().duplicateRecords).toBe(0);
        }
      });
    });
  },
);
