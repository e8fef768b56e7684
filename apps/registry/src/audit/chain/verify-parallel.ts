import { extname, resolve } from 'node:path';
import type { EventStore, EventStoreConfig } from '@registry/event-store';
import { startThread } from '../../common/threads';
import type { Anchor } from './anchor';
import type { ChainBlockDocument } from './chain-block';
import type { ChainAlgorithm } from './event-bytes';
import { GENESIS_LINK } from './event-bytes';
import { Finding, VerifyResult, verifyChain } from './verify-chain';
import type { VerifyThreadData } from './verify-thread';

/** Below this many recorded events a walk in this thread is quicker than starting threads. */
const PARALLEL_FROM_EVENTS = 200_000;

export interface ParallelVerifyInput {
  events: EventStore;
  /** How a thread opens its own connection to the same event store. */
  store: EventStoreConfig;
  algorithm: ChainAlgorithm;
  /** The recorded chain's blocks, in order. */
  blocks: ChainBlockDocument[];
  anchors: Anchor[];
  publicKey: Buffer | null;
  fromAnchor?: Anchor;
  threads: number;
  /** Recorded events below which one thread walks alone (default 200,000). */
  parallelFrom?: number;
}

/**
 * Verification on several cores: the recorded chain is cut into as many slices as there are
 * threads, each slice is walked from the full link recorded before its first block (hashing
 * is what costs, and each slice hashes only its own events), and where two slices meet the
 * link the first one arrives at must be the link the next one starts from, so the slices
 * together check the chain from its first event as one walk would.
 */
export async function verifyInParallel(input: ParallelVerifyInput): Promise<VerifyResult> {
  const started = Date.now();
  const from = input.fromAnchor?.position ?? 0;
  const blocks = input.blocks.filter((b) => b.to > from);
  const recorded = blocks.reduce((n, b) => n + b.count, 0);
  const single = () =>
    verifyChain({
      events: input.events,
      algorithm: input.algorithm,
      blocks: (async function* () {
        yield* blocks;
      })(),
      anchors: input.anchors,
      publicKey: input.publicKey,
      fromAnchor: input.fromAnchor,
    });
  if (input.threads <= 1 || recorded < (input.parallelFrom ?? PARALLEL_FROM_EVENTS) || blocks.length < input.threads * 2) return single();

  // The first slice starts where the walk starts (genesis or the anchor); the others at a block boundary.
  const per = Math.ceil(blocks.length / input.threads);
  const slices: Array<{ blocks: ChainBlockDocument[]; start: { position: number; link: string } }> = [];
  for (let i = 0; i < blocks.length; i += per) {
    const part = blocks.slice(i, i + per);
    const start =
      i === 0
        ? { position: from, link: input.fromAnchor?.link ?? GENESIS_LINK.toString('hex') }
        : { position: blocks[i - 1].to, link: part[0].prevLink };
    slices.push({ blocks: part, start });
  }
  const entry = resolve(__dirname, `verify-thread${extname(__filename)}`);
  const results = await Promise.all(
    slices.map(
      (slice) =>
        new Promise<VerifyResult>((resolveResult, reject) => {
          const data: VerifyThreadData = {
            store: input.store,
            algorithm: input.algorithm,
            blocks: slice.blocks,
            // The last slice also checks the signatures of anchors beyond the recorded chain.
            anchors: input.anchors.filter(
              (a) =>
                a.position > slice.start.position &&
                (slice === slices[slices.length - 1] || a.position <= slice.blocks[slice.blocks.length - 1].to),
            ),
            publicKey: input.publicKey,
            start: slice.start,
          };
          const worker = startThread(entry, data);
          worker.once('message', (m: { type: 'done'; result: VerifyResult } | { type: 'failed'; message: string }) => {
            void worker.terminate();
            if (m.type === 'done') resolveResult(m.result);
            else reject(new Error(m.message));
          });
          worker.once('error', reject);
        }),
    ),
  );
  const findings: Finding[] = results.flatMap((r) => r.findings);
  // Where slices meet: the link one slice ends with is the link the next starts from.
  for (let i = 1; i < results.length; i++) {
    const end = results[i - 1].lastLink;
    if (end !== null && end !== slices[i].start.link) {
      findings.push({
        kind: 'chain-break',
        position: slices[i].blocks[0].from,
        detail: `the recorded chain does not continue at position ${slices[i].blocks[0].from}: the audit read model was changed`,
      });
    }
  }
  findings.sort((a, b) => a.position - b.position);
  const checked = results.reduce((n, r) => n + r.eventsChecked, 0);
  const durationMs = Math.max(1, Date.now() - started);
  return {
    ok: findings.length === 0,
    algorithm: input.algorithm,
    fromPosition: from,
    eventsChecked: checked,
    chainedTo: results[results.length - 1].chainedTo,
    anchorsChecked: results.reduce((n, r) => n + r.anchorsChecked, 0),
    findings: findings.slice(0, 100),
    first: findings[0] ?? null,
    lastLink: results[results.length - 1].lastLink,
    durationMs,
    eventsPerSecond: Math.round((checked / durationMs) * 1000),
  };
}
