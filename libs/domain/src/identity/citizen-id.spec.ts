import { inspect } from 'node:util';
import { RegionTable } from '../regions/region-table';
import { CitizenId, CitizenIdResult } from './citizen-id';
import { citizenIdCheckCharacter, upgradeFifteenDigitId } from './citizen-id-check';
import { citizenIdHammingDistance, compareCitizenIds, isNearMatchCitizenId } from './citizen-id-similarity';

// Textbook example from GB 11643-1999 and numbers built with a verified check character.
const FEMALE_X = '11010519491231002X';
const MALE = '110101199003071233';
const FEMALE = '110101199003074522';

function ok(result: CitizenIdResult): CitizenId {
  if (!result.ok) throw new Error(`expected ok, got ${result.reasons.map((r) => r.code).join(',')}`);
  return result.value;
}

function codes(result: CitizenIdResult): string[] {
  if (result.ok) throw new Error('expected a rejection');
  return result.reasons.map((r) => r.code);
}

function warningCodes(result: CitizenIdResult): string[] {
  return result.ok ? result.warnings.map((w) => w.code) : [];
}

const regions = RegionTable.fromRows(
  {
    provinces: [
      { code: '11', name: '北京市' },
      { code: '44', name: '广东省' },
    ],
    cities: [
      { code: '1101', name: '市辖区' },
      { code: '4405', name: '汕头市' },
    ],
    counties: [
      { code: '110101', name: '东城区' },
      { code: '110105', name: '朝阳区' },
    ],
  },
  [{ code: '110103', name: '崇文区', abolished: 2010, successor: '110101' }],
);

describe('citizenIdCheckCharacter (ISO 7064 MOD 11-2)', () => {
  it('computes the textbook examples', () => {
    expect(citizenIdCheckCharacter('11010519491231002')).toBe('X');
    expect(citizenIdCheckCharacter('44052418800101001')).toBe('4');
  });

  it('refuses anything but 17 digits', () => {
    expect(() => citizenIdCheckCharacter('1101051949123100')).toThrow(RangeError);
    expect(() => citizenIdCheckCharacter('1101051949123100A')).toThrow(RangeError);
  });

  it('upgrades 15 digits by inserting the century and a check character', () => {
    expect(upgradeFifteenDigitId('110101900307123')).toBe(MALE);
  });
});

