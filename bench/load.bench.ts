/**
 * `npm run bench:load [-- --persons N] [--seconds S] [--import-rows R] [--phases LIST] [--keep]
 * [--reuse DIR]` (defaults 200,000 persons, 60 s, 500,000 rows, every phase): the service under
 * a fixed request rate, on the embedded default, as users run it.
 *
 * `--phases` is a comma-separated subset of `each` (each endpoint alone), `mix` (all at once),
 * `import` (all at once beside an import over HTTP) and `rebuild` (step 4); `--phases none`
 * only loads. `--keep` keeps the files (their directory is printed first); `--reuse DIR` starts
 * from such a directory's loaded province instead of generating and loading one (`--persons`
 * must match it). The import phase imports into the reused data, so a directory reused after
 * it holds more than the province.
 *
 * 1. Generates a province and loads its household and enrolment files into a fresh data
 *    directory through ImportService in the service's own module graph (as `cli import`
 *    does), until every read model has caught up.
 * 2. Starts the service as a process of its own (`node scripts/run.js apps/registry/src/main.js`)
 *    and gets tokens from the CLI.
 * 3. From this process, with autocannon: person reads, lists with filters, look-ups and
 *    enrolment writes, each at its own fixed rate, all at once; first alone for S seconds,
 *    then for as long as an import of R rows, submitted over HTTP, runs in the service.
 * 4. Stops the service and rebuilds every read model from position 0 of the same event log
 *    into a fresh read store: events/s.
 *
 * Pacing. autocannon paces a connection by a budget per second (the budget's requests go one
 * after another, each after the previous answer), and the budgets of one instance's
 * connections all renew at the same instant. So each endpoint's rate is spread over several
 * one-connection instances of PER_CONNECTION_RATE requests a second, started at even offsets
 * within the second: arrivals are close to even, never a burst of every connection at once.
 * A latency is from the request's write to the end of its answer; a connection never has more
 * than one request in flight, so a slow answer delays that connection's next request: the
 * achieved rate printed beside each endpoint shows whether the service kept up.
 */
