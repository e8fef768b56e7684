import { RuleResult } from './field-rules';

/** How many distinct cells a few-valued field remembers before starting afresh. */
const REMEMBERED_CELLS = 4096;

/**
 * A rule with its verdicts remembered by cell text. A verdict depends on the cell alone
 * and is never mutated, so rows share it. Code, region and province cells take a few
 * thousand values per file (`fewValues`: all are remembered); a person's consecutive rows
 * (one per insurance type) repeat their ID, name and dates, so every rule at least
 * remembers the cell above.
 */
export class RememberedRule<T> {
  private lastCell: string | undefined;
  private lastVerdict: RuleResult<T> | undefined;
  private readonly verdicts: Map<string, RuleResult<T>> | undefined;

  constructor(
    private readonly rule: (cell: string) => RuleResult<T>,
    options: { readonly fewValues?: boolean } = {},
  ) {
    this.verdicts = options.fewValues ? new Map() : undefined;
  }

  check(cell: string): RuleResult<T> {
    if (this.lastVerdict !== undefined && cell === this.lastCell) return this.lastVerdict;
    let verdict = this.verdicts?.get(cell);
    if (verdict === undefined) {
      verdict = this.rule(cell);
      if (this.verdicts) {
        if (this.verdicts.size >= REMEMBERED_CELLS) this.verdicts.clear();
        this.verdicts.set(cell, verdict);
      }
    }
    this.lastCell = cell;
    this.lastVerdict = verdict;
    return verdict;
  }
}
