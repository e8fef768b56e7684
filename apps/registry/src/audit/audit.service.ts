import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import { parsePersonId, personStreamName } from '@registry/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '@registry/event-store';
import { Projection, ReadModelNotReadyError, ShadowReplayError, ShadowReplayResult, replayIntoShadow } from '@registry/projections';
import { Filter, READ_STORE, ReadStore } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { KeyRing } from '../config/key-ring';
import { PersonsService, disclosureStream } from '../persons/persons.service';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { AnchorService } from './anchor.service';
import { AuditEntry, entriesOf, entryAfter, entryOrder } from './audit-entries';
import {
  AUDIT_BLOCKS,
  AUDIT_PROJECTION,
  AUDIT_READS,
  AUDIT_SEGMENTS,
  ReadIndexDocument,
  SegmentDocument,
  SegmentKind,
} from './audit.projection';
import { Anchor, AnchorFile, anchorSignatureValid } from './chain/anchor';
import { ChainBlockDocument } from './chain/chain-block';
import { blocksInOrder } from './chain/recorded-chain';
import { VerifyResult } from './chain/verify-chain';
import { verifyInParallel } from './chain/verify-parallel';

export interface EntryQuery {
  person?: string;
  operator?: string;
  /** Canonical region code (a prefix of the codes below it). */
  region?: string;
  from?: string;
  to?: string;
  type?: string;
  source?: string;
  channel?: string;
  importId?: string;
  kind?: SegmentKind;
}

export interface EntryPage {
  items: AuditEntry[];
  nextCursor?: string;
}

/** Segments read per query page at most: a filter that matches few events in many segments still answers promptly. */
const SEGMENT_PAGE = 200;

/**
 * The audit capability: the trail (changes and reads, filtered and paged), verification of
 * the hash chain, and replays of read models into a shadow.
 */
