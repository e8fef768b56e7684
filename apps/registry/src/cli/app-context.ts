import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';

/**
 * Runs a CLI command inside the service's own module graph (same stores, same handlers),
 * with Nest's start-up chatter kept off the terminal.
 */
export async function withAppContext<T>(fn: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'], abortOnError: false });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
