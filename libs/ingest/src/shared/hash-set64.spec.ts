import { HashSet64 } from './hash-set64';

describe('HashSet64', () => {
  it('adds, detects repeats and survives growth', () => {
    const set = new HashSet64(16);
    for (let i = 0; i < 10_000; i++) expect(set.add(i * 7919, i)).toBe(true);
    for (let i = 0; i < 10_000; i++) expect(set.add(i * 7919, i)).toBe(false);
    expect(set.size).toBe(10_000);
    expect(set.has(7919, 1)).toBe(true);
    expect(set.has(7919, 2)).toBe(false);
    expect(set.bytes).toBeLessThanOrEqual(10_000 * 8 * 4);
  });

  it('folds the reserved empty key (0,0) into (0,1)', () => {
    const set = new HashSet64();
    expect(set.add(0, 0)).toBe(true);
    expect(set.has(0, 1)).toBe(true);
    expect(set.add(0, 1)).toBe(false);
  });
});
