/**
 * Projection catch-up throughput: a realistic one-document-per-person projection over about
 * 200k pre-appended events, from the SQLite event store into the SQLite read store, through
 * the real ProjectionRunner (subscription, batching, prefetch, guarded batch writes,
 * checkpoints). All figures come from one run on one disk, so compare them with each other.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NewEvent, RecordedEvent, SqliteEventStore, StreamAppend } from '@registry/event-store';
import { Document, SqliteReadStore } from '@registry/read-store';
import { CHECKPOINT_COLLECTION, ProjectionRunner, documentProjection, generationKey } from '@registry/projections';

export interface ProjectionBenchResult {
  name: string;
  eventsPerSec: number;
  note?: string;
}

const PERSONS = 50_000;
const REGIONS = ['110101', '110102', '110105', '110106', '110107', '110108', '110109', '110111'];
const INSURANCE = ['URBAN_EMPLOYEE_PENSION', 'URBAN_RURAL_RESIDENT_PENSION', 'EMPLOYEE_MEDICAL', 'RESIDENT_MEDICAL'];
const METADATA = { occurredAt: '2024-03-01T08:00:00.000Z', operator: 'op-0042', region: '110101', channel: 'batch-import' };

interface PersonView extends Document {
  region: string;
  status: 'registered' | 'enrolled' | 'suspended';
  insurances: Record<string, { since: string; status: 'active' | 'suspended' }>;
  registeredOn: string;
  updatedOn: string;
  changes: number;
}

interface PersonEventData {
  personId: string;
  region?: string;
  insuranceType?: string;
  on: string;
  reason?: string;
}

/** The projection a person-search read model would be: one document per person stream. */
const personView = (version = 1) =>
  documentProjection<PersonView>({
    name: 'bench_person',
    version,
    collection: 'persons',
    eventTypes: ['PersonRegistered', 'EnrollmentRecorded', 'AddressChanged', 'EnrollmentSuspended'],
    streamPrefixes: ['person-'],
    indexes: [
      {
        name: 'by_region_status',
        fields: [
          ['region', 1],
          ['status', 1],
        ],
      },
    ],
    documentId: (e) => (e.data as PersonEventData).personId,
    evolve(doc, e: RecordedEvent): PersonView | null {
      const d = e.data as PersonEventData;
      switch (e.type) {
        case 'PersonRegistered':
          return {
            _id: d.personId,
            region: d.region!,
            status: 'registered',
            insurances: {},
            registeredOn: d.on,
            updatedOn: d.on,
            changes: 0,
          };
        case 'EnrollmentRecorded':
          return (
            doc && {
              ...doc,
              status: 'enrolled',
              insurances: { ...doc.insurances, [d.insuranceType!]: { since: d.on, status: 'active' } },
              updatedOn: d.on,
              changes: doc.changes + 1,
            }
          );
        case 'AddressChanged':
          return doc && { ...doc, region: d.region!, updatedOn: d.on, changes: doc.changes + 1 };
        case 'EnrollmentSuspended': {
          if (!doc) return null;
          const current = doc.insurances[d.insuranceType!];
          const insurances = current
            ? { ...doc.insurances, [d.insuranceType!]: { ...current, status: 'suspended' as const } }
            : doc.insurances;
          return { ...doc, status: 'suspended', insurances, updatedOn: d.on, changes: doc.changes + 1 };
        }
        default:
          return doc;
      }
    },
  });

/**
 * Four rounds over all persons (register, enrol, move, suspend), so a batch of 1000 events
 * touches 1000 different documents: the prefetch gets no help from repeats within a batch.
 */
