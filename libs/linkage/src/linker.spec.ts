import { citizenIdCheckCharacter } from '@registry/domain';
import { LinkageConfig, loadLinkageConfig } from './config/linkage-config';
import { LinkagePerson, Linker } from './linker';

const id = (first17: string): string => first17 + citizenIdCheckCharacter(first17);
const config = loadLinkageConfig();

const ZHANG: LinkagePerson = {
  personId: 'P1',
  citizenId: id('44030319900307123'),
  name: '张明',
  birthDate: '1990-03-07',
  gender: '1',
  region: '440303001',
};
const LI: LinkagePerson = {
  personId: 'P2',
  citizenId: id('44030419851120002'),
  name: '李丽',
  birthDate: '1985-11-20',
  gender: '2',
  region: '440304002',
};
const WANG: LinkagePerson = {
  personId: 'P3',
  citizenId: id('44010619700101335'),
  name: '王小华',
  birthDate: '1970-01-01',
  gender: '1',
  region: '440106003',
};

function linkerWith(persons: readonly LinkagePerson[], c: LinkageConfig = config): Linker {
  const linker = new Linker(c);
  for (const p of persons) linker.add(p);
  return linker;
}

const wrongCheck = (full: string): string => full.slice(0, 17) + (full[17] === '0' ? '1' : '0');

