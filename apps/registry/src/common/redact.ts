import { maskCitizenIdText } from '@registry/domain';

/**
 * Masks anything shaped like a citizen ID (15 or 18 characters of digits, X last) in text
 * the service echoes or logs but did not write itself, such as a request path: a client
 * that puts an ID in a URL must not get it into the access log or a problem's `instance`.
 * Division codes (at most 12 digits) and person ids are left alone.
 */
export function redactCitizenIds(text: string): string {
  return text.replace(/\d{14,}[\dXx]/g, maskCitizenIdText);
}