async function appendHistory(store: SqliteEventStore): Promise<number> {
  const rounds: Array<(i: number) => { type: string; data: PersonEventData }> = [
    (i) => ({ type: 'PersonRegistered', data: { personId: `p${i}`, region: REGIONS[i % REGIONS.length], on: '2024-01-02' } }),
    (i) => ({ type: 'EnrollmentRecorded', data: { personId: `p${i}`, insuranceType: INSURANCE[i % INSURANCE.length], on: '2024-02-01' } }),
    (i) => ({ type: 'AddressChanged', data: { personId: `p${i}`, region: REGIONS[(i + 3) % REGIONS.length], on: '2024-03-05' } }),
    (i) => ({
      type: 'EnrollmentSuspended',
      data: { personId: `p${i}`, insuranceType: INSURANCE[i % INSURANCE.length], on: '2024-04-10', reason: 'contribution-arrears' },
    }),
  ];
  let total = 0;
  for (const make of rounds) {
    for (let start = 0; start < PERSONS; start += 5000) {
      const appends: StreamAppend[] = [];
      for (let i = start; i < Math.min(PERSONS, start + 5000); i++) {
        const { type, data } = make(i);
        const event: NewEvent = { id: randomUUID(), type, data, metadata: METADATA };
        appends.push({ stream: `person-p${i}`, events: [event] });
      }
      await store.appendMany(appends);
      total += appends.length;
    }
  }
  return total;
}

async function catchUp(
  eventStore: SqliteEventStore,
  readStore: SqliteReadStore,
  batchSize: number,
  version: number,
): Promise<{ ms: number; events: number }> {
  const runner = new ProjectionRunner({ eventStore, readStore, batchSize, idleWaitMs: 20 });
  let events = 0;
  runner.progress$.subscribe((p) => (events += p.events));
  const started = performance.now();
  await runner.start([personView(version)]);
  await runner.waitUntilCaughtUp('bench_person', 600_000);
  const ms = performance.now() - started;
  await runner.stop();
  return { ms, events };
}

const perSec = (count: number, ms: number): number => Math.round((count / ms) * 1000);

export async function benchProjection(dir: string): Promise<ProjectionBenchResult[]> {
  const work = join(dir, `projection-bench-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const results: ProjectionBenchResult[] = [];
  const eventStore = new SqliteEventStore(join(work, 'events.sqlite'), { synchronous: 'NORMAL' });
  try {
    const appendStart = performance.now();
    const total = await appendHistory(eventStore);
    const appendMs = performance.now() - appendStart;
    results.push({
      name: 'setup: append history (appendMany, 5k streams per call)',
      eventsPerSec: perSec(total, appendMs),
      note: `${total} events`,
    });

    for (const batchSize of [1000, 5000]) {
      const readStore = new SqliteReadStore(join(work, `read-${batchSize}.sqlite`));
      try {
        const run = await catchUp(eventStore, readStore, batchSize, 1);
        const docs = await readStore.collection('bench_person_v1_g1_persons').count();
        results.push({
          name: `projection catch-up, one document per person, batch ${batchSize}`,
          eventsPerSec: perSec(run.events, run.ms),
          note: `${run.events} events into ${docs} documents in ${Math.round(run.ms)} ms (SQLite read store, synchronous=NORMAL)`,
        });

        if (batchSize === 1000) {
          // Replay of events already applied (checkpoint rewound): every write is dropped by the guard.
          await readStore
            .collection(CHECKPOINT_COLLECTION)
            .upsert({ _id: generationKey('bench_person', 1), projection: 'bench_person', generation: 1, checkpoint: 0, _position: 0 });
          const replay = await catchUp(eventStore, readStore, batchSize, 1);
          results.push({
            name: 'projection replay of already-applied events (checkpoint reset to 0), batch 1000',
            eventsPerSec: perSec(replay.events, replay.ms),
            note: 'position guard drops every write; measures read + apply + checkpoint',
          });
          // A version bump: the rebuild runs beside the serving generation and switches in.
          const rebuild = await catchUp(eventStore, readStore, batchSize, 2);
          results.push({
            name: 'projection rebuild after a version bump (new generation beside the old), batch 1000',
            eventsPerSec: perSec(rebuild.events, rebuild.ms),
            note: 'includes the switch to the new generation',
          });
        }
      } finally {
        await readStore.close();
      }
    }
  } finally {
    await eventStore.close();
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}
