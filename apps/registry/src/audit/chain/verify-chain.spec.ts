import { randomUUID } from 'node:crypto';
import type { EventStore, RecordedEvent } from '@registry/event-store';
import { ChainBlockDocument, EntryPacker, MARK_EVERY, blockId } from './chain-block';
import { GENESIS_LINK, LinkHasher, idTag } from './event-bytes';
import { verifyChain } from './verify-chain';

/** A log with sparse positions, as EventStoreDB's $all has them. */
function log(positions: number[]): RecordedEvent[] {
  return positions.map((position, i) => ({
    id: randomUUID(),
    stream: `person-p${i % 3}`,
    revision: Math.floor(i / 3),
    type: 'EnrollmentRecorded',
    data: { n: i },
    metadata: { occurredAt: '2024-01-01' },
    position,
    recordedAt: '2024-01-02T00:00:00.000Z',
  }));
}

/** The chain the audit projection would have recorded for these events, in one block. */
function chainOf(events: RecordedEvent[]): ChainBlockDocument {
  const hasher = new LinkHasher('sm3');
  const packer = new EntryPacker(0);
  let prev = GENESIS_LINK;
  let marks = '';
  events.forEach((e, i) => {
    prev = hasher.next(prev, e);
    packer.add(e.position, idTag(e.id), prev);
    if ((i + 1) % MARK_EVERY === 0) marks += prev.toString('hex');
  });
  return {
    _id: blockId(0),
    n: 0,
    from: events[0].position,
    to: events[events.length - 1].position,
    count: events.length,
    prevLink: GENESIS_LINK.toString('hex'),
    lastLink: prev.toString('hex'),
    recordedFrom: events[0].recordedAt,
    recordedTo: events[events.length - 1].recordedAt,
    entries: packer.encode(),
    marks,
  };
}

const storeOf = (events: RecordedEvent[]) =>
  ({
    async *readAll(options: { fromPosition?: number } = {}) {
      yield* events.filter((e) => e.position > (options.fromPosition ?? 0));
    },
  }) as unknown as EventStore;

async function* once(block: ChainBlockDocument) {
  yield block;
}

describe('verifyChain over sparse positions', () => {
  const events = log(Array.from({ length: 300 }, (_, i) => 10 * (i + 1)));
  const verify = (logged: RecordedEvent[]) =>
    verifyChain({ events: storeOf(logged), algorithm: 'sm3', blocks: once(chainOf(events)), anchors: [], publicKey: null });

  it('accepts the log the chain was made from', async () => {
    expect((await verify(events)).findings).toEqual([]);
  });

  it('names an event between two chained positions as inserted, and keeps checking links after it', async () => {
    const extra = log([15])[0];
    const altered = { ...events[250], data: { n: -1 } };
    const logged = [...events.slice(0, 1), extra, ...events.slice(1, 250), altered, ...events.slice(251)];
    const result = await verify(logged);
    expect(result.findings.map((f) => `${f.kind}@${f.position}`)).toEqual(['inserted@15', 'altered@2510']);
  });

  it('resumes link checks at the next marked link after a finding', async () => {
    const logged = events.map((e, i) => (i === 3 || i === 200 ? { ...e, data: { n: -1 } } : e));
    const result = await verify(logged);
    expect(result.findings.map((f) => `${f.kind}@${f.position}`)).toEqual(['altered@40', 'altered@2010']);
  });
});