describe('Linker', () => {
  const linker = linkerWith([ZHANG, LI, WANG]);

  it('links an exact valid ID without scoring candidates, whatever the format', () => {
    const d = linker.link({ citizenId: ` ${ZHANG.citizenId?.replace(/\d/g, (x) => String.fromCharCode(0xff10 + Number(x)))}` });
    expect(d).toMatchObject({ outcome: 'link', personId: 'P1', method: 'exact-id', candidates: 1 });
    expect(d.fields.citizenId).toEqual({ level: 'equal', weight: expect.any(Number) });
    expect(d.fields.name).toEqual({ level: 'missing', weight: 0 });
  });

  it('links a bad check character, a missing one and an impossible birth date in the ID by their parts', () => {
    expect(linker.link({ citizenId: wrongCheck(LI.citizenId as string), name: '李丽' })).toMatchObject({
      outcome: 'link',
      personId: 'P2',
      method: 'scored',
    });
    expect(linker.link({ citizenId: (LI.citizenId as string).slice(0, 17), name: '李莉' })).toMatchObject({
      outcome: 'link',
      personId: 'P2',
    });
    const impossible = id('440303' + '1990' + '1301' + '123');
    expect(linker.link({ citizenId: impossible, name: '张名' })).toMatchObject({ outcome: 'link', personId: 'P1' });
  });

  it('links a record without an ID by name, birth date, gender and region, homophones included', () => {
    const d = linker.link({ name: '王小化', birthDate: '1970-01-01', gender: '1', region: '440106' });
    expect(d).toMatchObject({ outcome: 'link', personId: 'P3' });
    expect(d.fields).toMatchObject({
      name: { level: 'pinyin' },
      birthDate: { level: 'exact' },
      region: { level: 'same-county' },
      citizenId: { level: 'missing', weight: 0 },
    });
    expect(d.score).toBeCloseTo(
      Object.values(d.fields).reduce((s, f) => s + f.weight, 0),
      10,
    );
  });

  it('answers none when nothing shares a block, and for an unknown valid ID with other details', () => {
    expect(linker.link({ name: '赵六', birthDate: '2001-02-03', gender: '2' })).toMatchObject({
      outcome: 'none',
      candidates: 0,
      score: 0,
      fields: {},
    });
    expect(linker.link({})).toMatchObject({ outcome: 'none', candidates: 0 });
    // Same birth date and gender as 张明 but another valid ID and another name: a different person.
    const stranger = linker.link({ citizenId: id('11010119900307457'), name: '刘强', birthDate: '1990-03-07', gender: '1' });
    expect(stranger.outcome).toBe('none');
    expect(stranger.personId).toBeUndefined();
    expect(stranger.candidates).toBe(1);
    expect(stranger.score).toBeLessThan(0);
  });

  it('sends a name-only record to review, never to an auto-link', () => {
    const d = linker.link({ name: '李丽' });
    expect(d).toMatchObject({ outcome: 'possible', personId: 'P2' });
  });

  it('requires a margin over the runner-up: near-duplicates go to review', () => {
    const twin: LinkagePerson = { ...ZHANG, personId: 'P9', citizenId: id('44030319900307125'), name: '张名' };
    const withTwin = linkerWith([ZHANG, twin, LI]);
    const d = withTwin.link({ name: '张明', birthDate: '1990-03-07', gender: '1', region: '440303' });
    expect(d.outcome).toBe('possible');
    expect(d.personId).toBe('P1');
    expect(d.secondPersonId).toBe('P9');
    expect(d.score - (d.secondScore as number)).toBeLessThan(config.thresholds.margin);
    const noMargin = linkerWith([ZHANG, twin, LI], { ...config, thresholds: { ...config.thresholds, margin: 0 } });
    expect(noMargin.link({ name: '张明', birthDate: '1990-03-07', gender: '1', region: '440303' }).outcome).toBe('link');
  });

  it('does not short-circuit an ID two registry persons share: both are scored', () => {
    const dup = linkerWith([ZHANG, { ...LI, personId: 'P7', citizenId: ZHANG.citizenId }]);
    const d = dup.link({ citizenId: ZHANG.citizenId, name: '张明', birthDate: '1990-03-07', gender: '1' });
    expect(d).toMatchObject({ method: 'scored', outcome: 'link', personId: 'P1', candidates: 2 });
  });

  it('skips blocks above maxBlockSize and counts them', () => {
    const small = { ...config, blocking: { ...config.blocking, maxBlockSize: 2 } };
    const crowd = Array.from({ length: 5 }, (_, i) => ({
      ...ZHANG,
      personId: `C${i}`,
      citizenId: id(`4403031990030712${i}`.slice(0, 17)),
      name: `张${'伟强军杰涛'[i]}`,
    }));
    const l = linkerWith(crowd, small);
    const d = l.link({ name: '张三', birthDate: '1990-03-07', gender: '1' });
    expect(d.skippedBlocks).toBeGreaterThanOrEqual(1);
    expect(d.candidates).toBe(0);
  });

  it('replaces a person added again and forgets a removed one', () => {
    const l = linkerWith([ZHANG, LI]);
    // LI renamed and moved: the old name no longer finds her, the new one does.
    l.add({ ...LI, name: '李华' });
    expect(l.size).toBe(2);
    expect(l.link({ citizenId: wrongCheck(LI.citizenId as string), name: '李华' })).toMatchObject({
      outcome: 'link',
      personId: 'P2',
      candidates: 1,
    });
    expect(l.compareCandidates({ citizenId: wrongCheck(LI.citizenId as string), name: '李丽' })).toHaveLength(1);
    expect(l.remove('P2')).toBe(true);
    expect(l.has('P2')).toBe(false);
    expect(l.size).toBe(1);
    expect(l.link({ citizenId: LI.citizenId, name: '李华' }).outcome).toBe('none');
    expect(l.remove('P2')).toBe(false);
  });

  it('answers the region a held person was added with, as given, and none once they are removed', () => {
    const l = new Linker(config);
    // A county code ending in 00 is compared as its four leading digits; regionOf gives it back whole.
    l.add({ ...ZHANG, region: '441900' });
    l.add({ ...LI, region: '440303001' });
    l.add({ personId: 'P3', citizenId: id('44030319700101002') });
    expect(l.regionOf('P1')).toBe('441900');
    expect(l.regionOf('P2')).toBe('440303001');
    expect(l.regionOf('P3')).toBeUndefined();
    l.add({ ...LI, region: '440304002' });
    expect(l.regionOf('P2')).toBe('440304002');
    l.remove('P2');
    expect(l.regionOf('P2')).toBeUndefined();
    expect(l.regionOf('nobody')).toBeUndefined();
  });

  it('leaves secondary persons out of links asked for primaries only', () => {
    const l = new Linker(config);
    l.add(ZHANG);
    l.add(LI, { secondary: true });
    expect(l.link({ citizenId: LI.citizenId }, { primaryOnly: true }).outcome).toBe('none');
    expect(l.link({ citizenId: LI.citizenId })).toMatchObject({ outcome: 'link', personId: 'P2', method: 'exact-id' });
    expect(l.link({ citizenId: wrongCheck(LI.citizenId as string), name: '李丽' }, { primaryOnly: true }).candidates).toBe(0);
    expect(l.link({ citizenId: ZHANG.citizenId }, { primaryOnly: true })).toMatchObject({ outcome: 'link', personId: 'P1' });
  });

  it('accepts persons added after linking started', () => {
    const l = linkerWith([ZHANG]);
    expect(l.link({ citizenId: LI.citizenId }).outcome).toBe('none');
    l.add(LI);
    expect(l.link({ citizenId: wrongCheck(LI.citizenId as string), name: '李丽' })).toMatchObject({ outcome: 'link', personId: 'P2' });
    expect(l.size).toBe(2);
  });

  it('lists candidates with their levels for weight estimation', () => {
    const c = linker.compareCandidates({
      citizenId: wrongCheck(LI.citizenId as string),
      name: '李莉',
      birthDate: '1985-11-20',
      gender: '2',
    });
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({
      personId: 'P2',
      levels: { citizenId: 'same-first-17', name: 'pinyin', birthDate: 'exact', gender: 'equal', region: 'missing' },
    });
  });

  it('rejects a person without an id and never puts values in the message', () => {
    expect(() => linker.add({ personId: '', citizenId: ZHANG.citizenId })).toThrow('Linker.add: personId must be a non-empty string');
  });

  it('keeps its index lean: typed columns, packed person ids and block tables, growth slack included, stay under 210 bytes a person', () => {
    const l = new Linker(config, { pinyinOf: (n) => n });
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const body = `440303${1950 + (i % 50)}0${1 + (i % 9)}1${i % 10}${String(i % 1000).padStart(3, '0')}`;
      l.add({
        // The registry's form (p_ and 26 base32 characters): packed, and counted in indexBytes.
        personId: `p_${i.toString(2).padStart(26, '0').replace(/0/g, 'a').replace(/1/g, 'b')}`,
        citizenId: id(body),
        name: `张${i % 97}`,
        birthDate: `${body.slice(6, 10)}-${body.slice(10, 12)}-${body.slice(12, 14)}`,
        gender: '1',
        region: '440303001',
      });
    }
    l.link({ name: '张1', birthDate: '1951-02-11', gender: '1' });
    expect(l.indexBytes() / n).toBeLessThan(210);
  });
});

