import fc from 'fast-check';
import { IdColumn } from './id-column';
import { SlotTable } from './slot-table';

/** The linker's column of ids: a slot's id never changes once added. */
function table() {
  const ids = new IdColumn();
  const slots = new SlotTable(ids);
  const put = (id: string) => slots.set(id, ids.push(id));
  return { slots, put };
}

/** A person id of the registry's form, distinct for each n. */
const personId = (n: number) =>
  `p_${[...n.toString(32)]
    .map((d) => 'abcdefghijklmnopqrstuvwxyz234567'[parseInt(d, 32)])
    .join('')
    .padStart(26, 'a')}`;

describe('SlotTable', () => {
  it('answers as a Map would over any sequence of adds, re-adds and removals', () => {
    // Ids of the registry's form (packed) and others (kept as strings) in one table.
    const idOf = (n: number) => (n % 2 === 0 ? personId(n) : `P${n}`);
    const op = fc.record({ remove: fc.boolean(), id: fc.integer({ min: 0, max: 3000 }).map(idOf) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 6000 }), (ops) => {
        const { slots, put } = table();
        const model = new Map<string, number>();
        let next = 0;
        for (const { remove, id } of ops) {
          if (remove) expect(slots.delete(id)).toBe(model.delete(id));
          else {
            put(id);
            model.set(id, next++);
          }
        }
        expect(slots.size).toBe(model.size);
        for (let n = 0; n <= 3000; n++) expect(slots.get(idOf(n))).toBe(model.get(idOf(n)));
      }),
      { numRuns: 40 },
    );
  });

  it('grows past its first size and keeps a quarter to a half of it in use', () => {
    const { slots, put } = table();
    for (let n = 0; n < 100_000; n++) put(`person-${n}`);
    expect(slots.size).toBe(100_000);
    expect(slots.get('person-0')).toBe(0);
    expect(slots.get('person-99999')).toBe(99_999);
    expect(slots.get('person-100000')).toBeUndefined();
    expect(slots.bytes).toBeGreaterThanOrEqual(2 * 4 * 100_000);
    expect(slots.bytes).toBeLessThanOrEqual(4 * 4 * 100_000 * 2);
  });
});
