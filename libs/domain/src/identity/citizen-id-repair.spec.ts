import { citizenIdCheckCharacter } from './citizen-id-check';
import { repairCitizenId } from './citizen-id-repair';

// Built with a verified check character: 110101 1990-03-07, sequence 123 (male).
const MALE = '110101199003071233';
const FIRST17 = MALE.slice(0, 17);
const wrongCheck = (id: string) => id.slice(0, 17) + ('10X98765432'.split('').find((c) => c !== id[17]) as string);

describe('repairCitizenId', () => {
  const evidence = { birthDate: '1990-03-07', gender: '1' };

  it('recomputes a wrong check character when birth date and gender agree', () => {
    const repair = repairCitizenId(wrongCheck(MALE), evidence);
    expect(repair?.kind).toBe('check-character');
    expect(repair?.citizenId.value).toBe(MALE);
  });

  it('adds a missing check character, also to a cosmetically damaged number', () => {
    expect(repairCitizenId(FIRST17, evidence)?.citizenId.value).toBe(MALE);
    const fullWidth = FIRST17.replace(/\d/g, (c) => String.fromCharCode(0xff10 + Number(c)));
    expect(repairCitizenId(`'${fullWidth}`, evidence)?.citizenId.value).toBe(MALE);
  });

  it('puts the record birth date in place of an impossible one whose check character fits', () => {
    // A system recomputed the check character after the date was typed wrong.
    const typed17 = '11010119901307123';
    expect(repairCitizenId(typed17 + citizenIdCheckCharacter(typed17), evidence)).toEqual({
      citizenId: expect.objectContaining({ value: MALE }),
      kind: 'birth-date',
    });
    // Only the date was typed wrong: the original check character fits the repaired number.
    expect(repairCitizenId(typed17 + MALE[17], evidence)?.citizenId.value).toBe(MALE);
    // Neither fits: two faults, refused.
    const other = '10X98765432'.split('').find((c) => c !== MALE[17] && c !== citizenIdCheckCharacter(typed17)) as string;
    expect(repairCitizenId(typed17 + other, evidence)).toBeUndefined();
    // The month and day impossible, the year possible: a column of another year is a second fault.
    expect(repairCitizenId(typed17 + citizenIdCheckCharacter(typed17), { birthDate: '1991-03-07', gender: '1' })).toBeUndefined();
    // A year before 1850 counts as impossible too.
    const old17 = '11010117900307123';
    expect(repairCitizenId(old17 + citizenIdCheckCharacter(old17), evidence)?.citizenId.value).toBe(MALE);
  });

  it('refuses without a birth date to corroborate, or when the record contradicts the result', () => {
    expect(repairCitizenId(wrongCheck(MALE), {})).toBeUndefined();
    expect(repairCitizenId(wrongCheck(MALE), { birthDate: '1990-3-7' })).toBeUndefined();
    expect(repairCitizenId(wrongCheck(MALE), { birthDate: '1990-03-08', gender: '1' })).toBeUndefined();
    expect(repairCitizenId(wrongCheck(MALE), { birthDate: '1990-03-07', gender: '2' })).toBeUndefined();
    // Gender unknown ('0', '9' or absent) is no contradiction.
    expect(repairCitizenId(wrongCheck(MALE), { birthDate: '1990-03-07', gender: '9' })?.citizenId.value).toBe(MALE);
  });

  it('leaves valid, unrepairable and non-numeric input alone', () => {
    expect(repairCitizenId(MALE, evidence)).toBeUndefined();
    expect(repairCitizenId('', evidence)).toBeUndefined();
    expect(repairCitizenId(MALE.slice(0, 16), evidence)).toBeUndefined();
    expect(repairCitizenId('11010119900307123A', evidence)).toBeUndefined();
    expect(repairCitizenId(undefined as unknown as string, evidence)).toBeUndefined();
  });
});
