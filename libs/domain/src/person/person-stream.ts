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

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const PERSON_ID = /^p_[a-z2-7]{26}$/;
const STREAM_PREFIX = 'person-';
const MIN_KEY_BYTES = 16;

/** Domain separation: the same key can never produce a person id that equals a blind index. */
const PERSON_ID_LABEL = 'registry/person-id/v1';
const BLIND_INDEX_LABEL = 'registry/blind-index/v1';

export class WeakKeyError extends Error {
  readonly code = 'KEY_TOO_SHORT';
  constructor() {
    super(`keys for person ids and blind indexes must be at least ${MIN_KEY_BYTES} bytes`);
    this.name = 'WeakKeyError';
  }
}

function keyed(key: Buffer | string, label: string, value: string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length < MIN_KEY_BYTES) throw new WeakKeyError();
  return createHmac('sha256', bytes).update(label).update('\0').update(value, 'utf8').digest();
}

/** RFC 4648 base32, lower case, no padding; `chars` output characters. */
function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length === chars) break;
  }
  // Leftover bits (256 is not a multiple of 5) fill one last, zero-padded character.
  if (bits > 0 && out.length < chars) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** `p_` + 26 base32 characters (130 bits of HMAC-SHA256 over the normalised 18-digit ID). */
export function personIdFor(citizenId: CitizenId, key: Buffer | string): PersonId {
  return ('p_' + base32(keyed(key, PERSON_ID_LABEL, citizenId.value), 26)) as PersonId;
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
  return base32(keyed(key, `${BLIND_INDEX_LABEL}/${purpose}`, value), 52);
}
