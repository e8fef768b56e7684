import fc from 'fast-check';
import { isCalendarDate, isIsoDate, startsWithIsoDate } from './dates';

/** The check as first written, with a regular expression: what the digit-by-digit reading must equal. */
function asFirstWritten(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

describe('startsWithIsoDate', () => {
  it('takes a real day at the start of a date or a timestamp, and nothing else', () => {
    for (const ok of ['2024-02-29', '2000-02-29', '1999-12-31T23:59:59Z', '0001-01-01', '2026-12-07 and more'])
      expect(startsWithIsoDate(ok)).toBe(true);
    for (const bad of [
      '1900-02-29',
      '2023-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-04-31',
      '2024-4-01',
      '2024/04/01',
      '２０２４-04-01',
      '20240401',
      '2024-04-0',
      '',
      ' 2024-04-01',
    ]) {
      expect(startsWithIsoDate(bad)).toBe(false);
    }
    expect(isIsoDate('2024-04-01')).toBe(true);
    expect(isIsoDate('2024-04-01T00:00:00Z')).toBe(false);
  });

  it('answers as the regular expression did, over strings near the form', () => {
    // A date or timestamp with up to three characters replaced by digits, separators, letters
    // or non-ASCII digits, cut anywhere.
    const near = fc
      .record({
        length: fc.integer({ min: 0, max: 20 }),
        swaps: fc.array(fc.record({ at: fc.nat({ max: 19 }), char: fc.constantFrom(...'0123456789-0123456789-/T:Z a٣９') }), {
          maxLength: 3,
        }),
      })
      .map(({ length, swaps }) => {
        const chars = [...'2024-02-29T00:00:00Z'.slice(0, length)];
        for (const { at, char } of swaps) if (at < chars.length) chars[at] = char;
        return chars.join('');
      });
    let taken = 0;
    fc.assert(
      fc.property(near, (text) => {
        expect(startsWithIsoDate(text)).toBe(asFirstWritten(text));
        if (asFirstWritten(text)) taken++;
      }),
      { numRuns: 50_000, seed: 20261207 },
    );
    // Both answers came up often.
    expect(taken).toBeGreaterThan(1000);
    expect(taken).toBeLessThan(49_000);
  });
});
