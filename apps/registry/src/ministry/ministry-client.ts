import { Injectable, Logger, Optional } from '@nestjs/common';
import { isContributionStatus, isInsuranceType } from '@registry/domain';
import { Counter } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import {
  EnrolmentElsewhere,
  InquiryResponse,
  InquiryResult,
  InteractionsPage,
  MAX_INQUIRY_IDS,
  MINISTRY_API_PATH,
  UploadAck,
  UploadBatch,
  UploadProgress,
  buildInquiry,
} from './ministry-protocol';

/** Longest wait between two attempts, whatever the back-off or Retry-After says. */
const MAX_BACKOFF_MS = 30_000;
const CITIZEN_ID = /^\d{17}[\dX]$/;

/**
 * A failed exchange call. `code` is the ministry's problem code when it answered one
 * (POSITION_MISMATCH, BATCH_CONFLICT, …), else one of MINISTRY_DISABLED,
 * MINISTRY_TIMEOUT, MINISTRY_UNREACHABLE, INVALID_RESPONSE or HTTP_<status>. Messages
 * never carry a request or response body, so no citizen ID can reach a log through them.
 */
export class MinistryError extends Error {
  /** From a Retry-After header: the least wait before the next attempt. */
  retryAfterMs?: number;

  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** Safe extension members of the ministry's problem (lastPosition, lastBatchId, batchId). */
    readonly problem: { lastPosition?: number; lastBatchId?: string | null; batchId?: string } = {},
    readonly attempts = 1,
  ) {
    super(message);
    this.name = 'MinistryError';
  }
}

export interface MinistryClientSettings {
  baseUrl?: string;
  token?: string;
  province: string;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
}

interface RequestOptions {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Label for logs and metrics: the endpoint template, never a value. */
  endpoint: 'inquiries' | 'uploads' | 'uploads/progress' | 'interactions';
}

/**
 * The registry's side of docs/ministry-interface.md: JSON over HTTPS with a bearer API
 * key, each call bounded by MINISTRY_TIMEOUT_MS (AbortController) and retried with
 * exponential back-off and full jitter on network errors, timeouts, 429 and 5xx — never
 * on another 4xx, which a retry cannot fix. Batch ids are derived from content, so a retry
 * after a lost answer is the same batch to the ministry.
 */
@Injectable()
export class MinistryClient {
  private readonly logger = new Logger('MinistryClient');
  private readonly settings: MinistryClientSettings;
  private readonly requests?: Counter<'endpoint' | 'outcome'>;

  constructor(config: AppConfig, @Optional() metrics?: MetricsService) {
    this.settings = {
      baseUrl: config.MINISTRY_URL?.replace(/\/+$/, ''),
      token: config.MINISTRY_TOKEN,
      province: config.PROVINCE_CODE,
      timeoutMs: config.MINISTRY_TIMEOUT_MS,
      retries: config.MINISTRY_RETRIES,
      retryBaseMs: config.MINISTRY_RETRY_BASE_MS,
    };
    if (metrics) {
      const existing = metrics.registry.getSingleMetric('registry_ministry_requests_total') as Counter<'endpoint' | 'outcome'> | undefined;
      this.requests =
        existing ??
        new Counter({
          name: 'registry_ministry_requests_total',
          help: 'Ministry exchange HTTP attempts by endpoint template and outcome (ok, a problem code, timeout, unreachable)',
          labelNames: ['endpoint', 'outcome'] as const,
          registers: [metrics.registry],
        });
    }
  }

  /** False when MINISTRY_URL is unset: every call then fails with MINISTRY_DISABLED. */
  get enabled(): boolean {
    return this.settings.baseUrl !== undefined;
  }

  get province(): string {
    return this.settings.province;
  }

  /**
   * Asks which of these persons are insured in other provinces (comparison inquiry, §3.1).
   * IDs must be normalised 18-character numbers; repeats are asked once. Sent in batches of
   * at most 1000, one after the other; the answer has one result per distinct ID, in the
   * order given, with `records: []` for persons the ministry knows nothing about.
   */
  async inquire(citizenIds: string[]): Promise<InquiryResult[]> {
    const distinct = [...new Set(citizenIds)];
    if (distinct.some((id) => typeof id !== 'string' || !CITIZEN_ID.test(id))) {
      throw new MinistryError('INVALID_CITIZEN_ID', 'inquire() takes normalised 18-character citizen IDs', false);
    }
    const byId = new Map<string, InquiryResult>();
    for (let i = 0; i < distinct.length; i += MAX_INQUIRY_IDS) {
      const inquiry = buildInquiry(this.settings.province, distinct.slice(i, i + MAX_INQUIRY_IDS));
      const response = await this.request<InquiryResponse>({ method: 'POST', path: '/inquiries', body: inquiry, endpoint: 'inquiries' });
      if (response?.batchId !== inquiry.batchId || !Array.isArray(response.results)) {
        throw new MinistryError('INVALID_RESPONSE', 'The inquiry answer does not match the inquiry sent', false);
      }
      for (const result of response.results) {
        if (result && typeof result.citizenId === 'string' && Array.isArray(result.records)) {
          byId.set(result.citizenId, { citizenId: result.citizenId, records: result.records.filter(isEnrolmentElsewhere) });
        }
      }
    }
    return distinct.map((citizenId) => byId.get(citizenId) ?? { citizenId, records: [] });
  }

