/**
 * The import CLI as a child process (compiled dist, as `npm run cli` runs it), and
 * read-only looks into a data directory's SQLite files while or after it runs.
 */
import Database from 'better-sqlite3';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportJob } from '../../apps/registry/src/imports/import-job';
import { findRepoRoot } from '../../libs/ingest/src/shared/repo-root';

/** Found, not counted in `..`: these helpers also run compiled, from dist/test/support (bench:load). */
export const REPO_ROOT = findRepoRoot(__dirname);
const CLI_ENTRY = 'apps/registry/src/cli.js';

/**
 * Brings dist/ up to date with the sources (tsc is incremental: seconds when nothing
 * changed). tsc emits even on a type error elsewhere in the tree, so a failing exit only
 * stops the tests when the CLI itself was not emitted.
 */
export function ensureBuilt(): void {
  const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (!existsSync(join(REPO_ROOT, 'dist', CLI_ENTRY))) {
    throw new Error(`build failed, no dist/${CLI_ENTRY}:\n${build.stdout}${build.stderr}`);
  }
  if (build.status !== 0)
    process.stderr.write(`[imports e2e] tsc reported errors (output still emitted):\n${build.stdout.slice(0, 2000)}\n`);
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process has exited (also after a kill). */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * The CLI runs on the embedded default like the e2e apps: a MONGODB_URI exported for the
 * MongoDB contract suite (CI) must not turn every child into a client of one shared database.
 */
function embeddedOnly(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { MONGODB_URI: _mongo, EVENTSTORE_CONNECTION_STRING: _esdb, POSTGRES_URL: _postgres, ...rest } = env;
  return rest;
}

/** Starts `registry <args>` against a data directory. */
export function startCli(args: string[], dataDir: string, env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['scripts/run.js', CLI_ENTRY, ...args], {
    cwd: REPO_ROOT,
    env: {
      ...embeddedOnly(process.env),
      DATA_DIR: dataDir,
      LOG_FILE: join(dataDir, 'service.log'),
      SQLITE_SYNCHRONOUS: 'NORMAL',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolveDone, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr }));
    },
  );
  return { child, done };
}

/** Runs the CLI to the end; fails with its output when it exits non-zero or outlives `timeoutMs` (then it is killed). */
export async function runCli(args: string[], dataDir: string, timeoutMs = 60_000): Promise<{ stdout: string; stderr: string }> {
  const { child, done } = startCli(args, dataDir);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = await done.finally(() => clearTimeout(timer));
  if (result.code !== 0) {
    const why = result.signal ? `was killed (${result.signal}) after ${timeoutMs} ms` : `exited ${result.code}`;
    throw new Error(`registry ${args.join(' ')} ${why}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

function openReadOnly(file: string): Database.Database | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    return undefined;
  }
}

/** The import jobs of a data directory, read straight from the embedded read store (table c_import_jobs). */
export function readJobs(dataDir: string): ImportJob[] {
  const db = openReadOnly(join(dataDir, 'read.sqlite'));
  if (!db) return [];
  try {
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'c_import_jobs'").get();
    if (!exists) return [];
    return (db.prepare('SELECT doc FROM c_import_jobs').pluck().all() as string[]).map((doc) => JSON.parse(doc) as ImportJob);
  } catch {
    // The writer may be creating the schema right now; the next poll sees it.
    return [];
  } finally {
    db.close();
  }
}

/** Polls the jobs every `everyMs` until one satisfies the predicate; undefined if the process ends first. */
export async function pollJob(
  dataDir: string,
  until: (job: ImportJob) => boolean,
  stillRunning: () => boolean,
  everyMs = 15,
): Promise<ImportJob | undefined> {
  for (;;) {
    const job = readJobs(dataDir).find(until);
    if (job) return job;
    if (!stillRunning()) return undefined;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface EventStats {
  total: number;
  distinctIds: number;
  byType: Record<string, number>;
  personStreams: number;
  /** Person streams whose number of PersonRegistered events is not exactly one. */
  streamsWithoutExactlyOneRegistration: number;
  /** Person streams that some household-registration event is about. */
  householdPersons: number;
}

/** Counts over the embedded event store (events.sqlite), read-only. */
export function eventStats(dataDir: string): EventStats {
  const db = openReadOnly(join(dataDir, 'events.sqlite'));
  if (!db) throw new Error(`no event store in ${dataDir}`);
  try {
    const one = (sql: string) => db.prepare(sql).pluck().get() as number;
    const byType = Object.fromEntries(
      (db.prepare('SELECT type, COUNT(*) AS n FROM event_log GROUP BY type').all() as Array<{ type: string; n: number }>).map((r) => [
        r.type,
        r.n,
      ]),
    );
    return {
      total: one('SELECT COUNT(*) FROM event_log'),
      distinctIds: one('SELECT COUNT(DISTINCT event_id) FROM event_log'),
      byType,
      personStreams: one("SELECT COUNT(DISTINCT stream) FROM event_log WHERE stream LIKE 'person-%'"),
      streamsWithoutExactlyOneRegistration: one(
        "SELECT COUNT(*) FROM (SELECT stream FROM event_log WHERE stream LIKE 'person-%' GROUP BY stream HAVING SUM(type = 'PersonRegistered') <> 1)",
      ),
      householdPersons: one(
        "SELECT COUNT(DISTINCT stream) FROM event_log WHERE stream LIKE 'person-%' AND json_extract(data, '$.source') = 'household-registration'",
      ),
    };
  } finally {
    db.close();
  }
}
