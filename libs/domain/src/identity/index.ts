export * from './citizen-id';
// checkCharacterOfDigits stays internal: it trusts its caller to have checked the digits.
export { citizenIdCheckCharacter, upgradeFifteenDigitId } from './citizen-id-check';
export * from './citizen-id-normalise';
export * from './citizen-id-similarity';
export * from './person-name';
export * from './citizen-id-repair';
