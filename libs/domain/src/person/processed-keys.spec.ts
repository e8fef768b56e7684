import { ProcessedKeys } from './processed-keys';

function build(keys: string[]): ProcessedKeys {
  return keys.slice(1).reduce((set, key) => set.with(key), ProcessedKeys.of(keys[0]));
}

describe('ProcessedKeys', () => {
  it('reads like a Set of the keys added, in order', () => {
    const set = build(['a', 'b', 'c']);
    expect(set.size).toBe(3);
    expect(set.has('b')).toBe(true);
    expect(set.has('d')).toBe(false);
    expect([...set]).toEqual(['a', 'b', 'c']);
    expect([...set.entries()]).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
    const seen: string[] = [];
    set.forEach((key) => seen.push(key));
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('returns itself for a key it holds', () => {
    const set = build(['a', 'b']);
    expect(set.with('a')).toBe(set);
  });

  it('never changes a set already handed out, whichever set is extended', () => {
    const base = build(['a', 'b']);
    const first = base.with('c');
    const second = base.with('d'); // a branch: base is no longer the newest view
    const third = first.with('d');
    expect([...base]).toEqual(['a', 'b']);
    expect([...first]).toEqual(['a', 'b', 'c']);
    expect([...second]).toEqual(['a', 'b', 'd']);
    expect([...third]).toEqual(['a', 'b', 'c', 'd']);
    expect(base.has('c') || base.has('d')).toBe(false);
    expect(second.has('c')).toBe(false);
    expect(first.has('d')).toBe(false);
  });

  it('agrees with a copied Set over random extensions and branches, short and long', () => {
    let seed = 7;
    const random = (n: number): number => (seed = (seed * 16807) % 2147483647) % n;
    const sets: [ProcessedKeys, Set<string>][] = [[ProcessedKeys.of('k0'), new Set(['k0'])]];
    for (let step = 0; step < 3000; step++) {
      // Mostly extend the newest, sometimes an older one.
      const [set, model] = random(5) === 0 ? sets[random(sets.length)] : sets[sets.length - 1];
      const key = `k${random(60)}`;
      sets.push([set.with(key), new Set(model).add(key)]);
    }
    // Compared as text: thousands of expect() calls would make this the slowest spec.
    const view = (set: ReadonlySet<string>): string =>
      `${set.size} ${[...set].join()} ${Array.from({ length: 62 }, (_, k) => (set.has(`k${k}`) ? 1 : 0)).join('')}`;
    expect(sets.map(([set]) => view(set))).toEqual(sets.map(([, model]) => view(model)));
  });
});
