import 'reflect-metadata';
import { createApp } from './bootstrap';
import { AppConfig, ConfigValidationError } from './config/app-config';

async function main(): Promise<void> {
  const app = await createApp();
  const config = app.get(AppConfig);
  await app.listen(config.PORT);
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  process.stdout.write(`Registry listening on ${url} — docs ${url}/docs, health ${url}/health, metrics ${url}/metrics\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
