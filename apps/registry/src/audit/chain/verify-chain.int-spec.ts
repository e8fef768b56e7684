/**
 * The hash chain over a real SQLite log: the audit projection records it, verify walks the log
 * through the port and names what changed, after rows of events.sqlite are edited, deleted,
 * swapped or added behind the store's back (better-sqlite3 on the file, as the sqlite3 tool would).
 */
import Database from 'better-sqlite3';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@registry/event-store';
import { ProjectionRunner } from '@registry/projections';
import { SqliteReadStore } from '@registry/read-store';
import { AUDIT_BLOCKS, AUDIT_HEAD, AUDIT_PROJECTION, AuditHeadDocument, auditProjection } from '../audit.projection';
import { signAnchor } from './anchor';
import { BLOCK_EVENTS, ChainBlockDocument, unpackEntries } from './chain-block';
import { ChainAlgorithm, GENESIS_LINK, LinkHasher } from './event-bytes';
import { blocksInOrder } from './recorded-chain';
import { verifyChain } from './verify-chain';
import { verifyInParallel } from './verify-parallel';

jest.setTimeout(60_000);

const keys = generateKeyPairSync('ed25519');
const publicKey = keys.publicKey.export({ format: 'der', type: 'spki' });
const privateKey = keys.privateKey.export({ format: 'der', type: 'pkcs8' });

