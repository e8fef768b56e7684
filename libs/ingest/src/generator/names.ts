import { Rng, WeightedTable } from './prng';

/** Approximate shares (per mille) of the most common surnames in the 2020 census. */
const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 71],
  ['李', 70],
  ['张', 67],
  ['刘', 54],
  ['陈', 45],
  ['杨', 31],
  ['黄', 22],
  ['赵', 20],
  ['吴', 18],
  ['周', 17],
  ['徐', 13],
  ['孙', 13],
  ['马', 12],
  ['朱', 11],
  ['胡', 10],
  ['郭', 10],
  ['何', 9],
  ['林', 9],
  ['高', 9],
  ['罗', 9],
  ['郑', 8],
  ['梁', 8],
  ['谢', 6],
  ['宋', 6],
  ['唐', 6],
  ['许', 5],
  ['韩', 5],
  ['冯', 5],
  ['邓', 5],
  ['曹', 5],
  ['彭', 5],
  ['曾', 5],
  ['肖', 4],
  ['田', 4],
  ['董', 4],
  ['袁', 4],
  ['潘', 4],
  ['于', 4],
  ['蒋', 4],
  ['蔡', 4],
  ['余', 4],
  ['杜', 4],
  ['叶', 4],
  ['程', 4],
  ['苏', 3],
  ['魏', 3],
  ['吕', 3],
  ['丁', 3],
  ['任', 3],
  ['沈', 3],
  ['姚', 3],
  ['卢', 3],
  ['姜', 3],
  ['崔', 3],
  ['钟', 3],
  ['谭', 3],
  ['陆', 2],
  ['汪', 2],
  ['范', 2],
  ['金', 2],
  ['石', 2],
  ['廖', 2],
  ['贾', 2],
  ['夏', 2],
  ['韦', 2],
  ['付', 2],
  ['方', 2],
  ['白', 2],
  ['邹', 2],
  ['孟', 2],
  ['熊', 2],
  ['秦', 2],
  ['邱', 2],
  ['江', 2],
  ['尹', 2],
  ['薛', 2],
  ['闫', 2],
  ['段', 2],
  ['雷', 2],
  ['侯', 2],
  ['龙', 2],
  ['史', 2],
  ['陶', 1],
  ['黎', 1],
  ['贺', 1],
  ['顾', 1],
  ['毛', 1],
  ['郝', 1],
  ['龚', 1],
  ['邵', 1],
  ['万', 1],
  ['钱', 1],
  ['严', 1],
  ['覃', 1],
  ['武', 1],
  ['戴', 1],
  ['莫', 1],
  ['孔', 1],
  ['向', 1],
  ['汤', 1],
  ['欧阳', 0.5],
  ['司马', 0.1],
  ['诸葛', 0.1],
  ['上官', 0.1],
];
export const surnameTable = new WeightedTable(SURNAMES);

export const MALE_GIVEN = [...'伟强军明杰涛磊勇斌鹏辉华建国平刚峰超波俊浩宇文志海东林晨阳博轩子睿泽天一成龙飞'];
export const FEMALE_GIVEN = [...'芳丽静敏燕艳娟霞秀英华玲婷慧红梅雪琳洁颖晶欣怡佳梓涵雨萱思悦月倩琪丹莉璐'];

/** Same reading, different character: what two clerks type for one spoken name. */
const HOMOPHONE_PAIRS = [
  '明名',
  '华化',
  '丽莉',
  '伟玮',
  '军君',
  '芳方',
  '静晶',
  '敏民',
  '杰洁',
  '涛韬',
  '燕艳',
  '霞夏',
  '林琳',
  '婷亭',
  '红虹',
  '玲铃',
  '俊骏',
  '峰锋',
  '辉晖',
  '宇雨',
  '娟鹃',
  '晨辰',
  '思斯',
  '怡宜',
  '欣馨',
  '颖莹',
  '萱轩',
  '佳嘉',
  '琪淇',
  '超潮',
  '鹏朋',
  '斌彬',
  '勇涌',
];
export const HOMOPHONES: ReadonlyMap<string, string> = new Map(
  HOMOPHONE_PAIRS.flatMap((p) => [
    [p[0], p[1]],
    [p[1], p[0]],
  ]),
);

/**
 * Real name characters outside the BMP; 𬌗 𫖯 𬣙 𬱖 are in the 通用规范汉字表 (2013). They must
 * survive every encoding the generator writes (GB18030 encodes them in four bytes).
 */
export const RARE_CHARACTERS = ['𬌗', '𫖯', '𬣙', '𬱖', '𫍽', '𠀀', '𪚥'];

const MINORITY_FIRST = [
  '阿依古丽',
  '古丽娜',
  '买买提',
  '艾力',
  '热依拉',
  '阿不都',
  '努尔',
  '帕提古丽',
  '吐尔逊',
  '扎西',
  '卓玛',
  '格桑',
  '次仁',
  '迪丽拜尔',
];
const MINORITY_SECOND = ['买买提', '艾山', '吐尔逊', '阿卜杜拉', '热合曼', '依明', '多吉', '央金', '玉素甫', '阿不力孜'];

/** Look-alike separators departments type instead of U+00B7 in minority names. */
export const DOT_VARIANTS = ['\u2022', '\u30FB', '\uFF0E', '\u2027', '\u00B7'];

export interface GeneratedName {
  readonly name: string;
  readonly minority: boolean;
  readonly rare: boolean;
}

export function generateName(rng: Rng, gender: '1' | '2', rates: { minority: number; rare: number }): GeneratedName {
  if (rng.chance(rates.minority))
    return { name: `${rng.pick(MINORITY_FIRST)}\u00B7${rng.pick(MINORITY_SECOND)}`, minority: true, rare: false };
  const pool = gender === '1' ? MALE_GIVEN : FEMALE_GIVEN;
  const given = rng.chance(0.3) ? [rng.pick(pool)] : [rng.pick(pool), rng.pick(pool)];
  const rare = rng.chance(rates.rare);
  if (rare) given[given.length - 1] = rng.pick(RARE_CHARACTERS);
  return { name: surnameTable.sample(rng) + given.join(''), minority: false, rare };
}

/** Swaps one character of the given name for its homophone; undefined when none has one. */
export function homophoneOf(rng: Rng, name: string): string | undefined {
  const chars = [...name];
  const candidates = chars.map((c, i) => (i > 0 && HOMOPHONES.has(c) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return undefined;
  const i = rng.pick(candidates);
  chars[i] = HOMOPHONES.get(chars[i]) as string;
  return chars.join('');
}

/** A keying slip: one given-name character replaced by another common one. */
export function typoOf(rng: Rng, name: string, gender: '1' | '2'): string | undefined {
  const chars = [...name];
  if (chars.length < 2 || name.includes('\u00B7')) return undefined;
  const i = 1 + rng.int(chars.length - 1);
  const replacement = rng.pick(gender === '1' ? MALE_GIVEN : FEMALE_GIVEN);
  if (replacement === chars[i]) return undefined;
  chars[i] = replacement;
  return chars.join('');
}
