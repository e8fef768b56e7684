const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g;
const ANY_X = /[xＸｘ]/g;
const SPACES = /[\s\u3000\u200B-\u200D\u2060\uFEFF]/g;
const LEADING_QUOTES = /^['‘’"“”「」『』]+/;
const TRAILING_QUOTES = /['‘’"“”「」『』]+$/;

/**
 * What real department files do to ID numbers, undone: full-width digits and X,
 * lower-case x, spaces and tabs (also U+3000 and zero-width ones) anywhere, the
 * leading apostrophe a spreadsheet adds to keep a number as text, surrounding quotes.
 * Anything else (hyphens, letters) is left for the parser to reject.
 */
export function normaliseCitizenIdInput(raw: string): string {
  return raw
    .replace(FULL_WIDTH_DIGIT, toHalfWidth)
    .replace(ANY_X, 'X')
    .replace(SPACES, '')
    .replace(LEADING_QUOTES, '')
    .replace(TRAILING_QUOTES, '');
}

function toHalfWidth(digit: string): string {
  return String.fromCharCode(digit.charCodeAt(0) - 0xfee0);
}
