import { citizenIdCheckCharacter } from '@registry/domain';
import { loadConfig } from '../config/app-config';
import { RecordLinker } from './record-linker';

const id = (first17: string): string => first17 + citizenIdCheckCharacter(first17);

describe('RecordLinker', () => {
  it("gives a review's candidates the regions their persons were added with, the latest one after a replacement", () => {
    const index = new RecordLinker(loadConfig({})).create();
    index.add({
      personId: 'P1',
      citizenId: id('44030419851120002'),
      name: '李丽',
      birthDate: '1985-11-20',
      gender: '2',
      region: '440304002',
    });
    index.add({ personId: 'P2', citizenId: id('44010619851120004'), name: '李丽', birthDate: '1985-11-20', gender: '2', region: '441900' });
    // A name, birth date and gender two persons share: a review between them, never a link.
    const record = { name: '李丽', birthDate: '1985-11-20', gender: '2' };
    const before = index.link(record);
    expect(before.outcome).toBe('possible');
    expect(Object.fromEntries(before.candidates.map((c) => [c.personId, c.region]))).toEqual({ P1: '440304002', P2: '441900' });

    index.add({
      personId: 'P2',
      citizenId: id('44010619851120004'),
      name: '李丽',
      birthDate: '1985-11-20',
      gender: '2',
      region: '440106003',
    });
    const after = index.link(record);
    expect(Object.fromEntries(after.candidates.map((c) => [c.personId, c.region]))).toEqual({ P1: '440304002', P2: '440106003' });
  });
});
