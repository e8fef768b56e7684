/**
 * A verification thread: checks one slice of the chain (its blocks, from the link recorded
 * before them) against the log, through its own connection to the event store.
 * Messages out: `done` with the slice's result, or `failed`.
 */
import { parentPort, workerData } from 'node:worker_threads';
// Deep imports: the package's index would load every adapter's client into the thread.
import { createEventStore, type EventStoreConfig } from '@registry/event-store/create-event-store';
import type { Anchor } from './anchor';
import type { ChainBlockDocument } from './chain-block';
import type { ChainAlgorithm } from './event-bytes';
import { verifyChain } from './verify-chain';

export interface VerifyThreadData {
  store: EventStoreConfig;
  algorithm: ChainAlgorithm;
  blocks: ChainBlockDocument[];
  anchors: Anchor[];
  publicKey: Uint8Array | null;
  start: { position: number; link: string };
}

async function main(port: NonNullable<typeof parentPort>, data: VerifyThreadData): Promise<void> {
  const events = await createEventStore(data.store);
  try {
    async function* blocks() {
      yield* data.blocks;
    }
    const result = await verifyChain({
      events,
      algorithm: data.algorithm,
      blocks: blocks(),
      anchors: data.anchors,
      publicKey: data.publicKey ? Buffer.from(data.publicKey) : null,
      start: data.start,
    });
    port.postMessage({ type: 'done', result });
  } finally {
    await events.close();
  }
}

if (parentPort) {
  const port = parentPort;
  main(port, workerData as VerifyThreadData).catch((error: unknown) =>
    port.postMessage({
      type: 'failed',
      message: error instanceof Error ? `${error.name}: ${error.message}` : 'verification thread failed',
    }),
  );
}
