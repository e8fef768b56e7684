/**
 * `npm run bench:mongo-shapes [-- --sizes 1000,10000,100000]`: what each write shape costs on
 * the MongoDB wire server MONGODB_URI points at (MongoDB, or FerretDB on SQLite or on
 * PostgreSQL), at several collection sizes. A shape whose cost per document grows with the
 * collection is one the server does not serve from its `_id` index; the read store's MongoDB
 * adapter uses only shapes that stay flat (libs/read-store/src/mongodb/mongo-read-store.ts).
 * Documents are shaped like a person read model (about 1 KB, a sealed personal part).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MongoClient, type AnyBulkWriteOperation, type Collection } from 'mongodb';

type Doc = { _id: string; _position: number; [key: string]: unknown };

const OPS = 10;
/**
 * Statements per update command. FerretDB v1.24 holds one PostgreSQL connection per statement
 * of an update command until the command ends, and its pool has 50: a larger command never
 * finishes. Bounded commands are also what the adapter sends (mongo-read-store.ts).
 */
const UPDATE_CHUNK = 16;
const BULK = 1000;
/** The adapter's update commands: statements per command, commands in flight (UPDATE_COMMANDS there). */
const ADAPTER = { statements: 6, concurrency: 4 };
/** The adapter's `{_id}` lookups in flight on FerretDB (BY_ID_CONCURRENCY there). */
const LOOKUPS = 8;

function sizesWanted(): number[] {
  const i = process.argv.indexOf('--sizes');
  const raw = i >= 0 ? process.argv[i + 1] : (process.env.BENCH_SIZES ?? '1000,10000,100000');
  const sizes = raw.split(',').map((s) => Number(s.replace(/_/g, '')));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--sizes takes positive whole numbers, comma-separated');
  return sizes;
}

const personId = (n: number): string => `p${n.toString(36).padStart(8, '0')}${'x'.repeat(40)}`;

function person(n: number, position: number): Doc {
  return {
    _id: personId(n),
    _position: position,
    region: `4403${String(n % 100).padStart(2, '0')}`,
    coverageStatus: n % 3 === 0 ? 'uninsured' : 'insured-local',
    insuranceTypes: ['310', '110'],
    flags: [],
    enrollments: [{ insuranceType: '310', contributionStatus: '1', provinceCode: '44', since: '2020-01-01' }],
    personal: { k: 'key-1', n: randomBytes(12).toString('base64'), c: randomBytes(600).toString('base64') },
  };
}

/** Milliseconds per call of `op`, over `count` sequential calls. */
async function perOp(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return (performance.now() - started) / count;
}

/** Runs `count` calls of `op`, `concurrency` at a time. */
async function inFlight(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await op(next++);
    }),
  );
}

async function perBatch(docs: number, op: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await op();
  return (performance.now() - started) / docs;
}

function guardFilter(id: string, position: number): Record<string, unknown> {
  return { _id: id, $or: [{ _position: { $exists: false } }, { _position: null }, { _position: { $lt: position } }] };
}

