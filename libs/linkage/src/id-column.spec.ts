import fc from 'fast-check';
import { IdColumn } from './id-column';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** Ids of the registry's form, and others: too short, another prefix, a character outside base32. */
const registryId = fc.array(fc.constantFrom(...BASE32), { minLength: 26, maxLength: 26 }).map((cs) => `p_${cs.join('')}`);
const otherId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  registryId.map((id) => id.slice(0, 27)),
  registryId.map((id) => `q${id.slice(1)}`),
  registryId.map((id) => `${id.slice(0, 27)}1`),
  registryId.map((id) => id.toUpperCase()),
);
const anyId = fc.oneof(registryId, registryId, otherId);

describe('IdColumn', () => {
  it('gives back every id it was given, packed or not, and holds exactly those', () => {
    fc.assert(
      fc.property(fc.array(anyId, { minLength: 1, maxLength: 300 }), (ids) => {
        const column = new IdColumn();
        ids.forEach((id, slot) => expect(column.push(id)).toBe(slot));
        expect(column.length).toBe(ids.length);
        ids.forEach((id, slot) => {
          expect(column.get(slot)).toBe(id);
          expect(column.holds(slot, id)).toBe(true);
          const other = ids[(slot + 1) % ids.length];
          expect(column.holds(slot, other)).toBe(other === id);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('orders two slots as their ids compare as strings', () => {
    fc.assert(
      fc.property(anyId, anyId, (a, b) => {
        const column = new IdColumn();
        column.push(a);
        column.push(b);
        expect(Math.sign(column.compare(0, 1))).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(Math.sign(column.compare(1, 0))).toBe(b < a ? -1 : b > a ? 1 : 0);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a registry id in 26 bytes outside the heap, growing as it fills', () => {
    const column = new IdColumn();
    const ids = Array.from({ length: 100_000 }, (_, n) => `p_${n.toString(2).padStart(26, 'a').replace(/0/g, 'b').replace(/1/g, 'c')}`);
    for (const id of ids) column.push(id);
    expect(column.get(0)).toBe(ids[0]);
    expect(column.get(99_999)).toBe(ids[99_999]);
    expect(column.byteLength).toBeGreaterThanOrEqual(26 * 100_000);
    expect(column.byteLength).toBeLessThanOrEqual(1.5 * 26 * 100_000);
  });
});