describe('CitizenId.parse', () => {
  it('accepts a valid 18-character ID and derives birth date, gender and prefix', () => {
    const id = ok(CitizenId.parse(MALE));
    expect(id.value).toBe(MALE);
    expect(id.birthDate).toBe('1990-03-07');
    expect(id.gender).toBe('1');
    expect(id.regionPrefix).toBe('110101');
    expect(ok(CitizenId.parse(FEMALE)).gender).toBe('2');
    expect(ok(CitizenId.parse(FEMALE_X)).gender).toBe('2');
  });

  it.each([
    ['full-width digits and Ｘ', '１１０１０５１９４９１２３１００２Ｘ'],
    ['full-width lower-case ｘ', '１１０１０５１９４９１２３１００２ｘ'],
    ['lower-case x', '11010519491231002x'],
    ['spaces and tabs anywhere', ' 110105 1949\t1231 002X '],
    ['ideographic space', '110105\u30001949123 1002X'],
    ["a spreadsheet's leading apostrophe", "'11010519491231002X"],
    ['surrounding double quotes', '"11010519491231002X"'],
    ['curly quotes', '“11010519491231002X”'],
  ])('normalises %s', (_label, raw) => {
    const result = CitizenId.parse(raw);
    expect(ok(result).value).toBe(FEMALE_X);
    expect(warningCodes(result)).toContain('ID_NORMALISED');
  });

  it('does not warn about normalising an already clean value', () => {
    expect(warningCodes(CitizenId.parse(MALE))).toEqual([]);
  });

  it('upgrades a 15-digit ID and says so', () => {
    const result = CitizenId.parse('110101900307123');
    expect(ok(result).value).toBe(MALE);
    expect(warningCodes(result)).toContain('ID_UPGRADED_FROM_15');
  });

  it.each([
    ['', 'ID_EMPTY'],
    ['  \t ', 'ID_EMPTY'],
    ["'", 'ID_EMPTY'],
    ['1101011990030712', 'ID_BAD_LENGTH'],
    ['1101011990030712334', 'ID_BAD_LENGTH'],
    ['11010119900307123A', 'ID_BAD_CHARACTERS'],
    ['1101011990X307123X', 'ID_BAD_CHARACTERS'],
    ['11010190030712X', 'ID_BAD_CHARACTERS'],
    ['110101-99003071233', 'ID_BAD_CHARACTERS'],
    ['110101199003071234', 'ID_BAD_CHECK_CHARACTER'],
  ])('rejects %j with %s', (raw, code) => {
    expect(codes(CitizenId.parse(raw))).toEqual([code]);
  });

  it('rejects birth dates that do not exist', () => {
    const feb30 = '1101011990023012' + '3';
    expect(codes(CitizenId.parse(feb30 + citizenIdCheckCharacter(feb30)))).toEqual(['ID_BAD_BIRTH_DATE']);
    const nonLeap = '11010119000229123';
    expect(codes(CitizenId.parse(nonLeap + citizenIdCheckCharacter(nonLeap)))).toEqual(['ID_BAD_BIRTH_DATE']);
    const leap = '11010120000229123';
    expect(ok(CitizenId.parse(leap + citizenIdCheckCharacter(leap))).birthDate).toBe('2000-02-29');
    expect(codes(CitizenId.parse('110101901307123'))).toEqual(['ID_BAD_BIRTH_DATE']);
  });

  it('reports every reason found, not just the first', () => {
    expect(codes(CitizenId.parse('110101199002301231'))).toEqual(['ID_BAD_CHECK_CHARACTER', 'ID_BAD_BIRTH_DATE']);
  });

  it('checks future birth dates only when told what today is', () => {
    const future = '11010120300101123';
    const id = future + citizenIdCheckCharacter(future);
    expect(CitizenId.parse(id).ok).toBe(true);
    expect(codes(CitizenId.parse(id, { today: '2025-06-01' }))).toEqual(['ID_BIRTH_DATE_IN_FUTURE']);
    expect(CitizenId.parse(MALE, { today: '2025-06-01' }).ok).toBe(true);
  });

  it('never puts the ID in a rejection message', () => {
    for (const raw of ['110101199003071234', '110101199002301231', '11010119900307123A', '1101011990030712']) {
      const result = CitizenId.parse(raw);
      if (result.ok) throw new Error('expected rejection');
      for (const reason of result.reasons) {
        expect(reason.message).not.toContain(raw);
        expect(reason.message).not.toMatch(/\d{8,}/);
      }
    }
  });

  describe('with a region table', () => {
    it('accepts a known prefix silently', () => {
      expect(warningCodes(CitizenId.parse(MALE, { regions }))).toEqual([]);
    });

    it('flags an abolished prefix as historical (still valid)', () => {
      const result = CitizenId.parse('110103200002290029', { regions });
      expect(ok(result).regionPrefix).toBe('110103');
      expect(warningCodes(result)).toEqual(['ID_HISTORICAL_REGION_PREFIX']);
      expect(result.ok && result.warnings[0].message).toContain('110101');
    });

    it('warns (does not reject) on an unknown prefix', () => {
      const result = CitizenId.parse('999999199001010016', { regions });
      expect(result.ok).toBe(true);
      expect(warningCodes(result)).toEqual(['ID_UNKNOWN_REGION_PREFIX']);
    });

    it('accepts city and province forms as prefixes', () => {
      const city = '44050019900101001';
      const province = '11000019900101001';
      expect(warningCodes(CitizenId.parse(city + citizenIdCheckCharacter(city), { regions }))).toEqual([]);
      expect(warningCodes(CitizenId.parse(province + citizenIdCheckCharacter(province), { regions }))).toEqual([]);
    });
  });
});

describe('CitizenId never leaks the number implicitly', () => {
  const id = ok(CitizenId.parse(FEMALE_X));

  it('masks all but the first 6 and last 4', () => {
    expect(id.masked).toBe('110105********002X');
  });

  it('masks in toString, JSON and util.inspect', () => {
    expect(`${id}`).toBe('110105********002X');
    expect(JSON.stringify({ id })).toBe('{"id":"110105********002X"}');
    expect(inspect(id)).not.toContain(FEMALE_X);
    expect(inspect({ nested: [id] })).toContain('110105********002X');
  });

  it('compares by value', () => {
    expect(id.equals(ok(CitizenId.parse('11010519491231002x')))).toBe(true);
    expect(id.equals(ok(CitizenId.parse(MALE)))).toBe(false);
  });
});

describe('near matches for record linkage', () => {
  it('classifies the typical typos', () => {
    expect(compareCitizenIds(MALE, ' 110101199003071233')).toBe('equal');
    expect(compareCitizenIds(MALE, '110101199003071243')).toBe('one-substitution');
    expect(compareCitizenIds(MALE, '110101199000371233')).toBe('adjacent-transposition');
    expect(compareCitizenIds(MALE, '110101199003077733')).toBe('different');
    expect(compareCitizenIds(MALE, '110101900307123')).toBe('different');
  });

  it('counts differing positions', () => {
    expect(citizenIdHammingDistance(MALE, '110101199003077733')).toBe(2);
    expect(citizenIdHammingDistance(MALE, '1101')).toBeUndefined();
  });

  it('calls one typo a near match, equality and larger differences not', () => {
    expect(isNearMatchCitizenId(MALE, '110101199003071243')).toBe(true);
    expect(isNearMatchCitizenId(MALE, '110101199000371233')).toBe(true);
    expect(isNearMatchCitizenId(MALE, MALE)).toBe(false);
    expect(isNearMatchCitizenId(MALE, '210101199003071263')).toBe(false);
  });
});
