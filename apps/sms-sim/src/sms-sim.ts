import {
  ArgumentsHost,
  Body,
  CanActivate,
  Catch,
  Controller,
  ExceptionFilter,
  ExecutionContext,
  Get,
  HttpCode,
  HttpException,
  Inject,
  Injectable,
  Module,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';

/**
 * A stand-in SMS gateway speaking docs/sms-gateway-interface.md: it takes batches of messages
 * (ids are idempotency keys), keeps them in memory instead of sending them, and writes a
 * delivery receipt for each (delivered, or undeliverable for numbers it is told to fail).
 * It can be told to fail or hang the next requests (POST /sim/faults), and to take a citizen's
 * answer (POST /sim/replies), which it attributes to the last message sent to that number.
 * It never logs a number or a text.
 */

export const MAX_BATCH = 100;
const MOBILE = /^1[3-9]\d{9}$/;

export interface SimMessage {
  id: string;
  to: string;
  template: string;
  text: string;
  receivedAt: string;
}

export interface SimReceipt {
  seq: number;
  id: string;
  status: 'delivered' | 'undeliverable';
  at: string;
  code?: string;
}

export interface SimReply {
  seq: number;
  id: string;
  /** The last message the simulator took for the answering number, as a gateway attributes answers. */
  inReplyTo?: string;
  text: string;
  at: string;
}

export class SmsProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export class SmsSimState {
  readonly messages = new Map<string, SimMessage>();
  readonly receipts: SimReceipt[] = [];
  readonly replies: SimReply[] = [];
  readonly undeliverable = new Set<string>();
  /** Requests that handed over a batch (each retry counts). */
  batches = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  accept(input: unknown): Array<{ id: string; status: 'accepted' } | { id: string; status: 'rejected'; code: string }> {
    const body = input as { messages?: unknown };
    if (!body || !Array.isArray(body.messages) || body.messages.length === 0 || body.messages.length > MAX_BATCH) {
      throw new SmsProblem(400, 'VALIDATION_FAILED', `messages must be a list of 1 to ${MAX_BATCH} messages`);
    }
    this.batches++;
    return body.messages.map((raw: unknown) => {
      const m = raw as Partial<SimMessage> | null;
      if (
        !m ||
        typeof m.id !== 'string' ||
        !/^[\x21-\x7e]{1,128}$/.test(m.id) ||
        typeof m.template !== 'string' ||
        typeof m.text !== 'string'
      ) {
        throw new SmsProblem(400, 'VALIDATION_FAILED', 'each message needs id (printable ASCII, 1-128), to, template and text');
      }
      if (this.messages.has(m.id)) return { id: m.id, status: 'accepted' as const };
      if (typeof m.to !== 'string' || !MOBILE.test(m.to)) return { id: m.id, status: 'rejected' as const, code: 'INVALID_NUMBER' };
      if (m.text.length > 500) return { id: m.id, status: 'rejected' as const, code: 'TEXT_TOO_LONG' };
      const at = this.now().toISOString();
      this.messages.set(m.id, { id: m.id, to: m.to, template: m.template, text: m.text, receivedAt: at });
      const failed = this.undeliverable.has(m.to);
      this.receipts.push({
        seq: this.receipts.length + 1,
        id: m.id,
        status: failed ? 'undeliverable' : 'delivered',
        at,
        ...(failed && { code: 'UNREACHABLE' }),
      });
      return { id: m.id, status: 'accepted' as const };
    });
  }

  receiptsAfter(after: string | undefined, limit: string | undefined) {
    return page(this.receipts, after, limit);
  }

  /** A citizen answers from the number `from`: the answer names the last message taken for that number, if any. */
  reply(from: string, text: string): SimReply {
    let inReplyTo: string | undefined;
    for (const m of this.messages.values()) if (m.to === from) inReplyTo = m.id;
    const seq = this.replies.length + 1;
    const reply: SimReply = { seq, id: `reply-${seq}`, text, at: this.now().toISOString(), ...(inReplyTo && { inReplyTo }) };
    this.replies.push(reply);
    return reply;
  }

  repliesAfter(after: string | undefined, limit: string | undefined) {
    return page(this.replies, after, limit);
  }
}

/** One page of a feed numbered from 1 (`seq`), after an earlier page's cursor. */
function page<T extends { seq: number }>(feed: readonly T[], after: string | undefined, limit: string | undefined) {
  const from = after === undefined ? 0 : Number(after);
  const size = limit === undefined ? 500 : Number(limit);
  if (!Number.isInteger(from) || from < 0 || !Number.isInteger(size) || size < 1 || size > 1000) {
    throw new SmsProblem(400, 'VALIDATION_FAILED', 'after must be a cursor from an earlier page and limit 1-1000');
  }
  const items = feed.slice(from, from + size).map(({ seq: _seq, ...r }) => r);
  return { items, nextCursor: String(Math.min(feed.length, from + size)) };
}

export type SmsFaultMode = 'fail' | 'timeout' | 'none';

/** Makes the next `count` gateway requests fail with `status` or hang until the caller gives up. */
export class SmsFaults {
  mode: SmsFaultMode = 'none';
  remaining = 0;
  status = 503;
  private readonly held = new Set<Response>();

  set(settings: { mode: SmsFaultMode; count?: number; status?: number }): void {
    this.mode = settings.mode;
    this.remaining = settings.count ?? Number.POSITIVE_INFINITY;
    this.status = settings.status ?? 503;
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      if (this.mode === 'none' || this.remaining <= 0) return next();
      this.remaining--;
      if (this.mode === 'fail') {
        res
          .status(this.status)
          .type('application/problem+json')
          .send(problemBody(this.status, 'SIM_FAULT', 'The simulator was told to fail.', req.path));
        return;
      }
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
    };
  }

  close(): void {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
  }
}

