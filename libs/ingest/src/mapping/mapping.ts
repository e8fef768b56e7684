import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultMappingDir } from '../shared/repo-root';
import { INGEST_SOURCE_KINDS, IngestSourceKind, isIngestSourceKind } from '../source-kinds';
import { CODE_DOMAIN_TARGETS, fieldSpecsOf } from './field-specs';

/** One registry field as a province configured it. */
export interface FieldMapping {
  readonly field: string;
  /** Accepted header names, first one canonical (used when writing files of this layout). */
  readonly headers: readonly string[];
  readonly required: boolean;
  /** Source value (trimmed) → code. Only for code fields. */
  readonly values?: ReadonlyMap<string, string>;
}

export interface SourceMapping {
  readonly kind: IngestSourceKind;
  readonly description?: string;
  /** Where it was loaded from, for error messages; '<inline>' when built in memory. */
  readonly file: string;
  readonly fields: Readonly<Record<string, FieldMapping>>;
}

export type MappingErrorCode = 'MAPPING_FILE_UNREADABLE' | 'MAPPING_INVALID';

/** Thrown when a mapping file is wrong: the message names the file and the offending key. */
export class MappingError extends Error {
  constructor(
    readonly code: MappingErrorCode,
    readonly file: string,
    readonly key: string | undefined,
    detail: string,
  ) {
    super(`${file}${key ? ` [${key}]` : ''}: ${detail}`);
    this.name = 'MappingError';
  }
}

export interface LoadMappingOptions {
  /** Directory holding <kind>.json; defaults to libs/ingest/mappings in the repository. */
  readonly dir?: string;
}

export function loadMapping(kind: IngestSourceKind, options: LoadMappingOptions = {}): SourceMapping {
  if (!isIngestSourceKind(kind)) {
    throw new MappingError(
      'MAPPING_INVALID',
      String(kind),
      undefined,
      `unknown source kind; expected one of ${INGEST_SOURCE_KINDS.join(', ')}`,
    );
  }
  const file = join(options.dir ?? defaultMappingDir(), `${kind}.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MappingError('MAPPING_FILE_UNREADABLE', file, undefined, (e as Error).message);
  }
  return parseMapping(parsed, file, kind);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates an already-parsed mapping document; exported so tests and tools can build one inline. */
export function parseMapping(doc: unknown, file = '<inline>', expectedKind?: IngestSourceKind): SourceMapping {
  const bad = (key: string | undefined, detail: string): never => {
    throw new MappingError('MAPPING_INVALID', file, key, detail);
  };
  if (!isRecord(doc)) return bad(undefined, 'the mapping must be a JSON object');
  for (const key of Object.keys(doc)) {
    if (!['kind', 'description', 'fields', '$comment'].includes(key))
      bad(key, 'unknown top-level key; allowed: kind, description, fields, $comment');
  }
  const kind = doc.kind;
  if (!isIngestSourceKind(kind)) return bad('kind', `must be one of ${INGEST_SOURCE_KINDS.join(', ')}`);
  if (expectedKind && kind !== expectedKind) bad('kind', `is '${kind}' but the file is for '${expectedKind}'`);
  if (doc.description !== undefined && typeof doc.description !== 'string') bad('description', 'must be a string');
  if (!isRecord(doc.fields)) return bad('fields', 'must be an object keyed by registry field');

  const specs = fieldSpecsOf(kind);
  const fields: Record<string, FieldMapping> = {};
  const headerOwner = new Map<string, string>();
  for (const [field, raw] of Object.entries(doc.fields)) {
    const key = `fields.${field}`;
    const spec = specs[field];
    if (!spec) bad(key, `unknown field for ${kind}; known fields: ${Object.keys(specs).join(', ')}`);
    if (!isRecord(raw)) return bad(key, 'must be an object with headers, required and optional values');
    for (const k of Object.keys(raw)) {
      if (!['headers', 'required', 'values', '$comment'].includes(k))
        bad(`${key}.${k}`, 'unknown key; allowed: headers, required, values, $comment');
    }
    const headers = raw.headers;
    if (!Array.isArray(headers) || headers.length === 0) return bad(`${key}.headers`, 'must be a non-empty array of header names');
    const cleanHeaders: string[] = [];
    headers.forEach((h: unknown, i: number) => {
      if (typeof h !== 'string' || normaliseHeader(h) === '') bad(`${key}.headers[${i}]`, 'must be a non-empty string');
      const norm = normaliseHeader(h as string);
      const owner = headerOwner.get(norm);
      if (owner !== undefined && owner !== field)
        bad(`${key}.headers[${i}]`, `header '${h as string}' is also listed for field '${owner}'`);
      headerOwner.set(norm, field);
      cleanHeaders.push((h as string).trim());
    });
    const required = raw.required ?? false;
    if (typeof required !== 'boolean') bad(`${key}.required`, 'must be true or false');
    if (spec.mustBeRequired && required !== true)
      bad(`${key}.required`, `the ${kind} record cannot exist without this field; it must be required`);
    let values: Map<string, string> | undefined;
    if (raw.values !== undefined) {
      if (spec.type !== 'code' || !spec.codeDomain) return bad(`${key}.values`, 'value maps are only allowed on code fields');
      if (!isRecord(raw.values)) return bad(`${key}.values`, 'must be an object from source value to code');
      const targets = CODE_DOMAIN_TARGETS[spec.codeDomain];
      values = new Map();
      for (const [from, to] of Object.entries(raw.values)) {
        if (typeof to !== 'string' || !targets.includes(to)) {
          bad(`${key}.values.${from}`, `must map to one of ${targets.join(', ')}`);
        }
        values.set(from.trim(), to as string);
      }
    }
    fields[field] = { field, headers: cleanHeaders, required: required as boolean, values };
  }
  for (const [field, spec] of Object.entries(specs)) {
    if (spec.mustBeRequired && !fields[field]) bad(`fields.${field}`, `missing: the ${kind} record cannot exist without this field`);
  }
  return { kind, description: doc.description as string | undefined, file, fields };
}

/**
 * Header comparison ignores what exports add around names: BOM, surrounding and inner
 * whitespace (including U+3000), ASCII case, and full-width brackets.
 */
export function normaliseHeader(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .replace(/[\s\u3000]+/g, '')
    .replace(/（/g, '(')
    .replace(/）/g, ')')
    .toLowerCase();
}
