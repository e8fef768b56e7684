import { normaliseCitizenIdInput } from './citizen-id-normalise';

/**
 * How two ID numbers differ, for record linkage: departments mistype IDs by one digit
 * or by swapping two neighbours, and such pairs are candidates an operator should see.
 */
export type CitizenIdSimilarity = 'equal' | 'one-substitution' | 'adjacent-transposition' | 'different';

/** Compares normalised inputs; IDs of different lengths are always `different`. */
export function compareCitizenIds(a: string, b: string): CitizenIdSimilarity {
  const x = normaliseCitizenIdInput(a);
  const y = normaliseCitizenIdInput(b);
  if (x.length !== y.length) return 'different';
  const diffs: number[] = [];
  for (let i = 0; i < x.length && diffs.length <= 2; i++) if (x[i] !== y[i]) diffs.push(i);
  if (diffs.length === 0) return 'equal';
  if (diffs.length === 1) return 'one-substitution';
  if (diffs.length === 2 && diffs[1] === diffs[0] + 1 && x[diffs[0]] === y[diffs[1]] && x[diffs[1]] === y[diffs[0]]) {
    return 'adjacent-transposition';
  }
  return 'different';
}

/** Hamming distance of normalised inputs, or undefined when lengths differ. */
export function citizenIdHammingDistance(a: string, b: string): number | undefined {
  const x = normaliseCitizenIdInput(a);
  const y = normaliseCitizenIdInput(b);
  if (x.length !== y.length) return undefined;
  let d = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) d++;
  return d;
}

/** Different but within one typo: a substitution or a swap of neighbours. */
export function isNearMatchCitizenId(a: string, b: string): boolean {
  const s = compareCitizenIds(a, b);
  return s === 'one-substitution' || s === 'adjacent-transposition';
}