function problemBody(status: number, code: string, detail: string, instance: string): string {
  return JSON.stringify({
    type: `urn:sms-gateway:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: 'Error',
    status,
    code,
    detail,
    instance,
  });
}

const STATE = Symbol('SMS_STATE');
const FAULTS = Symbol('SMS_FAULTS');
const TOKEN = Symbol('SMS_TOKEN');

@Injectable()
class TokenGuard implements CanActivate {
  constructor(@Inject(TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const presented = Buffer.from(header.replace(/^Bearer\s+/i, '').trim());
    const expected = Buffer.from(this.token);
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) return true;
    throw new SmsProblem(401, 'UNAUTHENTICATED', 'Authorization: Bearer <key> is required.');
  }
}

@Controller('v1')
@UseGuards(TokenGuard)
class GatewayController {
  constructor(@Inject(STATE) private readonly state: SmsSimState) {}

  @Post('messages')
  @HttpCode(200)
  send(@Body() body: unknown) {
    return { results: this.state.accept(body) };
  }

  @Get('receipts')
  receipts(@Query('after') after?: string, @Query('limit') limit?: string) {
    return this.state.receiptsAfter(after, limit);
  }

  @Get('replies')
  replies(@Query('after') after?: string, @Query('limit') limit?: string) {
    return this.state.repliesAfter(after, limit);
  }
}

@Controller('sim')
class SimController {
  constructor(
    @Inject(STATE) private readonly state: SmsSimState,
    @Inject(FAULTS) private readonly faults: SmsFaults,
  ) {}

  @Get('messages')
  messages() {
    return { count: this.state.messages.size, batches: this.state.batches, items: [...this.state.messages.values()] };
  }

  @Post('faults')
  @HttpCode(200)
  fault(@Body() body: { mode?: unknown; count?: unknown; status?: unknown }) {
    if (body?.mode !== 'fail' && body?.mode !== 'timeout' && body?.mode !== 'none') {
      throw new SmsProblem(400, 'VALIDATION_FAILED', 'mode must be fail, timeout or none');
    }
    this.faults.set({
      mode: body.mode,
      count: typeof body.count === 'number' ? body.count : undefined,
      status: typeof body.status === 'number' ? body.status : undefined,
    });
    return { mode: this.faults.mode, remaining: this.faults.remaining };
  }

  @Post('replies')
  @HttpCode(200)
  reply(@Body() body: { from?: unknown; text?: unknown }) {
    if (typeof body?.from !== 'string' || !MOBILE.test(body.from) || typeof body.text !== 'string' || body.text.length > 500) {
      throw new SmsProblem(400, 'VALIDATION_FAILED', 'from must be a mobile number and text at most 500 characters');
    }
    const { seq: _seq, ...reply } = this.state.reply(body.from, body.text);
    return reply;
  }

  @Post('undeliverable')
  @HttpCode(200)
  undeliverable(@Body() body: { to?: unknown }) {
    if (!Array.isArray(body?.to) || !body.to.every((n) => typeof n === 'string')) {
      throw new SmsProblem(400, 'VALIDATION_FAILED', 'to must list numbers');
    }
    for (const n of body.to as string[]) this.state.undeliverable.add(n);
    return { undeliverable: this.state.undeliverable.size };
  }
}

@Catch()
class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    let problem: SmsProblem;
    if (error instanceof SmsProblem) problem = error;
    else if (error instanceof HttpException)
      problem = new SmsProblem(error.getStatus(), `HTTP_${error.getStatus()}`, 'The request could not be processed.');
    else {
      const e = error as { status?: unknown; expose?: unknown };
      problem =
        e?.expose === true && typeof e.status === 'number'
          ? new SmsProblem(e.status, 'MALFORMED_REQUEST', 'The body could not be read.')
          : new SmsProblem(500, 'INTERNAL_ERROR', 'An unexpected error occurred.');
    }
    if (res.headersSent) return;
    res
      .status(problem.status)
      .type('application/problem+json')
      .send(problemBody(problem.status, problem.code, problem.detail, req.path));
  }
}

export interface SmsSim {
  readonly app: NestExpressApplication;
  readonly state: SmsSimState;
  readonly faults: SmsFaults;
  readonly url: string | undefined;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export async function createSmsSim(options: { token?: string; logger?: boolean; now?: () => Date } = {}): Promise<SmsSim> {
  const state = new SmsSimState(options.now);
  const faults = new SmsFaults();

  @Module({
    controllers: [GatewayController, SimController],
    providers: [
      { provide: STATE, useValue: state },
      { provide: FAULTS, useValue: faults },
      { provide: TOKEN, useValue: options.token ?? 'sms-sim-token' },
      TokenGuard,
    ],
  })
  class SmsSimModule {}

  const app = await NestFactory.create<NestExpressApplication>(SmsSimModule, {
    bodyParser: false,
    logger: options.logger ? ['log', 'warn', 'error'] : false,
  });
  app.disable('x-powered-by');
  const inject = faults.middleware();
  app.use((req: Request, res: Response, next: NextFunction) => (req.path.startsWith('/v1/') ? inject(req, res, next) : next()));
  app.useBodyParser('json', { limit: '1mb' });
  app.useGlobalFilters(new ProblemFilter());
  await app.init();
  let url: string | undefined;
  return {
    app,
    state,
    faults,
    get url() {
      return url;
    },
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen(port, host);
      const address = (app.getHttpServer() as Server).address() as AddressInfo;
      url = `http://${host}:${address.port}`;
      return url;
    },
    async close() {
      faults.close();
      (app.getHttpServer() as Server).closeAllConnections?.();
      await app.close();
    },
  };
}
