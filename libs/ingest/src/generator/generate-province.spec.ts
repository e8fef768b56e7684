import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadRegionTable } from '@registry/domain';
import { createCleaner, CleanResult } from '../cleaning/cleaner';
import { loadMapping } from '../mapping/mapping';
import { resolveHeaders } from '../mapping/resolve-headers';
import { openRecords } from '../readers/open-records';
import { generateProvince, ProvinceManifest, TruePerson, TrueRecord } from './generate-province';

const PERSONS = 2000;
const regions = loadRegionTable();

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const ndjson = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

/** Noise that cleaning must quarantine, and noise that must import with a given warning. */
const ERROR_NOISE = ['bad-check-character', 'missing-check-character', 'bad-id-birth-date', 'missing-id', 'duplicate-row'];
const WARNING_FOR: Record<string, string> = {
  'fifteen-digit-id': 'ID_UPGRADED_FROM_15',
  'full-width-digits': 'ID_NORMALISED',
  'lower-case-x': 'ID_NORMALISED',
  'leading-apostrophe': 'ID_NORMALISED',
  'id-spaces': 'ID_NORMALISED',
  'dot-variant': 'NAME_NORMALISED',
  'name-spacing': 'NAME_NORMALISED',
  'birth-date-mismatch': 'BIRTH_DATE_MISMATCH',
  'gender-mismatch': 'GENDER_MISMATCH',
  'historical-region': 'REGION_HISTORICAL',
  'unknown-region': 'REGION_HELD_AT_PARENT',
};

