import { RegionCode } from '@registry/domain';
import { ReferenceData } from '../reference/reference-data.module';
import { ConsoleLogger, INestApplicationContext, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';

/**
 * The CLI's logger: every level goes to stderr, so that stdout holds only what the command
 * prints (a report, a count, "0 differences") and scripts can read it.
 */
export class CliLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}

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
  const app = await NestFactory.createApplicationContext(AppModule, {
    logger: new CliLogger({ logLevels: ['error', 'warn'] }),
    abortOnError: false,
  });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** A `--region` option: any spelling GB/T 2260 users write, checked against the division tables; the canonical code. */
export function cliRegion(reference: ReferenceData, raw: string): string {
  const parsed = RegionCode.parse(raw, reference.regions);
  if (!parsed.ok) throw new Error(`--region: ${parsed.reasons[0].message} (${parsed.reasons[0].code})`);
  return parsed.value.code;
}
