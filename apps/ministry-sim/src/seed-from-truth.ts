import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TruePerson } from '@registry/ingest';
import type { SeedRecord } from './sim-state';

/** GB/T 2260 province-level codes (mainland). */
const PROVINCES = [
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
];
const EARLIEST_ENROLMENT = '2008-01-01';
const DAY_MS = 86_400_000;

function hashInt(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

function addYears(iso: string, years: number): string {
  return `${String(Number(iso.slice(0, 4)) + years).padStart(4, '0')}${iso.slice(4)}`.replace(/-02-29$/, '-02-28');
}

/**
 * The day an enrolment elsewhere began: the generator's truth does not say, so it is
 * derived from the ID (deterministic) between the age the type applies (16 for pension,
 * birth for medical), 2008 and the generator's "today".
 */
function sinceFor(person: TruePerson, type: string, today: string, ordinal: number): string {
  const minAge = type === '310' || type === '390' ? 0 : 16;
  const from = [addYears(person.birthDate, minAge), EARLIEST_ENROLMENT].sort()[1];
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${today}T00:00:00Z`) - DAY_MS;
  if (!(end > start)) return from;
  const span = Math.floor((end - start) / DAY_MS);
  return new Date(start + (hashInt(`${person.citizenId}:${type}:${ordinal}`) % (span + 1)) * DAY_MS).toISOString().slice(0, 10);
}

/** The facts the ministry holds about one person of the generated province. */
export function seedRecordsOf(person: TruePerson, today: string): SeedRecord[] {
  const homeProvince = person.region.slice(0, 2);
  const recordedAt = `${today}T00:00:00.000Z`;
  const out: SeedRecord[] = [];
  if (person.coverage.status === 'insured-elsewhere') {
    const coverage = person.coverage;
    coverage.types.forEach((type, k) =>
      out.push({
        citizenId: person.citizenId,
        homeProvince,
        kind: 'insured-elsewhere',
        provinceCode: coverage.province,
        insuranceType: type,
        contributionStatus: '1',
        since: sinceFor(person, type, today, k),
        recordedAt,
      }),
    );
  }
  // A death the household register never recorded is modelled as a death registered in
  // another province: the ministry is where the province would learn of it.
  if (!person.alive && person.dateOfDeath && person.flags.includes('death-not-in-household')) {
    const others = PROVINCES.filter((p) => p !== homeProvince);
    out.push({
      citizenId: person.citizenId,
      homeProvince,
      kind: 'deceased-elsewhere',
      provinceCode: others[hashInt(`${person.citizenId}:death`) % others.length],
      dateOfDeath: person.dateOfDeath,
      recordedAt,
    });
  }
  return out;
}

/**
 * Reads a generated province's ground truth (`generateProvince` writes truth/persons.ndjson
 * and manifest.json) line by line, so a large province does not need to fit in memory twice.
 */
export async function seedRecordsFromTruth(dir: string): Promise<SeedRecord[]> {
  const file = join(dir, 'truth', 'persons.ndjson');
  if (!existsSync(file)) throw new Error(`No ground truth at ${file}: generate a province first`);
  const manifestFile = join(dir, 'manifest.json');
  const today = existsSync(manifestFile)
    ? ((JSON.parse(readFileSync(manifestFile, 'utf8')) as { today?: string }).today ?? '2024-06-30')
    : '2024-06-30';
  const out: SeedRecord[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    out.push(...seedRecordsOf(JSON.parse(line) as TruePerson, today));
  }
  return out;
}
