import { Logger } from '@nestjs/common';
import type { ReadStore } from '@registry/read-store';
import {
  DeliveryReceipt,
  IncomingReply,
  NotificationPort,
  OutgoingMessage,
  ReceiptBatch,
  ReplyBatch,
  SendResult,
} from './notification.port';

export interface SmsGatewaySettings {
  /** Base URL; the adapter calls `${baseUrl}/v1/messages`, `${baseUrl}/v1/receipts` and `${baseUrl}/v1/replies`. */
  baseUrl: string;
  token: string;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  /** Messages per request (the interface allows up to 100). */
  batchSize: number;
}

const MAX_BACKOFF_MS = 30_000;
export const NOTIFICATION_STATE_COLLECTION = 'notification_state';
const RECEIPTS_CURSOR = 'sms-gateway:receipts';
const REPLIES_CURSOR = 'sms-gateway:replies';

class GatewayFailure extends Error {
  constructor(
    readonly code: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(`SMS gateway call failed (${code})`);
    this.name = 'GatewayFailure';
  }
}

interface MessagesAnswer {
  results?: Array<{ id?: unknown; status?: unknown; code?: unknown }>;
}
interface PageAnswer {
  items?: unknown[];
  nextCursor?: unknown;
}
/**
 * The HTTP SMS gateway adapter (docs/sms-gateway-interface.md): batches of up to 100
 * messages per POST /v1/messages, each call bounded by a timeout and retried with exponential
 * back-off and full jitter on network errors, timeouts, 429 and 5xx (never on another 4xx, which
 * a retry cannot fix); message ids are idempotency keys, so a retry after a lost answer sends
 * nothing twice. Delivery receipts (GET /v1/receipts) and citizens' answers (GET /v1/replies)
 * are pulled after cursors kept in the read store, moved on only once they are recorded. Logs name endpoints and codes,
 * never a number or a text.
 */
export class SmsGatewayNotifier implements NotificationPort {
  readonly kind = 'sms-gateway';
  private readonly logger = new Logger('SmsGateway');

  constructor(
    private readonly settings: SmsGatewaySettings,
    private readonly reads: ReadStore,
  ) {}

  async send(messages: readonly OutgoingMessage[]): Promise<SendResult[]> {
    const results: SendResult[] = [];
    for (let i = 0; i < messages.length; i += this.settings.batchSize) {
      const batch = messages.slice(i, i + this.settings.batchSize);
      let answer: MessagesAnswer;
      try {
        answer = await this.call<MessagesAnswer>('POST', '/v1/messages', { messages: batch });
      } catch (error) {
        const failure = error instanceof GatewayFailure ? error : new GatewayFailure('INVALID_RESPONSE', false);
        // Nothing of this batch was handed over: each message fails with the call's code.
        results.push(...batch.map((m) => ({ id: m.id, status: 'failed' as const, code: failure.code, retryable: failure.retryable })));
        continue;
      }
      const byId = new Map((answer.results ?? []).filter((r) => typeof r.id === 'string').map((r) => [r.id as string, r]));
      for (const m of batch) {
        const r = byId.get(m.id);
        if (r?.status === 'accepted') results.push({ id: m.id, status: 'accepted' });
        else if (r?.status === 'rejected') {
          const code = typeof r.code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(r.code) ? r.code : 'REJECTED';
          results.push({ id: m.id, status: 'failed', code, retryable: false });
        } else results.push({ id: m.id, status: 'failed', code: 'NO_RESULT', retryable: true });
      }
    }
    return results;
  }

  receipts(): Promise<ReceiptBatch> {
    return this.pull('/v1/receipts', RECEIPTS_CURSOR, (raw) => {
      const r = raw as { id?: unknown; status?: unknown; at?: unknown; code?: unknown } | null;
      if (typeof r?.id !== 'string' || (r.status !== 'delivered' && r.status !== 'undeliverable') || typeof r.at !== 'string')
        return undefined;
      return { id: r.id, status: r.status, at: r.at, ...(typeof r.code === 'string' && { code: r.code }) } satisfies DeliveryReceipt;
    });
  }

