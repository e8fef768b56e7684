/**
 * Parsing results for value objects. Parsing dirty department files is expected to
 * fail often, so failure is a value (with every reason found), not an exception.
 */
export interface Issue<C extends string = string> {
  readonly code: C;
  /** English, for operators and logs; never contains the value being parsed. */
  readonly message: string;
}

export type ParseResult<T, R extends Issue, W extends Issue = Issue> =
  { readonly ok: true; readonly value: T; readonly warnings: readonly W[] } | { readonly ok: false; readonly reasons: readonly R[] };
