import 'reflect-metadata';
import { Command } from 'commander';
import { createSmsSim } from './sms-sim';

/**
 * The SMS gateway simulator for demos and joint tests:
 *   npm run start:sms-sim -- --port 3200 --token sms-sim-token
 * then start the registry with SMS_GATEWAY_URL=http://127.0.0.1:3200 SMS_GATEWAY_TOKEN=sms-sim-token.
 */
async function main(): Promise<void> {
  const program = new Command()
    .name('sms-sim')
    .option('--port <n>', 'port (SMS_SIM_PORT)', process.env.SMS_SIM_PORT ?? '3200')
    .option('--host <address>', 'interface to listen on (SMS_SIM_HOST)', process.env.SMS_SIM_HOST ?? '127.0.0.1')
    .option('--token <key>', 'bearer key the gateway accepts (SMS_SIM_TOKEN)', process.env.SMS_SIM_TOKEN ?? 'sms-sim-token')
    .parse(process.argv);
  const options = program.opts<{ port: string; host: string; token: string }>();
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0-65535');
  const sim = await createSmsSim({ token: options.token, logger: true });
  const url = await sim.listen(port, options.host);
  process.stdout.write(`SMS gateway simulator on ${url}/v1 — messages: GET ${url}/sim/messages, faults: POST ${url}/sim/faults\n`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sms-sim failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
