import { LinkageConfig, loadLinkageConfig, parseLinkageConfig } from '../config/linkage-config';
import { estimateWeights } from './estimate-weights';

/** A small deterministic generator, so the spec needs no seed plumbing. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const config: LinkageConfig = parseLinkageConfig({
  fields: {
    name: { comparator: 'name-exact', levels: { exact: { m: 0.7, u: 0.3 }, different: { m: 0.3, u: 0.7 } } },
    gender: { comparator: 'gender', levels: { equal: { m: 0.7, u: 0.5 }, different: { m: 0.3, u: 0.5 } } },
    birthDate: {
      comparator: 'birth-date',
      levels: {
        exact: { m: 0.6, u: 0.1 },
        'one-digit': { m: 0.1, u: 0.1 },
        'day-month-swapped': { m: 0.1, u: 0.1 },
        'same-year': { m: 0.1, u: 0.2 },
        different: { m: 0.1, u: 0.5 },
      },
    },
  },
  blocking: { keys: ['birthDate+gender'], maxBlockSize: 100 },
  thresholds: { link: 10, possible: 5, margin: 0 },
});

describe('estimateWeights', () => {
  it('recovers m, u and the match share of a synthetic mixture from rough starting values', () => {
    const rnd = lcg(7);
    const truth = {
      m: { name: 0.95, gender: 0.99, birthDate: [0.9, 0.04, 0.01, 0.03, 0.02] },
      u: { name: 0.02, gender: 0.5, birthDate: [0.01, 0.02, 0.001, 0.1, 0.869] },
    };
    const bdLevels = ['exact', 'one-digit', 'day-month-swapped', 'same-year', 'different'];
    const pick = (probs: readonly number[]): string => {
      let r = rnd();
      for (let i = 0; i < probs.length; i++) if ((r -= probs[i]) < 0) return bdLevels[i];
      return bdLevels[probs.length - 1];
    };
    const pairs: Record<string, string>[] = [];
    for (let i = 0; i < 40_000; i++) {
      const match = rnd() < 0.2;
      const t = match ? truth.m : truth.u;
      pairs.push({
        name: rnd() < t.name ? 'exact' : 'different',
        gender: rnd() < 0.05 ? 'missing' : rnd() < t.gender ? 'equal' : 'different',
        birthDate: pick(t.birthDate),
      });
    }
    const est = estimateWeights(pairs, config);
    expect(est.converged).toBe(true);
    expect(est.matchShare).toBeCloseTo(0.2, 1);
    const f = est.config.fields;
    expect(f.name.levels.exact.m).toBeCloseTo(0.95, 1);
    expect(f.name.levels.exact.u).toBeCloseTo(0.02, 1);
    expect(f.birthDate.levels.exact.m).toBeCloseTo(0.9, 1);
    expect(f.birthDate.levels.different.u).toBeCloseTo(0.869, 1);
    expect(f.gender.levels.equal.m).toBeGreaterThan(0.95);
    // The result is a valid configuration as it stands (same keys, thresholds, blocking).
    expect(est.config.thresholds).toEqual(config.thresholds);
  });

  it('keeps the u of fields it is told to hold, and returns the input for no pairs', () => {
    const est = estimateWeights(
      [
        { name: 'exact', gender: 'equal', birthDate: 'exact' },
        { name: 'different', gender: 'different', birthDate: 'different' },
      ],
      config,
      {
        fixU: ['name'],
        maxIterations: 5,
      },
    );
    expect(est.config.fields.name.levels.exact.u).toBeCloseTo(0.3, 10);
    expect(estimateWeights([], config).config).toBe(config);
  });

  it('runs on the shipped configuration without breaking its validation', () => {
    const shipped = loadLinkageConfig();
    const est = estimateWeights(
      [
        { citizenId: 'same-first-17', name: 'exact', birthDate: 'exact', gender: 'equal', region: 'same-county' },
        { citizenId: 'different', name: 'different', birthDate: 'exact', gender: 'equal', region: 'different' },
      ],
      shipped,
      { maxIterations: 3 },
    );
    expect(Object.keys(est.config.fields)).toEqual(Object.keys(shipped.fields));
  });
});