describe('the ID spells out birth date and gender (dependent evidence, counted once)', () => {
  // The household person and a neighbour born the same day in the same township, whose ID is
  // one sequence digit away (two people, not a typo).
  const household: LinkagePerson = { ...ZHANG, personId: 'H' };
  const neighbour17 = '44030319900307133';
  const neighbour: LinkagePerson = { ...ZHANG, personId: 'N', citizenId: id(neighbour17), name: '陈建国' };

  it('gives an agreeing birth date and gender no weight beside an ID that already agrees in them', () => {
    const linker = linkerWith([household]);
    const d = linker.link({ citizenId: wrongCheck(ZHANG.citizenId as string), name: '张明', birthDate: '1990-03-07', gender: '1' });
    expect(d).toMatchObject({ outcome: 'link', personId: 'H' });
    expect(d.fields.birthDate).toEqual({ level: 'exact', weight: 0 });
    expect(d.fields.gender).toEqual({ level: 'equal', weight: 0 });
    // A birth date that disagrees with the person's is still evidence against them.
    const off = linker.link({ citizenId: wrongCheck(ZHANG.citizenId as string), name: '张明', birthDate: '1990-03-08', gender: '1' });
    expect(off.fields.birthDate.level).toBe('one-digit');
    expect(off.fields.birthDate.weight).not.toBe(0);
  });

  it('does not link a row whose ID is one sequence digit from a neighbour of another name', () => {
    const linker = linkerWith([neighbour]);
    // The household person's row, check character mistyped; they are not in the registry yet.
    const d = linker.link({
      citizenId: wrongCheck(ZHANG.citizenId as string),
      name: '张明',
      birthDate: '1990-03-07',
      gender: '1',
      region: '440303001',
    });
    expect(d.fields.citizenId.level).toBe('one-substitution');
    expect(d.outcome).not.toBe('link');
  });

  it('still links a keyed sequence digit when the name agrees', () => {
    const linker = linkerWith([household]);
    const d = linker.link({ citizenId: id(neighbour17), name: '张明', birthDate: '1990-03-07', gender: '1', region: '440303001' });
    expect(d).toMatchObject({ outcome: 'link', personId: 'H' });
    expect(d.fields.citizenId.level).toBe('one-substitution');
  });
});

