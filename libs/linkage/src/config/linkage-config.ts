import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BLOCK_KEY_RULES } from '../blocking/block-keys';
import { COMPARATORS } from '../compare/comparators';

/** Fellegi–Sunter probabilities of one agreement level. */
export interface LevelWeights {
  /** P(level | the pair is the same person). */
  readonly m: number;
  /** P(level | the pair is two different people). */
  readonly u: number;
}

export interface FieldConfig {
  /** A name from `COMPARATORS` (it also decides which input field is read). */
  readonly comparator: string;
  /** Every level of the comparator, none other; 'missing' is implicit with weight 0. */
  readonly levels: Readonly<Record<string, LevelWeights>>;
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface BlockingConfig {
  /** Names from `BLOCK_KEY_RULES`. */
  readonly keys: readonly string[];
  /** Blocks with more members are skipped for that record (and counted): cost stays linear. */
  readonly maxBlockSize: number;
}

export interface ThresholdConfig {
  /** Total weight (bits, sum of log2(m/u)) at or above which a record links automatically. */
  readonly link: number;
  /** At or above this (and below link, or without margin) the best candidate goes to review. */
  readonly possible: number;
  /** An auto-link needs the best candidate this many bits ahead of the second. */
  readonly margin: number;
}

export interface LinkageConfig {
  readonly fields: Readonly<Record<string, FieldConfig>>;
  readonly blocking: BlockingConfig;
  readonly thresholds: ThresholdConfig;
}

/** A bad configuration: the message names the source and the offending key (never a personal value: configs hold none). */
export class LinkageConfigError extends Error {
  constructor(
    readonly source: string,
    readonly key: string | undefined,
    detail: string,
  ) {
    super(`${source}${key ? ` [${key}]` : ''}: ${detail}`);
    this.name = 'LinkageConfigError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a parsed document; every problem names its key, e.g. `fields.name.levels.pinyin.u`. */
export function parseLinkageConfig(doc: unknown, source = '<inline>'): LinkageConfig {
  const bad = (key: string | undefined, detail: string): never => {
    throw new LinkageConfigError(source, key, detail);
  };
  const onlyKeys = (obj: Record<string, unknown>, prefix: string, allowed: readonly string[]): void => {
    for (const k of Object.keys(obj)) {
      if (k !== '$comment' && !allowed.includes(k)) bad(prefix ? `${prefix}.${k}` : k, `unknown key; allowed: ${allowed.join(', ')}`);
    }
  };
  const finite = (v: unknown, key: string): number =>
    typeof v === 'number' && Number.isFinite(v) ? v : bad(key, 'must be a finite number');
  const object = (v: unknown, key: string): Record<string, unknown> => (isRecord(v) ? v : bad(key, 'must be an object'));

  const root = isRecord(doc) ? doc : bad(undefined, 'the configuration must be a JSON object');
  onlyKeys(root, '', ['version', 'description', 'fields', 'blocking', 'thresholds']);
  if (root.version !== undefined && root.version !== 1) bad('version', 'only version 1 is understood');

  const fieldsDoc = object(root.fields, 'fields');
  const fields: Record<string, FieldConfig> = {};
  for (const [name, raw] of Object.entries(fieldsDoc)) {
    if (name === '$comment') continue;
    const at = `fields.${name}`;
    const f = object(raw, at);
    onlyKeys(f, at, ['comparator', 'levels', 'options']);
    const comparator = typeof f.comparator === 'string' && COMPARATORS[f.comparator] ? COMPARATORS[f.comparator] : undefined;
    if (!comparator) bad(`${at}.comparator`, `must be one of ${Object.keys(COMPARATORS).join(', ')}`);
    const def = comparator as (typeof COMPARATORS)[string];
    const levelsDoc = object(f.levels, `${at}.levels`);
    const levels: Record<string, LevelWeights> = {};
    for (const level of def.levels) {
      if (!(level in levelsDoc)) bad(`${at}.levels.${level}`, `missing: comparator ${def.name} needs levels ${def.levels.join(', ')}`);
    }
    for (const [level, lw] of Object.entries(levelsDoc)) {
      if (level === '$comment') continue;
      if (!def.levels.includes(level))
        bad(`${at}.levels.${level}`, `not a level of comparator ${def.name} (${def.levels.join(', ')}); 'missing' is implicit`);
      const w = object(lw, `${at}.levels.${level}`);
      onlyKeys(w, `${at}.levels.${level}`, ['m', 'u']);
      const prob = (k: 'm' | 'u'): number => {
        const v = finite(w[k], `${at}.levels.${level}.${k}`);
        // Zero would make a weight infinite: one field could then overrule all others.
        return v > 0 && v <= 1 ? v : bad(`${at}.levels.${level}.${k}`, 'must be a probability in (0, 1]');
      };
      levels[level] = { m: prob('m'), u: prob('u') };
    }
    for (const k of ['m', 'u'] as const) {
      const sum = Object.values(levels).reduce((s, l) => s + l[k], 0);
      if (Math.abs(sum - 1) > 0.02) bad(`${at}.levels`, `${k} over the levels must sum to 1 (got ${sum.toFixed(4)})`);
    }
    let options: Record<string, unknown> | undefined;
    if (f.options !== undefined) {
      options = object(f.options, `${at}.options`);
      for (const [k, v] of Object.entries(options)) {
        const check = def.options?.[k];
        if (!check)
          bad(
            `${at}.options.${k}`,
            `comparator ${def.name} has ${def.options ? `options ${Object.keys(def.options).join(', ')}` : 'no options'}`,
          );
        const problem = check?.(v);
        if (problem) bad(`${at}.options.${k}`, problem);
      }
    }
    fields[name] = { comparator: def.name, levels, ...(options ? { options } : {}) };
  }
  if (Object.keys(fields).length === 0) bad('fields', 'at least one field must be compared');

  const b = object(root.blocking, 'blocking');
  onlyKeys(b, 'blocking', ['keys', 'maxBlockSize']);
  if (!Array.isArray(b.keys) || b.keys.length === 0) bad('blocking.keys', 'must be a non-empty array of key names');
  const keys = (b.keys as unknown[]).map((k, i) =>
    typeof k === 'string' && BLOCK_KEY_RULES[k]
      ? k
      : bad(`blocking.keys[${i}]`, `must be one of ${Object.keys(BLOCK_KEY_RULES).join(', ')}`),
  );
  if (new Set(keys).size !== keys.length) bad('blocking.keys', 'lists a key twice');
  const maxBlockSize = finite(b.maxBlockSize, 'blocking.maxBlockSize');
  if (!Number.isInteger(maxBlockSize) || maxBlockSize < 1) bad('blocking.maxBlockSize', 'must be a positive integer');

  const t = object(root.thresholds, 'thresholds');
  onlyKeys(t, 'thresholds', ['link', 'possible', 'margin']);
  const thresholds = {
    link: finite(t.link, 'thresholds.link'),
    possible: finite(t.possible, 'thresholds.possible'),
    margin: finite(t.margin, 'thresholds.margin'),
  };
  if (thresholds.possible > thresholds.link) bad('thresholds.possible', 'must not exceed thresholds.link');
  if (thresholds.margin < 0) bad('thresholds.margin', 'must be zero or more');

  return { fields, blocking: { keys, maxBlockSize }, thresholds };
}

/**
 * The repository root, found by walking up to the first package.json: the code runs
 * from libs/linkage/src under jest and from dist/libs/linkage/src when compiled.
 */
function findRepoRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json found above ${start}`);
  }
}

/** Shipped configuration: data a province edits without a release, so it lives outside src/. */
export function defaultLinkageConfigPath(): string {
  return join(findRepoRoot(), 'libs', 'linkage', 'config', 'default.json');
}

/** Reads and validates a configuration file (default: the shipped one). */
export function loadLinkageConfig(path: string = defaultLinkageConfigPath()): LinkageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new LinkageConfigError(path, undefined, `unreadable: ${(e as Error).message}`);
  }
  return parseLinkageConfig(doc, path);
}

/** log2(m/u) per field and level: the weights the linker adds up. */
export function levelWeights(config: LinkageConfig): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [field, f] of Object.entries(config.fields)) {
    out[field] = { missing: 0 };
    for (const [level, { m, u }] of Object.entries(f.levels)) out[field][level] = Math.log2(m / u);
  }
  return out;
}
