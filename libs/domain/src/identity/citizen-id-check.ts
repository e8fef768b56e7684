/** ISO 7064 MOD 11-2 as used by GB 11643-1999. */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = '10X98765432';

/** The check character for the first 17 digits of an 18-character citizen ID. */
export function citizenIdCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('check character needs exactly 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARACTERS[sum % 11];
}

/** Upgrades a 15-digit ID (pre-1999: YYMMDD, no check) by inserting the century 19. */
export function upgradeFifteenDigitId(fifteen: string): string {
  if (!/^\d{15}$/.test(fifteen)) throw new RangeError('upgrade needs exactly 15 digits');
  const first17 = fifteen.slice(0, 6) + '19' + fifteen.slice(6);
  return first17 + citizenIdCheckCharacter(first17);
}
