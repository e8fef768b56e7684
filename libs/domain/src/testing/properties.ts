/**
 * Settings shared by the property-based specs (fast-check). Runs are bounded so the whole
 * property suite stays within seconds; the seed is random unless FC_SEED is set, and a
 * failure prints the seed and the shrunk counterexample, so `FC_SEED=<seed> npx jest <spec>`
 * replays it. FC_RUNS_FACTOR multiplies every run count for a longer hunt (e.g. 20).
 */
import fc from 'fast-check';

export function runs(numRuns: number): fc.Parameters<unknown> {
  const factor = Number(process.env.FC_RUNS_FACTOR ?? '1');
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  return {
    numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(factor) && factor > 0 ? factor : 1))),
    ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}),
  };
}
