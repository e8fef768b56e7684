/** Starts the registry over HTTP for e2e tests: fresh DATA_DIR, log file, tokens, teardown. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import supertest from 'supertest';
import { EVENT_STORE, SqliteEventStore } from '@registry/event-store';
import { AppModule } from '../../apps/registry/src/app.module';
import { configureApp, createApp } from '../../apps/registry/src/bootstrap';
import { TokenService, TokenClaims } from '../../apps/registry/src/auth/token.service';
import { ProjectionsService } from '../../apps/registry/src/projections/projections.service';
import type { Role } from '../../apps/registry/src/auth/roles';

export interface TestApp {
  app: NestExpressApplication;
  http: () => ReturnType<typeof supertest>;
  dataDir: string;
  logFile: string;
  token(claims: Partial<TokenClaims> & { role?: Role }): string;
  caughtUp(): Promise<void>;
  readLog(): string;
  close(): Promise<void>;
}

/**
 * Builds and initialises the app with a fresh data directory, or on `dataDir` (a restart or a
 * second instance: then the caller removes it). `env` is applied on top of the defaults below
 * and restored once the app is built (configuration is read at start).
 */
export async function startApp(
  env: Record<string, string | undefined> = {},
  options: {
    /** The event store's clock (recordedAt), for tests of what the registry believed on past days. */
    clock?: () => Date;
    /** An existing data directory (a restart or a second instance): the caller removes it. */
    dataDir?: string;
  } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'registry-e2e-'));
  const logFile = join(dataDir, 'service.log');
  const settings: Record<string, string | undefined> = {
    DATA_DIR: dataDir,
    LOG_FILE: logFile,
    LOG_LEVEL: 'info',
    PROJECTIONS_ENABLED: 'true',
    // Tests do not need power-loss durability; fsync on every append slows the suite.
    SQLITE_SYNCHRONOUS: 'NORMAL',
    INSTANCE_ID: `e2e-${process.pid}`,
    // End-to-end suites run on the embedded default. The MongoDB and EventStoreDB adapters
    // have their own contract suites; a MONGODB_URI or POSTGRES_URL exported for those (as CI does) must not
    // make every e2e app share one database.
    MONGODB_URI: undefined,
    EVENTSTORE_CONNECTION_STRING: undefined,
    POSTGRES_URL: undefined,
    // The injected clock belongs to the main thread's event store: an import thread would
    // record its events with the real one.
    ...(options.clock ? { IMPORT_THREAD: 'off' } : {}),
    ...env,
  };
  const saved: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(settings)) {
    saved[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  let app: NestExpressApplication;
  try {
    if (options.clock) {
      const module = await Test.createTestingModule({ imports: [AppModule] })
        .overrideProvider(EVENT_STORE)
        .useFactory({ factory: () => new SqliteEventStore(join(dataDir, 'events.sqlite'), { synchronous: 'NORMAL', now: options.clock }) })
        .compile();
      app = module.createNestApplication<NestExpressApplication>({ bufferLogs: true, bodyParser: false });
      configureApp(app);
    } else {
      app = await createApp();
    }
    await app.init();
    // main.ts flushes the start-up log buffer when it listens; tests never listen.
    app.flushLogs();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  const tokens = app.get(TokenService);
  const projections = app.get(ProjectionsService);
  return {
    app,
    dataDir,
    logFile,
    http: () => supertest(app.getHttpServer()),
    token: ({ role, roles, sub, region, ...rest }) =>
      tokens.sign({ sub: sub ?? `${role ?? roles?.[0]}-user`, roles: roles ?? [role!], region: region ?? '44', ...rest }),
    caughtUp: () => projections.waitUntilCaughtUp(undefined, 20_000),
    readLog: () => readFileSync(logFile, 'utf8'),
    async close() {
      await app.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
