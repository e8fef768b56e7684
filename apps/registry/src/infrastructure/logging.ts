import type { Params } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
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
      ...(file ? { stream: new LogFile(file) } : {}),
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

/**
 * The log file, written synchronously line by line. A line that cannot be written (the disk is
 * full, most often the same disk as the data) is dropped, not thrown: the service must go on
 * answering, and tell the client 503 STORAGE_FULL, rather than die on its log. How many lines
 * were dropped is written once writing works again; standard error says so once meanwhile.
 */
export class LogFile {
  private readonly fd: number;
  private dropped = 0;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  write(line: string): void {
    try {
      if (this.dropped > 0) {
        writeSync(
          this.fd,
          `${JSON.stringify({ level: 40, time: Date.now(), msg: `${this.dropped} log lines dropped: the log file could not be written` })}\n`,
        );
        this.dropped = 0;
      }
      writeSync(this.fd, line);
    } catch (error) {
      if (this.dropped++ === 0) {
        process.stderr.write(
          `The log file could not be written (${(error as NodeJS.ErrnoException).code ?? 'error'}); log lines are dropped until it can\n`,
        );
      }
    }
  }
}
