/** `--persons N` (or BENCH_PERSONS=N), with `_` and `,` allowed as digit separators. */
export function personsWanted(fallback: number): number {
  const i = process.argv.indexOf('--persons');
  const raw = i >= 0 ? process.argv[i + 1] : process.env.BENCH_PERSONS;
  const n = raw === undefined ? fallback : Number(String(raw).replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error('--persons (or BENCH_PERSONS) must be a positive whole number');
  return n;
}
