import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { ApiKeyGuard, SIM_API_KEYS } from './api-key.guard';
import { FaultInjector, FaultSettings, FaultState } from './faults';
import { SimProblemFilter } from './problem.filter';
import { API_VERSION, BODY_LIMIT } from './protocol';
import { seedRecordsFromTruth } from './seed-from-truth';
import { ExchangeController, SIM_FAULTS, SIM_STATE, SimAdminController } from './sim.controllers';
import { SeedRecord, SimState } from './sim-state';

export interface MinistrySimOptions {
  /** API keys and the province each is issued for ('*' = any). Default: `{ [token]: '*' }`. */
  apiKeys?: Record<string, string>;
  /** Shorthand for one key valid for every province (default 'sim-token'). */
  token?: string;
  /** A generated province's directory (its truth/persons.ndjson seeds the ministry's knowledge). */
  truthDir?: string;
  records?: SeedRecord[];
  /** Nest's console logger (default off; the simulator never logs bodies). */
  logger?: boolean;
  now?: () => Date;
}

export interface MinistrySim {
  readonly app: NestExpressApplication;
  readonly state: SimState;
  readonly faults: FaultInjector;
  /** Base URL once listening, e.g. http://127.0.0.1:3100 (the registry's MINISTRY_URL). */
  readonly url: string | undefined;
  seed(records: SeedRecord[]): number;
  seedFromTruth(dir: string): Promise<number>;
  setFault(settings: FaultSettings): FaultState;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * A stand-in for the ministry's systems speaking docs/ministry-interface.md v1: comparison
 * inquiries, uploads (kept in memory) and the interaction feed, plus fault injection.
 */
export async function createMinistrySim(options: MinistrySimOptions = {}): Promise<MinistrySim> {
  const state = new SimState(options.now);
  const faults = new FaultInjector();
  const keys = new Map(Object.entries(options.apiKeys ?? { [options.token ?? 'sim-token']: '*' }));

  @Module({
    controllers: [ExchangeController, SimAdminController],
    providers: [
      { provide: SIM_STATE, useValue: state },
      { provide: SIM_FAULTS, useValue: faults },
      { provide: SIM_API_KEYS, useValue: keys },
      ApiKeyGuard,
    ],
  })
  class MinistrySimModule {}

  const app = await NestFactory.create<NestExpressApplication>(MinistrySimModule, {
    bodyParser: false,
    logger: options.logger ? ['log', 'warn', 'error'] : false,
  });
  app.disable('x-powered-by');
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Ministry-Api-Version', API_VERSION);
    next();
  });
  // Faults apply to the exchange endpoints (before the body is even read), not to the simulator's own.
  const inject = faults.middleware();
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/ministry/v1/') && req.path !== '/ministry/v1/uploads/stats') return inject(req, res, next);
    return next();
  });
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useGlobalFilters(new SimProblemFilter());
  await app.init();

  if (options.records) state.seed(options.records);
  if (options.truthDir) state.seed(await seedRecordsFromTruth(options.truthDir));

  let url: string | undefined;
  return {
    app,
    state,
    faults,
    get url() {
      return url;
    },
    seed: (records) => state.seed(records),
    seedFromTruth: async (dir) => state.seed(await seedRecordsFromTruth(dir)),
    setFault: (settings) => faults.set(settings),
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen(port, host);
      const address = (app.getHttpServer() as Server).address() as AddressInfo;
      url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      return url;
    },
    async close() {
      faults.close();
      const server = app.getHttpServer() as Server;
      server.closeAllConnections?.();
      await app.close();
    },
  };
}
