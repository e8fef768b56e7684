import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { ReadModelNotReadyError } from '@registry/projections';
import { deterministicEventId } from '../common/event-sourcing/command-handling';
import { describeUnexpectedError } from '../common/redact';
import { AppConfig } from '../config/app-config';
import { KeyRing } from '../config/key-ring';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { ANCHOR_STREAM, CHAIN_ANCHORED, ChainAnchoredData } from './audit-events';
import { AUDIT_ANCHORS, AUDIT_HEAD, AUDIT_PROJECTION, AnchorIndexDocument, AuditHeadDocument } from './audit.projection';
import { Anchor, AnchorFile, anchorFile, signAnchor } from './chain/anchor';

/**
 * Makes the chain's anchors: when AUDIT_ANCHOR_EVENTS events were chained since the last
 * anchor, or AUDIT_ANCHOR_INTERVAL_MS passed while the chain grew, it signs the chain's head
 * (position, count, link, as the audit projection recorded it) and appends the anchor to the
 * log (`ChainAnchored` on `audit-anchors`), where it is itself chained. The event id derives
 * from the anchored position, so two instances anchoring the same head store one anchor.
 */
@Injectable()
export class AnchorService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditAnchors');
  private timer?: NodeJS.Timeout;
  private last: { position: number; count: number; at: number } | null = null;
  private readonly startedAt = Date.now();
  private running: Promise<Anchor | null> | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly projections: ProjectionsService,
    private readonly keys: KeyRing,
    private readonly config: AppConfig,
    private readonly reference: ReferenceData,
  ) {}

  onApplicationBootstrap(): void {
    if (process.env.REGISTRY_CLI === '1' || !this.config.PROJECTIONS_ENABLED) return;
    const every = Math.min(10_000, this.config.AUDIT_ANCHOR_INTERVAL_MS || 10_000);
    this.timer = setInterval(
      () => void this.anchorIfDue().catch((e) => this.logger.error(`Anchoring failed: ${describeUnexpectedError(e)}`)),
      every,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Anchors the chain's head when the count or the interval says so; null when not due. */
  async anchorIfDue(): Promise<Anchor | null> {
    const head = await this.head();
    if (!head || head.count === 0) return null;
    const last = this.last ?? (await this.lastAnchor());
    const since = head.count - (last?.count ?? 0);
    const interval = this.config.AUDIT_ANCHOR_INTERVAL_MS;
    const timeDue = interval > 0 && Date.now() - (last?.at ?? this.startedAt) >= interval && head.lastPosition > (last?.position ?? 0);
    if (since < this.config.AUDIT_ANCHOR_EVENTS && !timeDue) return null;
    return this.anchorNow();
  }

  /** Signs and stores an anchor of the chain as it stands now (null when the chain is empty or already anchored there). */
  anchorNow(): Promise<Anchor | null> {
    this.running ??= this.anchor().finally(() => (this.running = null));
    return this.running;
  }

  private async anchor(): Promise<Anchor | null> {
    const head = await this.head();
    if (!head || head.count === 0 || !head.lastRecordedAt) return null;
    const last = this.last ?? (await this.lastAnchor());
    if (last && last.position >= head.lastPosition) return null;
    const signing = this.keys.signing;
    const anchor = signAnchor(
      {
        province: this.reference.provinceCode,
        algorithm: head.algorithm,
        position: head.lastPosition,
        count: head.count,
        link: head.lastLink,
        recordedAt: head.lastRecordedAt,
        anchoredAt: new Date().toISOString(),
        keyId: signing.keyId,
        signatureAlgorithm: 'ed25519',
      },
      signing.privateKey,
    );
    const data: ChainAnchoredData = { anchor };
    await this.events.appendToStream(ANCHOR_STREAM, [
      {
        id: deterministicEventId('chain-anchor', head.algorithm, String(head.lastPosition)),
        type: CHAIN_ANCHORED,
        data,
        metadata: {
          operator: 'audit-anchor',
          role: 'system',
          region: this.reference.provinceCode,
          channel: 'system',
          occurredAt: anchor.anchoredAt,
        },
      },
    ]);
    this.last = { position: anchor.position, count: anchor.count, at: Date.parse(anchor.anchoredAt) };
    this.logger.log(`Anchored the audit chain at position ${anchor.position} (${anchor.count} events)`);
    return anchor;
  }

  /** Every anchor in the log, oldest first (the log is the record; the read model only indexes it). */
  async anchors(): Promise<Anchor[]> {
    const stored = await this.events.readStream(ANCHOR_STREAM);
    return stored
      .filter((e) => e.type === CHAIN_ANCHORED)
      .map((e) => (e.data as ChainAnchoredData).anchor)
      .filter((a) => a && Number.isSafeInteger(a.position));
  }

  /** The anchors as a file to keep elsewhere, with the public key that checks them. */
  async exportFile(): Promise<AnchorFile> {
    const signing = this.keys.signing;
    return anchorFile(this.reference.provinceCode, signing.keyId, signing.publicKey, await this.anchors());
  }

  /** The first anchor at or after a position (what a ministry upload up to that position carries), from the read model. */
  async anchorCovering(position: number): Promise<Anchor | null> {
    try {
      const coll = await this.projections.collection<AnchorIndexDocument>(AUDIT_PROJECTION, AUDIT_ANCHORS);
      const page = await coll.find({ position: { gte: position } }, { sort: [['position', 1]], limit: 1 });
      return page.items[0]?.anchor ?? null;
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return null;
      throw error;
    }
  }

  async head(): Promise<AuditHeadDocument | null> {
    try {
      return await (await this.projections.collection<AuditHeadDocument>(AUDIT_PROJECTION, AUDIT_HEAD)).get(AUDIT_HEAD);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return null;
      throw error;
    }
  }

  private async lastAnchor(): Promise<{ position: number; count: number; at: number } | null> {
    const all = await this.anchors();
    const a = all[all.length - 1];
    return a ? { position: a.position, count: a.count, at: Date.parse(a.anchoredAt) } : null;
  }
}