async function measure(c: Collection<Doc>, size: number): Promise<Array<[string, number]>> {
  await c.drop().catch(() => undefined);
  for (let i = 0; i < size; i += 2000) {
    await c.insertMany(
      Array.from({ length: Math.min(2000, size - i) }, (_, k) => person(i + k, 1)),
      { ordered: false },
    );
  }
  // Ids spread over the collection, so no shape benefits from hitting only its start.
  const some = (i: number) => Math.floor(((i * 7919) % OPS) * (size / OPS)) + (i % 7);
  let position = 10;
  const rows: Array<[string, number]> = [];
  // Progress on stderr: a server that stops answering shows where.
  const push = rows.push.bind(rows);
  rows.push = (...items: Array<[string, number]>) => {
    for (const [name, ms] of items) process.stderr.write(`  ${size} docs: ${name}: ${ms.toFixed(3)} ms\n`);
    return push(...items);
  };
  rows.push(['findOne {_id}', await perOp(OPS, (i) => c.findOne({ _id: personId(some(i)) }))]);
  rows.push([
    'replaceOne {_id} (no upsert)',
    await perOp(OPS, (i) => c.replaceOne({ _id: personId(some(i)) }, person(some(i), ++position))),
  ]);
  rows.push([
    'replaceOne {_id} upsert, existing',
    await perOp(OPS, (i) => c.replaceOne({ _id: personId(some(i)) }, person(some(i), ++position), { upsert: true })),
  ]);
  rows.push([
    'replaceOne {_id, $or guard} upsert',
    await perOp(OPS, (i) => c.replaceOne(guardFilter(personId(some(i)), ++position), person(some(i), position), { upsert: true })),
  ]);
  rows.push([
    'replaceOne {_id, _position: p} (equality guard)',
    await perOp(OPS, async (i) => {
      const id = personId(some(i));
      const current = await c.findOne({ _id: id }, { projection: { _position: 1 } });
      return c.replaceOne({ _id: id, _position: current!._position }, person(some(i), ++position));
    }),
  ]);
  rows.push([
    'updateOne {_id} $set',
    await perOp(OPS, (i) => c.updateOne({ _id: personId(some(i)) }, { $set: { _position: ++position, x: i } })),
  ]);
  rows.push([
    'deleteOne {_id} + insertOne',
    await perOp(OPS, async (i) => {
      const id = personId(some(i));
      await c.deleteOne({ _id: id });
      await c.insertOne(person(some(i), ++position));
    }),
  ]);
  const ids = Array.from({ length: BULK }, (_, i) => personId(Math.floor((i * size) / BULK)));
  rows.push([
    `findOne {_id}, ${LOOKUPS} in flight (per document)`,
    await perBatch(BULK, () => inFlight(BULK, LOOKUPS, (i) => c.findOne({ _id: ids[i] }))),
  ]);
  // What a lookup of a large share of the collection could do instead of one query per id.
  rows.push(['find {} whole collection (per document read)', await perBatch(size, () => c.find({}, { batchSize: 5000 }).toArray())]);
  rows.push([`find {_id: {$in: ${BULK}}} (per document)`, await perBatch(BULK, () => c.find({ _id: { $in: ids } }).toArray())]);
  const replaceOps: AnyBulkWriteOperation<Doc>[] = ids.map((id, i) => ({
    replaceOne: { filter: { _id: id }, replacement: person(Math.floor((i * size) / BULK), ++position) },
  }));
  const chunked = async (ops: AnyBulkWriteOperation<Doc>[]) => {
    for (let i = 0; i < ops.length; i += UPDATE_CHUNK) await c.bulkWrite(ops.slice(i, i + UPDATE_CHUNK), { ordered: false });
  };
  rows.push([
    `bulkWrite ${BULK} replaceOne {_id}, ${UPDATE_CHUNK} per command (per document)`,
    await perBatch(BULK, () => chunked(replaceOps)),
  ]);
  let matched = 0;
  const adapterShape = (ops: AnyBulkWriteOperation<Doc>[]) =>
    inFlight(Math.ceil(ops.length / ADAPTER.statements), ADAPTER.concurrency, async (k) => {
      const result = await c.bulkWrite(ops.slice(k * ADAPTER.statements, (k + 1) * ADAPTER.statements), { ordered: false });
      matched += result.matchedCount;
    });
  const adapterLabel = `${ADAPTER.statements} per command, ${ADAPTER.concurrency} in flight (per document)`;
  const stamped = ++position;
  rows.push([
    `bulkWrite ${BULK} replaceOne {_id}, ${adapterLabel}`,
    await perBatch(BULK, () =>
      adapterShape(
        ids.map((id, i) => ({ replaceOne: { filter: { _id: id }, replacement: person(Math.floor((i * size) / BULK), stamped) } })),
      ),
    ),
  ]);
  // Compare-and-set on the position the writer read (the adapter's shape for a `stored` hint).
  matched = 0;
  rows.push([
    `bulkWrite ${BULK} replaceOne {_id, _position} (compare-and-set), ${adapterLabel}`,
    await perBatch(BULK, () =>
      adapterShape(
        ids.map((id, i) => ({
          replaceOne: { filter: { _id: id, _position: stamped }, replacement: person(Math.floor((i * size) / BULK), stamped + 1) },
        })),
      ),
    ),
  ]);
  if (matched !== BULK) throw new Error(`compare-and-set matched ${matched} of ${BULK} documents`);
  position = stamped + 1;
  const updateOps: AnyBulkWriteOperation<Doc>[] = ids.map((id) => ({
    updateOne: { filter: { _id: id }, update: { $set: { _position: ++position } } },
  }));
  rows.push([
    `bulkWrite ${BULK} updateOne {_id}, ${UPDATE_CHUNK} per command (per document)`,
    await perBatch(BULK, () => chunked(updateOps)),
  ]);
  rows.push([
    `deleteMany {_id: {$in: ${BULK}}} + insertMany ${BULK} (per document)`,
    await perBatch(BULK, async () => {
      await c.deleteMany({ _id: { $in: ids } });
      await c.insertMany(
        ids.map((id, i) => ({ ...person(Math.floor((i * size) / BULK), ++position), _id: id })),
        { ordered: false },
      );
    }),
  ]);
  const fresh = Array.from({ length: BULK }, (_, i) => person(size + i, ++position));
  const deleteOps: AnyBulkWriteOperation<Doc>[] = ids.slice(0, BULK / 2).map((id) => ({ deleteOne: { filter: { _id: id } } }));
  rows.push([
    `bulkWrite ${BULK / 2} deleteOne {_id} (per document)`,
    await perBatch(BULK / 2, () => c.bulkWrite(deleteOps, { ordered: false })),
  ]);
  rows.push([`insertMany ${BULK} new (per document)`, await perBatch(BULK, () => c.insertMany(fresh, { ordered: false }))]);
  rows.push([
    `deleteMany {_id: {$in: ${BULK}}} (per document)`,
    await perBatch(BULK, () => c.deleteMany({ _id: { $in: fresh.map((d) => d._id) } })),
  ]);
  await c.drop().catch(() => undefined);
  return rows;
}

