import type { LinkDecision } from '../linker';

export interface LinkageScore {
  readonly records: number;
  /** Records whose true person is in the registry (the recall denominator). */
  readonly withTruePerson: number;
  readonly links: number;
  readonly correctLinks: number;
  readonly wrongLinks: number;
  readonly possible: number;
  /** Possible links whose proposed person is the true one. */
  readonly possibleCorrect: number;
  readonly none: number;
  /** Correct auto-links / auto-links (1 when there are none). */
  readonly precision: number;
  /** Correct auto-links / records with a true person. */
  readonly recall: number;
  readonly f1: number;
  /** Records not settled by an exact valid ID, among those with a true person. */
  readonly hardRecords: number;
  readonly hardCorrectLinks: number;
  readonly hardRecall: number;
  /** Share of records with a true person that are auto-linked correctly or proposed correctly for review. */
  readonly recallWithReview: number;
}

/**
 * Quality of a linkage run against ground truth. `truth[i]` is the person decision `i`
 * should name, or null for a record about nobody in the registry (any auto-link of it
 * is wrong). Auto-links alone count for precision and recall: a review item is work, not
 * a result.
 */
export function scoreLinkage(decisions: readonly LinkDecision[], truth: readonly (string | null)[]): LinkageScore {
  if (decisions.length !== truth.length)
    throw new RangeError(`scoreLinkage: ${decisions.length} decisions but ${truth.length} truth entries`);
  let withTruePerson = 0;
  let links = 0;
  let correctLinks = 0;
  let possible = 0;
  let possibleCorrect = 0;
  let none = 0;
  let hardRecords = 0;
  let hardCorrectLinks = 0;
  decisions.forEach((d, i) => {
    const t = truth[i];
    const hard = t !== null && d.method !== 'exact-id';
    if (t !== null) withTruePerson++;
    if (hard) hardRecords++;
    if (d.outcome === 'link') {
      links++;
      if (t !== null && d.personId === t) {
        correctLinks++;
        if (hard) hardCorrectLinks++;
      }
    } else if (d.outcome === 'possible') {
      possible++;
      if (t !== null && d.personId === t) possibleCorrect++;
    } else none++;
  });
  const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);
  const precision = ratio(correctLinks, links);
  const recall = ratio(correctLinks, withTruePerson);
  return {
    records: decisions.length,
    withTruePerson,
    links,
    correctLinks,
    wrongLinks: links - correctLinks,
    possible,
    possibleCorrect,
    none,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    hardRecords,
    hardCorrectLinks,
    hardRecall: ratio(hardCorrectLinks, hardRecords),
    recallWithReview: ratio(correctLinks + possibleCorrect, withTruePerson),
  };
}
