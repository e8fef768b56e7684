import { KeyObject, createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Authenticated encryption of personal fields at rest, with the key id stored beside the
 * ciphertext so keys can rotate without rewriting history (old ids stay readable).
 *
 * - aes-256-gcm: the default.
 * - sm4-ctr-hmac-sm3: for deployments bound to China's national standards. Node's OpenSSL
 *   has SM4 in CTR/CBC and SM3 but no SM4-GCM, so this is encrypt-then-MAC: SM4-CTR for
 *   confidentiality and HMAC-SM3 over (algorithm, key id, iv, aad, ciphertext) for integrity.
 *
 * `aad` binds a ciphertext to the record it belongs to (event id, document id), so a
 * ciphertext copied into another record fails to open.
 */
export type CipherAlgorithm = 'aes-256-gcm' | 'sm4-ctr-hmac-sm3';

export interface CipherKey {
  id: string;
  algorithm: CipherAlgorithm;
  key: Buffer;
  /** HMAC-SM3 key; required for sm4-ctr-hmac-sm3. */
  macKey?: Buffer;
}

/** What is stored in place of the clear value. Short field names keep stored events small. */
export interface Sealed {
  /** key id */
  k: string;
  /** algorithm */
  a: CipherAlgorithm;
  /** iv / nonce, base64 */
  i: string;
  /** ciphertext, base64 */
  c: string;
  /** GCM tag or HMAC-SM3, base64 */
  t: string;
}

export class DecryptionError extends Error {
  readonly code = 'DECRYPTION_FAILED';
  constructor(reason: string) {
    super(`Personal data could not be decrypted: ${reason}`);
    this.name = 'DecryptionError';
  }
}

/**
 * Random nonces are cut from a pool filled 4 KiB at a time: one call into the system's
 * random source per few hundred seals instead of one per seal (an import seals every
 * registration). The bytes are as random either way; each is handed out once.
 */
const NONCE_POOL_BYTES = 4096;
let noncePool = Buffer.alloc(0);
let noncePoolOffset = 0;

function randomNonce(length: number): Buffer {
  if (noncePoolOffset + length > noncePool.length) {
    noncePool = randomBytes(NONCE_POOL_BYTES);
    noncePoolOffset = 0;
  }
  const nonce = noncePool.subarray(noncePoolOffset, noncePoolOffset + length);
  noncePoolOffset += length;
  return nonce;
}

export function isSealed(value: unknown): value is Sealed {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.k === 'string' && typeof v.a === 'string' && typeof v.i === 'string' && typeof v.c === 'string' && typeof v.t === 'string'
  );
}

/** `Buffer.concat([update, final])` without the copy when one side is empty (GCM and CTR finish with nothing). */
function joined(head: Buffer, tail: Buffer): Buffer {
  return tail.length === 0 ? head : head.length === 0 ? tail : Buffer.concat([head, tail]);
}

export class FieldCipher {
  private readonly keys: Map<string, CipherKey>;
  /** The keys as KeyObjects for the synthetic-nonce HMAC: Node prepares a raw key again on every call. */
  private readonly nonceKeys = new Map<string, KeyObject>();

  constructor(
    keys: CipherKey[],
    private readonly activeKeyId: string,
  ) {
    this.keys = new Map(keys.map((k) => [k.id, k]));
    const active = this.keys.get(activeKeyId);
    if (!active) throw new Error(`Active encryption key ${activeKeyId} is not in the key ring`);
    for (const key of keys) {
      const expected = key.algorithm === 'aes-256-gcm' ? 32 : 16;
      if (key.key.length !== expected) throw new Error(`Encryption key ${key.id}: ${key.algorithm} needs a ${expected}-byte key`);
      if (key.algorithm === 'sm4-ctr-hmac-sm3' && (!key.macKey || key.macKey.length < 32)) {
        throw new Error(`Encryption key ${key.id}: sm4-ctr-hmac-sm3 needs a macKey of at least 32 bytes`);
      }
    }
  }

  get activeKey(): string {
    return this.activeKeyId;
  }

  /**
   * Seals with a random nonce, or with `deterministic` a synthetic one derived from the
   * key, aad and plaintext (SIV-style). Read models use the deterministic form so that
   * rebuilding a projection gives byte-identical documents; it reveals only whether two
   * sealed values of the same record are equal, which the read model shows anyway.
   */
  seal(plain: Buffer, aad: string, options: { deterministic?: boolean } = {}): Sealed {
    const key = this.keys.get(this.activeKeyId)!;
    const nonce = (length: number) =>
      options.deterministic
        ? createHmac('sha256', this.nonceKey(key)).update(`siv|${key.id}|${aad}|`).update(plain).digest().subarray(0, length)
        : randomNonce(length);
    if (key.algorithm === 'aes-256-gcm') {
      const iv = nonce(12);
      const cipher = createCipheriv('aes-256-gcm', key.key, iv);
      cipher.setAAD(Buffer.from(`${key.id}|${aad}`));
      const c = joined(cipher.update(plain), cipher.final());
      return { k: key.id, a: key.algorithm, i: iv.toString('base64'), c: c.toString('base64'), t: cipher.getAuthTag().toString('base64') };
    }
    const iv = nonce(16);
    const cipher = createCipheriv('sm4-ctr', key.key, iv);
    const c = joined(cipher.update(plain), cipher.final());
    const t = sm3Mac(key, iv, aad, c);
    return { k: key.id, a: key.algorithm, i: iv.toString('base64'), c: c.toString('base64'), t: t.toString('base64') };
  }

  open(sealed: Sealed, aad: string): Buffer {
    const key = this.keys.get(sealed.k);
    if (!key) throw new DecryptionError(`unknown key id ${sealed.k}`);
    if (key.algorithm !== sealed.a) throw new DecryptionError(`key ${sealed.k} is not a ${sealed.a} key`);
    const iv = Buffer.from(sealed.i, 'base64');
    const c = Buffer.from(sealed.c, 'base64');
    const t = Buffer.from(sealed.t, 'base64');
    if (key.algorithm === 'aes-256-gcm') {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
        decipher.setAAD(Buffer.from(`${key.id}|${aad}`));
        decipher.setAuthTag(t);
        return joined(decipher.update(c), decipher.final());
      } catch {
        throw new DecryptionError('authentication failed');
      }
    }
    const expected = sm3Mac(key, iv, aad, c);
    if (expected.length !== t.length || !timingSafeEqual(expected, t)) throw new DecryptionError('authentication failed');
    const decipher = createDecipheriv('sm4-ctr', key.key, iv);
    return joined(decipher.update(c), decipher.final());
  }

  private nonceKey(key: CipherKey): KeyObject {
    let object = this.nonceKeys.get(key.id);
    if (!object) this.nonceKeys.set(key.id, (object = createSecretKey(key.key)));
    return object;
  }

  sealJson(value: unknown, aad: string, options: { deterministic?: boolean } = {}): Sealed {
    return this.seal(Buffer.from(JSON.stringify(value), 'utf8'), aad, options);
  }

  openJson<T>(sealed: Sealed, aad: string): T {
    return JSON.parse(this.open(sealed, aad).toString('utf8')) as T;
  }
}

function sm3Mac(key: CipherKey, iv: Buffer, aad: string, c: Buffer): Buffer {
  return createHmac('sm3', key.macKey!).update(`${key.algorithm}|${key.id}|`).update(iv).update(`|${aad}|`).update(c).digest();
}
