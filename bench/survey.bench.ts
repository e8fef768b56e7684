/**
 * `npm run bench:survey [-- --persons N]` (or BENCH_PERSONS=N; default 1,000,000): the
 * household survey on the embedded default, over HTTP.
 *
 * Loads N persons through the person command path (ExecutePersonCommands in batches of
 * IMPORT_BATCH_ROWS, as an import does): one township (南山区南头街道 440305001) holds 20,000
 * uninsured persons (fewer when N is small: half of N), the others live in every other
 * township of the province, seven in ten of them enrolled. Once the read models have caught
 * up it times
 *   1. the bulk creation of the township's tasks from its worklist (POST /v1/survey-tasks/batches,
 *      shared among 20 surveyors), until the answer and until the task list and the
 *      cancellation reaction have caught up (target: the answer within 5 s);
 *   2. a surveyor listing its tasks (GET /v1/survey-tasks, 50 a page: first pages, later
 *      pages by cursor, a state filter, overdue), p50/p95/p99 over sequential requests
 *      (target p99 ≤ 50 ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AddressInfo } from 'node:net';
import { CommandBus } from '@nestjs/cqrs';
import { CitizenId, PersonCommand, citizenIdCheckCharacter, personIdFor } from '@registry/domain';
import { loadProvinceDivisions } from '@registry/ingest/generator/divisions';
import { personsWanted } from './bench-args';
import { TokenService } from '../apps/registry/src/auth/token.service';
import { createApp } from '../apps/registry/src/bootstrap';
import { AppConfig, importBatchRows } from '../apps/registry/src/config/app-config';
import { KeyRing } from '../apps/registry/src/config/key-ring';
import { ExecutePersonCommands, PersonCommandRequest } from '../apps/registry/src/persons/execute-person-commands';
import { enrollment, registrationCommands } from '../apps/registry/src/persons/person-commands';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { SurveyReactor } from '../apps/registry/src/survey/survey-reactor';

const TOWNSHIP = '440305001';
const TOWNSHIP_PERSONS = 20_000;
const SURVEYORS = 20;
const LIST_REQUESTS = 2000;
const NAMES = ['王小明', '李秀英', '张伟', '刘洋', '陈静', '杨帆', '黄丽', '赵磊', '吴敏', '周杰'];

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** A valid citizen ID under `county`, born `day` days after 1940-01-01, with sequence `seq`. */
function citizenId(county: string, day: number, seq: number): CitizenId {
  const birth = new Date(Date.UTC(1940, 0, 1) + day * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const first17 = `${county}${birth}${String(seq).padStart(3, '0')}`;
  const parsed = CitizenId.parse(first17 + citizenIdCheckCharacter(first17));
  if (!parsed.ok) throw new Error('bench citizen ID is not valid');
  return parsed.value;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const persons = personsWanted(1_000_000);
  const townshipPersons = Math.min(TOWNSHIP_PERSONS, Math.floor(persons / 2));
  const dir = mkdtempSync(join(tmpdir(), 'registry-survey-bench-'));
  Object.assign(process.env, {
    DATA_DIR: join(dir, 'data'),
    LOG_FILE: join(dir, 'service.log'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  process.stdout.write(
    `survey bench — ${int(persons)} persons loaded, ${int(townshipPersons)} of them uninsured in township ${TOWNSHIP}, ` +
      `${SURVEYORS} surveyors, ${cpus().length} cores, node ${process.version}, files in ${dir}\n\n`,
  );
  const app = await createApp();
  await app.init();
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  try {
    const commands = app.get(CommandBus);
    const keys = app.get(KeyRing);
    const projections = app.get(ProjectionsService);
    const batchRows = importBatchRows(app.get(AppConfig), true);
    const divisions = loadProvinceDivisions('44');
    const counties = divisions.counties.map((c) => c.code);
    const townships = divisions.counties.flatMap((c) => c.townships.map((t) => t.code)).filter((code) => code !== TOWNSHIP);

    // ── Load ────────────────────────────────────────────────────────────────────────────
    let started = performance.now();
    const context = { operator: 'bench', role: 'province-admin', region: '440000', channel: 'cli' as const, correlationId: 'bench-load' };
    let requests: PersonCommandRequest<number>[] = [];
    const flush = async () => {
      if (requests.length === 0) return;
      const outcomes = await commands.execute(new ExecutePersonCommands(requests, context));
      const refused = outcomes.find((o) => o.status === 'refused');
      if (refused?.status === 'refused') throw new Error(`load refused: ${refused.error.code}`);
      requests = [];
    };
    const occurredAt = new Date().toISOString();
    for (let i = 0; i < persons; i++) {
      const inTownship = i < townshipPersons;
      const id = inTownship
        ? citizenId('440305', i % 20_000, 500 + Math.floor(i / 20_000))
        : citizenId(counties[i % counties.length], Math.floor(i / counties.length) % 20_000, Math.floor(i / (counties.length * 20_000)));
      const region = inTownship ? TOWNSHIP : townships[i % townships.length];
      const personId = personIdFor(id, keys.personIdKey);
      const ref = { source: 'household-registration' as const, sourceRecordId: `BENCH-${i}`, occurredAt };
      const list: PersonCommand[] = registrationCommands(ref, {
        citizenId: id,
        name: NAMES[i % NAMES.length],
        gender: id.gender,
        birthDate: id.birthDate,
        householdRegion: region,
        householdAddress: `${region}号街${i % 500}号`,
        householdStatus: 'active',
      });
      if (!inTownship && i % 10 < 7) {
        list.push(
          enrollment(
            { ...ref, source: 'insurance-enrollment' },
            { insuranceType: '390', contributionStatus: '1', provinceCode: '44', since: '2020-01-01' },
          ),
        );
      }
      for (const command of list) requests.push({ key: i, id: personId, command });
      if (requests.length >= batchRows) await flush();
    }
    await flush();
    const appended = (performance.now() - started) / 1000;
    await projections.waitUntilCaughtUp(undefined, 6 * 3_600_000);
    await app.get(SurveyReactor).runner.waitUntilCaughtUp(3_600_000);
    const loaded = (performance.now() - started) / 1000;
    process.stdout.write(
      `load: ${int(persons)} persons appended in ${appended.toFixed(1)} s, read models caught up at ${loaded.toFixed(1)} s (${int(persons / loaded)} persons/s end to end)\n`,
    );

    // ── Bulk creation ───────────────────────────────────────────────────────────────────
    const tokens = app.get(TokenService);
    const operator = tokens.sign({ sub: 'nantou-head', roles: ['township-operator'], region: TOWNSHIP });
    const surveyors = Array.from({ length: SURVEYORS }, (_, i) => `sv-${String(i + 1).padStart(2, '0')}`);
    const headers = (token: string) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });
    const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    started = performance.now();
    const created = await fetch(`${base}/v1/survey-tasks/batches`, {
      method: 'POST',
      headers: headers(operator),
      body: JSON.stringify({ batchId: 'bench-1', region: TOWNSHIP, dueDate: due, from: 'worklist', surveyors }),
    });
    const body = (await created.json()) as { created: number; skipped: unknown[] };
    const answered = (performance.now() - started) / 1000;
    if (created.status !== 200) throw new Error(`batch answered ${created.status}: ${JSON.stringify(body)}`);
    await projections.waitUntilCaughtUp('survey_tasks', 3_600_000);
    const listed = (performance.now() - started) / 1000;
    await app.get(SurveyReactor).runner.waitUntilCaughtUp(3_600_000);
    const reacted = (performance.now() - started) / 1000;
    process.stdout.write(
      `bulk creation: ${int(body.created)} tasks (${body.skipped.length} skipped) answered in ${answered.toFixed(2)} s (target ≤ 5 s), ` +
        `${int(body.created / answered)} tasks/s; task list caught up at ${listed.toFixed(2)} s, cancellation reaction at ${reacted.toFixed(2)} s\n`,
    );

    // ── Listing ─────────────────────────────────────────────────────────────────────────
    const surveyorTokens = surveyors.map((sub) => tokens.sign({ sub, roles: ['township-surveyor'], region: TOWNSHIP }));
    const cursors = new Map<number, string | undefined>();
    const kinds = ['first page', 'next page', 'state=assigned', 'overdue'] as const;
    const times: Record<(typeof kinds)[number], number[]> = { 'first page': [], 'next page': [], 'state=assigned': [], overdue: [] };
    const call = async (i: number, warm: boolean) => {
      const who = i % SURVEYORS;
      const kind = kinds[i % kinds.length];
      const query = new URLSearchParams({ limit: '50' });
      if (kind === 'next page' && cursors.get(who)) query.set('cursor', cursors.get(who)!);
      if (kind === 'state=assigned') query.set('state', 'assigned');
      if (kind === 'overdue') query.set('overdue', 'true');
      const t0 = performance.now();
      const res = await fetch(`${base}/v1/survey-tasks?${query}`, { headers: headers(surveyorTokens[who]) });
      const page = (await res.json()) as { items: unknown[]; nextCursor?: string };
      const elapsed = performance.now() - t0;
      if (res.status !== 200) throw new Error(`list answered ${res.status}`);
      if (kind === 'first page' && page.items.length !== 50 && townshipPersons >= SURVEYORS * 50)
        throw new Error('a surveyor has fewer tasks than a page');
      if (kind !== 'overdue') cursors.set(who, page.nextCursor);
      if (!warm) times[kind].push(elapsed);
    };
    for (let i = 0; i < 200; i++) await call(i, true);
    for (let i = 0; i < LIST_REQUESTS; i++) await call(i, false);
    const all = Object.values(times)
      .flat()
      .sort((a, b) => a - b);
    process.stdout.write(
      `\nlisting a surveyor's tasks (${int(LIST_REQUESTS)} sequential requests over HTTP, 50 a page, ${int(persons)} persons loaded):\n`,
    );
    const row = (label: string, list: number[]) => {
      const sorted = [...list].sort((a, b) => a - b);
      process.stdout.write(
        `  ${label.padEnd(16)} n=${String(sorted.length).padStart(4)}  p50 ${ms(percentile(sorted, 50)).padStart(8)}  p95 ${ms(percentile(sorted, 95)).padStart(8)}  p99 ${ms(percentile(sorted, 99)).padStart(8)}  max ${ms(sorted[sorted.length - 1]).padStart(8)}\n`,
      );
    };
    for (const kind of kinds) row(kind, times[kind]);
    row('all', all);
    process.stdout.write(`\ntarget: p99 ≤ 50 ms — measured ${ms(percentile(all, 99))}; peak RSS ${mb(process.memoryUsage().rss)}\n`);
  } finally {
    await app.close();
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
