const ZERO = 48;

/**
 * The number written by the ASCII digits `text[start..end)`, or NaN when any of them is
 * not a digit. For fixed-width fields (dates, ID parts): no slice, no regular expression.
 */
export function digitsValue(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return NaN; // also NaN past the end of text
    value = value * 10 + digit;
  }
  return value;
}
