import type { RecordedEvent } from '@registry/event-store';
import type { BatchProjectionContext, Projection } from '@registry/projections';
import type { Document } from '@registry/read-store';
import {
  ANCHOR_STREAM,
  CHAIN_ANCHORED,
  ChainAnchoredData,
  IMPORT_COMPLETED,
  PERSONAL_DATA_DISCLOSED,
  PERSONAL_DATA_READ,
  PersonalDataReadData,
} from './audit-events';
import { BLOCK_EVENTS, ChainBlockDocument, EntryPacker, MARK_EVERY, blockId } from './chain/chain-block';
import { ChainAlgorithm, GENESIS_LINK, LinkHasher, idTag } from './chain/event-bytes';
import { TIMELINESS_BOUNDS, timelinessBucket } from './quality-buckets';

export const AUDIT_PROJECTION = 'audit';
export const AUDIT_HEAD = 'head';
export const AUDIT_BLOCKS = 'blocks';
export const AUDIT_SEGMENTS = 'segments';
export const AUDIT_READS = 'reads';
export const AUDIT_QUALITY = 'quality';
export const AUDIT_ANCHORS = 'anchors';

/** Where the chain stands after the last event applied. */
export interface AuditHeadDocument extends Document {
  algorithm: ChainAlgorithm;
  lastPosition: number;
  lastLink: string;
  lastRecordedAt: string | null;
  count: number;
  /** The block being filled, and how many events it holds. */
  block: { n: number; count: number } | null;
  /** The segment the next event may extend. */
  segment: { id: string; key: string } | null;
}

export type SegmentKind = 'change' | 'read' | 'system';

/**
 * A run of consecutive events with the same actor (operator, role, region, channel, source
 * system, correlation: an import's batch is one segment, an HTTP command another). The audit
 * trail indexes segments, not events: an entry's own fields (type, person, times) are read
 * from the log when the segment is listed, so a bulk load costs one document per batch.
 */
export interface SegmentDocument extends Document {
  from: number;
  to: number;
  count: number;
  kind: SegmentKind;
  operator: string | null;
  role: string | null;
  /** The acting caller's region (where the change or read was made from). */
  region: string | null;
  channel: string | null;
  source: string | null;
  /** Import id, comparison run id, or a request's correlation id. */
  correlationId: string | null;
  recordedFrom: string;
  recordedTo: string;
  types: Record<string, number>;
}

/** One person shown by one read, for "who looked at this person". */
export interface ReadIndexDocument extends Document {
  personId: string;
  position: number;
  /** Index of the read within its event's entries, then of the person within the read. */
  k: number;
  eventId: string;
  at: string;
  view: string;
  operator: string | null;
  role: string | null;
  region: string | null;
  channel: string | null;
}

/**
 * Data-quality figures of one unit: an import (by its id), or the events of one source on one
 * day outside imports. Counts come from the events; an import's file figures (completeness,
 * rule failures, duplicates) from its ImportCompleted event.
 */
export interface QualityDocument extends Document {
  kind: 'import' | 'daily';
  importId: string | null;
  source: string | null;
  region: string | null;
  day: string;
  firstRecordedAt: string;
  lastRecordedAt: string;
  events: number;
  byType: Record<string, number>;
  conflictsByField: Record<string, number>;
  anomaliesByCode: Record<string, number>;
  /** recordedAt − occurredAt per event, counted in the buckets of TIMELINESS_BOUNDS (seconds, upper bounds). */
  timeliness: number[];
  completed: ImportFigures | null;
}

/** What an import reports of its file when it completes (ImportCompleted). */
export interface ImportFigures {
  finishedAt: string;
  counts: { read: number; imported: number; quarantined: number; withWarnings: number; unchanged: number; events: number };
  reasonsByCode: Record<string, number>;
  warningsByCode: Record<string, number>;
  /** Rows whose cell for the field was not blank, per registry field of the mapping. */
  fieldsPresent?: Record<string, number>;
  /** Fields the mapping has and the file had no column for. */
  fieldsMissing?: string[];
}

export interface AnchorIndexDocument extends Document {
  /** The anchored chain position. */
  position: number;
  /** Where the ChainAnchored event itself lies. */
  eventPosition: number;
  anchor: ChainAnchoredData['anchor'];
}

