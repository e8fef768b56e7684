/**
 * Event-store throughput on a fresh SQLite file, against the raw better-sqlite3 insert rate
 * of the same rows as the ceiling. Every figure comes from the same run on the same disk,
 * so the ratios mean more than the absolute numbers.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NewEvent, SqliteEventStore, StreamAppend } from '@registry/event-store';
import { rawEventInsertRate } from './raw-events';

export interface BenchResult {
  name: string;
  eventsPerSec: number;
  note?: string;
}

type Synchronous = 'FULL' | 'NORMAL';

// About 300 bytes of JSON for data + metadata together, shaped like a registration.
const DATA = {
  citizenIdHash: 'c3f1a9e07b5d4e2a8c6b1f0d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a',
  region: '110101',
  insuranceType: 'URBAN_RURAL_RESIDENT_PENSION',
  enrolledOn: '2024-03-01',
  source: 'county-import',
};
const METADATA = { occurredAt: '2024-03-01T08:00:00.000Z', operator: 'op-0042', region: '110101', channel: 'batch-import' };

function makeEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, () => ({ id: randomUUID(), type: 'PersonRegistered', data: DATA, metadata: METADATA }));
}

/** One event per stream, as an import of new persons produces: the hardest case for appendMany. */
function toAppends(events: NewEvent[]): StreamAppend[] {
  return events.map((event) => ({ stream: `person-${event.id}`, events: [event], expectedRevision: 'no_stream' as const }));
}

function perSec(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

/** Same table, same pragmas as SqliteEventStore's defaults, pre-serialised payloads. */
function rawInsertRate(file: string, synchronous: Synchronous, count: number, rowsPerTransaction: number): number {
  // Payloads serialised ahead of time: the ceiling is SQLite alone.
  const data = JSON.stringify(DATA);
  const metadata = JSON.stringify(METADATA);
  const events = makeEvents(count);
  return rawEventInsertRate(
    file,
    synchronous,
    count,
    (i) => ({
      eventId: events[i].id,
      stream: `person-${events[i].id}`,
      revision: 0,
      type: events[i].type,
      data,
      metadata,
      recordedAt: METADATA.occurredAt,
    }),
    rowsPerTransaction,
  );
}

async function appendManyRate(file: string, synchronous: Synchronous, batchSize: number, count: number): Promise<number> {
  const store = new SqliteEventStore(file, { synchronous });
  const batches: StreamAppend[][] = [];
  const appends = toAppends(makeEvents(count));
  for (let i = 0; i < appends.length; i += batchSize) batches.push(appends.slice(i, i + batchSize));
  const started = performance.now();
  for (const batch of batches) await store.appendMany(batch);
  const elapsed = performance.now() - started;
  await store.close();
  return perSec(count, elapsed);
}

async function readAllRate(file: string): Promise<{ rate: number; count: number }> {
  const store = new SqliteEventStore(file);
  let count = 0;
  const started = performance.now();
  for await (const event of store.readAll()) {
    if (event.position > 0) count += 1;
  }
  const elapsed = performance.now() - started;
  await store.close();
  return { rate: perSec(count, elapsed), count };
}

async function catchUpRate(file: string, count: number): Promise<number> {
  const store = new SqliteEventStore(file);
  const subscription = store.subscribe();
  let seen = 0;
  const started = performance.now();
  for await (const event of subscription) {
    void event;
    if (++seen >= count) break;
  }
  const elapsed = performance.now() - started;
  await store.close();
  return perSec(count, elapsed);
}

/**
 * Why two raw rates: with random keys (event ids, hashed stream names) every row dirties its
 * own index pages, and each commit writes all dirty pages to the WAL. A 1,000-row
 * transaction therefore costs several times more per row than a 10,000-row one, in raw
 * SQLite as much as in the store. "vs same-size raw" isolates the adapter's own overhead.
 */
export async function benchEventStore(dir: string): Promise<BenchResult[]> {
  const work = join(dir, `event-store-bench-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  let fileNo = 0;
  const fresh = (): string => join(work, `events-${++fileNo}.sqlite`);
  const results: BenchResult[] = [];
  const pct = (rate: number, of: number): string => `${((rate / of) * 100).toFixed(0)}%`;

  try {
    const ceiling: Record<Synchronous, number> = {
      FULL: rawInsertRate(fresh(), 'FULL', 200_000, 10_000),
      NORMAL: rawInsertRate(fresh(), 'NORMAL', 200_000, 10_000),
    };
    for (const synchronous of ['FULL', 'NORMAL'] as const) {
      results.push({
        name: `raw better-sqlite3 insert, 10k-row transactions, synchronous=${synchronous} (ceiling)`,
        eventsPerSec: ceiling[synchronous],
        note: '200000 rows, same table and pragmas, payload pre-serialised',
      });
    }
    const raw1000 = rawInsertRate(fresh(), 'FULL', 200_000, 1_000);
    results.push({ name: 'raw better-sqlite3 insert, 1k-row transactions, synchronous=FULL', eventsPerSec: raw1000, note: '200000 rows' });

    const cases: Array<{ batch: number; count: number; sameSizeRaw?: number; sync: Synchronous[] }> = [
      { batch: 10_000, count: 200_000, sameSizeRaw: ceiling.FULL, sync: ['FULL'] },
      { batch: 1_000, count: 200_000, sameSizeRaw: raw1000, sync: ['FULL', 'NORMAL'] },
      { batch: 100, count: 50_000, sync: ['FULL', 'NORMAL'] },
      { batch: 1, count: 2_000, sync: ['FULL', 'NORMAL'] },
    ];
    let readFile = '';
    let readCount = 0;
    for (const { batch, count, sameSizeRaw, sync } of cases) {
      for (const synchronous of sync) {
        const file = fresh();
        const rate = await appendManyRate(file, synchronous, batch, count);
        if (batch === 10_000) [readFile, readCount] = [file, count];
        const notes = [`${count} events, one stream each`, `${pct(rate, ceiling[synchronous])} of the ceiling`];
        if (sameSizeRaw && synchronous === 'FULL') notes.push(`${pct(rate, sameSizeRaw)} of same-size raw transactions`);
        results.push({ name: `appendMany, batches of ${batch}, synchronous=${synchronous}`, eventsPerSec: rate, note: notes.join('; ') });
      }
    }

    const read = await readAllRate(readFile);
    results.push({ name: 'readAll (pages of 1000, JSON parse)', eventsPerSec: read.rate, note: `${read.count} events` });
    results.push({ name: 'subscription catch-up', eventsPerSec: await catchUpRate(readFile, readCount), note: `${readCount} events` });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}
