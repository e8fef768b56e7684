import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { AppConfig } from '../config/app-config';
import { ExchangeStateStore, InteractionsState, UploadState } from './exchange-state';
import { MinistryClient } from './ministry-client';
import { MinistryInteractionsService } from './ministry-interactions.service';
import { MinistryUploadService, PERSON_EVENTS } from './ministry-upload.service';

/** Failed runs in a row after which /health reports the exchange down. */
export const MAX_CONSECUTIVE_FAILURES = 3;

export interface ExchangeStatus {
  enabled: boolean;
  province: string;
  schedule: { uploadIntervalMs: number; downloadIntervalMs: number; maxPendingAgeMs: number };
  upload: UploadState & { running: boolean; oldestPendingRecordedAt: string | null };
  interactions: InteractionsState & { running: boolean; parkedUnmatched: number };
}

export interface ExchangeHealth {
  healthy: boolean;
  details: Record<string, unknown>;
}

/** The exchange's state for operators (GET /v1/ministry/exchange) and for /health. */
@Injectable()
export class MinistryExchangeService {
  constructor(
    private readonly client: MinistryClient,
    private readonly state: ExchangeStateStore,
    private readonly uploads: MinistryUploadService,
    private readonly downloads: MinistryInteractionsService,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly config: AppConfig,
  ) {}

  get maxPendingAgeMs(): number {
    return this.config.MINISTRY_MAX_PENDING_AGE_MS ?? 3 * (this.config.MINISTRY_UPLOAD_INTERVAL_MS || 3_600_000);
  }

  async status(): Promise<ExchangeStatus> {
    const [upload, interactions, head, parkedUnmatched] = await Promise.all([
      this.state.upload(),
      this.state.interactions(),
      this.events.headPosition(PERSON_EVENTS),
      this.state.unmatched().count(),
    ]);
    const { _position: _u, ...uploadView } = upload;
    const { _position: _i, ...interactionsView } = interactions;
    return {
      enabled: this.client.enabled,
      province: this.config.PROVINCE_CODE,
      schedule: {
        uploadIntervalMs: this.config.MINISTRY_UPLOAD_INTERVAL_MS,
        downloadIntervalMs: this.config.MINISTRY_DOWNLOAD_INTERVAL_MS,
        maxPendingAgeMs: this.maxPendingAgeMs,
      },
      upload: {
        ...(uploadView as UploadState),
        // Live: the stored figures are as of the last run.
        headPosition: head,
        pendingEvents: Math.max(0, head - upload.lastAcknowledgedPosition),
        running: this.uploads.running,
        oldestPendingRecordedAt: await this.oldestPending(upload.lastAcknowledgedPosition),
      },
      interactions: { ...(interactionsView as InteractionsState), running: this.downloads.running, parkedUnmatched },
    };
  }

  /**
   * Down when either exchange failed MAX_CONSECUTIVE_FAILURES runs in a row, or when the
   * oldest event not yet acknowledged by the ministry is older than MINISTRY_MAX_PENDING_AGE_MS.
   */
  async health(): Promise<ExchangeHealth> {
    if (!this.client.enabled) return { healthy: true, details: { state: 'disabled' } };
    const [upload, interactions] = await Promise.all([this.state.upload(), this.state.interactions()]);
    const oldest = await this.oldestPending(upload.lastAcknowledgedPosition);
    const pendingAgeMs = oldest ? Math.max(0, Date.now() - Date.parse(oldest)) : 0;
    const problems: string[] = [];
    if (upload.consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) problems.push('upload-failing');
    if (interactions.consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) problems.push('download-failing');
    if (pendingAgeMs > this.maxPendingAgeMs) problems.push('upload-pending-too-long');
    return {
      healthy: problems.length === 0,
      details: {
        state: problems.length === 0 ? 'ok' : 'degraded',
        problems,
        lastAcknowledgedPosition: upload.lastAcknowledgedPosition,
        pendingSince: oldest,
        uploadFailures: upload.consecutiveFailures,
        uploadLastError: upload.lastError?.code ?? null,
        lastUploadAt: upload.lastSuccessAt,
        downloadFailures: interactions.consecutiveFailures,
        downloadLastError: interactions.lastError?.code ?? null,
        lastDownloadAt: interactions.lastSuccessAt,
      },
    };
  }

  /** When the first person event after the acknowledged position was recorded (null: nothing pending). */
  private async oldestPending(acknowledged: number): Promise<string | null> {
    for await (const event of this.events.readAll({ fromPosition: acknowledged, filter: PERSON_EVENTS, maxCount: 1 }))
      return event.recordedAt;
    return null;
  }
}
