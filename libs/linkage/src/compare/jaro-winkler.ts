/**
 * Jaro–Winkler similarity over Unicode code points, not UTF-16 units: a rare character
 * outside the BMP (𬌗) is one character of a name, and counting its two surrogate halves
 * would make two names differing only there look half-similar instead of one-off.
 */
export function jaroWinkler(a: string, b: string, prefixScale = 0.1): number {
  const x = Array.from(a);
  const y = Array.from(b);
  if (x.length === 0 && y.length === 0) return 1;
  if (x.length === 0 || y.length === 0) return 0;
  const jaro = jaroOf(x, y);
  let prefix = 0;
  while (prefix < 4 && prefix < x.length && prefix < y.length && x[prefix] === y[prefix]) prefix++;
  return jaro + prefix * prefixScale * (1 - jaro);
}

function jaroOf(x: readonly string[], y: readonly string[]): number {
  const window = Math.max(0, Math.floor(Math.max(x.length, y.length) / 2) - 1);
  const xMatched = new Array<boolean>(x.length).fill(false);
  const yMatched = new Array<boolean>(y.length).fill(false);
  let matches = 0;
  for (let i = 0; i < x.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(y.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (yMatched[j] || x[i] !== y[j]) continue;
      xMatched[i] = yMatched[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    if (!xMatched[i]) continue;
    while (!yMatched[k]) k++;
    if (x[i] !== y[k]) transpositions++;
    k++;
  }
  const t = transpositions / 2;
  return (matches / x.length + matches / y.length + (matches - t) / matches) / 3;
}
