/**
 * Record-linkage throughput and quality on a synthetic province: the generator's true
 * persons are the registry; the enrolment and card-library files are read, cleaned and
 * linked row by row. `seconds` covers reading, cleaning and linking (not generating or
 * indexing); peak RSS is the process's, generation included.
 */
import { linkProvince } from '@registry/linkage/evaluation/link-province';

export interface LinkageBenchResult {
  persons: number;
  records: number;
  seconds: number;
  recordsPerSec: number;
  indexSeconds: number;
  peakRssMb: number;
  precision: number;
  recall: number;
  /** Auto-link recall on records without an exact ID match (name-only enrolment rows included). */
  hardRecall: number;
  /** The same, on hard records carrying ID digits or a birth date (name-only rows can only go to review). */
  hardRecallBeyondName: number;
  f1: number;
  possible: number;
}

export async function benchLinkage(dir: string, persons: number): Promise<LinkageBenchResult> {
  const run = await linkProvince({ dir, persons, seed: 'linkage-bench' });
  const s = run.score;
  return {
    persons,
    records: s.records,
    seconds: run.linkSeconds,
    recordsPerSec: Math.round(s.records / run.linkSeconds),
    indexSeconds: run.indexSeconds,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    precision: s.precision,
    recall: s.recall,
    hardRecall: s.hardRecall,
    hardRecallBeyondName: run.beyondName.hardRecall,
    f1: s.f1,
    possible: s.possible,
  };
}
