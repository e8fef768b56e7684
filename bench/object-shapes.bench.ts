/**
 * `npm run bench:shapes`: what the object shapes the hot paths avoid cost on this Node, per
 * object, so the few places that write objects the long way (`sourced` in the domain, the
 * person fields in person-evolve, the region counters) carry a figure and not a belief.
 * An import of a 1,000,000-person province builds about six million command and event data
 * objects and moves the region counters some four million times.
 */
import { sourced } from '@registry/domain';

const ROUNDS = 3_000_000;

function time(name: string, make: (i: number) => object): { name: string; ns: number } {
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += Object.keys(make(i)).length; // warm up
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) sink += Object.keys(make(i)).length;
  const ns = Number(process.hrtime.bigint() - started) / ROUNDS;
  if (sink < 0) throw new Error('unreachable');
  return { name, ns };
}

const refs = Array.from({ length: 1000 }, (_, i) => ({
  source: 'insurance-enrollment' as const,
  sourceRecordId: `YW${i}`,
  occurredAt: '2024-06-30T00:00:00.000Z',
}));
const counters = { 'insured-local': 5, uninsured: 3, exempt: 1 };
const fresh = ['insured-elsewhere', 'unresolved', 'LAPSED_CONTRIBUTION', 'DUPLICATE_MEDICAL_ENROLLMENT'];
/** Insurance type codes are array indices to JavaScript: an object keyed by them carries a backing array as long as the largest. */
const byType = { '110': 5, '390': 3 };
const types = [0, 1, 0, 2, 0, 0, 0, 1];

const rows = [
  time('command data: { ...ref, fields } (spread first)', (i) => ({
    ...refs[i % 1000],
    insuranceType: '110',
    contributionStatus: '1',
    since: `${i}`,
  })),
  time('command data: sourced(ref, fields)', (i) =>
    sourced(refs[i % 1000], { insuranceType: '110', contributionStatus: '1', since: `${i}` }),
  ),
  time('counter with a new key: { ...c, [k]: n }', (i) => ({ ...counters, [fresh[i % 4]]: i })),
  time('counter with a new key: Object.assign({}, c); c[k] = n', (i) => {
    const next: Record<string, number> = Object.assign({}, counters);
    next[fresh[i % 4]] = i;
    return next;
  }),
  time("counts keyed by type code: { ...c, ['510']: n }", (i) => ({ ...byType, '510': i })),
  time('counts as an array in type order: [...c] with one changed', (i) => {
    const next = [...types];
    next[7] = i;
    return next;
  }),
];

process.stdout.write(`object shapes — node ${process.version}, ${ROUNDS.toLocaleString('en-US')} objects each\n\n`);
const width = Math.max(...rows.map((r) => r.name.length));
for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${r.ns.toFixed(0).padStart(6)} ns per object\n`);
