import { createHmac } from 'node:crypto';
import { CitizenId } from '../identity/citizen-id';

/**
 * Person identifiers and stream names. A stream name must never contain an ID number,
 * so the person id is a keyed hash of it: stable (the same number always lands in the
 * same stream), not reversible without the key, and not guessable by hashing all
 * possible numbers (there are few enough that an unkeyed hash would be).
 *
 * HMAC is a pure function of its inputs; the key is injected by the application.
 */

declare const personIdBrand: unique symbol;
export type PersonId = string & { readonly [personIdBrand]: true };

/** The alphabet as character codes, written straight into the scratch buffer. */
const BASE32 = Buffer.from('abcdefghijklmnopqrstuvwxyz234567', 'latin1');
const PERSON_ID = /^p_[a-z2-7]{26}$/;
const STREAM_PREFIX = 'person-';
const MIN_KEY_BYTES = 16;

/** Domain separation: the same key can never produce a person id that equals a blind index. */
const PERSON_ID_LABEL = 'registry/person-id/v1';
/** Encoded once: the person id is derived for every imported row. */
const PERSON_ID_LABEL_BYTES = Buffer.from(`${PERSON_ID_LABEL}\0`, 'utf8');
const BLIND_INDEX_LABEL = 'registry/blind-index/v1';

export class WeakKeyError extends Error {
  readonly code = 'KEY_TOO_SHORT';
  constructor() {
    super(`keys for person ids and blind indexes must be at least ${MIN_KEY_BYTES} bytes`);
    this.name = 'WeakKeyError';
  }
}

/** HMAC-SHA256 of label, NUL, value: the label (with its NUL) keeps purposes apart. */
function keyed(key: Buffer | string, labelAndSeparator: Buffer | string, value: string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length < MIN_KEY_BYTES) throw new WeakKeyError();
  return createHmac('sha256', bytes).update(labelAndSeparator).update(value, 'utf8').digest();
}

/**
 * Where base32 writes its characters before they become one string, instead of growing a
 * string one character at a time. Encoding is synchronous, so two calls never overlap.
 */
const base32Scratch = Buffer.alloc(64);

/** RFC 4648 base32, lower case, no padding; `chars` (at most 64) output characters. */
function base32(bytes: Buffer, chars: number): string {
  let length = 0;
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length && length < chars; i++) {
    buffer = ((buffer << 8) | bytes[i]) & 0xfff; // at most 4 bits are left over, plus the new 8
    bits += 8;
    while (bits >= 5 && length < chars) {
      bits -= 5;
      base32Scratch[length++] = BASE32[(buffer >>> bits) & 31];
    }
  }
  // Leftover bits (256 is not a multiple of 5) fill one last, zero-padded character.
  if (bits > 0 && length < chars) base32Scratch[length++] = BASE32[(buffer << (5 - bits)) & 31];
  return base32Scratch.toString('latin1', 0, length);
}

/** `p_` + 26 base32 characters (130 bits of HMAC-SHA256 over the normalised 18-digit ID). */
export function personIdFor(citizenId: CitizenId, key: Buffer | string): PersonId {
  return ('p_' + base32(keyed(key, PERSON_ID_LABEL_BYTES, citizenId.value), 26)) as PersonId;
}

export function isPersonId(value: unknown): value is PersonId {
  return typeof value === 'string' && PERSON_ID.test(value);
}

/** Validates an id arriving from outside (URL, message); undefined when malformed. */
export function parsePersonId(raw: string): PersonId | undefined {
  return isPersonId(raw) ? raw : undefined;
}

/** The only place a person stream name is built. */
export function personStreamName(personId: PersonId): string {
  return STREAM_PREFIX + personId;
}

/** Inverse of personStreamName, for subscribers; undefined for other streams. */
export function personIdFromStreamName(streamName: string): PersonId | undefined {
  return streamName.startsWith(STREAM_PREFIX) ? parsePersonId(streamName.slice(STREAM_PREFIX.length)) : undefined;
}

/**
 * A deterministic keyed digest for exact-match lookups on encrypted values (e.g. find a
 * person by name + birth date without storing the name in clear). `purpose` separates
 * indexes so equal values in different columns do not collide. 52 base32 characters.
 * Normalise the value first (normalisePersonName, CitizenId.value): equal meanings must
 * be equal strings.
 */
export function blindIndex(value: string, key: Buffer | string, purpose = 'default'): string {
  return base32(keyed(key, `${BLIND_INDEX_LABEL}/${purpose}\0`, value), 52);
}
