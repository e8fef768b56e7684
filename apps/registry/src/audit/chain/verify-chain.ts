import type { EventStore, RecordedEvent } from '@registry/event-store';
import { Anchor, anchorSignatureValid } from './anchor';
import { ChainBlockDocument, ChainEntry, LINK_TAG_BYTES, markAfter, unpackEntries } from './chain-block';
import { ChainAlgorithm, GENESIS_LINK, LinkHasher, idTag } from './event-bytes';

export type FindingKind =
  /** The event at this position is not what was chained: its content changed. */
  | 'altered'
  /** The chain recorded an event here; the log has none. */
  | 'missing'
  /** The log has an event here that the chain never recorded. */
  | 'inserted'
  /** The event here is one the chain recorded at another position. */
  | 'reordered'
  /** Recorded links do not continue from block to block: the audit read model itself was edited. */
  | 'chain-break'
  /** The link recomputed from the log differs from a signed anchor. */
  | 'anchor-mismatch'
  /** An anchor's signature does not check with the public key. */
  | 'anchor-signature';

export interface Finding {
  kind: FindingKind;
  position: number;
  /** The id of the event found at the position (ids are not personal). */
  eventId?: string;
  /** For `reordered`: where the chain recorded this event. */
  recordedAt?: number;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  algorithm: ChainAlgorithm;
  /** Where the walk started (0 = the first event; an anchor's position with --from-anchor). */
  fromPosition: number;
  /** Events read from the log and compared. */
  eventsChecked: number;
  /** Last position the chain records; events after it are not chained yet (the audit projection is behind). */
  chainedTo: number;
  anchorsChecked: number;
  findings: Finding[];
  /** The first finding by position, or null. */
  first: Finding | null;
  /** The link after the last event checked, when the walk ended in step with the chain (hex). */
  lastLink: string | null;
  durationMs: number;
  eventsPerSecond: number;
}

export interface VerifyInput {
  events: EventStore;
  algorithm: ChainAlgorithm;
  /** The recorded chain, blocks in order of position. */
  blocks: AsyncIterable<ChainBlockDocument>;
  /** Anchors to check against (from the log, and from a file); each is checked at its position. */
  anchors: Anchor[];
  /** SPKI DER of the key that signed the anchors. */
  publicKey: Buffer | null;
  /** Start from this anchor's link and position instead of the first event (the anchor must check). */
  fromAnchor?: Anchor;
  /** Start after this position with this link (a slice of the chain checked beside others). */
  start?: { position: number; link: string };
  /** Findings kept (the walk goes on counting); default 100. */
  maxFindings?: number;
  now?: () => number;
}

interface Cursor {
  block: ChainBlockDocument;
  entries: ChainEntry[];
  /** id tag → recorded position, for telling a moved event from an altered one. */
  tags: Map<number, number> | null;
  i: number;
}

/**
 * Walks the log through the EventStore port (readAll: SQLite, EventStoreDB's $all and any
 * other adapter alike), recomputes every link and compares it with what the chain recorded
 * when the event was first projected, and with the signed anchors. Names the first altered,
 * missing, inserted or reordered event by position, and every later one it meets: event ids
 * are compared throughout, links again from the next full link the block marks (every
 * MARK_EVERY events) after a finding.
 */
