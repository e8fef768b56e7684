import { maskCitizenIdText } from '@registry/domain';
import type { Principal } from '../auth/principal';

/**
 * What a caller sees of a person's identity beside a masked citizen ID.
 *
 * The eight digits the usual mask hides (440106********131X) are the birth date, so a mask
 * that keeps the last four shown beside the birth date is the whole number. Callers who may
 * unmask (`person:unmask`) see the convention (first 6 and last 4) and the full birth date;
 * everyone else sees the first 6 and the last 2 (the gender digit and the check character)
 * and the birth year only. For such a view about 3,300 valid IDs fit what is shown (365 days
 * of the year times 100 hidden sequence digits, a check character matching one in 11), and a
 * test enumerates them; a full ID still needs `?unmask=true`, which is recorded.
 *
 * Every place that shows a person applies it: the person, lists, worklists, identity checks,
 * review queues, history, command answers and exports.
 */
export class IdentityDisclosure {
  /** Callers who may unmask: the conventional mask and the full birth date. */
  static readonly FULL = new IdentityDisclosure(true);
  /** Everyone else: the first 6 and last 2 characters and the birth year. */
  static readonly YEAR_ONLY = new IdentityDisclosure(false);

  private constructor(readonly fullBirthDate: boolean) {}

  static for(caller: Principal): IdentityDisclosure {
    return caller.can('person:unmask') ? IdentityDisclosure.FULL : IdentityDisclosure.YEAR_ONLY;
  }

  /** Masks an ID-shaped text (a normalised ID, a raw one from a department's row). */
  maskId(idText: string): string {
    return maskCitizenIdText(idText, this.fullBirthDate ? 4 : 2);
  }

  /** Re-masks a stored mask (kept in read models with the last four) for this caller. */
  remask(masked: string): string {
    if (this.fullBirthDate || masked.length < 10) return masked;
    return `${masked.slice(0, 6)}${'*'.repeat(masked.length - 8)}${masked.slice(-2)}`;
  }

  /** `{ birthDate }` or `{ birthYear }`, for spreading into a view. */
  birth(birthDate: string | undefined | null): { birthDate?: string; birthYear?: string } {
    if (!birthDate) return {};
    return this.fullBirthDate ? { birthDate } : { birthYear: birthDate.slice(0, 4) };
  }

  /** A single date value that is a birth date (history data, field changes): the year for callers without the full date. */
  birthValue(value: unknown): unknown {
    return !this.fullBirthDate && typeof value === 'string' && /^\d{4}-/.test(value) ? value.slice(0, 4) : value;
  }
}
