/**
 * How many valid 18-character citizen IDs agree with everything a view shows together: the
 * masked ID (known characters at their positions, `*` hidden), the birth date or year, the
 * gender. A view that leaves few candidates gives the ID away without an unmasking.
 */
import { citizenIdCheckCharacter, isCalendarDate } from '@registry/domain';

export interface ShownIdentity {
  maskedCitizenId: string;
  birthDate?: string;
  birthYear?: string;
  gender?: string;
}

/** Counts up to `cap` (the enumeration stops there), so a check for "at least N" stays cheap. */
export function idsAgreeingWith(shown: ShownIdentity, cap = 100_000): number {
  const mask = shown.maskedCitizenId;
  if (mask.length !== 18) throw new Error(`masked ID of length ${mask.length}: expected 18`);
  if (/\*/.test(mask.slice(0, 6))) throw new Error('the address code is expected to be shown');
  const fits = (position: number, char: string) => mask[position] === '*' || mask[position] === char;

  const dates: string[] = [];
  const years = shown.birthDate
    ? [Number(shown.birthDate.slice(0, 4))]
    : shown.birthYear
      ? [Number(shown.birthYear)]
      : Array.from({ length: 130 }, (_, i) => 1900 + i);
  for (const year of years) {
    for (let month = 1; month <= 12; month++) {
      for (let day = 1; day <= 31; day++) {
        if (!isCalendarDate(year, month, day)) continue;
        const text = `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
        if (shown.birthDate && text !== shown.birthDate.replace(/-/g, '')) continue;
        if ([...text].every((c, i) => fits(6 + i, c))) dates.push(text);
      }
    }
  }
  const sequences: string[] = [];
  for (let n = 0; n < 1000; n++) {
    const seq = String(n).padStart(3, '0');
    if (![...seq].every((c, i) => fits(14 + i, c))) continue;
    const odd = Number(seq[2]) % 2 === 1;
    if (shown.gender === '1' && !odd) continue;
    if (shown.gender === '2' && odd) continue;
    sequences.push(seq);
  }
  let count = 0;
  const address = mask.slice(0, 6);
  for (const date of dates) {
    for (const seq of sequences) {
      const first17 = `${address}${date}${seq}`;
      if (fits(17, citizenIdCheckCharacter(first17)) && ++count >= cap) return count;
    }
  }
  return count;
}
