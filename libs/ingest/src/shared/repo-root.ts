import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root, found by walking up from this file to the first directory with
 * a package.json. The code runs from libs/ingest/src under jest and from
 * dist/libs/ingest/src when compiled, so a fixed number of `..` would be wrong in one.
 */
export function findRepoRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json found above ${start}`);
    dir = parent;
  }
}

/** Shipped mapping files: data a province edits, so they live outside src/. */
export function defaultMappingDir(): string {
  return join(findRepoRoot(), 'libs', 'ingest', 'mappings');
}