function kindOf(type: string): SegmentKind {
  if (type === PERSONAL_DATA_READ || type === PERSONAL_DATA_DISCLOSED) return 'read';
  if (type === CHAIN_ANCHORED) return 'system';
  return 'change';
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The actor a segment is for, as it is kept in the head document: a JSON array, never a NUL
 * separator, because FerretDB on PostgreSQL stores documents as jsonb, which refuses U+0000.
 */
function segmentKey(event: RecordedEvent, kind: SegmentKind): string {
  const m = event.metadata;
  return JSON.stringify([
    kind,
    m.operator ?? '',
    m.role ?? '',
    m.region ?? '',
    m.channel ?? '',
    m.sourceSystem ?? '',
    m.correlationId ?? '',
  ]);
}

export function segmentIdOf(from: number): string {
  return `s${String(from).padStart(15, '0')}`;
}

/**
 * The audit projection: every event of the log, in order, feeds
 * - the hash chain (`blocks`, `head`): each event's link H(previous link ‖ canonical bytes),
 *   recorded per event as position, id tag and the head of the link, in blocks of BLOCK_EVENTS;
 * - the audit trail's index (`segments`), runs of events by one actor;
 * - who read whom (`reads`), one document per person shown by a recorded read;
 * - data-quality counters per import or per source and day (`quality`);
 * - the anchors found in the log (`anchors`).
 * A batch projection: a bulk load writes a block, a segment and a quality document per batch,
 * not a document per event. Its version carries the hash algorithm, so changing
 * AUDIT_HASH_ALGORITHM rebuilds the chain beside the serving one.
 */
export function auditProjection(algorithm: ChainAlgorithm): Projection {
  return {
    name: AUDIT_PROJECTION,
    // Version 2 of the layout (segment keys as JSON); the last digit names the algorithm (0 SM3, 1 SHA-256).
    version: 20 + (algorithm === 'sha256' ? 1 : 0),
    eventTypes: 'all',
    // Data is read only from anchors, recorded reads and a few quality figures; the chain hashes the stored text.
    lazyData: true,
    // A batch about fills a block. Larger batches write no less (a block is rewritten while it
    // fills) and hold each event's stored text, and twice as many read ahead, through the thread's
    // young-generation collections: a catch-up of a 200,000-person log was faster and its peak
    // 70-85 MiB lower in three alternating pairs against the runner's 24,000 (bench/RESULTS.md).
    batchEvents: BLOCK_EVENTS,
    collections: [
      { name: AUDIT_HEAD },
      { name: AUDIT_BLOCKS, indexes: [{ name: 'to', fields: [['to', 1]] }] },
      {
        name: AUDIT_SEGMENTS,
        indexes: [
          { name: 'to', fields: [['to', 1]] },
          {
            name: 'operator',
            fields: [
              ['operator', 1],
              ['to', 1],
            ],
          },
          {
            name: 'region',
            fields: [
              ['region', 1],
              ['to', 1],
            ],
          },
          {
            name: 'correlation',
            fields: [
              ['correlationId', 1],
              ['to', 1],
            ],
          },
          { name: 'recorded', fields: [['recordedTo', 1]] },
        ],
      },
      {
        name: AUDIT_READS,
        indexes: [
          {
            name: 'person',
            fields: [
              ['personId', 1],
              ['position', 1],
            ],
          },
        ],
      },
      {
        name: AUDIT_QUALITY,
        indexes: [
          { name: 'source', fields: [['source', 1]] },
          { name: 'first', fields: [['firstRecordedAt', 1]] },
        ],
      },
      { name: AUDIT_ANCHORS, indexes: [{ name: 'position', fields: [['position', 1]] }] },
    ],
    applyBatch: (events, ctx) => new AuditBatch(algorithm, ctx).apply(events),
  };
}

type BlockFields = Pick<
  ChainBlockDocument,
  '_id' | 'n' | 'from' | 'to' | 'count' | 'prevLink' | 'lastLink' | 'recordedFrom' | 'recordedTo' | 'marks'
>;

/** The work of one batch: state loaded at its start, documents put at its end. */
class AuditBatch {
  private readonly hasher: LinkHasher;
  private head!: AuditHeadDocument;
  private prev: Buffer = GENESIS_LINK;
  private block: { doc: BlockFields; packer: EntryPacker } | null = null;
  private segment: SegmentDocument | null = null;
  private segmentKeyNow = '';
  private lastMetadata: unknown = undefined;
  private lastKind: SegmentKind | null = null;
  private readonly quality = new Map<string, QualityDocument>();
  private recordedText = '';
  private recordedMs = 0;
  private occurredText = '';
  private occurredMs = 0;

  constructor(
    private readonly algorithm: ChainAlgorithm,
    private readonly ctx: BatchProjectionContext,
  ) {
    this.hasher = new LinkHasher(algorithm);
  }

  async apply(all: RecordedEvent[]): Promise<void> {
    const stored = await this.ctx.get<AuditHeadDocument>(AUDIT_HEAD, AUDIT_HEAD);
    this.head = stored
      ? { ...stored }
      : {
          _id: AUDIT_HEAD,
          algorithm: this.algorithm,
          lastPosition: 0,
          lastLink: GENESIS_LINK.toString('hex'),
          lastRecordedAt: null,
          count: 0,
          block: null,
          segment: null,
        };
    if (this.head.algorithm !== this.algorithm) throw new Error('the audit chain was built with another hash algorithm');
    // Events the documents already reflect (a replay after a crash on a store without transactions).
    const events = all[0].position > this.head.lastPosition ? all : all.filter((e) => e.position > this.head.lastPosition);
    if (events.length === 0) return;
    this.prev = Buffer.from(this.head.lastLink, 'hex');
    await this.openBlock();
    await this.openSegment(events[0]);
    for (const event of events) {
      await this.chain(event);
      this.index(event);
      await this.count(event);
    }
    this.closeBlock(false);
    if (this.segment) {
      this.ctx.put(AUDIT_SEGMENTS, { ...this.segment, _position: this.segment.to });
      this.head.segment = { id: this.segment._id, key: this.segmentKeyNow };
    }
    for (const q of this.quality.values()) this.ctx.put(AUDIT_QUALITY, q);
    const last = events[events.length - 1];
    this.head.lastPosition = last.position;
    this.head.lastLink = this.prev.toString('hex');
    this.head.lastRecordedAt = last.recordedAt;
    this.ctx.put(AUDIT_HEAD, { ...this.head, _position: last.position });
  }

  // ---- the chain ------------------------------------------------------------------------

  private async openBlock(): Promise<void> {
    const b = this.head.block;
    if (b && b.count < BLOCK_EVENTS) {
      const stored = await this.ctx.get<ChainBlockDocument>(AUDIT_BLOCKS, blockId(b.n));
      if (stored) {
        const { _id, n, from, to, count, prevLink, lastLink, recordedFrom, recordedTo, marks } = stored;
        const doc: BlockFields = { _id, n, from, to, count, prevLink, lastLink, recordedFrom, recordedTo, marks };
        this.block = { doc, packer: new EntryPacker(stored.to, Buffer.from(stored.entries, 'base64')) };
        return;
      }
    }
    this.block = null;
  }

  private async chain(event: RecordedEvent): Promise<void> {
    // A stored block filled up by a batch whose head was not written: the next event opens a new one.
    if (this.block && this.block.doc.count >= BLOCK_EVENTS && event.position > this.block.doc.to) this.block = null;
    if (!this.block) {
      const n = this.head.block ? this.head.block.n + 1 : 0;
      this.block = {
        doc: {
          _id: blockId(n),
          n,
          from: event.position,
          to: event.position,
          count: 0,
          prevLink: this.prev.toString('hex'),
          lastLink: '',
          recordedFrom: event.recordedAt,
          recordedTo: event.recordedAt,
          marks: '',
        },
        packer: new EntryPacker(this.head.lastPosition),
      };
      this.head.block = { n, count: 0 };
    }
    const link = this.hasher.next(this.prev, event);
    const block = this.block;
    // A block written by a batch whose head was not (the store died between them) already
    // holds this event: the head catches up, the block stays as it is.
    if (event.position > block.doc.to || block.doc.count === 0) {
      block.packer.add(event.position, idTag(event.id), link);
      block.doc.count++;
      if (block.doc.count % MARK_EVERY === 0) block.doc.marks += link.toString('hex');
      block.doc.to = event.position;
      block.doc.recordedTo = event.recordedAt;
    }
    this.head.block!.count = block.doc.count;
    this.head.count++;
    this.head.lastPosition = event.position;
    this.prev = link;
    if (block.doc.count >= BLOCK_EVENTS) this.closeBlock(true);
  }

  private closeBlock(full: boolean): void {
    const block = this.block;
    if (!block) return;
    this.ctx.put(AUDIT_BLOCKS, {
      ...block.doc,
      lastLink: this.prev.toString('hex'),
      entries: block.packer.encode(),
      _position: block.doc.to,
    });
    if (full) this.block = null;
  }

  // ---- the trail's index ----------------------------------------------------------------

  private async openSegment(first: RecordedEvent): Promise<void> {
    const open = this.head.segment;
    if (!open) return;
    const kind = kindOf(first.type);
    if (open.key !== segmentKey(first, kind)) return;
    const stored = await this.ctx.get<SegmentDocument>(AUDIT_SEGMENTS, open.id);
    if (!stored) return;
    this.segment = { ...stored, types: { ...stored.types } };
    this.segmentKeyNow = open.key;
    this.lastMetadata = first.metadata;
    this.lastKind = kind;
  }

  private index(event: RecordedEvent): void {
    const kind = kindOf(event.type);
    // An import's events share one metadata object: the key is compared only when it changes.
    if (event.metadata !== this.lastMetadata || kind !== this.lastKind || !this.segment) {
      const key = segmentKey(event, kind);
      this.lastMetadata = event.metadata;
      this.lastKind = kind;
      if (!this.segment || key !== this.segmentKeyNow) {
        if (this.segment) this.ctx.put(AUDIT_SEGMENTS, { ...this.segment, _position: this.segment.to });
        const m = event.metadata;
        this.segment = {
          _id: segmentIdOf(event.position),
          from: event.position,
          to: event.position,
          count: 0,
          kind,
          operator: str(m.operator),
          role: str(m.role),
          region: str(m.region),
          channel: str(m.channel),
          source: str(m.sourceSystem),
          correlationId: str(m.correlationId),
          recordedFrom: event.recordedAt,
          recordedTo: event.recordedAt,
          types: {},
        };
        this.segmentKeyNow = key;
      }
    }
    const s = this.segment!;
    // A segment written by a batch whose head was not already counts this event.
    if (event.position > s.to || s.count === 0) {
      s.to = event.position;
      s.count++;
      s.recordedTo = event.recordedAt;
      s.types[event.type] = (s.types[event.type] ?? 0) + 1;
    }
    if (kind === 'read') this.indexRead(event);
    else if (event.type === CHAIN_ANCHORED && event.stream === ANCHOR_STREAM) {
      const anchor = (event.data as ChainAnchoredData | null)?.anchor;
      if (anchor && Number.isSafeInteger(anchor.position)) {
        this.ctx.put(AUDIT_ANCHORS, {
          _id: `a${String(anchor.position).padStart(15, '0')}`,
          position: anchor.position,
          eventPosition: event.position,
          anchor,
          _position: event.position,
        });
      }
    }
  }

  private indexRead(event: RecordedEvent): void {
    const m = event.metadata;
    const who = { operator: str(m.operator), role: str(m.role), region: str(m.region), channel: str(m.channel) };
    const put = (personId: string, k: number, at: string, view: string) =>
      this.ctx.put(AUDIT_READS, {
        _id: `${personId}:${event.position}:${k}`,
        personId,
        position: event.position,
        k,
        eventId: event.id,
        at,
        view,
        ...who,
        _position: event.position,
      });
    if (event.type === PERSONAL_DATA_DISCLOSED) {
      const data = event.data as { personId?: unknown; view?: unknown };
      if (typeof data?.personId === 'string') put(data.personId, 0, event.recordedAt, `${String(data.view ?? 'person')}:unmask`);
      return;
    }
    const entries = (event.data as PersonalDataReadData | null)?.entries;
    if (!Array.isArray(entries)) return;
    let k = 0;
    // k numbers the entries as the audit trail lists them: one per person shown, one for a read that showed none.
    for (const entry of entries) {
      const persons: unknown[] = Array.isArray(entry?.persons) && entry.persons.length > 0 ? entry.persons : [null];
      for (const personId of persons) {
        if (typeof personId === 'string') put(personId, k, String(entry.at ?? event.recordedAt), String(entry.view ?? ''));
        k++;
      }
    }
  }

  // ---- data quality ---------------------------------------------------------------------

  private async count(event: RecordedEvent): Promise<void> {
    const m = event.metadata;
    if (kindOf(event.type) !== 'change' || event.type === CHAIN_ANCHORED) return;
    // Data is read (parsed, see lazyData) only where a figure needs it: most events count by metadata alone.
    const data = () => (event.data ?? {}) as Record<string, unknown>;
    const importId = m.channel === 'import' && typeof m.correlationId === 'string' ? m.correlationId : null;
    const sourceOf = () => str(m.sourceSystem) ?? str(data().source);
    const day = event.recordedAt.slice(0, 10);
    const id = importId ?? `${sourceOf() ?? 'unknown'}:${day}`;
    let q = this.quality.get(id);
    if (!q) {
      const source = sourceOf();
      const stored = await this.ctx.get<QualityDocument>(AUDIT_QUALITY, id);
      q = stored
        ? {
            ...stored,
            byType: { ...stored.byType },
            conflictsByField: { ...stored.conflictsByField },
            anomaliesByCode: { ...stored.anomaliesByCode },
            timeliness: [...stored.timeliness],
          }
        : {
            _id: id,
            kind: importId ? 'import' : 'daily',
            importId,
            source,
            region: str(m.region),
            day,
            firstRecordedAt: event.recordedAt,
            lastRecordedAt: event.recordedAt,
            events: 0,
            byType: {},
            conflictsByField: {},
            anomaliesByCode: {},
            timeliness: TIMELINESS_BOUNDS.map(() => 0),
            completed: null,
          };
      this.quality.set(id, q);
    }
    // Counted already by a batch whose head was not written (the store died between them).
    if (q._position !== undefined && event.position <= q._position) return;
    q._position = event.position;
    q.lastRecordedAt = event.recordedAt;
    if (event.type === IMPORT_COMPLETED) {
      q.completed = importFigures(data(), m.occurredAt);
      return;
    }
    q.events++;
    q.byType[event.type] = (q.byType[event.type] ?? 0) + 1;
    if (event.type === 'IdentityConflictDetected') {
      const field = data().field;
      if (typeof field === 'string') q.conflictsByField[field] = (q.conflictsByField[field] ?? 0) + 1;
    } else if (event.type === 'AnomalyDetected') {
      const anomaly = data().anomaly;
      if (typeof anomaly === 'string') q.anomaliesByCode[anomaly] = (q.anomaliesByCode[anomaly] ?? 0) + 1;
    }
    // The batch's events share their recordedAt and the import's their occurredAt: parsed when they change.
    if (event.recordedAt !== this.recordedText) {
      this.recordedText = event.recordedAt;
      this.recordedMs = Date.parse(event.recordedAt);
    }
    const occurred = typeof m.occurredAt === 'string' ? m.occurredAt : '';
    if (occurred !== this.occurredText) {
      this.occurredText = occurred;
      this.occurredMs = Date.parse(occurred.length === 10 ? `${occurred}T00:00:00Z` : occurred);
    }
    if (Number.isFinite(this.occurredMs)) q.timeliness[timelinessBucket((this.recordedMs - this.occurredMs) / 1000)]++;
  }
}

function importFigures(data: Record<string, unknown>, occurredAt: unknown): ImportFigures {
  const counts = (data.counts ?? {}) as Partial<ImportFigures['counts']>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    finishedAt: typeof occurredAt === 'string' ? occurredAt : '',
    counts: {
      read: n(counts.read),
      imported: n(counts.imported),
      quarantined: n(counts.quarantined),
      withWarnings: n(counts.withWarnings),
      unchanged: n(counts.unchanged),
      events: n(counts.events),
    },
    reasonsByCode: { ...((data.reasonsByCode ?? {}) as Record<string, number>) },
    warningsByCode: { ...((data.warningsByCode ?? {}) as Record<string, number>) },
    ...(data.fieldsPresent ? { fieldsPresent: { ...(data.fieldsPresent as Record<string, number>) } } : {}),
    ...(Array.isArray(data.fieldsMissing) ? { fieldsMissing: [...(data.fieldsMissing as string[])] } : {}),
  };
}
