import { normalisePersonName, personNamePinyinKey } from './person-name';

describe('normalisePersonName', () => {
  it('trims and collapses whitespace, including full-width spaces', () => {
    expect(normalisePersonName('  张\u3000 三 ')).toBe('张 三');
    expect(normalisePersonName('\u3000李四\t')).toBe('李四');
  });

  it.each(['\u00B7', '\u2022', '\u2027', '\u30FB', '\uFF0E', '\uFF65', '\u0387', '\u2219', '\u22C5', '\u318D'])(
    'unifies the middle-dot look-alike U+%s',
    (dot) => {
      expect(normalisePersonName(`阿卜杜${dot}热合曼`)).toBe('阿卜杜·热合曼');
    },
  );

  it('drops spaces around the middle dot', () => {
    expect(normalisePersonName('买买提 • 艾力')).toBe('买买提·艾力');
  });

  it('composes to NFC', () => {
    expect(normalisePersonName('Jose\u0301')).toBe('Jos\u00E9');
  });

  it('keeps characters outside the BMP byte for byte', () => {
    for (const name of ['𠀀', '王𪚥', '张𬌗伟', ' 𠀀\u3000𪚥 ']) {
      const normalised = normalisePersonName(name);
      expect(Buffer.from(normalised, 'utf8')).toEqual(Buffer.from(name.trim().replace(/[\s\u3000]+/gu, ' '), 'utf8'));
    }
    expect([...normalisePersonName('张𬌗伟')]).toHaveLength(3);
  });
});

describe('personNamePinyinKey', () => {
  it('is toneless, lower case and without spaces', () => {
    expect(personNamePinyinKey('张三')).toBe('zhangsan');
    expect(personNamePinyinKey(' Zhang San ')).toBe('zhangsan');
  });

  it('gives homophones the same key', () => {
    expect(personNamePinyinKey('李娜')).toBe(personNamePinyinKey('李纳'));
  });

  it('reads surnames as surnames and ü as v', () => {
    expect(personNamePinyinKey('单田芳')).toBe('shantianfang');
    expect(personNamePinyinKey('吕布')).toBe('lvbu');
  });

  it('ignores the middle dot and keeps unknown characters', () => {
    expect(personNamePinyinKey('阿卜杜・热合曼')).toBe('abudureheman');
    expect(personNamePinyinKey('𠀀明')).toBe('𠀀ming');
  });
});
