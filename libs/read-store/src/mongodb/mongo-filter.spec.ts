import { normalizeSort } from '../query/cursor';
import { parseFilter } from '../query/filter';
import { InvalidQueryError } from '../read-store.port';
import { escapeRegex, mongoAfterCursor, mongoFilter, mongoProjection } from './mongo-filter';

/** Translation checks that need no server; behaviour is covered by the contract suite. */
describe('MongoDB filter translation', () => {
  it('maps each condition to its whitelisted operator', () => {
    expect(
      mongoFilter(
        parseFilter({
          name: 'x',
          'region.code': { prefix: '33.0', ne: '330000' },
          age: { gte: 18, lt: 60 },
          types: { in: ['pension', null] },
          note: { exists: false },
        }),
      ),
    ).toEqual({
      name: { $eq: 'x' },
      'region.code': { $regex: '^33\\.0', $ne: '330000' },
      age: { $gte: 18, $lt: 60 },
      types: { $in: ['pension', null] },
      note: { $exists: false },
    });
  });

  it('escapes every regular-expression metacharacter in a prefix', () => {
    const nasty = '^a.b*c+d?e(f)g[h]i{j}k|l\\m$n/o-p';
    const re = new RegExp(`^${escapeRegex(nasty)}`);
    expect(re.test(nasty + 'tail')).toBe(true);
    expect(re.test('a' + nasty)).toBe(false);
    expect(new RegExp(`^${escapeRegex('.*')}`).test('anything')).toBe(false);
  });

  it('lets no `$` key through from the caller', () => {
    const attempts: unknown[] = [
      { $where: 'sleep(100)' },
      { name: { $gt: '' } },
      { name: { eq: { $gt: '' } } },
      { 'a.$b': 1 },
      { name: { in: [{ $ne: 1 }] } },
    ];
    for (const f of attempts) expect(() => parseFilter(f as never)).toThrow(InvalidQueryError);
  });

  it('builds keyset conditions with explicit null handling', () => {
    const keys = normalizeSort([['score', -1]]);
    expect(mongoAfterCursor(keys, [5, 'd1'])).toEqual({
      $or: [{ $or: [{ score: { $lt: 5 } }, { score: null }] }, { $and: [{ score: { $eq: 5 } }, { _id: { $gt: 'd1' } }] }],
    });
    expect(mongoAfterCursor(keys, [null, 'd1'])).toEqual({ $and: [{ score: null }, { _id: { $gt: 'd1' } }] });
    const asc = normalizeSort([['score', 1]]);
    expect(mongoAfterCursor(asc, [null, 'd1'])).toEqual({
      $or: [{ score: { $ne: null } }, { $and: [{ score: null }, { _id: { $gt: 'd1' } }] }],
    });
    expect(mongoAfterCursor(asc, [3, 'd1'])).toEqual({
      $and: [{ score: { $gte: 3 } }, { $or: [{ score: { $gt: 3 } }, { $and: [{ score: { $eq: 3 } }, { _id: { $gt: 'd1' } }] }] }],
    });
  });

  it('projects requested fields plus what the cursor needs', () => {
    expect(mongoProjection(['name'], normalizeSort([['region.code', 1]]))).toEqual({ _id: 1, name: 1, region: 1 });
  });
});