describe.each<ChainAlgorithm>(['sm3', 'sha256'])('hash chain (%s)', (algorithm) => {
  let dir: string;
  let events: SqliteEventStore;
  let reads: SqliteReadStore;
  let runner: ProjectionRunner;

  const append = async (n: number, streams = 7) => {
    const byStream = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const stream = `person-p${i % streams}`;
      byStream.set(stream, (byStream.get(stream) ?? 0) + 1);
    }
    let i = 0;
    await events.appendMany(
      [...byStream].map(([stream, count]) => ({
        stream,
        events: Array.from({ length: count }, () => ({
          id: randomUUID(),
          type: 'EnrollmentRecorded',
          data: { source: 'insurance-enrollment', insuranceType: '390', n: i++, personal: { k: 'k1', c: '李·娜𠀀' } },
          metadata: {
            operator: 'op-1',
            role: 'county-operator',
            region: '440305',
            channel: 'http',
            occurredAt: '2024-05-01T00:00:00.000Z',
          },
        })),
      })),
    );
  };

  const blocks = async () => (await runner.collection<ChainBlockDocument>(AUDIT_PROJECTION, AUDIT_BLOCKS)) as never;
  const verify = async (extra: Partial<Parameters<typeof verifyChain>[0]> = {}) =>
    verifyChain({ events, algorithm, blocks: blocksInOrder(await blocks()), anchors: [], publicKey, ...extra });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chain-'));
    events = new SqliteEventStore(join(dir, 'events.sqlite'), { synchronous: 'NORMAL', pollIntervalMs: 20 });
    reads = new SqliteReadStore(join(dir, 'read.sqlite'));
    runner = new ProjectionRunner({ eventStore: events, readStore: reads, batchSize: 1000, leaseTtlMs: 3000 });
    await runner.start([auditProjection(algorithm)]);
  });
  afterEach(async () => {
    await runner.stop();
    await events.close();
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records one link per event, each H(previous link ‖ canonical bytes), in blocks', async () => {
    await append(BLOCK_EVENTS + 500);
    await append(3);
    await runner.waitUntilCaughtUp(AUDIT_PROJECTION, 30_000);
    const hasher = new LinkHasher(algorithm);
    let prev = GENESIS_LINK;
    const links: string[] = [];
    for await (const e of events.readAll({})) {
      prev = hasher.next(prev, e);
      links.push(prev.toString('hex'));
    }
    const recorded: string[] = [];
    for await (const b of blocksInOrder(await blocks())) {
      for (const entry of unpackEntries(b)) recorded.push(entry.linkTag);
      expect(links).toContain(b.lastLink);
    }
    expect(recorded).toEqual(links.map((l) => l.slice(0, 16)));
    const head = await (await runner.collection<AuditHeadDocument>(AUDIT_PROJECTION, AUDIT_HEAD)).get(AUDIT_HEAD);
    expect({ count: head!.count, lastLink: head!.lastLink }).toEqual({ count: BLOCK_EVENTS + 503, lastLink: links[links.length - 1] });
    expect((await verify()).findings).toEqual([]);
  });

  it('names an event whose data was edited in events.sqlite, a deleted row and two swapped rows', async () => {
    await append(300);
    await runner.waitUntilCaughtUp(AUDIT_PROJECTION, 30_000);
    const clean = await verify();
    expect({ ok: clean.ok, checked: clean.eventsChecked, chainedTo: clean.chainedTo }).toEqual({ ok: true, checked: 300, chainedTo: 300 });

    const db = new Database(join(dir, 'events.sqlite'));
    db.prepare(`UPDATE events SET data = replace(data, '"390"', '"310"') WHERE position = 42`).run();
    expect((await verify()).first).toMatchObject({ kind: 'altered', position: 42 });

    db.prepare('DELETE FROM events WHERE position = 120').run();
    const swap = db.prepare('SELECT event_id, data FROM events WHERE position = ?');
    const a = swap.get(200) as { event_id: string; data: string };
    const b = swap.get(201) as { event_id: string; data: string };
    db.prepare(`UPDATE events SET event_id = ?, data = ? WHERE position = 200`).run(`tmp-${a.event_id}`, b.data);
    db.prepare(`UPDATE events SET event_id = ?, data = ? WHERE position = 201`).run(a.event_id, a.data);
    db.prepare(`UPDATE events SET event_id = ? WHERE position = 200`).run(b.event_id);
    const result = await verify();
    db.close();
    expect(result.findings.map((f) => `${f.kind}@${f.position}`)).toEqual(
      expect.arrayContaining(['altered@42', 'missing@120', 'reordered@200', 'reordered@201']),
    );
    expect(result.first).toMatchObject({ kind: 'altered', position: 42 });
    expect(result.ok).toBe(false);
    // Through the port alone (readAll's events serialised, as on EventStoreDB or PostgreSQL): the same findings.
    const portOnly = Object.create(events, { readCanonicalPages: { value: undefined } }) as SqliteEventStore;
    expect((await verify({ events: portOnly })).findings).toEqual(result.findings);
  });

  it('names an event whose stored JSON was respaced in events.sqlite (same value, other bytes)', async () => {
    await append(50);
    await runner.waitUntilCaughtUp(AUDIT_PROJECTION, 30_000);
    const db = new Database(join(dir, 'events.sqlite'));
    db.prepare(`UPDATE events SET data = replace(data, '"insuranceType":', '"insuranceType": ') WHERE position = 9`).run();
    db.close();
    const result = await verify();
    expect(result.findings.map((f) => `${f.kind}@${f.position}`)).toEqual(['altered@9']);
  });

  it('checks slices of the chain in threads of their own, as one walk would', async () => {
    await append(3 * BLOCK_EVENTS + 100);
    await runner.waitUntilCaughtUp(AUDIT_PROJECTION, 30_000);
    const recorded: ChainBlockDocument[] = [];
    for await (const b of blocksInOrder(await blocks())) recorded.push(b);
    const parallel = () =>
      verifyInParallel({
        events,
        store: { dataDir: dir, sqliteSynchronous: 'NORMAL' },
        algorithm,
        blocks: recorded,
        anchors: [],
        publicKey,
        threads: 2,
        parallelFrom: 0,
      });
    const clean = await parallel();
    expect({ ok: clean.ok, checked: clean.eventsChecked }).toEqual({ ok: true, checked: 3 * BLOCK_EVENTS + 100 });
    const db = new Database(join(dir, 'events.sqlite'));
    const position = 2 * BLOCK_EVENTS + 7;
    db.prepare(`UPDATE events SET data = replace(data, '"390"', '"310"') WHERE position = ?`).run(position);
    db.close();
    expect((await parallel()).findings.map((f) => `${f.kind}@${f.position}`)).toEqual([`altered@${position}`]);
  });

  it('finds a change made before the chain was rebuilt only through a signed anchor, and refuses a forged one', async () => {
    await append(200);
    await runner.waitUntilCaughtUp(AUDIT_PROJECTION, 30_000);
    const head = await (await runner.collection<AuditHeadDocument>(AUDIT_PROJECTION, AUDIT_HEAD)).get(AUDIT_HEAD);
    const anchor = signAnchor(
      {
        province: '44',
        algorithm,
        position: head!.lastPosition,
        count: head!.count,
        link: head!.lastLink,
        recordedAt: head!.lastRecordedAt!,
        anchoredAt: new Date().toISOString(),
        keyId: 's1',
        signatureAlgorithm: 'ed25519',
      },
      privateKey,
    );
    expect((await verify({ anchors: [anchor] })).ok).toBe(true);
    const forged = { ...anchor, link: 'f'.repeat(64) };
    expect((await verify({ anchors: [forged] })).first).toMatchObject({ kind: 'anchor-signature', position: anchor.position });

    // Someone edits an event and rebuilds the audit read model from the edited log: the recorded chain agrees with the log, the anchor does not.
    const db = new Database(join(dir, 'events.sqlite'));
    db.prepare(`UPDATE events SET data = replace(data, '"390"', '"310"') WHERE position = 17`).run();
    db.close();
    await runner.rebuild(AUDIT_PROJECTION);
    const result = await verify({ anchors: [anchor] });
    expect(result.findings.map((f) => f.kind)).toEqual(['anchor-mismatch']);
    expect(result.first!.position).toBe(anchor.position);

    // From the anchor onwards only: the walk starts at its link and checks what follows.
    await append(20);
    await runner.waitUntilCaughtUp(AUDIT_PROJECTION, 30_000);
    const tail = await verify({ fromAnchor: { ...anchor }, anchors: [] });
    expect({ from: tail.fromPosition, checked: tail.eventsChecked }).toEqual({ from: anchor.position, checked: 20 });
  });
});
