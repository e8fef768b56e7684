import { createHash } from 'node:crypto';

/**
 * Stream names of the self-service aggregates, built only here. None carries personal data:
 * a submission is named by a hash of the channel client and the client's own id for it, a
 * phone's verification stream by a keyed hash of the number (blindIndex, purpose `phone`).
 */

const SUBMISSION_ID = /^ss_[a-z2-7]{26}$/;
const PHONE_KEY = /^[a-z2-7]{52}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      bits -= 5;
      out += BASE32[(buffer >>> bits) & 31];
    }
    if (out.length >= chars) break;
  }
  return out;
}

/**
 * The submission a channel client's own id names: the same client sending the same id again
 * addresses the same stream (resending changes nothing), two clients never collide.
 */
export function submissionIdFor(client: string, clientSubmissionId: string): string {
  return 'ss_' + base32(createHash('sha256').update(`self-service/v1\0${client}\0${clientSubmissionId}`, 'utf8').digest(), 26);
}

export function isSubmissionId(value: unknown): value is string {
  return typeof value === 'string' && SUBMISSION_ID.test(value);
}

export const SUBMISSION_STREAM_PREFIX = 'self-service-';
export const PHONE_VERIFICATION_STREAM_PREFIX = 'phone-verification-';

export function submissionStreamName(submissionId: string): string {
  if (!isSubmissionId(submissionId)) throw new Error('not a submission id');
  return SUBMISSION_STREAM_PREFIX + submissionId;
}

/** `phoneKey` is the number's keyed hash (blindIndex(number, key, 'phone')). */
export function phoneVerificationStreamName(phoneKey: string): string {
  if (!PHONE_KEY.test(phoneKey)) throw new Error('not a phone key');
  return PHONE_VERIFICATION_STREAM_PREFIX + phoneKey;
}
