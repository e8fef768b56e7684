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

/**
 * An unexpected error for the log: its class, its code and where it was thrown (the top
 * frames' functions and files), never its message, which may quote a value it was given.
 */
export function describeUnexpectedError(error: unknown, frames = 4): string {
  if (!(error instanceof Error)) return 'non-error value thrown';
  const code = (error as { code?: unknown }).code;
  const at = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.startsWith('    at '))
    .slice(0, frames)
    // "at fn (/path/to/dir/file.ts:1:2)" → "fn (dir/file.ts:1:2)": the tail of the path locates it.
    .map((line) => line.slice(7).replace(/(\(|^)[^()]*?([^/\\()]+[/\\][^/\\()]+:\d+:\d+)/, '$1$2'));
  return `${error.name}${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}${at.length > 0 ? ` at ${at.join(' < ')}` : ''}`;
}
