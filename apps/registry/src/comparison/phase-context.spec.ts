import type { Collection } from '@registry/read-store';
import type { PersonDocument } from '../persons/projections/person-document';
import { PERSON_READ_BATCH, eachPersonDocument, personDocuments } from './phase-context';

/** A person collection that answers getMany in reverse order (a store's own order) and records each call. */
function fakePersons(held: readonly string[]) {
  const calls: string[][] = [];
  const collection = {
    async getMany(ids: string[]) {
      calls.push(ids);
      const found = new Map<string, PersonDocument>();
      for (const id of [...ids].reverse()) if (held.includes(id)) found.set(id, { _id: id } as PersonDocument);
      return found;
    },
  } as unknown as Collection<PersonDocument>;
  return { collection, calls };
}

describe('eachPersonDocument', () => {
  const ids = Array.from({ length: 2 * PERSON_READ_BATCH + 5 }, (_, i) => `p${String(i).padStart(5, '0')}`);
  const held = ids.filter((_, i) => i % 7 !== 3);

  it('yields the documents held, in the order asked for, across batches', async () => {
    const { collection, calls } = fakePersons(held);
    const seen: string[] = [];
    for await (const doc of eachPersonDocument(collection, ids)) seen.push(doc._id);
    expect(seen).toEqual(held);
    expect(calls.map((c) => c.length)).toEqual([PERSON_READ_BATCH, PERSON_READ_BATCH, 5]);
  });

  it('reads the next batch only once the caller has taken the one before', async () => {
    const { collection, calls } = fakePersons(held);
    const inFirstBatch = held.filter((id) => ids.indexOf(id) < PERSON_READ_BATCH).length;
    const docs = eachPersonDocument(collection, ids);
    for (let i = 0; i < inFirstBatch; i++) await docs.next();
    expect(calls).toHaveLength(1);
    expect((await docs.next()).value?._id).toBe(ids[PERSON_READ_BATCH]);
    expect(calls).toHaveLength(2);
    await docs.return(undefined);
    expect(calls).toHaveLength(2);
  });

  it('personDocuments gives the same list at once', async () => {
    const { collection } = fakePersons(held);
    expect((await personDocuments(collection, ids)).map((d) => d._id)).toEqual(held);
  });
});
