import { citizenIdCheckCharacter } from '@registry/domain';
import {
  compareBirthDates,
  compareCitizenIdsForLinkage,
  compareGenders,
  compareNames,
  compareRegions,
  COMPARATORS,
  namesExactlyEqual,
  namesPinyinEqual,
} from './comparators';
import { jaroWinkler } from './jaro-winkler';
import { linkageBirthDate, linkageCitizenId, linkageRegion, prepareValues } from './values';

const id = (first17: string): string => first17 + citizenIdCheckCharacter(first17);
const BODY = '44030119900307123';
const ID = id(BODY);
const wrongCheck = BODY + (ID[17] === '0' ? '1' : '0');

describe('jaroWinkler', () => {
  it('gives the textbook values', () => {
    expect(jaroWinkler('MARTHA', 'MARHTA')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('DWAYNE', 'DUANE')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('abc', 'abc')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', '')).toBe(1);
    expect(jaroWinkler('a', '')).toBe(0);
  });

  it('counts a character outside the BMP as one character, not two surrogate halves', () => {
    // 张𬌗 vs 张明: one of two characters differs, exactly like 张伟 vs 张明.
    expect(jaroWinkler('张𬌗', '张明')).toBeCloseTo(jaroWinkler('张伟', '张明'), 10);
    expect(jaroWinkler('张𬌗', '张𬌗')).toBe(1);
    // Two different rare characters share a high surrogate; by code unit they would half-match.
    expect(jaroWinkler('𬌗', '𫖯')).toBe(0);
  });

  it('rates a one-character typo in a three-character name above 0.8, in a two-character name below', () => {
    expect(jaroWinkler('王小明', '王小名')).toBeGreaterThanOrEqual(0.8);
    expect(jaroWinkler('王明', '王军')).toBeLessThan(0.8);
  });
});

describe('names', () => {
  it('exact after normalisation: spaces, U+3000 and middle-dot look-alikes', () => {
    expect(namesExactlyEqual('张 伟', '张伟')).toBe(true);
    expect(compareNames('张\u3000伟', '张伟')).toBe('exact');
    expect(namesExactlyEqual('John Smith', 'JohnSmith')).toBe(false);
    expect(namesExactlyEqual('阿依古丽\u2022买买提', '阿依古丽·买买提')).toBe(true);
    expect(namesExactlyEqual('  王芳 ', '王芳')).toBe(true);
    expect(namesExactlyEqual('', '')).toBe(false);
  });

  it('pinyin-equal for homophones (明/名, 华/化, 丽/莉)', () => {
    expect(namesPinyinEqual('张明', '张名')).toBe(true);
    expect(namesPinyinEqual('李华', '李化')).toBe(true);
    expect(namesPinyinEqual('王丽', '王莉')).toBe(true);
    expect(namesPinyinEqual('王丽', '王芳')).toBe(false);
    expect(compareNames('张明', '张名')).toBe('pinyin');
    expect(compareNames('李华', '李化')).toBe('pinyin');
  });

  it('grades exact > pinyin > similar > different, and missing when a side is empty', () => {
    expect(compareNames('王小明', '王小明')).toBe('exact');
    expect(compareNames('王小明', '王小军')).toBe('similar');
    expect(compareNames('王明', '李军')).toBe('different');
    expect(compareNames('王明', undefined)).toBe('missing');
    expect(compareNames(' ', '王明')).toBe('missing');
    expect(compareNames('王明', '王军', { similarThreshold: 0.6 })).toBe('similar');
  });

  it('keeps rare characters intact through comparison', () => {
    expect(compareNames('张𬌗', '张𬌗')).toBe('exact');
    expect(compareNames('张𬌗', '张𫖯')).not.toBe('exact');
  });
});

describe('birth dates', () => {
  it.each([
    ['1990-03-07', '1990-03-07', 'exact'],
    ['1990-03-07', '19900307', 'exact'],
    ['1990-03-07', '1990-03-08', 'one-digit'],
    ['1990-03-07', '1980-03-07', 'one-digit'],
    ['1990-03-07', '1990-07-03', 'day-month-swapped'],
    ['1990-03-07', '1990-11-28', 'same-year'],
    ['1990-03-07', '1985-11-28', 'different'],
    ['1990-03-07', undefined, 'missing'],
    ['1990-03-07', '1990/3/7', 'missing'],
  ])('%s vs %s → %s', (a, b, level) => {
    expect(compareBirthDates(a, b)).toBe(level);
  });
});

describe('gender', () => {
  it('equal, different, and missing for 0/9/absent', () => {
    expect(compareGenders('1', '1')).toBe('equal');
    expect(compareGenders('1', '2')).toBe('different');
    expect(compareGenders('0', '1')).toBe('missing');
    expect(compareGenders('9', '9')).toBe('missing');
    expect(compareGenders(undefined, '2')).toBe('missing');
  });
});

describe('regions', () => {
  it.each([
    ['440303001', '440303001', 'same-township'],
    ['440303001', '440303002', 'same-county'],
    ['440303', '440303001', 'same-county'],
    ['440303', '440304', 'same-city'],
    ['440100', '440104', 'same-city'],
    ['440303001', '440404001', 'different'],
    ['44', '440303', 'missing'],
    ['440000', '440303', 'missing'],
    ['440303', undefined, 'missing'],
    ['abc', '440303', 'missing'],
  ])('%s vs %s → %s', (a, b, level) => {
    expect(compareRegions(a, b)).toBe(level);
  });

  it('canonicalises padded 6-digit city and province codes', () => {
    expect(linkageRegion('440100')).toBe('4401');
    expect(linkageRegion('440000')).toBe('44');
    expect(linkageRegion('440303')).toBe('440303');
    expect(linkageRegion('4403031')).toBeUndefined();
  });
});

describe('citizen IDs for linkage', () => {
  const swap = (s: string, i: number): string => s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
  it('equal, also across full-width digits, spaces and 15-digit input', () => {
    expect(compareCitizenIdsForLinkage(ID, ID)).toBe('equal');
    expect(compareCitizenIdsForLinkage(` ${ID.slice(0, 6)} ${ID.slice(6)}`, ID)).toBe('equal');
    expect(
      compareCitizenIdsForLinkage(
        ID.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
        ID,
      ),
    ).toBe('equal');
  });

  it('same first 17 for a wrong or missing check character and for a 15-digit number', () => {
    expect(compareCitizenIdsForLinkage(wrongCheck, ID)).toBe('same-first-17');
    expect(compareCitizenIdsForLinkage(BODY, ID)).toBe('same-first-17');
    const fifteen = BODY.slice(0, 6) + BODY.slice(8, 17);
    expect(compareCitizenIdsForLinkage(fifteen, ID)).toBe('same-first-17');
  });

  it('one substitution and adjacent transposition in the body', () => {
    const sub = BODY.slice(0, 15) + (BODY[15] === '5' ? '6' : '5') + BODY[16];
    expect(compareCitizenIdsForLinkage(sub + ID[17], ID)).toBe('one-substitution');
    expect(compareCitizenIdsForLinkage(swap(BODY, 2) + ID[17], ID)).toBe('adjacent-transposition');
  });

  it('same region, year and sequence when only month and day differ; same region and sequence when the year differs too', () => {
    const badDate = id(BODY.slice(0, 10) + '1301' + BODY.slice(14));
    expect(compareCitizenIdsForLinkage(badDate, ID)).toBe('same-region-year-sequence');
    const otherYear = id(BODY.slice(0, 6) + '19851231' + BODY.slice(14));
    expect(compareCitizenIdsForLinkage(otherYear, ID)).toBe('same-region-sequence');
  });

  it('different, and missing for empty or unusable text', () => {
    expect(compareCitizenIdsForLinkage(id('11010119800101002'), ID)).toBe('different');
    expect(compareCitizenIdsForLinkage('', ID)).toBe('missing');
    expect(compareCitizenIdsForLinkage(undefined, ID)).toBe('missing');
    expect(compareCitizenIdsForLinkage('4403011990', ID)).toBe('missing');
    expect(linkageCitizenId("'" + ID.toLowerCase())).toBe(ID);
  });
});

describe('prepared values and the comparator table', () => {
  it('normalises every field once', () => {
    const v = prepareValues({ citizenId: ` ${BODY}x`, name: ' 张\u3000明 ', birthDate: '1990-03-07', gender: '1', region: '440303001' });
    expect(v).toEqual({
      citizenId: `${BODY}X`,
      name: '张明',
      namePinyin: 'zhangming',
      birthDate: '19900307',
      gender: '1',
      region: '440303001',
    });
    expect(prepareValues({ gender: '9', birthDate: '1990-3-7' })).toEqual({
      citizenId: undefined,
      name: undefined,
      namePinyin: undefined,
      birthDate: undefined,
      gender: undefined,
      region: undefined,
    });
    expect(linkageBirthDate('19900307')).toBe('19900307');
  });

  it('answers only its declared levels or missing', () => {
    const a = prepareValues({ citizenId: ID, name: '张明', birthDate: '1990-03-07', gender: '1', region: '440303001' });
    const b = prepareValues({ citizenId: wrongCheck, name: '张名', birthDate: '1990-07-03', gender: '2', region: '440303' });
    const empty = prepareValues({});
    for (const c of Object.values(COMPARATORS)) {
      expect([...c.levels, 'missing']).toContain(c.compare(a, b, {}));
      expect(c.compare(a, empty, {})).toBe('missing');
    }
    expect(COMPARATORS['name-exact'].compare(a, b, {})).toBe('different');
    expect(COMPARATORS['name-pinyin'].compare(a, b, {})).toBe('equal');
    expect(COMPARATORS['name-jaro-winkler'].compare(a, b, { similarThreshold: 0.5 })).toBe('similar');
    expect(COMPARATORS['birth-date'].compare(a, b, {})).toBe('day-month-swapped');
    expect(COMPARATORS.gender.compare(a, b, {})).toBe('different');
    expect(COMPARATORS.region.compare(a, b, {})).toBe('same-county');
    expect(COMPARATORS['citizen-id'].compare(a, b, {})).toBe('same-first-17');
  });
});

describe('the ID scored given the birth date (citizen-id-given-birth)', () => {
  const compare = (record: Parameters<typeof prepareValues>[0], person: Parameters<typeof prepareValues>[0]) =>
    COMPARATORS['citizen-id-given-birth'].compare(prepareValues(record), prepareValues(person), {});
  const person = { citizenId: '440106199003071232', birthDate: '1990-03-07' };
  // The same county and sequence, the birth part made impossible (month 00): a mangled ID.
  const mangled = '44010619900000123X';

  it("takes an ID that agrees but for its birth part as the person when the row's own birth date is theirs", () => {
    expect(compare({ citizenId: mangled, birthDate: '1990-03-07' }, person)).toBe('same-region-year-sequence');
    // No birth date on the row: the ID's agreement is all there is to go on.
    expect(compare({ citizenId: mangled }, person)).toBe('same-region-year-sequence');
    // A keyed digit or a swap in the row's date is still the person's date.
    expect(compare({ citizenId: mangled, birthDate: '1990-07-03' }, person)).toBe('same-region-year-sequence');
  });

  it('takes it for county and sequence only when the row gives another day', () => {
    expect(compare({ citizenId: mangled, birthDate: '1990-11-21' }, person)).toBe('same-region-sequence-birth-differs');
    expect(compare({ citizenId: '44010619850000123X', birthDate: '1985-11-21' }, person)).toBe('same-region-sequence-birth-differs');
  });

  it('leaves every other level as the plain ID comparison gives it', () => {
    for (const id of ['440106199003071232', '440106199003071233', '440106199003071242', '440107199003071232', '510106198001011232']) {
      const plain = COMPARATORS['citizen-id'].compare(prepareValues({ citizenId: id }), prepareValues(person), {});
      expect([id, compare({ citizenId: id, birthDate: '1971-01-01' }, person)]).toEqual([id, plain]);
    }
  });
});
