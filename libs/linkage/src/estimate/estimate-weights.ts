import { FieldConfig, LevelWeights, LinkageConfig, parseLinkageConfig } from '../config/linkage-config';

export interface EstimateWeightsOptions {
  readonly maxIterations?: number;
  /** Stop when no m or u moves more than this. */
  readonly tolerance?: number;
  /** Starting share of candidate pairs that are matches (default 0.5; the configured m/u dominate the first step anyway). */
  readonly initialMatchShare?: number;
  /** Floor for every probability, so no level gets an infinite weight from a small sample. */
  readonly minProbability?: number;
  /** Fields whose u is kept as configured (see README: u of blocking fields is biased by blocking). */
  readonly fixU?: readonly string[];
}

export interface EstimatedWeights {
  /** The configuration with m and u replaced (fields and levels as before). */
  readonly config: LinkageConfig;
  /** Estimated share of the pairs that are the same person. */
  readonly matchShare: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Expectation–maximisation for Fellegi–Sunter m and u (conditional independence of
 * fields), started from the configured values. `pairs` are agreement levels of candidate
 * pairs, e.g. `Linker.compareCandidates` over a sample of records; 'missing' levels are
 * skipped for that field. Identical vectors are grouped, so millions of pairs cost little.
 */
export function estimateWeights(
  pairs: Iterable<Readonly<Record<string, string>>>,
  config: LinkageConfig,
  options: EstimateWeightsOptions = {},
): EstimatedWeights {
  const fields = Object.keys(config.fields);
  const levelIndex = fields.map((f) => Object.keys(config.fields[f].levels));
  const groups = new Map<string, { levels: number[]; count: number }>();
  for (const pair of pairs) {
    const levels = fields.map((f, k) => levelIndex[k].indexOf(pair[f] ?? 'missing'));
    const key = levels.join(',');
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { levels, count: 1 });
  }
  const floor = options.minProbability ?? 1e-7;
  const tolerance = options.tolerance ?? 1e-6;
  const fixU = new Set(options.fixU ?? []);
  let m = levelIndex.map((ls, k) => ls.map((l) => config.fields[fields[k]].levels[l].m));
  let u = levelIndex.map((ls, k) => ls.map((l) => config.fields[fields[k]].levels[l].u));
  let p = options.initialMatchShare ?? 0.5;
  const maxIterations = options.maxIterations ?? 200;
  let iterations = 0;
  let converged = false;
  const list = [...groups.values()];
  const total = list.reduce((s, g) => s + g.count, 0);
  if (total === 0) return { config, matchShare: p, iterations, converged: true };

  while (iterations < maxIterations && !converged) {
    iterations++;
    const mAcc = levelIndex.map((ls) => ls.map(() => 0));
    const uAcc = levelIndex.map((ls) => ls.map(() => 0));
    let matchMass = 0;
    for (const g of list) {
      // In log space: with a dozen decisive fields the products underflow otherwise.
      let logRatio = Math.log(p) - Math.log(1 - p);
      g.levels.forEach((l, k) => {
        if (l >= 0) logRatio += Math.log(m[k][l]) - Math.log(u[k][l]);
      });
      const posterior = 1 / (1 + Math.exp(-logRatio));
      matchMass += posterior * g.count;
      g.levels.forEach((l, k) => {
        if (l < 0) return;
        mAcc[k][l] += posterior * g.count;
        uAcc[k][l] += (1 - posterior) * g.count;
      });
    }
    const normalise = (acc: number[][]): number[][] =>
      acc.map((row) => {
        const sum = row.reduce((s, x) => s + x, 0);
        const probs = row.map((x) => (sum === 0 ? 1 / row.length : Math.max(floor, x / sum)));
        const again = probs.reduce((s, x) => s + x, 0);
        return probs.map((x) => x / again);
      });
    const nextM = normalise(mAcc);
    const nextU = normalise(uAcc).map((row, k) => (fixU.has(fields[k]) ? u[k] : row));
    const delta = Math.max(
      ...nextM.flatMap((row, k) => row.map((x, l) => Math.abs(x - m[k][l]))),
      ...nextU.flatMap((row, k) => row.map((x, l) => Math.abs(x - u[k][l]))),
    );
    m = nextM;
    u = nextU;
    p = Math.min(1 - 1e-12, Math.max(1e-12, matchMass / total));
    converged = delta < tolerance;
  }

  const newFields: Record<string, FieldConfig> = {};
  fields.forEach((f, k) => {
    const levels: Record<string, LevelWeights> = {};
    levelIndex[k].forEach((l, j) => (levels[l] = { m: m[k][j], u: u[k][j] }));
    newFields[f] = { ...config.fields[f], levels };
  });
  // Re-validated, so an estimate can be written out as a configuration file as it is.
  return { config: parseLinkageConfig({ ...config, fields: newFields }, '<estimated>'), matchShare: p, iterations, converged };
}