@Injectable()
export class AuditService {
  private verifying: Promise<VerifyResult> | null = null;
  private replaying: string | null = null;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly projections: ProjectionsService,
    private readonly persons: PersonsService,
    private readonly anchorsService: AnchorService,
    private readonly keys: KeyRing,
    private readonly config: AppConfig,
    private readonly reference: ReferenceData,
  ) {}

  // ---- the trail ------------------------------------------------------------------------

  /**
   * A page of entries in log order. With a person, that person's stream and the recorded
   * reads of them (the person must be visible to the caller); otherwise the actor segments
   * that match, expanded from the log, within the caller's region (where the actor acted).
   */
  async entries(caller: Principal, query: EntryQuery, limit: number, cursor?: string): Promise<EntryPage> {
    const after = cursor ? parseCursor(cursor) : null;
    const items: AuditEntry[] = [];
    const keep = (entry: AuditEntry) => this.matches(entry, query);
    const iterator = query.person ? this.personEntries(caller, query, after) : this.segmentEntries(caller, query, after);
    for await (const entry of iterator) {
      if (!keep(entry)) continue;
      items.push(entry);
      if (items.length > limit) break;
    }
    const more = items.length > limit;
    const page = more ? items.slice(0, limit) : items;
    return { items: page, nextCursor: more ? page[page.length - 1].id : undefined };
  }

  /** Every entry a query matches, in order (for exports). */
  async *allEntries(caller: Principal, query: EntryQuery, max: number): AsyncGenerator<AuditEntry> {
    let n = 0;
    const iterator = query.person ? this.personEntries(caller, query, null) : this.segmentEntries(caller, query, null);
    for await (const entry of iterator) {
      if (!this.matches(entry, query)) continue;
      yield entry;
      if (++n >= max) return;
    }
  }

  private matches(e: AuditEntry, q: EntryQuery): boolean {
    if (q.type && e.type !== q.type) return false;
    if (q.kind && e.kind !== q.kind) return false;
    if (q.operator && e.operator !== q.operator) return false;
    if (q.source && e.source !== q.source) return false;
    if (q.channel && e.channel !== q.channel) return false;
    if (q.importId && e.importId !== q.importId) return false;
    if (q.region && !(e.region ?? '').startsWith(q.region)) return false;
    if (q.from && e.recordedAt < q.from) return false;
    if (q.to && e.recordedAt > q.to) return false;
    return true;
  }

  private async *personEntries(caller: Principal, query: EntryQuery, after: [number, number] | null): AsyncGenerator<AuditEntry> {
    const personId = parsePersonId(query.person!);
    if (!personId) throw notFound();
    // 404 alike for a person that does not exist and one outside the caller's region.
    await this.persons.loadVisible(caller, personId);
    const changes = (await this.events.readStream(personStreamName(personId))).flatMap((e) => entriesOf(e, 'change'));
    const disclosures = (await this.events.readStream(disclosureStream(personId))).flatMap((e) => entriesOf(e, 'read'));
    const reads: AuditEntry[] = [];
    try {
      const coll = await this.projections.collection<ReadIndexDocument>(AUDIT_PROJECTION, AUDIT_READS);
      let page: string | undefined;
      do {
        const found = await coll.find({ personId }, { sort: [['position', 1]], limit: 1000, cursor: page });
        for (const r of found.items) {
          // Unmaskings are on the disclosure stream already.
          if (r.view.endsWith(':unmask')) continue;
          reads.push(readEntry(r));
        }
        page = found.nextCursor;
      } while (page);
    } catch (error) {
      if (!(error instanceof ReadModelNotReadyError)) throw error;
    }
    const all = [...changes, ...disclosures, ...reads].sort((a, b) => compareIds(a.id, b.id));
    for (const entry of all) if (entryAfter(entry.id, after)) yield entry;
  }

  private async *segmentEntries(caller: Principal, query: EntryQuery, after: [number, number] | null): AsyncGenerator<AuditEntry> {
    const region = query.region ?? (caller.regionPrefix === this.reference.provinceCode ? undefined : caller.regionPrefix);
    const filter: Filter = { to: { gt: after ? after[0] - 1 : 0 } };
    if (query.operator) filter.operator = query.operator;
    if (region) filter.region = { prefix: region };
    if (query.channel) filter.channel = query.channel;
    if (query.source) filter.source = query.source;
    if (query.importId) filter.correlationId = query.importId;
    if (query.kind) filter.kind = query.kind;
    if (query.from) filter.recordedTo = { gte: query.from };
    let segments;
    try {
      segments = await this.projections.collection<SegmentDocument>(AUDIT_PROJECTION, AUDIT_SEGMENTS);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return;
      throw error;
    }
    let page: string | undefined;
    do {
      const found = await segments.find(filter, { sort: [['to', 1]], limit: SEGMENT_PAGE, cursor: page });
      for (const segment of found.items) {
        if (query.to && segment.recordedFrom > query.to) return;
        if (query.type && !segment.types[query.type]) continue;
        const start = Math.max(segment.from - 1, after ? after[0] - 1 : 0);
        const filterTypes = query.type ? { eventTypes: [query.type] } : undefined;
        for await (const event of this.events.readAll({ fromPosition: start, filter: filterTypes })) {
          if (event.position > segment.to) break;
          for (const entry of entriesOf(event, segment.kind)) if (entryAfter(entry.id, after)) yield entry;
        }
      }
      page = found.nextCursor;
    } while (page);
  }

  // ---- verification ---------------------------------------------------------------------

  storedAnchors(): Promise<Anchor[]> {
    return this.anchorsService.anchors();
  }

  /** Walks the whole log (or from an anchor) against the recorded chain and the anchors. One walk at a time. */
  verify(fromAnchor?: Anchor, extraAnchors: Anchor[] = [], publicKey?: Buffer): Promise<VerifyResult> {
    if (this.verifying) return this.verifying;
    this.verifying = this.runVerify(fromAnchor, extraAnchors, publicKey).finally(() => (this.verifying = null));
    return this.verifying;
  }

  private async runVerify(fromAnchor: Anchor | undefined, extraAnchors: Anchor[], publicKey?: Buffer): Promise<VerifyResult> {
    const key = publicKey ?? this.keys.signing.publicKey;
    const algorithm = fromAnchor?.algorithm ?? this.config.AUDIT_HASH_ALGORITHM;
    const anchors = [...(await this.anchorsService.anchors()), ...extraAnchors].filter(
      (a) => !fromAnchor || a.position > fromAnchor.position,
    );
    let blocks;
    try {
      blocks = await this.projections.collection<ChainBlockDocument>(AUDIT_PROJECTION, AUDIT_BLOCKS);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) {
        throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'AUDIT_NOT_READY', 'The audit chain has not been built yet.');
      }
      throw error;
    }
    if (fromAnchor && !anchorSignatureValid(fromAnchor, key)) {
      throw new ProblemException(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'ANCHOR_SIGNATURE_INVALID',
        'The anchor to start from is not signed by the key given.',
      );
    }
    const recorded: ChainBlockDocument[] = [];
    for await (const b of blocksInOrder(blocks, fromAnchor?.position ?? 0)) recorded.push(b);
    return verifyInParallel({
      events: this.events,
      store: {
        eventStoreConnectionString: this.config.EVENTSTORE_CONNECTION_STRING,
        dataDir: this.config.DATA_DIR,
        sqliteSynchronous: this.config.SQLITE_SYNCHRONOUS,
      },
      algorithm,
      blocks: recorded,
      anchors,
      publicKey: key,
      fromAnchor,
      threads: Math.min(availableParallelism(), 4),
    });
  }

  /** Verification from the first anchor of an exported anchor file, checking all of its anchors, with its key. */
  verifyFromFile(file: AnchorFile): Promise<VerifyResult> {
    const sorted = [...file.anchors].sort((a, b) => a.position - b.position);
    return this.verify(sorted[0], sorted.slice(1), Buffer.from(file.publicKey, 'base64'));
  }

  // ---- replays --------------------------------------------------------------------------

  readModelNames(): string[] {
    return this.projections.registered.map((p) => p.name);
  }

  /** Rebuilds a read model into a shadow beside the live one and compares them. One replay at a time. */
  async replay(name: string): Promise<ShadowReplayResult> {
    const projection: Projection | undefined = this.projections.registered.find((p) => p.name === name);
    if (!projection) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'READ_MODEL_UNKNOWN',
        `readModel must be one of: ${this.readModelNames().join(', ')}.`,
      );
    }
    if (this.replaying) throw new ProblemException(HttpStatus.CONFLICT, 'REPLAY_RUNNING', 'A replay is running; one at a time.');
    this.replaying = name;
    try {
      return await replayIntoShadow({
        eventStore: this.events,
        readStore: this.reads,
        projection,
        batchSize: this.config.PROJECTION_BATCH_EVENTS,
      });
    } catch (error) {
      if (error instanceof ShadowReplayError) throw new ProblemException(HttpStatus.CONFLICT, error.code, error.message);
      throw error;
    } finally {
      this.replaying = null;
    }
  }
}

function readEntry(r: ReadIndexDocument): AuditEntry {
  return {
    id: `${r.position}.${r.k}`,
    position: r.position,
    kind: 'read',
    type: 'PersonalDataRead',
    eventId: r.eventId,
    personId: r.personId,
    operator: r.operator,
    role: r.role,
    region: r.region,
    source: null,
    channel: r.channel,
    importId: null,
    runId: null,
    correlationId: null,
    occurredAt: r.at,
    recordedAt: r.at,
    view: r.view,
    evidence: null,
  };
}

function compareIds(a: string, b: string): number {
  const [pa, ka] = entryOrder(a);
  const [pb, kb] = entryOrder(b);
  return pa - pb || ka - kb;
}

function parseCursor(raw: string): [number, number] {
  if (!/^\d{1,15}(\.\d{1,9})?$/.test(raw)) {
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'INVALID_CURSOR', 'cursor must be the nextCursor of a previous page.');
  }
  return entryOrder(raw);
}

function notFound(): ProblemException {
  return new ProblemException(HttpStatus.NOT_FOUND, 'PERSON_NOT_FOUND', 'No person with this id is visible to the caller.');
}

export type { RecordedEvent };
