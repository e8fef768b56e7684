import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultLinkageConfigPath,
  levelWeights,
  LinkageConfig,
  LinkageConfigError,
  loadLinkageConfig,
  parseLinkageConfig,
} from './linkage-config';

const shipped = (): Record<string, unknown> => JSON.parse(JSON.stringify(loadLinkageConfig())) as Record<string, unknown>;

/** Deep-sets a dotted path in a plain JSON document. */
function withValue(doc: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let at = doc;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  if (value === undefined) delete at[keys[keys.length - 1]];
  else at[keys[keys.length - 1]] = value;
  return doc;
}

function errorOf(doc: unknown): LinkageConfigError {
  try {
    parseLinkageConfig(doc, 'test.json');
  } catch (e) {
    if (e instanceof LinkageConfigError) return e;
    throw e;
  }
  throw new Error('expected a LinkageConfigError');
}

describe('linkage configuration', () => {
  it('loads the shipped default from the repository', () => {
    expect(defaultLinkageConfigPath()).toMatch(/libs[/\\]linkage[/\\]config[/\\]default\.json$/);
    const config: LinkageConfig = loadLinkageConfig();
    expect(Object.keys(config.fields)).toEqual(['citizenId', 'name', 'birthDate', 'gender', 'region']);
    expect(config.thresholds.link).toBeGreaterThan(config.thresholds.possible);
    expect(config.blocking.keys.length).toBeGreaterThan(3);
  });

  it('turns m and u into log2 weights, missing weighing 0', () => {
    const w = levelWeights(loadLinkageConfig());
    expect(w.name.missing).toBe(0);
    expect(w.name.exact).toBeGreaterThan(w.name.pinyin);
    expect(w.name.pinyin).toBeGreaterThan(w.name.similar);
    expect(w.name.different).toBeLessThan(0);
    expect(w.citizenId['same-first-17']).toBeGreaterThan(w.citizenId['one-substitution']);
  });

  it('loads a file from a given path and names the file when it is unreadable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'linkage-config-'));
    const file = join(dir, 'province.json');
    writeFileSync(file, JSON.stringify(withValue(shipped(), 'thresholds.link', 25)));
    expect(loadLinkageConfig(file).thresholds.link).toBe(25);
    writeFileSync(file, '{ not json');
    expect(() => loadLinkageConfig(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unreadable`));
  });

  it.each([
    ['fields.name.comparator', 'soundex', 'fields.name.comparator', /must be one of .*name-jaro-winkler/],
    ['fields.name.levels.pinyin', undefined, 'fields.name.levels.pinyin', /missing: comparator name needs levels/],
    ['fields.name.levels.close', { m: 0.1, u: 0.1 }, 'fields.name.levels.close', /not a level of comparator name/],
    ['fields.name.levels.exact.u', 0, 'fields.name.levels.exact.u', /probability in \(0, 1\]/],
    ['fields.name.levels.exact.m', '0.9', 'fields.name.levels.exact.m', /finite number/],
    ['fields.name.levels.exact.m', 0.5, 'fields.name.levels', /m over the levels must sum to 1/],
    ['fields.name.options.similarThreshold', 2, 'fields.name.options.similarThreshold', /\(0, 1\]/],
    ['fields.gender.options', { similarThreshold: 0.8 }, 'fields.gender.options.similarThreshold', /has no options/],
    ['fields.name.weight', 3, 'fields.name.weight', /unknown key/],
    ['blocking.keys', ['birthDate+gender', 'soundex'], 'blocking.keys[1]', /must be one of/],
    ['blocking.keys', [], 'blocking.keys', /non-empty array/],
    ['blocking.keys', ['birthDate+gender', 'birthDate+gender'], 'blocking.keys', /twice/],
    ['blocking.maxBlockSize', 0, 'blocking.maxBlockSize', /positive integer/],
    ['thresholds.possible', 30, 'thresholds.possible', /must not exceed thresholds.link/],
    ['thresholds.margin', -1, 'thresholds.margin', /zero or more/],
    ['thresholds.link', undefined, 'thresholds.link', /finite number/],
    ['version', 2, 'version', /only version 1/],
    ['colour', 'blue', 'colour', /unknown key/],
  ])('rejects %s = %j naming [%s]', (path, value, key, message) => {
    const e = errorOf(withValue(shipped(), path, value));
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`test.json [${key}]: `)).toBe(true);
  });

  it('rejects a document that is not an object, and one without fields', () => {
    expect(errorOf([]).message).toBe('test.json: the configuration must be a JSON object');
    expect(errorOf({ ...shipped(), fields: {} }).key).toBe('fields');
  });

  it('accepts $comment anywhere a province might annotate', () => {
    const doc = withValue(shipped(), 'fields.name.$comment', 'why these weights');
    withValue(doc, 'fields.name.levels.$comment', 'from the 2024 review sample');
    expect(() => parseLinkageConfig(doc)).not.toThrow();
  });
});
