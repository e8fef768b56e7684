/** ISO 7064 MOD 11-2 as used by GB 11643-1999. */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = '10X98765432';
const ZERO = 48;
const FIRST_17_DIGITS = /^\d{17}$/;
const FIFTEEN_DIGITS = /^\d{15}$/;

/** The check character for the first 17 digits of an 18-character citizen ID. */
export function citizenIdCheckCharacter(first17: string): string {
  if (!FIRST_17_DIGITS.test(first17)) throw new RangeError('check character needs exactly 17 digits');
  return checkCharacterOfDigits(first17);
}

/**
 * The check character over the first 17 characters of `text`, which the caller has
 * already checked are digits: lets the parser check a whole ID without slicing it.
 */
export function checkCharacterOfDigits(text: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (text.charCodeAt(i) - ZERO) * WEIGHTS[i];
  return CHECK_CHARACTERS[sum % 11];
}

/** Upgrades a 15-digit ID (pre-1999: YYMMDD, no check) by inserting the century 19. */
export function upgradeFifteenDigitId(fifteen: string): string {
  if (!FIFTEEN_DIGITS.test(fifteen)) throw new RangeError('upgrade needs exactly 15 digits');
  const first17 = fifteen.slice(0, 6) + '19' + fifteen.slice(6);
  return first17 + checkCharacterOfDigits(first17);
}
