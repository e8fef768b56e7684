import fc from 'fast-check';
import { SlotTable } from './slot-table';

/** The linker's column of ids: a slot's id never changes once added. */
function table() {
  const ids: string[] = [];
  const slots = new SlotTable((slot) => ids[slot]);
  const put = (id: string) => {
    ids.push(id);
    slots.set(id, ids.length - 1);
  };
  return { slots, put };
}

describe('SlotTable', () => {
  it('answers as a Map would over any sequence of adds, re-adds and removals', () => {
    const op = fc.record({ remove: fc.boolean(), id: fc.integer({ min: 0, max: 3000 }).map((n) => `P${n}`) });
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
        for (let n = 0; n <= 3000; n++) expect(slots.get(`P${n}`)).toBe(model.get(`P${n}`));
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