  /** Uploads one batch (§3.2). Resolves only with an acknowledgement of exactly this batch. */
  async upload(batch: UploadBatch): Promise<UploadAck> {
    const { batchId, ...body } = batch;
    const ack = await this.request<UploadAck>({
      method: 'POST',
      path: `/uploads/${encodeURIComponent(batchId)}`,
      body,
      endpoint: 'uploads',
    });
    if (ack?.acknowledged !== true || ack.batchId !== batchId || ack.position !== batch.toPosition) {
      throw new MinistryError('INVALID_RESPONSE', 'The upload answer does not acknowledge the batch sent', false);
    }
    return ack;
  }

  /** What the ministry holds of this province's uploads (§3.2.3): where an upload must continue. */
  async uploadProgress(): Promise<UploadProgress> {
    const progress = await this.request<UploadProgress>({
      method: 'GET',
      path: '/uploads/progress',
      query: { province: this.settings.province },
      endpoint: 'uploads/progress',
    });
    if (typeof progress?.lastPosition !== 'number')
      throw new MinistryError('INVALID_RESPONSE', 'The progress answer has no lastPosition', false);
    return progress;
  }

  /** One page of this province's interaction data after a cursor (§3.3). */
  async interactions(after?: string, limit?: number): Promise<InteractionsPage> {
    const page = await this.request<InteractionsPage>({
      method: 'GET',
      path: '/interactions',
      query: { province: this.settings.province, after, limit: limit === undefined ? undefined : String(limit) },
      endpoint: 'interactions',
    });
    if (!page || !Array.isArray(page.items) || typeof page.hasMore !== 'boolean') {
      throw new MinistryError('INVALID_RESPONSE', 'The interactions answer is not a page', false);
    }
    return page;
  }

  private async request<T>(options: RequestOptions): Promise<T> {
    const { baseUrl, token, retries } = this.settings;
    if (!baseUrl) throw new MinistryError('MINISTRY_DISABLED', 'The ministry exchange is not configured (MINISTRY_URL is unset)', false);
    const url = new URL(`${baseUrl}${MINISTRY_API_PATH}${options.path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const init: RequestInit = {
      method: options.method,
      headers: {
        Accept: 'application/json',
        Authorization: `Bearer ${token ?? ''}`,
        ...(options.body !== undefined ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    };
    for (let attempt = 1; ; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const result = await this.attempt<T>(url, init);
        this.requests?.inc({ endpoint: options.endpoint, outcome: 'ok' });
        return result;
      } catch (raw) {
        const error =
          raw instanceof MinistryError ? raw : new MinistryError('INVALID_RESPONSE', 'Unexpected failure reading the answer', false);
        this.requests?.inc({ endpoint: options.endpoint, outcome: error.code });
        if (!error.retryable || attempt > retries) {
          throw new MinistryError(error.code, error.message, error.retryable, error.status, error.problem, attempt);
        }
        retryAfterMs = error.retryAfterMs;
        const backoff = Math.random() * Math.min(MAX_BACKOFF_MS, this.settings.retryBaseMs * 2 ** (attempt - 1));
        const delay = Math.min(MAX_BACKOFF_MS, Math.max(backoff, retryAfterMs ?? 0));
        this.logger.warn(
          `${options.method} ${options.endpoint} failed (${error.code}); retry ${attempt}/${retries} in ${Math.round(delay)} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** One HTTP attempt, bounded by the timeout (which also covers reading the body). */
  private async attempt<T>(url: URL, init: RequestInit): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.settings.timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetch(url, { ...init, signal: controller.signal });
      } catch {
        if (controller.signal.aborted) throw new MinistryError('MINISTRY_TIMEOUT', `No answer within ${this.settings.timeoutMs} ms`, true);
        throw new MinistryError('MINISTRY_UNREACHABLE', 'The ministry could not be reached or dropped the connection', true);
      }
      let text: string;
      try {
        text = await response.text();
      } catch {
        if (controller.signal.aborted)
          throw new MinistryError('MINISTRY_TIMEOUT', `No complete answer within ${this.settings.timeoutMs} ms`, true);
        throw new MinistryError('MINISTRY_UNREACHABLE', 'The connection broke while reading the answer', true);
      }
      if (response.ok) {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new MinistryError('INVALID_RESPONSE', `The ministry answered ${response.status} with a body that is not JSON`, false);
        }
      }
      throw problemError(response, text);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Records with codes this version does not know are dropped rather than passed on unchecked. */
function isEnrolmentElsewhere(r: unknown): r is EnrolmentElsewhere {
  const e = r as Partial<EnrolmentElsewhere> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.provinceCode === 'string' &&
    /^\d{2}$/.test(e.provinceCode) &&
    isInsuranceType(e.insuranceType) &&
    isContributionStatus(e.contributionStatus) &&
    typeof e.since === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(e.since)
  );
}

function problemError(response: Response, text: string): MinistryError {
  let problem: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') problem = parsed as Record<string, unknown>;
  } catch {
    // not a problem document: the status alone decides
  }
  const status = response.status;
  const code = typeof problem.code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(problem.code) ? problem.code : `HTTP_${status}`;
  const retryable = status >= 500 || status === 429;
  const error = new MinistryError(code, `The ministry answered ${status} ${code}`, retryable, status, {
    lastPosition: typeof problem.lastPosition === 'number' ? problem.lastPosition : undefined,
    lastBatchId: typeof problem.lastBatchId === 'string' ? problem.lastBatchId : undefined,
    batchId: typeof problem.batchId === 'string' ? problem.batchId : undefined,
  });
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) error.retryAfterMs = Number(retryAfter.trim()) * 1000;
  return error;
}
