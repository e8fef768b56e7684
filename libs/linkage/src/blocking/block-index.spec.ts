import { BlockIndex } from './block-index';
import { BLOCK_KEY_RULES } from './block-keys';
import { hash32 } from './hash';
import { prepareValues } from '../compare/values';

const members = (index: BlockIndex, key: number, cap = 1000): number[] | number => {
  const out: number[] = [];
  const size = index.lookup(key, cap, (m) => out.push(m));
  return size < 0 ? size : out;
};

describe('BlockIndex', () => {
  it('finds every member of a key, in insertion order, across the radix sort', () => {
    const index = new BlockIndex();
    for (let i = 0; i < 50_000; i++) index.add(((i * 2654435761) % 1000) >>> 0, i);
    const got = members(index, 7) as number[];
    expect(got.length).toBe(50);
    expect(got).toEqual([...got].sort((a, b) => a - b));
    expect(got.every((i) => (i * 2654435761) % 1000 === 7)).toBe(true);
    expect(members(index, 0xffffffff)).toEqual([]);
    expect(index.size).toBe(50_000);
  });

  it('handles keys above 2^31 (unsigned order)', () => {
    const index = new BlockIndex();
    index.add(0xfffffff0, 1);
    index.add(5, 2);
    index.add(0x80000000, 3);
    expect(members(index, 0xfffffff0)).toEqual([1]);
    expect(members(index, 0x80000000)).toEqual([3]);
    expect(members(index, 5)).toEqual([2]);
  });

  it('reports an oversize block as its negated size without visiting it', () => {
    const index = new BlockIndex();
    for (let i = 0; i < 10; i++) index.add(42, i);
    expect(members(index, 42, 9)).toBe(-10);
    expect(members(index, 42, 10)).toHaveLength(10);
  });

  it('sees adds made after the first lookup, before and after the next re-sort', () => {
    const index = new BlockIndex();
    index.add(1, 0);
    expect(members(index, 1)).toEqual([0]);
    index.add(1, 1);
    index.add(2, 2);
    expect(members(index, 1)).toEqual([0, 1]);
    for (let i = 3; i < 10_000; i++) index.add(3, i);
    expect((members(index, 3, 20_000) as number[]).length).toBe(9997);
    expect(members(index, 1)).toEqual([0, 1]);
    expect(members(index, 2)).toEqual([2]);
  });
});

describe('block keys', () => {
  const person = prepareValues({
    citizenId: '440303199003071234',
    name: '张明',
    birthDate: '1990-03-07',
    gender: '1',
    region: '440303001',
  });
  const key = (rule: string, v = person): string | undefined => BLOCK_KEY_RULES[rule].record(v);

  it('derive demographic and ID-part keys', () => {
    expect(key('birthDate+gender')).toBe('199003071');
    expect(key('namePinyin+birthYear')).toBe('zhangming|1990');
    expect(key('namePinyin+county')).toBe('zhangming|440303');
    expect(key('id:first17')).toBe('44030319900307123');
    expect(key('id:region+birth')).toBe('44030319900307');
    expect(key('id:birth+sequence')).toBe('19900307123');
    expect(key('id:region+sequence')).toBe('440303123');
  });

  it('keep one ID key intact whichever part a keyed digit spoils', () => {
    const keys = (v: typeof person) => ['id:region+birth', 'id:birth+sequence', 'id:region+sequence'].map((r) => key(r, v));
    for (const pos of [2, 9, 15]) {
      const typo = person.citizenId!.slice(0, pos) + (person.citizenId![pos] === '9' ? '0' : '9') + person.citizenId!.slice(pos + 1);
      const shared = keys({ ...person, citizenId: typo }).filter((k, i) => k === keys(person)[i]);
      expect(shared.length).toBe(1);
    }
  });

  it('look a name-only record up by pinyin, but not a record that has more', () => {
    const nameOnly = prepareValues({ name: '张名' });
    expect(BLOCK_KEY_RULES['namePinyin:nameOnly'].record(nameOnly)).toBe('zhangming');
    expect(BLOCK_KEY_RULES['namePinyin:nameOnly'].record(person)).toBeUndefined();
    expect(BLOCK_KEY_RULES['namePinyin:nameOnly'].person(person)).toBe('zhangming');
  });

  it('hash32 is stable and spreads near-identical keys', () => {
    expect(hash32('199003071')).toBe(hash32('199003071'));
    const hashes = new Set(Array.from({ length: 10_000 }, (_, i) => hash32(`1990${String(i).padStart(4, '0')}1`)));
    expect(hashes.size).toBe(10_000);
  });
});
