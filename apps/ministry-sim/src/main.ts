import 'reflect-metadata';
import { Command } from 'commander';
import { createMinistrySim } from './ministry-sim';

/**
 * The ministry simulator for demos and joint tests:
 *   npm run start:ministry-sim -- --truth ./data/province --port 3100
 * Plain HTTP on the loopback interface by default; the specification requires TLS for the
 * real exchange (put the simulator behind a TLS proxy to rehearse that).
 */
async function main(): Promise<void> {
  const program = new Command()
    .name('ministry-sim')
    .option('--port <n>', 'port (MINISTRY_SIM_PORT)', process.env.MINISTRY_SIM_PORT ?? '3100')
    .option('--host <address>', 'interface to listen on (MINISTRY_SIM_HOST)', process.env.MINISTRY_SIM_HOST ?? '127.0.0.1')
    .option(
      '--truth <dir>',
      'generated province directory whose truth/persons.ndjson seeds the ministry (MINISTRY_SIM_TRUTH)',
      process.env.MINISTRY_SIM_TRUTH,
    )
    .option('--token <key>', 'API key accepted for every province (MINISTRY_SIM_TOKEN)', process.env.MINISTRY_SIM_TOKEN ?? 'sim-token')
    .parse(process.argv);
  const options = program.opts<{ port: string; host: string; truth?: string; token: string }>();
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0-65535');
  const sim = await createMinistrySim({ token: options.token, truthDir: options.truth, logger: true });
  const url = await sim.listen(port, options.host);
  process.stdout.write(
    `Ministry simulator (interface v1) on ${url}/ministry/v1 — ${sim.state.interactionCount} interactions seeded` +
      `${options.truth ? ` from ${options.truth}` : ''}; faults: POST ${url}/sim/faults\n`,
  );
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`ministry-sim failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
