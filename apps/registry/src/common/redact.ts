import { maskCitizenIdText } from '@registry/domain';

/**
 * Masks anything shaped like a citizen ID (15 or 18 characters of digits, X last) in text
 * the service echoes or logs but did not write itself, such as a request path: a client
 * that puts an ID in a URL must not get it into the access log or a problem's `instance`.
 * Division codes (at most 12 digits) and person ids are left alone.
 */
export function redactCitizenIds(text: string): string {
  return text.replace(/\d{14,}[\dXx]/g, (match) => maskCitizenIdText(match));
}

/**
 * Where an error was thrown: the top stack frames' functions and the tail of their file
 * paths ("fn (dir/file.ts:1:2)"). A stack's first line is the message, which is left out.
 */
export function errorFrames(error: Error, frames = 4): string[] {
  return (error.stack ?? '')
    .split('\n')
    .filter((line) => line.startsWith('    at '))
    .slice(0, frames)
    .map((line) => line.slice(7).replace(/(\(|^)[^()]*?([^/\\()]+[/\\][^/\\()]+:\d+:\d+)/, '$1$2'));
}

/**
 * An unexpected error for the log: its class, its code and where it was thrown, never its
 * message, which may quote a value it was given.
 */
export function describeUnexpectedError(error: unknown): string {
  if (!(error instanceof Error)) return 'non-error value thrown';
  const code = (error as { code?: unknown }).code;
  const at = errorFrames(error);
  return `${error.name}${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}${at.length > 0 ? ` at ${at.join(' < ')}` : ''}`;
}
