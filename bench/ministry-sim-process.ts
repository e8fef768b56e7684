import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface MinistrySimProcess {
  /** Base URL, the registry's MINISTRY_URL. */
  readonly url: string;
  /** Peak RSS of the simulator's process so far, in bytes (Linux; 0 where /proc is absent). */
  peakRss(): number;
  close(): Promise<void>;
}

/** The repository root, from dist/bench/ where the compiled bench runs. */
const ROOT = resolve(__dirname, '..', '..');
const STARTED = /on (http:\/\/[^\s/]+)\/ministry\/v1/;

/**
 * The ministry simulator in a process of its own, seeded from a generated province's truth, as
 * the ministry is a system of its own in production: the bench's peak RSS and CPU are then the
 * registry's alone, and the simulator's request handling does not run on the registry's main
 * thread. Resolves once it listens; fails with its output if it exits first.
 */
export async function startMinistrySimProcess(truthDir: string, token: string, timeoutMs = 300_000): Promise<MinistrySimProcess> {
  const child = spawn(
    process.execPath,
    [resolve(ROOT, 'scripts/run.js'), 'apps/ministry-sim/src/main.js', '--port', '0', '--truth', truthDir, '--token', token],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ministry simulator did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    const take = (chunk: string) => {
      output = (output + chunk).slice(-8000);
      const found = STARTED.exec(output);
      if (found) {
        clearTimeout(timer);
        resolveUrl(found[1]);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', (chunk: string) => (output = (output + chunk).slice(-8000)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the ministry simulator exited (${code ?? signal}) before listening:\n${output.slice(-2000)}`));
    });
  });
  return {
    url,
    peakRss: () => peakRssOf(child.pid),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** VmHWM of a process: the most resident memory it has had. */
function peakRssOf(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /VmHWM:\s+(\d+) kB/.exec(status);
    return kib ? Number(kib[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