export async function verifyChain(input: VerifyInput): Promise<VerifyResult> {
  const now = input.now ?? Date.now;
  const started = now();
  const max = input.maxFindings ?? 100;
  const findings: Finding[] = [];
  const hasher = new LinkHasher(input.algorithm);
  const add = (f: Finding) => {
    if (findings.length < max) findings.push(f);
  };

  let anchorsChecked = 0;
  const anchorsAt = new Map<number, Anchor[]>();
  for (const a of input.anchors) {
    anchorsChecked++;
    if (!input.publicKey || !anchorSignatureValid(a, input.publicKey)) {
      add({
        kind: 'anchor-signature',
        position: a.position,
        detail: `the anchor at position ${a.position} is not signed by the given key`,
      });
      continue;
    }
    if (a.algorithm !== input.algorithm) continue;
    const list = anchorsAt.get(a.position);
    if (list) list.push(a);
    else anchorsAt.set(a.position, [a]);
  }

  const start = input.start ?? (input.fromAnchor ? { position: input.fromAnchor.position, link: input.fromAnchor.link } : undefined);
  const fromPosition = start?.position ?? 0;
  let prev: Buffer = start ? Buffer.from(start.link, 'hex') : GENESIS_LINK;
  let inSync = true;
  let lastVerifiedAnchor = start?.position ?? 0;

  const blocks = input.blocks[Symbol.asyncIterator]();
  let cursor: Cursor | null = null;
  let chainedTo = fromPosition;
  const nextEntry = async (): Promise<ChainEntry | null> => {
    for (;;) {
      if (cursor && cursor.i < cursor.entries.length) return cursor.entries[cursor.i];
      const step = await blocks.next();
      if (step.done) return null;
      const block = step.value;
      if (block.to <= fromPosition) continue;
      const entries = unpackEntries(block).filter((e) => e.position > fromPosition);
      if (entries.length === 0) continue;
      chainedTo = block.to;
      // A block starts from the full link the chain had before it: the place to resume after a finding.
      const continues = entries[0].position === block.from;
      if (continues) {
        const recorded = Buffer.from(block.prevLink, 'hex');
        if (inSync && !recorded.equals(prev)) {
          add({
            kind: 'chain-break',
            position: block.from,
            detail: `the recorded chain does not continue at position ${block.from}: the audit read model was changed`,
          });
        }
        if (!inSync) {
          prev = recorded;
          inSync = true;
        }
      }
      cursor = { block, entries, tags: null, i: 0 };
    }
  };
  /** After a finding, links are compared again from the next full link the block marks. */
  const resync = (done: ChainEntry) => {
    if (inSync || !cursor || cursor.block.from > done.position) return;
    const index = cursor.entries.length === cursor.block.count ? cursor.i : -1;
    const mark = index >= 0 ? markAfter(cursor.block, index) : null;
    if (mark) {
      prev = mark;
      inSync = true;
    }
  };
  const tagsOf = (c: Cursor) => (c.tags ??= new Map(c.entries.map((e) => [e.idTag, e.position])));

  let checked = 0;
  const log = input.events.readAll({ fromPosition })[Symbol.asyncIterator]();
  let event: RecordedEvent | null = null;
  const nextEvent = async () => {
    const step = await log.next();
    event = step.done ? null : step.value;
  };
  await nextEvent();
  let entry = await nextEntry();
  while (entry) {
    const e = event as RecordedEvent | null;
    if (e && e.position < entry.position) {
      add({ kind: 'inserted', position: e.position, eventId: e.id, detail: `the event at position ${e.position} was never chained` });
      checked++;
      await nextEvent();
      continue;
    }
    if (!e || e.position > entry.position) {
      add({
        kind: 'missing',
        position: entry.position,
        detail: `the chain recorded an event at position ${entry.position}; the log has none`,
      });
      inSync = false;
      resync(entry);
      cursor!.i++;
      entry = await nextEntry();
      continue;
    }
    checked++;
    const tag = idTag(e.id);
    if (tag !== entry.idTag) {
      const elsewhere = tagsOf(cursor!).get(tag);
      if (elsewhere !== undefined && elsewhere !== e.position) {
        add({
          kind: 'reordered',
          position: e.position,
          eventId: e.id,
          recordedAt: elsewhere,
          detail: `position ${e.position} holds the event the chain recorded at position ${elsewhere}`,
        });
      } else {
        add({
          kind: 'altered',
          position: e.position,
          eventId: e.id,
          detail: `position ${e.position} holds an event the chain never recorded there`,
        });
      }
      inSync = false;
    } else if (inSync) {
      const link = hasher.next(prev, e);
      if (link.toString('hex', 0, LINK_TAG_BYTES) !== entry.linkTag) {
        add({
          kind: 'altered',
          position: e.position,
          eventId: e.id,
          detail: `the event at position ${e.position} changed after it was chained`,
        });
        inSync = false;
      } else {
        prev = link;
        const anchors = anchorsAt.get(e.position);
        if (anchors) {
          for (const a of anchors) {
            if (a.link !== link.toString('hex')) {
              add({
                kind: 'anchor-mismatch',
                position: e.position,
                detail: `the log no longer leads to the link anchored at position ${e.position} (anchored ${a.anchoredAt}): an event after position ${lastVerifiedAnchor} and up to ${e.position} changed after the anchor was made`,
              });
            } else lastVerifiedAnchor = e.position;
          }
        }
      }
    }
    resync(entry);
    cursor!.i++;
    await nextEvent();
    entry = await nextEntry();
  }
  await log.return?.();
  findings.sort((a, b) => a.position - b.position);
  const durationMs = Math.max(1, now() - started);
  return {
    ok: findings.length === 0,
    algorithm: input.algorithm,
    fromPosition,
    eventsChecked: checked,
    chainedTo,
    anchorsChecked,
    findings,
    first: findings[0] ?? null,
    lastLink: inSync ? prev.toString('hex') : null,
    durationMs,
    eventsPerSecond: Math.round((checked / durationMs) * 1000),
  };
}