async function main(): Promise<void> {
  const uri = process.env.MONGODB_URI;
  if (!uri)
    throw new Error(
      'set MONGODB_URI (eval "$(scripts/test-servers.sh start)", or FerretDB on SQLite: eval "$(scripts/ferretdb.sh start)")',
    );
  const sizes = sizesWanted();
  const client = await MongoClient.connect(uri, { maxPoolSize: Math.max(LOOKUPS, ADAPTER.concurrency) });
  const db = client.db(`write_shapes_${process.pid}`);
  try {
    const build = await db
      .admin()
      .command({ buildInfo: 1 })
      .catch(() => ({}) as Record<string, unknown>);
    const server = [build.version, (build as { ferretdb?: { package?: string } }).ferretdb ? 'FerretDB' : ''].filter(Boolean).join(' ');
    process.stdout.write(`MongoDB write shapes on ${uri} (${server || 'unknown server'}), ms per document\n\n`);
    const table = new Map<string, number[]>();
    for (const size of sizes) {
      for (const [name, ms] of await measure(db.collection<Doc>('shapes'), size)) {
        if (!table.has(name)) table.set(name, []);
        table.get(name)!.push(ms);
      }
    }
    const width = Math.max(...[...table.keys()].map((k) => k.length));
    process.stdout.write(`${'shape'.padEnd(width)}  ${sizes.map((s) => `${s.toLocaleString('en-US')} docs`.padStart(12)).join('  ')}\n`);
    for (const [name, values] of table) {
      process.stdout.write(`${name.padEnd(width)}  ${values.map((v) => v.toFixed(3).padStart(12)).join('  ')}\n`);
    }
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
