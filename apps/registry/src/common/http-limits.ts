import type { Server } from 'node:http';
import { HttpStatus } from '@nestjs/common';
import { ProblemException } from './problem';

/** Settings of the HTTP server that bound what one client can hold: see AppConfig for each. */
export interface HttpServerLimits {
  readonly maxHeaderBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

const OPEN_BRACKETS = new Set([0x5b, 0x7b]);
const CLOSE_BRACKETS = new Set([0x5d, 0x7d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of arrays and objects in JSON text, counted on the raw bytes (strings
 * skipped) and stopping as soon as it passes `limit`: linear time, constant memory, and no
 * parser, transformer or validator ever recurses into a body deeper than that.
 */
export function jsonDepthExceeds(body: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (OPEN_BRACKETS.has(b)) {
      if (++depth > limit) return true;
    } else if (CLOSE_BRACKETS.has(b)) depth--;
  }
  return false;
}

/** body-parser's `verify` hook: refuses a body nested deeper than `limit` before it is parsed. */
export function jsonDepthGuard(limit: number): (req: unknown, res: unknown, body: Buffer) => void {
  return (_req, _res, body) => {
    if (jsonDepthExceeds(body, limit)) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'BODY_TOO_DEEP',
        `The request body nests arrays and objects more than ${limit} deep.`,
      );
    }
  };
}

/**
 * Applies the limits to Node's HTTP server. Node reads them per connection and per check, so
 * they take effect on the server Nest already created. Requests refused before routing
 * (headers too large, too slow, unparseable) are answered by answerClientErrorsAsProblems.
 */
export function applyHttpServerLimits(server: Server, limits: HttpServerLimits): void {
  // Both are createServer options that Node keeps on the server and reads later (maxHeaderSize for
  // each new connection, the checking interval when it starts listening), so they apply here too;
  // the e2e suite shows both in effect.
  const tunable = server as Server & { maxHeaderSize: number; connectionsCheckingInterval: number };
  tunable.maxHeaderSize = limits.maxHeaderBytes;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Expired requests are found by a periodic check (every 30 s by default): a quarter of the
  // shortest timeout, at most a second, keeps the cut-off close to it.
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  tunable.connectionsCheckingInterval = Math.max(25, Math.min(1000, Math.floor(shortest / 4)));
}
