import type { LinkDecision } from '../linker';
import { scoreLinkage } from './score-linkage';

const d = (outcome: LinkDecision['outcome'], personId?: string, method: LinkDecision['method'] = 'scored'): LinkDecision => ({
  outcome,
  personId,
  score: 0,
  fields: {},
  candidates: 1,
  skippedBlocks: 0,
  method,
});

describe('scoreLinkage', () => {
  it('counts auto-links for precision and recall, review separately, hard records by method', () => {
    const decisions = [
      d('link', 'A', 'exact-id'),
      d('link', 'B', 'exact-id'),
      d('link', 'C'), // hard, correct
      d('link', 'X'), // hard, wrong person
      d('possible', 'E'), // hard, correct candidate for review
      d('none'), // hard, missed
      d('link', 'G'), // about nobody: wrong
      d('none'), // about nobody: right
    ];
    const truth = ['A', 'B', 'C', 'D', 'E', 'F', null, null];
    const s = scoreLinkage(decisions, truth);
    expect(s).toMatchObject({
      records: 8,
      withTruePerson: 6,
      links: 5,
      correctLinks: 3,
      wrongLinks: 2,
      possible: 1,
      possibleCorrect: 1,
      none: 2,
      hardRecords: 4,
      hardCorrectLinks: 1,
    });
    expect(s.precision).toBeCloseTo(3 / 5);
    expect(s.recall).toBeCloseTo(3 / 6);
    expect(s.f1).toBeCloseTo((2 * 0.6 * 0.5) / 1.1);
    expect(s.hardRecall).toBeCloseTo(1 / 4);
    expect(s.recallWithReview).toBeCloseTo(4 / 6);
  });

  it('is 1 for empty denominators and refuses mismatched lengths', () => {
    expect(scoreLinkage([], [])).toMatchObject({ precision: 1, recall: 1, hardRecall: 1, f1: 1 });
    expect(() => scoreLinkage([d('none')], [])).toThrow(RangeError);
  });
});
