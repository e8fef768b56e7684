import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { SEMI_SPACE_MIB, startThread } from './threads';

describe('startThread', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'threads-spec-'));
    // Allocates short-lived pairs with a rolling one percent kept alive (what a batch does), so
    // that V8 grows the young generation as far as it may, then reports its size.
    writeFileSync(
      join(dir, 'young.ts'),
      `const v8 = require('node:v8');
       let kept = [];
       for (let i = 0; i < 2e7; i++) { const pair = [i, i]; if (i % 100 === 0) kept.push(pair); if (kept.length > 20000) kept = []; }
       const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
       require('node:worker_threads').parentPort.postMessage(space.space_size / 1048576);`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the thread semi-spaces of SEMI_SPACE_MIB, past the 16 MiB V8 would give it', async () => {
    const worker = startThread(join(dir, 'young.ts'), {});
    const [newSpaceMib] = (await once(worker, 'message')) as [number];
    await worker.terminate();
    // The new space is the two semi-spaces.
    expect(newSpaceMib).toBeGreaterThan(2 * 16);
    expect(newSpaceMib).toBeLessThanOrEqual(2 * SEMI_SPACE_MIB);
  }, 30_000);
});
