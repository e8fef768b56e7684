/**
 * The service as users run it: `node scripts/run.js apps/registry/src/main.js` from dist/, a
 * process of its own on a free port, so that tests can kill it (-9 or TERM) at a chosen moment
 * and start it again on the same data directory.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from './imports-cli';

export interface ServiceProcess {
  readonly base: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, with how it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the process wrote to stdout and stderr so far (logs go to LOG_FILE). */
  output(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The embedded default whatever the test's shell exports (CI exports MONGODB_URI and POSTGRES_URL for the server suites). */
export function serviceEnv(dataDir: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const {
    MONGODB_URI: _mongo,
    POSTGRES_URL: _postgres,
    POSTGRES_SCHEMA: _schema,
    EVENTSTORE_CONNECTION_STRING: _esdb,
    MINISTRY_URL: _ministry,
    MINISTRY_TOKEN: _ministryToken,
    KEYS_FILE: _keys,
    ...rest
  } = process.env;
  return {
    ...rest,
    DATA_DIR: dataDir,
    LOG_FILE: join(dataDir, '..', `${dataDir.split('/').pop()}-service.log`),
    LOG_LEVEL: 'info',
    SQLITE_SYNCHRONOUS: 'NORMAL',
    ...env,
  };
}

/** Starts the service on `dataDir` and resolves once it answers /health. */
export async function startService(dataDir: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ServiceProcess> {
  return untilAnswering(await spawnService(dataDir, env), timeoutMs);
}

const started = new Set<ChildProcess>();

/** Kills every service a test started that is still running (a failed assertion leaves them). */
export async function stopAllServices(): Promise<void> {
  const alive = [...started].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(alive.map((c) => new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGKILL')))));
  started.clear();
}

/** Starts the service and returns at once: for faults that must land while it is still starting. */
export async function spawnService(dataDir: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const port = await freePort();
  // SERVICE_NODE_FLAGS: node flags for the service only (a bench's `--cpu-prof`, which NODE_OPTIONS refuses).
  const flags = (process.env.SERVICE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, 'scripts/run.js', 'apps/registry/src/main.js'], {
    cwd: REPO_ROOT,
    env: serviceEnv(dataDir, { PORT: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { base: `http://127.0.0.1:${port}`, child, exited, output: () => out };
}

/** Resolves once the service answers /health; fails with its output when it exits first or takes too long. */
export async function untilAnswering(service: ServiceProcess, timeoutMs = 60_000): Promise<ServiceProcess> {
  const { base, child, exited } = service;
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`the service exited before answering:\n${service.output().slice(-4000)}`);
    try {
      const res = await fetch(`${base}/health`);
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the service did not answer within ${timeoutMs} ms:\n${service.output().slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return service;
}

/** Kills the process with the signal and waits until it has exited. */
export async function stopService(
  service: ServiceProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill(signal);
  return service.exited;
}

/** A token signed with the data directory's key file, as the README tells users to get one. */
export async function serviceToken(dataDir: string, role = 'province-admin', region = '440000', source?: string): Promise<string> {
  const { stdout } = await runCli(['token', '--role', role, '--region', region, ...(source ? ['--source', source] : [])], dataDir);
  return stdout.trim();
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