describe('the order persons were added in', () => {
  it('does not change a decision: equal scores go to the smaller person id', () => {
    const twin = (personId: string, citizen17: string): LinkagePerson => ({ ...ZHANG, personId, citizenId: id(citizen17) });
    const a = twin('P-a', '44030319900307123');
    const b = twin('P-b', '44030319900307145');
    const row = { name: '张明', birthDate: '1990-03-07', gender: '1', region: '440303001' };
    const forward = linkerWith([a, b]).link(row);
    const backward = linkerWith([b, a]).link(row);
    expect(forward.score).toBe(forward.secondScore);
    expect(forward).toMatchObject({ outcome: 'possible', personId: 'P-a', secondPersonId: 'P-b' });
    expect(backward).toEqual(forward);
  });

  it('does not change a decision between registry ids either (compared packed)', () => {
    const twin = (personId: string, citizen17: string): LinkagePerson => ({ ...ZHANG, personId, citizenId: id(citizen17) });
    const a = twin(`p_${'a'.repeat(25)}b`, '44030319900307123');
    const b = twin(`p_${'a'.repeat(25)}c`, '44030319900307145');
    const row = { name: '张明', birthDate: '1990-03-07', gender: '1', region: '440303001' };
    const forward = linkerWith([b, a]).link(row);
    expect(forward).toMatchObject({ outcome: 'possible', personId: a.personId, secondPersonId: b.personId });
    expect(linkerWith([a, b]).link(row)).toEqual(forward);
  });
});

describe('a replaced person', () => {
  it('no longer counts towards the size of the blocks they were in', () => {
    const small = { ...config, blocking: { ...config.blocking, maxBlockSize: 2 } };
    const linker = new Linker(small);
    const born = (personId: string, citizen17: string): LinkagePerson => ({
      ...ZHANG,
      personId,
      citizenId: id(citizen17),
      name: `张${personId}`,
    });
    linker.add(born('A', '44030319900307123'));
    linker.add(born('B', '44030319900307145'));
    const row = { name: '张A', birthDate: '1990-03-07', gender: '1' };
    expect(linker.link(row).skippedBlocks).toBe(0);
    // B's details change twice: three slots in the birth-date block, two of them live.
    linker.add({ ...born('B', '44030319900307145'), region: '440303002' });
    linker.add({ ...born('B', '44030319900307145'), region: '440303003' });
    const d = linker.link(row);
    expect(d.skippedBlocks).toBe(0);
    expect(d.personId).toBe('A');
  });
});

describe('the ID numbers the linker holds', () => {
  it('gives back each ID as it was added: with a check digit, with X, without one, from 15 digits, and none', () => {
    const withX = '11010519491231002X';
    const zeros = `0000000000000000${'7'}`; // leading zeros survive the packing
    const persons: LinkagePerson[] = [
      { personId: 'digit', citizenId: ZHANG.citizenId },
      { personId: 'x', citizenId: withX },
      { personId: 'seventeen', citizenId: '44030319900307123' },
      { personId: 'fifteen', citizenId: '440303900307123' },
      { personId: 'zeros', citizenId: zeros },
      { personId: 'none' },
      { personId: 'unusable', citizenId: '4403-ABC' },
    ];
    const linker = linkerWith(persons);
    expect(persons.map((p) => linker.citizenIdOf(p.personId))).toEqual([
      ZHANG.citizenId,
      withX,
      '44030319900307123',
      '44030319900307123',
      zeros,
      undefined,
      undefined,
    ]);
  });

  it('links an exact ID ending in X, and not an ID that differs only in its check character', () => {
    const withX = '11010519491231002X';
    const linker = linkerWith([{ ...WANG, personId: 'PX', citizenId: withX }, ZHANG]);
    expect(linker.link({ citizenId: withX })).toMatchObject({ outcome: 'link', personId: 'PX', method: 'exact-id' });
    expect(linker.link({ citizenId: `${withX.slice(0, 17)}0` }).method).not.toBe('exact-id');
  });
});
