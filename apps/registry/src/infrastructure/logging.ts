import type { Params } from 'nestjs-pino';
import pino from 'pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { redactCitizenIds } from '../common/redact';

/**
 * Structured JSON logs. Request logs carry method, route path (query string dropped:
 * filters never belong in logs), status and timing; bodies and headers are never logged,
 * so personal data sent in a body cannot reach a log line.
 */
export function loggerParams(level: string, file?: string): Params {
  return {
    pinoHttp: {
      level,
      ...(file ? { stream: pino.destination({ dest: file, mkdir: true, sync: true }) } : {}),
      genReqId: (req: IncomingMessage) => {
        const header = req.headers['x-request-id'];
        return typeof header === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(header) ? header : randomUUID();
      },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: redactCitizenIds(String(req.url).split('?')[0]),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics' },
      redact: { paths: ['req.headers', 'res.headers', '*.citizenId', '*.name', '*.phone', '*.personal'], remove: true },
    },
  };
}
