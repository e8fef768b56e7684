const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;

/**
 * Upper bounds, in seconds, of the buckets timeliness (recordedAt − occurredAt) is counted in:
 * fine where departments report within the day, coarse where a fact reaches the registry
 * years late. Medians and percentiles are read off them ("at most one hour").
 */
export const TIMELINESS_BOUNDS: readonly number[] = [
  0,
  1,
  10,
  MINUTE,
  10 * MINUTE,
  HOUR,
  6 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  30 * DAY,
  90 * DAY,
  180 * DAY,
  365 * DAY,
  2 * 365 * DAY,
  5 * 365 * DAY,
  10 * 365 * DAY,
  Infinity,
];

/** The bucket of a delay: the first bound it does not exceed (a negative delay counts as 0). */
export function timelinessBucket(seconds: number): number {
  for (let i = 0; i < TIMELINESS_BOUNDS.length; i++) if (seconds <= TIMELINESS_BOUNDS[i]) return i;
  return TIMELINESS_BOUNDS.length - 1;
}

/** The bound of the bucket that holds the q-quantile (0..1) of the counted delays; null when none were counted. */
export function timelinessQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank) return TIMELINESS_BOUNDS[i];
  }
  return TIMELINESS_BOUNDS[TIMELINESS_BOUNDS.length - 1];
}
