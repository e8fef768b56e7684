import type { pinyin as PinyinFunction } from 'pinyin-pro';

/**
 * pinyin-pro, loaded at the first key: only the linker asks for one, so the threads that
 * project events or import files never hold its dictionary (some 16 MiB resident).
 */
let pinyinLoaded: typeof PinyinFunction | undefined;
function pinyinPro(): typeof PinyinFunction {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (pinyinLoaded ??= (require('pinyin-pro') as { pinyin: typeof PinyinFunction }).pinyin);
}

/**
 * Dots that departments type for the separator in minority and transliterated names
 * (阿卜杜·热合曼). They look alike but compare unequal, so one person would become two.
 */
const MIDDLE_DOT_LOOKALIKES = /[\u00B7\u0387\u2022\u2027\u2219\u22C5\u30FB\uFF0E\uFF65\u318D\u2E31\u16EB\u2981]/gu;
const WHITESPACE_RUNS = /[\s\u3000]+/gu;
const SPACED_MIDDLE_DOT = / ?\u00B7 ?/gu;
const SPACES_AND_DOTS = /[\s\u00B7]+/gu;

/**
 * Canonical form of a person's name: NFC, whitespace (including U+3000) trimmed and
 * collapsed, every middle-dot look-alike turned into U+00B7 without spaces around it.
 * Characters outside the BMP (生僻字 such as 𠀀 𪚥 𬌗) pass through unchanged: the
 * regular expressions run in Unicode mode so surrogate pairs are never split.
 */
export function normalisePersonName(raw: string): string {
  return raw
    .normalize('NFC')
    .replace(MIDDLE_DOT_LOOKALIKES, '\u00B7')
    .replace(WHITESPACE_RUNS, ' ')
    .trim()
    .replace(SPACED_MIDDLE_DOT, '\u00B7');
}

/**
 * A matching key: toneless pinyin, lower case, no spaces or dots, with surnames read as
 * surnames (单 → shan). Homophones typed by different departments share a key; Latin
 * letters and characters pinyin-pro does not know are kept as they are.
 */
export function personNamePinyinKey(raw: string): string {
  const name = normalisePersonName(raw);
  const syllables = pinyinPro()(name, { toneType: 'none', type: 'array', surname: 'head', v: true, nonZh: 'consecutive' });
  return syllables.join('').replace(SPACES_AND_DOTS, '').toLowerCase();
}
