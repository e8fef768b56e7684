import { FieldMapping, SourceMapping, normaliseHeader } from './mapping';

export type HeaderIssueCode = 'MAPPING_MISSING_COLUMN' | 'MAPPING_AMBIGUOUS_COLUMN';

/** Column names are not personal data, so they are named in messages. */
export interface HeaderIssue {
  readonly code: HeaderIssueCode;
  readonly field: string;
  readonly columns: readonly string[];
  readonly message: string;
}

export interface HeaderResolution {
  readonly ok: boolean;
  /** Registry field → the file's header (as spelled in the file). */
  readonly columns: Readonly<Record<string, string>>;
  /** File headers no field claimed: ignored on import, listed so an operator can extend the mapping. */
  readonly unmappedHeaders: readonly string[];
  readonly errors: readonly HeaderIssue[];
}

export function resolveHeaders(mapping: SourceMapping, headers: readonly string[]): HeaderResolution {
  const byNorm = new Map<string, string[]>();
  for (const h of headers) {
    const n = normaliseHeader(h);
    if (n === '') continue;
    byNorm.set(n, [...(byNorm.get(n) ?? []), h]);
  }
  const columns: Record<string, string> = {};
  const claimed = new Set<string>();
  const errors: HeaderIssue[] = [];
  for (const fm of Object.values(mapping.fields) as FieldMapping[]) {
    const found = fm.headers.flatMap((alias) => byNorm.get(normaliseHeader(alias)) ?? []);
    if (found.length === 0) {
      if (fm.required) {
        errors.push({
          code: 'MAPPING_MISSING_COLUMN',
          field: fm.field,
          columns: fm.headers,
          message: `required column for field '${fm.field}' not found; expected one of: ${fm.headers.join(', ')}`,
        });
      }
      continue;
    }
    if (found.length > 1) {
      errors.push({
        code: 'MAPPING_AMBIGUOUS_COLUMN',
        field: fm.field,
        columns: found,
        message: `several columns match field '${fm.field}': ${found.join(', ')}`,
      });
      continue;
    }
    columns[fm.field] = found[0];
    claimed.add(found[0]);
  }
  const unmappedHeaders = headers.filter((h) => !claimed.has(h) && normaliseHeader(h) !== '');
  return { ok: errors.length === 0, columns, unmappedHeaders, errors };
}

/** Thrown by callers that want to stop an import on a header problem. */
export class HeaderMappingError extends Error {
  readonly code: HeaderIssueCode;
  constructor(readonly issues: readonly HeaderIssue[]) {
    super(issues.map((i) => `${i.code}: ${i.message}`).join('; '));
    this.name = 'HeaderMappingError';
    this.code = issues[0]?.code ?? 'MAPPING_MISSING_COLUMN';
  }
}