import autocannon from 'autocannon';
import { openAsBlob, createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { CitizenId, personIdFor } from '@registry/domain';
import { SqliteEventStore } from '@registry/event-store';
import { generateProvince, type ProvinceManifest } from '@registry/ingest';
import { ProjectionRunner, ReadModels } from '@registry/projections';
import { SqliteReadStore } from '@registry/read-store';
import { personsWanted } from './bench-args';
import { KeyRing } from '../apps/registry/src/config/key-ring';
import type { PersonDocument } from '../apps/registry/src/persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../apps/registry/src/persons/projections/persons.projection';
import { PersonalDataProtector } from '../apps/registry/src/privacy/personal-data';
import { registryProjections } from '../apps/registry/src/projections/catalogue';
import { readJobs, startCli } from '../test/support/imports-cli';
import { ServiceProcess, serviceToken, startService, stopService } from '../test/support/service-process';

/** Requests a second from one connection (see the pacing note above). */
const PER_CONNECTION_RATE = 4;
/** Look-ups allowed per client per minute while the bench runs (the default, 120, is 2/s). */
const LOOKUP_RATE_LIMIT = 100_000;
/** Rows of the loaded enrolment file per person (1,942,641 at 1,000,000 persons). */
const ENROLMENT_ROWS_PER_PERSON = 1.94;
const SAMPLE_PERSONS = 20_000;
const WARM_UP_SECONDS = 5;
/** Each endpoint first runs alone this long (at most), for its own latency and CPU cost. */
const EACH_ALONE_SECONDS = 15;
/** USER_HZ of /proc/<pid>/stat: 100 on every Linux architecture Node supports. */
const CLOCK_TICKS = 100;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(String(process.argv[i + 1]).replace(/[_,]/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

interface Sample {
  /** Persons of the loaded province that the read model holds. */
  personIds: string[];
  /** Of those, persons alive (enrolments of the deceased are refused on interactive channels). */
  livingIds: string[];
  citizenIds: string[];
  /** `region=…&coverageStatus=…` pairs that occur in the loaded province (county level). */
  listFilters: string[];
}

interface Endpoint {
  name: string;
  rate: number;
  /** p99 target in ms, from the issue. */
  targetP99?: number;
  next(): { method: 'GET' | 'POST'; path: string; body?: string; headers: Record<string, string> };
}

class EndpointStats {
  readonly latencies: number[] = [];
  readonly statuses = new Map<number, number>();
  readonly problemCodes = new Map<string, number>();
  errors = 0;
  timeouts = 0;

  response(status: number, latency: number): void {
    this.latencies.push(latency);
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  problem(body: string): void {
    let code = 'unparsed body';
    try {
      code = String((JSON.parse(body) as { code?: unknown }).code ?? 'no code');
    } catch {
      // a non-JSON answer is counted under its own name
    }
    this.problemCodes.set(code, (this.problemCodes.get(code) ?? 0) + 1);
  }

  get non2xx(): number {
    let n = 0;
    for (const [status, count] of this.statuses) if (status < 200 || status > 299) n += count;
    return n;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface PhaseResult {
  seconds: number;
  stats: Map<string, EndpointStats>;
  /** Wall-clock bounds, to find the phase's lines in the service's log. */
  from: number;
  to: number;
  /** CPU seconds of the service process (Linux) and of this one during the phase. */
  serviceCpu?: number;
  benchCpu: number;
  /** Event-loop delay over the phase, ms: the service's (its /metrics, 10-ms resolution) and this process's. */
  serviceLoop?: LoopDelay;
  benchLoop: LoopDelay;
}

interface LoopDelay {
  p99: number;
  max: number;
}

/**
 * The service's event-loop delay since the previous scrape (prom-client resets its
 * monitor on each collection of /metrics): what a request waits for the loop before the
 * service's own timing starts.
 */
async function serviceLoopDelay(base: string): Promise<LoopDelay | undefined> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^registry_${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1]) * 1000;
    const delay = { p99: value('nodejs_eventloop_lag_p99_seconds'), max: value('nodejs_eventloop_lag_max_seconds') };
    return Number.isFinite(delay.p99) ? delay : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process so far, from /proc (Linux; undefined elsewhere). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * Runs every endpoint at its rate until `seconds` have passed or `until` settles. Each
 * endpoint's connections start at even offsets within the first second.
 */
async function runLoad(
  base: string,
  endpoints: Endpoint[],
  stop: { seconds: number } | { until: Promise<unknown> },
  servicePid?: number,
): Promise<PhaseResult> {
  const from = Date.now();
  await serviceLoopDelay(base);
  const benchLoop = monitorEventLoopDelay({ resolution: 10 });
  benchLoop.enable();
  const serviceCpuBefore = processCpuSeconds(servicePid);
  const benchCpuBefore = process.cpuUsage();
  const stats = new Map(endpoints.map((e) => [e.name, new EndpointStats()]));
  const instances: autocannon.Instance[] = [];
  const finished: Array<Promise<void>> = [];
  let stopped = false;
  const started = performance.now();
  for (const endpoint of endpoints) {
    const s = stats.get(endpoint.name)!;
    const connections = Math.max(1, Math.round(endpoint.rate / PER_CONNECTION_RATE));
    const perConnection = endpoint.rate / connections;
    for (let c = 0; c < connections; c++) {
      finished.push(
        new Promise<void>((resolve, reject) => {
          setTimeout(
            () => {
              if (stopped) return resolve();
              const first = endpoint.next();
              const instance = autocannon(
                {
                  url: base,
                  connections: 1,
                  overallRate: perConnection,
                  // A run that ends on `until` is stopped from outside.
                  duration: 'seconds' in stop ? stop.seconds : 24 * 3600,
                  timeout: 10,
                  ignoreCoordinatedOmission: true,
                  requests: [
                    {
                      ...first,
                      setupRequest: (request) => ({ ...request, ...endpoint.next() }),
                      onResponse: (status, body) => {
                        if (status < 200 || status > 299) s.problem(body);
                      },
                    },
                  ],
                },
                (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
              );
              instance.on('response', (_client, status, _bytes, latency) => s.response(status, latency));
              instance.on('reqError', (error: unknown) => {
                s.errors++;
                if (error instanceof Error && /timed out/.test(error.message)) s.timeouts++;
              });
              instances.push(instance);
            },
            Math.round((c * 1000) / connections),
          );
        }),
      );
    }
  }
  if ('until' in stop) {
    await stop.until;
    // Connections not started yet resolve at once when their turn comes.
    stopped = true;
    for (const instance of instances) instance.stop();
  }
  await Promise.all(finished);
  const serviceCpuAfter = processCpuSeconds(servicePid);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  benchLoop.disable();
  const serviceLoop = await serviceLoopDelay(base);
  return {
    // A timed run: each connection ran exactly that long (from its own offset).
    seconds: 'seconds' in stop ? stop.seconds : (performance.now() - started) / 1000,
    stats,
    from,
    to: Date.now(),
    serviceCpu: serviceCpuBefore !== undefined && serviceCpuAfter !== undefined ? serviceCpuAfter - serviceCpuBefore : undefined,
    benchCpu: (benchCpu.user + benchCpu.system) / 1e6,
    serviceLoop,
    benchLoop: { p99: benchLoop.percentile(99) / 1e6, max: benchLoop.max / 1e6 },
  };
}

/** Which endpoint a logged request was (the log has the route's path, never the query). */
function endpointOf(method: string, path: string): string | undefined {
  if (method === 'GET' && /^\/v1\/persons\/p_[a-z0-9]+$/.test(path)) return 'GET /v1/persons/{id}';
  if (method === 'GET' && path === '/v1/persons') return 'GET /v1/persons?region&coverageStatus';
  if (method === 'POST' && path === '/v1/persons/lookup') return 'POST /v1/persons/lookup';
  if (method === 'POST' && /^\/v1\/persons\/p_[a-z0-9]+\/enrollments$/.test(path)) return 'POST /v1/persons/{id}/enrollments';
  return undefined;
}

/**
 * The service's own timing of each request of the phase (pino-http's responseTime: from the
 * request's arrival in the handler chain to its answer). What a client waits beyond it was spent
 * before the service read the request: waiting for its event loop or for a core.
 */
async function serviceTimings(logFile: string, result: PhaseResult): Promise<Map<string, number[]>> {
  const timings = new Map<string, number[]>();
  for await (const line of createInterface({ input: createReadStream(logFile), crlfDelay: Infinity })) {
    if (!line.includes('"request completed"')) continue;
    const entry = JSON.parse(line) as { time: number; req?: { method: string; path: string }; responseTime?: number };
    if (entry.time < result.from || entry.time > result.to || !entry.req || entry.responseTime === undefined) continue;
    const name = endpointOf(entry.req.method, entry.req.path);
    if (!name) continue;
    let list = timings.get(name);
    if (!list) timings.set(name, (list = []));
    list.push(entry.responseTime);
  }
  return timings;
}

async function printPhase(title: string, endpoints: Endpoint[], result: PhaseResult, logFile: string): Promise<void> {
  const inService = await serviceTimings(logFile, result);
  process.stdout.write(`\n${title} — ${result.seconds.toFixed(1)} s, load average ${load()}\n`);
  const head = [
    'endpoint',
    'rate/s',
    'requests',
    'achieved/s',
    'p50 ms',
    'p99 ms',
    'max ms',
    'non-2xx',
    'errors',
    'p99 target',
    'in service p50/p99',
  ];
  const widths = [36, 6, 8, 10, 7, 7, 7, 7, 6, 16, 18];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`${line(head)}\n`);
  for (const endpoint of endpoints) {
    const s = result.stats.get(endpoint.name)!;
    const sorted = Float64Array.from(s.latencies).sort();
    const arr = Array.from(sorted);
    const p99 = percentile(arr, 99);
    const own = Array.from(Float64Array.from(inService.get(endpoint.name) ?? []).sort());
    const verdict =
      endpoint.targetP99 === undefined
        ? '—'
        : `< ${endpoint.targetP99}: ${p99 < endpoint.targetP99 && s.non2xx === 0 && s.errors === 0 ? 'met' : 'MISSED'}`;
    process.stdout.write(
      `${line([
        endpoint.name,
        String(endpoint.rate),
        int(arr.length + s.errors),
        (arr.length / result.seconds).toFixed(1),
        ms(percentile(arr, 50)),
        ms(p99),
        ms(arr[arr.length - 1] ?? NaN),
        int(s.non2xx),
        `${int(s.errors)}${s.timeouts ? ` (${s.timeouts} t/o)` : ''}`,
        verdict,
        own.length ? `${ms(percentile(own, 50))} / ${ms(percentile(own, 99))}` : '—',
      ])}\n`,
    );
    if (s.non2xx > 0) {
      const statuses = [...s.statuses].filter(([st]) => st < 200 || st > 299).map(([st, n]) => `${st}×${n}`);
      const codes = [...s.problemCodes].map(([c, n]) => `${c}×${n}`);
      process.stdout.write(`  ${''.padEnd(widths[0])}  non-2xx: ${statuses.join(', ')}; codes: ${codes.join(', ')}\n`);
    }
  }
  const answered = [...result.stats.values()].reduce((n, s) => n + s.latencies.length, 0);
  if (result.serviceCpu !== undefined)
    process.stdout.write(
      `service process CPU ${result.serviceCpu.toFixed(1)} s = ${Math.round((100 * result.serviceCpu) / result.seconds)} % of one core ` +
        `(${((1000 * result.serviceCpu) / Math.max(1, answered)).toFixed(1)} ms per answered request, projection thread included); ` +
        `this process (the load) ${result.benchCpu.toFixed(1)} s\n`,
    );
  process.stdout.write(`${loopLine(result)}\n`);
}

function loopLine(result: PhaseResult): string {
  const service = result.serviceLoop ? `p99 ${ms(result.serviceLoop.p99)} ms, max ${ms(result.serviceLoop.max)} ms` : 'not read';
  return `event-loop delay: the service's ${service}; this process's p99 ${ms(result.benchLoop.p99)} ms, max ${ms(result.benchLoop.max)} ms`;
}

/** Each endpoint alone at its rate: what one request of each kind costs the service, and its latency with nothing else running. */
async function printEachAlone(base: string, endpoints: Endpoint[], seconds: number, pid: number | undefined): Promise<void> {
  process.stdout.write(`\neach endpoint alone, ${seconds} s each — load average ${load()}\n`);
  const widths = [36, 6, 8, 10, 7, 7, 7, 7, 6, 22];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(
    `${line(['endpoint', 'rate/s', 'requests', 'achieved/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'service CPU/request'])}\n`,
  );
  for (const endpoint of endpoints) {
    const result = await runLoad(base, [endpoint], { seconds }, pid);
    const s = result.stats.get(endpoint.name)!;
    const arr = Array.from(Float64Array.from(s.latencies).sort());
    process.stdout.write(
      `${line([
        endpoint.name,
        String(endpoint.rate),
        int(arr.length + s.errors),
        (arr.length / result.seconds).toFixed(1),
        ms(percentile(arr, 50)),
        ms(percentile(arr, 99)),
        ms(arr[arr.length - 1] ?? NaN),
        int(s.non2xx),
        int(s.errors),
        result.serviceCpu === undefined ? '—' : `${((1000 * result.serviceCpu) / Math.max(1, arr.length)).toFixed(2)} ms`,
      ])}\n`,
    );
    process.stdout.write(`  ${loopLine(result)}\n`);
  }
}

/**
 * Every `every`-th person of the generated truth, kept when the registry holds them: ids
 * spread over the whole id space (not the first pages of an index), with their citizen IDs
 * for look-ups. Held in memory only, never printed.
 */
async function samplePersons(dataDir: string, truthFile: string, persons: number): Promise<Sample> {
  const keys = KeyRing.loadOrCreate(KeyRing.defaultPath(dataDir));
  const every = Math.max(1, Math.floor(persons / SAMPLE_PERSONS));
  const candidates: Array<{ citizenId: string; personId: string }> = [];
  let i = 0;
  for await (const line of createInterface({ input: createReadStream(truthFile), crlfDelay: Infinity })) {
    if (i++ % every !== 0 || !line) continue;
    const parsed = CitizenId.parse((JSON.parse(line) as { citizenId: string }).citizenId);
    if (parsed.ok) candidates.push({ citizenId: parsed.value.value, personId: personIdFor(parsed.value, keys.personIdKey) });
  }
  const reads = new SqliteReadStore(join(dataDir, 'read.sqlite'), { cacheSizeMiB: 16 });
  const collection = await new ReadModels(reads).collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
  const sample: Sample = { personIds: [], livingIds: [], citizenIds: [], listFilters: [] };
  const filters = new Set<string>();
  for (let start = 0; start < candidates.length; start += 500) {
    const chunk = candidates.slice(start, start + 500);
    const docs = await collection.getMany(chunk.map((c) => c.personId));
    for (const c of chunk) {
      const doc = docs.get(c.personId);
      if (!doc) continue;
      sample.personIds.push(c.personId);
      sample.citizenIds.push(c.citizenId);
      if (!doc.deceased) sample.livingIds.push(c.personId);
      if (doc.householdRegion && doc.householdRegion.length >= 6)
        filters.add(`region=${doc.householdRegion.slice(0, 6)}&coverageStatus=${doc.coverageStatus}`);
    }
  }
  await reads.close();
  sample.listFilters = [...filters];
  return sample;
}

function pick<T>(values: readonly T[]): T {
  return values[Math.floor(Math.random() * values.length)];
}

function endpointsFor(sample: Sample, staff: string, source: string): Endpoint[] {
  const asStaff = { authorization: `Bearer ${staff}` };
  let writes = 0;
  const runTag = Date.now().toString(36);
  return [
    {
      name: 'GET /v1/persons/{id}',
      rate: 200,
      targetP99: 50,
      next: () => ({ method: 'GET', path: `/v1/persons/${pick(sample.personIds)}`, headers: asStaff }),
    },
    {
      name: 'GET /v1/persons?region&coverageStatus',
      rate: 20,
      targetP99: 100,
      next: () => ({ method: 'GET', path: `/v1/persons?${pick(sample.listFilters)}&limit=50`, headers: asStaff }),
    },
    {
      name: 'POST /v1/persons/lookup',
      rate: 20,
      next: () => ({
        method: 'POST',
        path: '/v1/persons/lookup',
        body: JSON.stringify({ citizenId: pick(sample.citizenIds) }),
        headers: { ...asStaff, 'content-type': 'application/json' },
      }),
    },
    {
      name: 'POST /v1/persons/{id}/enrollments',
      rate: 100,
      targetP99: 100,
      next: () => ({
        method: 'POST',
        path: `/v1/persons/${pick(sample.livingIds)}/enrollments`,
        // A new source record each time: every write is a command the registry decides and records.
        body: JSON.stringify({
          source: 'insurance-enrollment',
          sourceRecordId: `LOAD-${runTag}-${++writes}`,
          insuranceType: pick(['110', '210', '310', '390', '410', '510']),
          contributionStatus: pick(['1', '1', '1', '2']),
          provinceCode: '44',
          since: `20${10 + Math.floor(Math.random() * 14)}-0${1 + Math.floor(Math.random() * 9)}-01`,
        }),
        headers: { authorization: `Bearer ${source}`, 'content-type': 'application/json' },
      }),
    },
  ];
}

interface ImportView {
  importId: string;
  state: string;
  startedAt?: string;
  finishedAt?: string;
  counts: { read: number; imported: number; quarantined: number; events: number };
  error?: { code: string; message: string };
}

interface ProjectionHealth {
  name: string;
  checkpoint: number;
  head: number;
  lag: number;
}

/** Each projection's checkpoint, head and lag, from /health (which answers 503 with the same details when a lag is over its limit). */
async function projectionHealth(base: string): Promise<ProjectionHealth[]> {
  const res = await fetch(`${base}/health`);
  const body = (await res.json()) as { details?: { projections?: Record<string, unknown> } };
  return Object.entries(body.details?.projections ?? {})
    .filter((e): e is [string, Omit<ProjectionHealth, 'name'>] => typeof e[1] === 'object' && e[1] !== null && 'lag' in e[1])
    .map(([name, p]) => ({ ...p, name }));
}

/** Submits the file over HTTP and resolves with the finished import, once the service's read models have caught up with it. */
async function importOverHttp(
  base: string,
  token: string,
  file: string,
  fileName: string,
  onStart: (importId: string) => void,
): Promise<{ job: ImportView; caughtUpSeconds: number; submitSeconds: number }> {
  const form = new FormData();
  form.set('source', 'insurance-enrollment');
  form.set('file', await openAsBlob(file), fileName);
  const submitted = performance.now();
  const res = await fetch(`${base}/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  if (res.status !== 202) throw new Error(`POST /v1/imports answered ${res.status}: ${await res.text()}`);
  const { importId } = (await res.json()) as ImportView;
  const submitSeconds = (performance.now() - submitted) / 1000;
  onStart(importId);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const job = (await (
      await fetch(`${base}/v1/imports/${importId}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as ImportView;
    const health = await projectionHealth(base);
    if (job.state === 'failed') throw new Error(`the import failed: ${job.error?.code} ${job.error?.message}`);
    if (job.state === 'completed') {
      // Caught up = every projection at its head as of the import's end (writes go on meanwhile,
      // and each projection's head is the last event it reads).
      const done = performance.now();
      const heads = new Map(health.map((p) => [p.name, p.head]));
      while ((await projectionHealth(base)).some((p) => p.checkpoint < (heads.get(p.name) ?? 0)))
        await new Promise((r) => setTimeout(r, 250));
      return { job, caughtUpSeconds: (performance.now() - done) / 1000, submitSeconds };
    }
  }
}

/** Every read model of the registry rebuilt from position 0 of `events.sqlite` into a fresh read store, in this thread. */
async function rebuild(dataDir: string, scratchDir: string): Promise<void> {
  const keys = KeyRing.loadOrCreate(KeyRing.defaultPath(dataDir));
  const events = new SqliteEventStore(join(dataDir, 'events.sqlite'), { cacheSizeMiB: 16 });
  const reads = new SqliteReadStore(join(scratchDir, 'rebuilt-read.sqlite'), { cacheSizeMiB: 128 });
  const projections = registryProjections(new PersonalDataProtector(keys), '44', 'sm3');
  // As the projection thread runs them (batch size PROJECTION_BATCH_EVENTS, same caches).
  const runner = new ProjectionRunner({ eventStore: events, readStore: reads, readModels: new ReadModels(reads), batchSize: 24_000 });
  const head = await events.headPosition();
  process.stdout.write(
    `\nrebuild of every read model from position 0 (${projections.map((p) => p.name).join(', ')}), load average ${load()}\n`,
  );
  const started = performance.now();
  const cpu = process.cpuUsage();
  await runner.start(projections);
  for (const p of projections) await runner.waitUntilCaughtUp(p.name, 6 * 3_600_000);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `  ${int(head)} events in ${seconds.toFixed(1)} s = ${int(head / seconds)} events/s (${projections.length} projections, one thread, CPU ${((used.user + used.system) / 1e6).toFixed(1)} s)\n`,
  );
  await runner.stop();
  await events.close();
  await reads.close();
}

const PHASES = ['each', 'mix', 'import', 'rebuild'] as const;
type Phase = (typeof PHASES)[number];

function phasesWanted(): Set<Phase> {
  const i = process.argv.indexOf('--phases');
  if (i < 0) return new Set(PHASES);
  const raw = String(process.argv[i + 1] ?? '');
  if (raw === 'none') return new Set();
  const names = raw.split(',').filter((n) => n !== '');
  const unknown = names.filter((n) => !(PHASES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) throw new Error(`--phases takes none or a list of ${PHASES.join(', ')}`);
  return new Set(names as Phase[]);
}

function reuseWanted(): string | undefined {
  const i = process.argv.indexOf('--reuse');
  if (i < 0) return undefined;
  const dir = process.argv[i + 1];
  if (!dir || !existsSync(join(dir, 'data', 'events.sqlite')) || !existsSync(join(dir, 'province', 'manifest.json'))) {
    throw new Error('--reuse takes a directory that an earlier run kept (--keep) after loading its province');
  }
  return dir;
}

async function main(): Promise<void> {
  const persons = personsWanted(200_000);
  const seconds = option('--seconds', 60);
  const importRows = option('--import-rows', 500_000);
  const phases = phasesWanted();
  const reuse = reuseWanted();
  const dir = reuse ?? mkdtempSync(join(tmpdir(), 'registry-load-bench-'));
  const keep = reuse !== undefined || process.argv.includes('--keep');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const synchronous = process.env.SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL';
  const groupCommit = process.env.SQLITE_GROUP_COMMIT === 'off' ? 'off' : 'on';
  process.stdout.write(
    `registry load bench — ${int(persons)} persons, ${cpus().length} cores, load average ${load()} (1/5/15 min), node ${process.version}, ` +
      `SQLite synchronous=${synchronous}, group commit ${groupCommit}, files in ${dir}\n`,
  );
  let service: ServiceProcess | undefined;
  try {
    let started = performance.now();
    let manifest: ProvinceManifest;
    let extra: ProvinceManifest;
    const extraPersons = Math.ceil(importRows / ENROLMENT_ROWS_PER_PERSON);
    if (reuse) {
      manifest = JSON.parse(readFileSync(join(dir, 'province', 'manifest.json'), 'utf8')) as ProvinceManifest;
      extra = JSON.parse(readFileSync(join(dir, 'import-province', 'manifest.json'), 'utf8')) as ProvinceManifest;
      process.stdout.write(`reusing the province loaded in ${dir}\n`);
    } else {
      manifest = await generateProvince({ persons, seed: 'bench', outDir: join(dir, 'province') });
      extra = await generateProvince({ persons: extraPersons, seed: 'bench-load-import', outDir: join(dir, 'import-province') });
      process.stdout.write(
        `generated in ${((performance.now() - started) / 1000).toFixed(1)} s (the province, and a second one of ${int(extraPersons)} persons whose enrolment file is imported under load)\n`,
      );
    }
    const extraFile = extra.files.find((f) => f.kind === 'insurance-enrollment')!;

    // 1. The province, loaded by the CLI's own import in a process of its own (its import thread
    // runs at CLI_IMPORT_NICE, which must not slow this process, the load generator, later).
    for (const source of reuse ? [] : (['household-registration', 'insurance-enrollment'] as const)) {
      const entry = manifest.files.find((f) => f.kind === source)!;
      started = performance.now();
      const cli = startCli(['import', '--source', source, '--file', join(dir, 'province', entry.file)], dataDir, {
        SQLITE_SYNCHRONOUS: synchronous,
        LOG_LEVEL: 'warn',
        LOG_FILE: join(dir, 'import.log'),
      });
      const ended = await cli.done;
      if (ended.code !== 0)
        throw new Error(`cli import of ${entry.file} exited ${ended.code ?? ended.signal}:\n${ended.stderr.slice(-2000)}`);
      const job = readJobs(dataDir).find((j) => j.source === source && j.state === 'completed');
      process.stdout.write(
        `${source}: ${int(job?.counts.read ?? NaN)} rows loaded by cli import, read models caught up, in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
    if (phases.size === 0) return;
    const sample = await samplePersons(dataDir, join(dir, 'province', manifest.truth.persons), persons);
    process.stdout.write(
      `sampled ${int(sample.personIds.length)} persons (${int(sample.livingIds.length)} living) and ${int(sample.listFilters.length)} county × coverage-status filters\n`,
    );

    // 2. The service as users run it, with tokens from the CLI.
    service = await startService(dataDir, {
      SQLITE_SYNCHRONOUS: synchronous,
      SQLITE_GROUP_COMMIT: groupCommit,
      LOOKUP_RATE_LIMIT: String(LOOKUP_RATE_LIMIT),
      LOG_LEVEL: 'info',
      LOG_FILE: join(dir, 'service.log'),
    });
    process.stdout.write(`load average when the service answered: ${load()}\n`);
    const staff = await serviceToken(dataDir, 'province-admin', '440000');
    const client = await serviceToken(dataDir, 'service-client', '440000', 'insurance-enrollment');
    const endpoints = endpointsFor(sample, staff, client);
    process.stdout.write(
      `service on ${service.base} (pid ${service.child.pid}), LOG_LEVEL=info to a file, LOOKUP_RATE_LIMIT=${int(LOOKUP_RATE_LIMIT)}/min for the bench (default 120)\n` +
        `load: one autocannon connection per ${PER_CONNECTION_RATE} requests/s, ${endpoints.reduce((n, e) => n + Math.max(1, Math.round(e.rate / PER_CONNECTION_RATE)), 0)} connections from this process; ` +
        `reads as a province-admin, enrolments as a service-client of insurance-enrollment; a ${WARM_UP_SECONDS} s warm-up first (not counted)\n`,
    );

    // 3. Alone, then beside an import over HTTP.
    const pid = service.child.pid;
    const logFile = join(dir, 'service.log');
    await runLoad(service.base, endpoints, { seconds: WARM_UP_SECONDS });
    if (phases.has('each')) await printEachAlone(service.base, endpoints, Math.min(seconds, EACH_ALONE_SECONDS), pid);
    if (phases.has('mix')) {
      const alone = await runLoad(service.base, endpoints, { seconds }, pid);
      await printPhase('alone', endpoints, alone, logFile);
    }
    if (phases.has('import'))
      await loadBesideImport(service.base, endpoints, staff, join(dir, 'import-province', extraFile.file), extraFile.file, pid, logFile);

    await stopService(service);
    service = undefined;

    // 4. Every read model from position 0.
    if (phases.has('rebuild')) await rebuild(dataDir, dir);
  } finally {
    if (service) await stopService(service, 'SIGKILL');
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Step 3's second half: every endpoint at its rate for as long as an import submitted over HTTP runs in the service. */
async function loadBesideImport(
  base: string,
  endpoints: Endpoint[],
  staff: string,
  file: string,
  fileName: string,
  pid: number | undefined,
  logFile: string,
): Promise<void> {
  let importStarted = 0;
  const importing = importOverHttp(base, staff, file, fileName, () => {
    importStarted = performance.now();
  });
  const during = await runLoad(base, endpoints, { until: importing }, pid);
  const imported = await importing;
  const jobSeconds =
    imported.job.startedAt && imported.job.finishedAt
      ? (Date.parse(imported.job.finishedAt) - Date.parse(imported.job.startedAt)) / 1000
      : (performance.now() - importStarted) / 1000;
  await printPhase(
    `while an import of ${int(imported.job.counts.read)} rows runs in the service (from its upload until the read models caught up)`,
    endpoints,
    during,
    logFile,
  );
  process.stdout.write(
    `  import: ${int(imported.job.counts.read)} rows (${int(imported.job.counts.quarantined)} quarantined, ${int(imported.job.counts.events)} events) ` +
      `in ${jobSeconds.toFixed(1)} s = ${int(imported.job.counts.read / jobSeconds)} rows/s under load (upload ${imported.submitSeconds.toFixed(1)} s before it); ` +
      `read models caught up ${imported.caughtUpSeconds.toFixed(1)} s after the import's end (polled over HTTP, so within the service's answer times)\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