  replies(): Promise<ReplyBatch> {
    return this.pull('/v1/replies', REPLIES_CURSOR, (raw) => {
      const r = raw as { id?: unknown; inReplyTo?: unknown; text?: unknown; at?: unknown } | null;
      if (typeof r?.id !== 'string' || typeof r.text !== 'string' || typeof r.at !== 'string') return undefined;
      return {
        id: r.id,
        text: r.text,
        at: r.at,
        ...(typeof r.inReplyTo === 'string' && { inReplyTo: r.inReplyTo }),
      } satisfies IncomingReply;
    });
  }

  /** Pages of a feed after the cursor kept in the read store; the cursor moves on only when the caller acknowledges. */
  private async pull<T>(
    path: string,
    cursorId: string,
    parse: (raw: unknown) => T | undefined,
  ): Promise<{ items: T[]; acknowledge(): Promise<void> }> {
    const state = await this.reads.collection(NOTIFICATION_STATE_COLLECTION).get(cursorId);
    let cursor = typeof state?.cursor === 'string' ? state.cursor : undefined;
    const items: T[] = [];
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({ limit: '500', ...(cursor ? { after: cursor } : {}) });
      const answer = await this.call<PageAnswer>('GET', `${path}?${query}`);
      const raw = Array.isArray(answer.items) ? answer.items : [];
      for (const item of raw) {
        const parsed = parse(item);
        if (parsed !== undefined) items.push(parsed);
      }
      const next = typeof answer.nextCursor === 'string' ? answer.nextCursor : undefined;
      if (!next || next === cursor || raw.length === 0) {
        cursor = next ?? cursor;
        break;
      }
      cursor = next;
    }
    return {
      items,
      acknowledge: async () => {
        if (cursor !== undefined) await this.reads.collection(NOTIFICATION_STATE_COLLECTION).upsert({ _id: cursorId, cursor });
      },
    };
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const { retries, retryBaseMs } = this.settings;
    const endpoint = path.split('?')[0];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt<T>(method, path, body);
      } catch (raw) {
        const error = raw instanceof GatewayFailure ? raw : new GatewayFailure('INVALID_RESPONSE', false);
        if (!error.retryable || attempt > retries) {
          if (attempt > 1 || !error.retryable) this.logger.warn(`${method} ${endpoint} failed (${error.code}) after ${attempt} attempt(s)`);
          throw error;
        }
        const backoff = Math.random() * Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** (attempt - 1));
        const delay = Math.min(MAX_BACKOFF_MS, Math.max(backoff, error.retryAfterMs ?? 0));
        this.logger.warn(`${method} ${endpoint} failed (${error.code}); retry ${attempt}/${retries} in ${Math.round(delay)} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async attempt<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.settings.timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetch(`${this.settings.baseUrl}${path}`, {
          method,
          headers: {
            Accept: 'application/json',
            Authorization: `Bearer ${this.settings.token}`,
            ...(body !== undefined && { 'Content-Type': 'application/json; charset=utf-8' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: controller.signal,
        });
      } catch {
        throw new GatewayFailure(controller.signal.aborted ? 'GATEWAY_TIMEOUT' : 'GATEWAY_UNREACHABLE', true);
      }
      let text: string;
      try {
        text = await response.text();
      } catch {
        throw new GatewayFailure(controller.signal.aborted ? 'GATEWAY_TIMEOUT' : 'GATEWAY_UNREACHABLE', true);
      }
      if (!response.ok) {
        const retryAfter = response.headers.get('retry-after');
        const retryAfterMs = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) * 1000 : undefined;
        throw new GatewayFailure(`HTTP_${response.status}`, response.status >= 500 || response.status === 429, retryAfterMs);
      }
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new GatewayFailure('INVALID_RESPONSE', false);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
