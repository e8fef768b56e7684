import { isCalendarDate } from '../shared/dates';
import { CitizenId } from './citizen-id';
import { citizenIdCheckCharacter } from './citizen-id-check';
import { normaliseCitizenIdInput } from './citizen-id-normalise';

/** Which part of a faulty ID a repair rebuilt. */
export type CitizenIdRepairKind = 'check-character' | 'birth-date';

export interface CitizenIdRepair {
  readonly citizenId: CitizenId;
  readonly kind: CitizenIdRepairKind;
}

/** What the same record says besides the ID: the corroboration a repair needs. */
export interface CitizenIdRepairEvidence {
  /** `YYYY-MM-DD`, required: a repair is never made without it. */
  readonly birthDate?: string;
  /** GB/T 2261.1 '1' or '2'; when given it must agree with the sequence digit. */
  readonly gender?: string;
}

/**
 * The ID a faulty record most plausibly meant, when the fault can be undone from the record
 * itself and the record corroborates the result; otherwise undefined.
 *
 * Two faults are repaired, the two the household register's own data shows most:
 * - a missing or wrong check character (17 digits kept, character recomputed);
 * - an impossible birth date inside the ID (month 13, 30 February, …) while the record's
 *   birth-date column holds a real date: that date is put in its place.
 * A repaired ID must carry the record's birth date and, when the record states one, its
 * gender. That pins 9 of the 17 digits, so a typo among them is refused rather than
 * "repaired" into someone else's number; a typo elsewhere cannot be told from a wrong check
 * character, which is why callers record every repair as an anomaly for the issuing
 * department to confirm.
 */
export function repairCitizenId(raw: string, evidence: CitizenIdRepairEvidence): CitizenIdRepair | undefined {
  const birthDate = evidence.birthDate;
  if (birthDate === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) return undefined;
  const text = normaliseCitizenIdInput(typeof raw === 'string' ? raw : '');
  if (!/^\d{17}[\dX]?$/.test(text)) return undefined;
  if (CitizenId.parse(text).ok) return undefined; // nothing to repair

  let first17 = text.slice(0, 17);
  let kind: CitizenIdRepairKind = 'check-character';
  const [y, m, d] = [Number(first17.slice(6, 10)), Number(first17.slice(10, 12)), Number(first17.slice(12, 14))];
  if (!isCalendarDate(y, m, d) || y < 1850) {
    // The check character must vouch for the other digits: it fits either the faulty ones
    // (a system recomputed it after the typo) or the repaired ones (only the date was typed wrong).
    // Where the ID's year is a possible one, the slip was in month and day: a row whose birth-date
    // column then names another year has a second fault, and which of the two is right is unknown.
    if (y >= 1850 && birthDate.slice(0, 4) !== first17.slice(6, 10)) return undefined;
    const repaired = first17.slice(0, 6) + birthDate.replace(/-/g, '') + first17.slice(14);
    if (text.length !== 18 || (citizenIdCheckCharacter(first17) !== text[17] && citizenIdCheckCharacter(repaired) !== text[17]))
      return undefined;
    first17 = repaired;
    kind = 'birth-date';
  }
  const parsed = CitizenId.parse(first17 + citizenIdCheckCharacter(first17));
  if (!parsed.ok) return undefined;
  if (parsed.value.birthDate !== birthDate) return undefined;
  if ((evidence.gender === '1' || evidence.gender === '2') && parsed.value.gender !== evidence.gender) return undefined;
  return { citizenId: parsed.value, kind };
}
