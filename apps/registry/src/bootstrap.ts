import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { answerClientErrorsAsProblems } from './common/client-errors';
import { servePageApps } from './console/static-pages';
import { applyHttpServerLimits, jsonDepthGuard } from './common/http-limits';
import { buildOpenApiDocument } from './common/openapi';
import { ProblemFilter } from './common/problem.filter';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';

export { API_TITLE } from './common/openapi';

/** Everything that makes an app instance behave as the service does: used by main and by e2e tests. */
export function configureApp(app: NestExpressApplication): void {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(helmet({ contentSecurityPolicy: { directives: pageDirectives(config) } }));
  // The console and the citizens' page: static files, before any body parsing or guard.
  servePageApps(app);
  // body-parser's own JSON parser, so that its verify hook can refuse a too-deep body before parsing.
  app.use(express.json({ limit: config.BODY_LIMIT, verify: jsonDepthGuard(config.BODY_MAX_DEPTH) }));
  applyHttpServerLimits(app.getHttpServer(), {
    maxHeaderBytes: config.HTTP_MAX_HEADER_BYTES,
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  });
  if (config.CORS_ORIGINS) app.enableCors({ origin: config.CORS_ORIGINS.split(',').map((s) => s.trim()) });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());
  answerClientErrorsAsProblems(app.getHttpServer());
  app.enableShutdownHooks();

  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}

/**
 * The content security policy's changes to helmet's defaults, for the console and the H5 page:
 * the console may call the identity provider's token endpoint (under its issuer), and requests
 * are not upgraded to HTTPS. Every page resource is same-origin, so behind TLS the upgrade
 * would change nothing, while a console on an intranet address over plain HTTP would lose
 * every script to it.
 */
function pageDirectives(config: AppConfig): Record<string, string[] | null> {
  const connect = ["'self'"];
  if (config.OIDC_ISSUER) connect.push(new URL(config.OIDC_ISSUER).origin);
  return { connectSrc: connect, upgradeInsecureRequests: null };
}

export async function createApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true, bodyParser: false });
  configureApp(app);
  return app;
}

export type { INestApplication };
