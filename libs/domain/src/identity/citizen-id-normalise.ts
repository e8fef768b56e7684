/**
 * What real department files do to ID numbers, undone: full-width digits and X,
 * lower-case x, spaces and tabs (also U+3000 and zero-width ones) anywhere, the
 * leading apostrophe a spreadsheet adds to keep a number as text, surrounding quotes.
 * Anything else (hyphens, letters) is left for the parser to reject.
 */
export function normaliseCitizenIdInput(raw: string): string {
  return raw
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/[xＸｘ]/g, 'X')
    .replace(/[\s\u3000\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/^['‘’"“”「」『』]+/, '')
    .replace(/['‘’"“”「」『』]+$/, '');
}
