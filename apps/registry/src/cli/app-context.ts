import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';

/**
 * Runs a CLI command inside the service's own module graph (same stores, same handlers),
 * with Nest's start-up chatter kept off the terminal.
 */
export async function withAppContext<T>(
  fn: (app: INestApplicationContext) => Promise<T>,
  options: { projections?: boolean } = {},
): Promise<T> {
  process.env.REGISTRY_CLI = '1';
  // Projection workers only where the command needs the read models (imports, rebuilds).
  if (!options.projections) process.env.PROJECTIONS_ENABLED = 'false';
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'], abortOnError: false });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
