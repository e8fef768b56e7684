import type { EventStore } from '@registry/event-store';
import { type CanonicalRow, canonicalPages } from '@registry/event-store/shared/canonical-text';
import { Anchor, anchorSignatureValid } from './anchor';
import { ChainBlockDocument, DecodedEntries, LINK_TAG_BYTES, decodeEntries, markAfter } from './chain-block';
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
  entries: DecodedEntries;
  /** id tag → recorded position, for telling a moved event from an altered one. */
  tags: Map<number, number> | null;
  /** The entry compared next (an index into the block's entries). */
  i: number;
}

/** Rows per page read from the log. */
const LOG_PAGE_ROWS = 4096;

/**
 * Walks the log (the store's canonical rows where it has a reader for them, as the embedded
 * SQLite store does; readAll's events serialised otherwise: EventStoreDB's $all, PostgreSQL),
 * recomputes every link and compares it with what the chain recorded when the event was first
 * projected, and with the signed anchors. Names the first altered, missing, inserted or
 * reordered event by position, and every later one it meets: event ids are compared
 * throughout, links again from the next full link the block marks (every MARK_EVERY events)
 * after a finding. The log is read a page at a time and each page walked without waiting.
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
  // Links as latin1 strings (a character per byte): see LinkHasher.nextTextLatin1.
  let prev: string = (start ? Buffer.from(start.link, 'hex') : GENESIS_LINK).toString('latin1');
  let inSync = true;
  let lastVerifiedAnchor = start?.position ?? 0;

  // ---- the recorded chain, an entry at a time (`cursor.i`) ----
  const blocks = input.blocks[Symbol.asyncIterator]();
  let cursor: Cursor | null = null;
  let chainedTo = fromPosition;
  /** Moves to the next block with entries after fromPosition; false when there is none. */
  const nextBlock = async (): Promise<boolean> => {
    for (;;) {
      const step = await blocks.next();
      if (step.done) return false;
      const block = step.value;
      if (block.to <= fromPosition) continue;
      const entries = decodeEntries(block);
      let first = 0;
      while (first < entries.count && entries.positions[first] <= fromPosition) first++;
      if (first === entries.count) continue;
      chainedTo = block.to;
      // A block starts from the full link the chain had before it: the place to resume after a finding.
      if (first === 0 && entries.positions[0] === block.from) {
        const recorded = Buffer.from(block.prevLink, 'hex').toString('latin1');
        if (inSync && recorded !== prev) {
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
      cursor = { block, entries, tags: null, i: first };
      return true;
    }
  };
  /** After a finding, links are compared again from the full link the block marks after this entry, if it marks one. */
  const resync = (c: Cursor) => {
    if (inSync) return;
    const mark = c.entries.count === c.block.count ? markAfter(c.block, c.i) : null;
    if (mark) {
      prev = mark.toString('latin1');
      inSync = true;
    }
  };
  const tagsOf = (c: Cursor) => {
    if (!c.tags) {
      c.tags = new Map();
      for (let k = 0; k < c.entries.count; k++) c.tags.set(c.entries.idTags[k], c.entries.positions[k]);
    }
    return c.tags;
  };

  // ---- the log, a page at a time (`page[li]`) ----
  const pages = canonicalPages(input.events, { fromPosition, pageSize: LOG_PAGE_ROWS })[Symbol.asyncIterator]();
  let page: CanonicalRow[] = [];
  let li = 0;
  let logEnded = false;
  const nextPage = async () => {
    page = [];
    li = 0;
    while (!logEnded && page.length === 0) {
      const step = await pages.next();
      if (step.done) logEnded = true;
      else page = step.value;
    }
  };

  let checked = 0;
  await nextPage();
  let more = await nextBlock();
  while (more) {
    const c = cursor!;
    const { positions, idTags, linkTags } = c.entries;
    // Walk the current block against the current page, without waiting, until either runs out.
    while (c.i < c.entries.count) {
      if (li >= page.length) {
        if (logEnded) {
          // The log has nothing more: every remaining recorded entry is missing.
          add({
            kind: 'missing',
            position: positions[c.i],
            detail: `the chain recorded an event at position ${positions[c.i]}; the log has none`,
          });
          inSync = false;
          resync(c);
          c.i++;
          continue;
        }
        await nextPage();
        continue;
      }
      const row = page[li];
      const position = row[0];
      const expected = positions[c.i];
      if (position < expected) {
        add({ kind: 'inserted', position, eventId: row[1], detail: `the event at position ${position} was never chained` });
        checked++;
        li++;
        continue;
      }
      if (position > expected) {
        add({
          kind: 'missing',
          position: expected,
          detail: `the chain recorded an event at position ${expected}; the log has none`,
        });
        inSync = false;
        resync(c);
        c.i++;
        continue;
      }
      checked++;
      const tag = idTag(row[1]);
      if (tag !== idTags[c.i]) {
        const elsewhere = tagsOf(c).get(tag);
        if (elsewhere !== undefined && elsewhere !== position) {
          add({
            kind: 'reordered',
            position,
            eventId: row[1],
            recordedAt: elsewhere,
            detail: `position ${position} holds the event the chain recorded at position ${elsewhere}`,
          });
        } else {
          add({
            kind: 'altered',
            position,
            eventId: row[1],
            detail: `position ${position} holds an event the chain never recorded there`,
          });
        }
        inSync = false;
      } else if (inSync) {
        const link = hasher.nextTextLatin1(prev, row[2]);
        if (!sameHead(link, linkTags, c.i * LINK_TAG_BYTES)) {
          add({
            kind: 'altered',
            position,
            eventId: row[1],
            detail: `the event at position ${position} changed after it was chained`,
          });
          inSync = false;
        } else {
          prev = link;
          const anchors = anchorsAt.get(position);
          if (anchors) {
            for (const a of anchors) {
              if (a.link !== Buffer.from(link, 'latin1').toString('hex')) {
                add({
                  kind: 'anchor-mismatch',
                  position,
                  detail: `the log no longer leads to the link anchored at position ${position} (anchored ${a.anchoredAt}): an event after position ${lastVerifiedAnchor} and up to ${position} changed after the anchor was made`,
                });
              } else lastVerifiedAnchor = position;
            }
          }
        }
      }
      resync(c);
      c.i++;
      li++;
    }
    more = await nextBlock();
  }
  await pages.return?.();
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
    lastLink: inSync ? Buffer.from(prev, 'latin1').toString('hex') : null,
    durationMs,
    eventsPerSecond: Math.round((checked / durationMs) * 1000),
  };
}

/** Whether the link (latin1) begins with the LINK_TAG_BYTES recorded at `at`. */
function sameHead(link: string, tags: Buffer, at: number): boolean {
  for (let k = 0; k < LINK_TAG_BYTES; k++) if (link.charCodeAt(k) !== tags[at + k]) return false;
  return true;
}