describe('generateProvince', () => {
  const dirA = mkdtempSync(join(tmpdir(), 'province-a-'));
  const dirB = mkdtempSync(join(tmpdir(), 'province-b-'));
  let manifest: ProvinceManifest;

  beforeAll(async () => {
    manifest = await generateProvince({ persons: PERSONS, seed: 'test-seed', outDir: dirA });
    await generateProvince({ persons: PERSONS, seed: 'test-seed', outDir: dirB });
  });

  it('is deterministic: the same seed gives byte-identical files', async () => {
    const a = hashes(dirA);
    expect(Object.keys(a)).toEqual(
      expect.arrayContaining([
        'household-registration.csv',
        'card-library.xlsx',
        'health.ndjson',
        'manifest.json',
        'truth/persons.ndjson',
        'truth/records.ndjson',
      ]),
    );
    expect(hashes(dirB)).toEqual(a);
    const dirC = mkdtempSync(join(tmpdir(), 'province-c-'));
    await generateProvince({ persons: 200, seed: 'other', outDir: dirC });
    expect(hashes(dirC)['household-registration.csv']).not.toBe(a['household-registration.csv']);
  });

  it('writes a manifest with seed, rates, counts and files', () => {
    expect(manifest).toMatchObject({ seed: 'test-seed', persons: PERSONS, province: '44', today: '2024-06-30' });
    expect(manifest.files.map((f) => [f.file, f.format, f.encoding, f.bom])).toEqual([
      ['household-registration.csv', 'csv', 'gb18030', false],
      ['insurance-enrollment.csv', 'csv', 'utf-8', true],
      ['card-library.xlsx', 'xlsx', 'utf-8', false],
      ['health.ndjson', 'ndjson', 'utf-8', false],
      ['civil-affairs.csv', 'csv', 'gb18030', false],
      ['disability.csv', 'csv', 'utf-8', false],
    ]);
    expect(JSON.parse(readFileSync(join(dirA, 'manifest.json'), 'utf8'))).toEqual(manifest);
  });

  it('produces files that read, map and clean as the ground truth says', async () => {
    const persons = new Map(ndjson<TruePerson>(join(dirA, 'truth/persons.ndjson')).map((p) => [p.truePersonId, p]));
    expect(persons.size).toBe(PERSONS);
    const truth = new Map(ndjson<TrueRecord>(join(dirA, 'truth/records.ndjson')).map((r) => [`${r.file}#${r.rowNumber}`, r]));
    const enrolledIds = new Set<string>();
    let rareSeen = 0;
    let swapped = 0;

    for (const f of manifest.files) {
      const opened = await openRecords({ path: join(dirA, f.file) });
      expect([f.file, opened.format, opened.encoding]).toEqual([f.file, f.format, f.encoding]);
      const mapping = loadMapping(f.kind);
      expect(resolveHeaders(mapping, opened.headers).errors).toEqual([]);
      const cleaner = createCleaner(f.kind, mapping, { regions, today: manifest.today });
      // An emptied column is an error only where the mapping requires it (the household file's
      // 性别 and 出生日期 may be empty: the citizen ID carries both).
      const requiredColumns = new Set(Object.values(mapping.fields).flatMap((fm) => (fm.required ? fm.headers : [])));
      let rows = 0;
      for await (const row of opened.records) {
        rows++;
        const t = truth.get(`${f.file}#${row.rowNumber}`);
        if (!t) throw new Error(`no truth for ${f.file} row ${row.rowNumber}`);
        const result: CleanResult = cleaner.clean(row);
        const expectError = t.noise.some(
          (n) => ERROR_NOISE.includes(n) || (n.startsWith('missing-field:') && requiredColumns.has(n.slice('missing-field:'.length))),
        );
        const where = `${f.file} row ${row.rowNumber} noise=${t.noise.join(',')}`;
        if (expectError) {
          expect([where, result.status]).toEqual([where, 'rejected']);
          continue;
        }
        if (result.status !== 'ok') throw new Error(`${where}: rejected with ${result.reasons.map((r) => r.code).join(',')}`);
        for (const n of t.noise) {
          const code = WARNING_FOR[n];
          if (code) expect([where, result.warnings.map((w) => w.code)]).toEqual([where, expect.arrayContaining([code])]);
          if (n === 'birth-date-swapped') {
            // An impossible date beside a valid ID is a warning; a swap that makes a real date disagrees with the ID.
            const warned = result.warnings.map((w) => w.code).filter((c) => c === 'DATE_INVALID' || c === 'BIRTH_DATE_MISMATCH');
            expect([where, warned.length]).toEqual([where, 1]);
            swapped++;
          }
        }
        const person = t.truePersonId ? persons.get(t.truePersonId) : undefined;
        const record = result.record;
        if (person && 'citizenId' in record && record.citizenId !== undefined)
          expect([where, record.citizenId]).toEqual([where, person.citizenId]);
        if (person && record.kind === 'household-registration') {
          // A birth-date column that disagrees with the ID is kept as the file says (the registry holds the ID's).
          const birthDate = t.noise.includes('birth-date-mismatch') ? record.birthDate : person.birthDate;
          expect([where, record.name, record.birthDate, record.householdStatus]).toEqual([
            where,
            person.name,
            birthDate,
            person.householdStatus,
          ]);
          if (/[\u{10000}-\u{10FFFF}]/u.test(person.name)) rareSeen++;
        }
        if (record.kind === 'insurance-enrollment' && person) enrolledIds.add(person.truePersonId);
      }
      expect(rows).toBe(f.rows);
      const stats = cleaner.stats();
      if (f.rows > 500) {
        // Mostly clean, with a visible but small quarantine share.
        expect(stats.ok / stats.rows).toBeGreaterThan(0.9);
        expect(stats.rejected / stats.rows).toBeGreaterThan(0.005);
        expect(stats.rejected / stats.rows).toBeLessThan(0.08);
      }
    }
    expect(rareSeen).toBeGreaterThan(0);
    expect(swapped).toBeGreaterThan(0);

    // Insured elsewhere: never in the local enrolment file. Insured locally: always there.
    for (const p of persons.values()) {
      if (p.coverage.status === 'insured-elsewhere') expect(enrolledIds.has(p.truePersonId)).toBe(false);
    }
  });

  it('has the expected population and noise mix', () => {
    const c = manifest.counts;
    const share = (k: string) => (c[k] ?? 0) / PERSONS;
    expect(share('coverage:insured-local')).toBeGreaterThan(0.7);
    expect(share('coverage:insured-elsewhere')).toBeGreaterThan(0.04);
    expect(share('coverage:uninsured')).toBeGreaterThan(0.04);
    expect(c.deceased).toBeGreaterThan(5);
    for (const flag of [
      'minority-name',
      'rare-character',
      'duplicate-enrolment',
      'lapsed',
      'moved-out',
      'minimum-living-allowance',
      'disabled',
    ]) {
      expect([flag, c[`flag:${flag}`] ?? 0]).toEqual([flag, expect.any(Number)]);
      expect(c[`flag:${flag}`]).toBeGreaterThan(0);
    }
    for (const n of [
      'fifteen-digit-id',
      'bad-check-character',
      'name-homophone',
      'dot-variant',
      'duplicate-row',
      'full-width-digits',
      'leading-apostrophe',
      'date-format',
    ]) {
      expect([n, (manifest.noiseCounts[n] ?? 0) > 0]).toEqual([n, true]);
    }
  });
});
