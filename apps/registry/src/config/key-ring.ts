import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The secrets the registry needs: the key behind person ids (a keyed hash of the citizen
 * ID, so stream names carry no ID number), the blind-index key for exact look-ups, and
 * the data-encryption keys by id (the active one encrypts; all of them decrypt, which is
 * what lets keys rotate without rewriting history).
 */
export interface KeyRingFile {
  personIdKey: string;
  blindIndexKey: string;
  tokenSecret: string;
  encryption: {
    activeKeyId: string;
    keys: Record<string, { algorithm: 'aes-256-gcm' | 'sm4-ctr-hmac-sm3'; key: string; macKey?: string }>;
  };
  /**
   * The key that signs anchors of the audit hash chain. Ed25519: Node's crypto signs with it
   * deterministically; it has no GB/T 32918 SM2 signature (only ECDSA on the SM2 curve,
   * without the signer's identity hash), so SM2 is not offered.
   */
  signing?: SigningKey;
}

export interface SigningKey {
  keyId: string;
  algorithm: 'ed25519';
  /** PKCS#8 DER, base64. */
  privateKey: string;
  /** SPKI DER, base64: what a verifier is given (it is in every exported anchor file). */
  publicKey: string;
}

function newSigningKey(keyId = 's1'): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyId,
    algorithm: 'ed25519',
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

export type EncryptionAlgorithm = 'aes-256-gcm' | 'sm4-ctr-hmac-sm3';

function newDataKey(algorithm: EncryptionAlgorithm): KeyRingFile['encryption']['keys'][string] {
  return algorithm === 'aes-256-gcm'
    ? { algorithm, key: randomBytes(32).toString('base64') }
    : { algorithm, key: randomBytes(16).toString('base64'), macKey: randomBytes(32).toString('base64') };
}

export class KeyRing {
  constructor(
    readonly file: KeyRingFile,
    readonly path: string,
    readonly generated: boolean,
  ) {}

  // Decoded once: an import derives a person id per row. Callers only ever read these.
  private personIdKeyBytes?: Buffer;
  private blindIndexKeyBytes?: Buffer;

  get personIdKey(): Buffer {
    return (this.personIdKeyBytes ??= Buffer.from(this.file.personIdKey, 'base64'));
  }

  get blindIndexKey(): Buffer {
    return (this.blindIndexKeyBytes ??= Buffer.from(this.file.blindIndexKey, 'base64'));
  }

  get tokenSecret(): Buffer {
    return Buffer.from(this.file.tokenSecret, 'base64');
  }

  /** The anchor-signing key (present in every key file this version loaded or created). */
  get signing(): { keyId: string; privateKey: Buffer; publicKey: Buffer } {
    const s = this.file.signing;
    if (!s) throw new Error('the key file has no signing key');
    return { keyId: s.keyId, privateKey: Buffer.from(s.privateKey, 'base64'), publicKey: Buffer.from(s.publicKey, 'base64') };
  }

  /**
   * Loads the key file, or on a fresh embedded install creates one with random keys
   * (mode 0600) so that `npm start` works with nothing configured.
   */
  static loadOrCreate(path: string, algorithm: EncryptionAlgorithm = 'aes-256-gcm'): KeyRing {
    if (existsSync(path)) {
      const file = JSON.parse(readFileSync(path, 'utf8')) as KeyRingFile;
      for (const field of ['personIdKey', 'blindIndexKey', 'tokenSecret'] as const) {
        if (typeof file[field] !== 'string' || Buffer.from(file[field], 'base64').length < 32) {
          throw new Error(`Key file ${path}: ${field} must be at least 32 bytes, base64-encoded`);
        }
      }
      if (!file.encryption?.keys?.[file.encryption.activeKeyId]) {
        throw new Error(`Key file ${path}: encryption.activeKeyId must name one of encryption.keys`);
      }
      if (!file.signing) {
        // A key file from before anchors were signed: the signing key is added to it once.
        file.signing = newSigningKey();
        writeAtomically(path, file);
      } else if (file.signing.algorithm !== 'ed25519' || typeof file.signing.privateKey !== 'string') {
        throw new Error(`Key file ${path}: signing must be an ed25519 key (privateKey, publicKey in base64 DER)`);
      }
      return new KeyRing(file, path, false);
    }
    const file: KeyRingFile = {
      personIdKey: randomBytes(32).toString('base64'),
      blindIndexKey: randomBytes(32).toString('base64'),
      tokenSecret: randomBytes(32).toString('base64'),
      encryption: { activeKeyId: 'k1', keys: { k1: newDataKey(algorithm) } },
      signing: newSigningKey(),
    };
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(file, null, 2), { mode: 0o600 });
    return new KeyRing(file, path, true);
  }

  /**
   * Adds a new data-encryption key and makes it the active one; the old keys stay so that
   * everything sealed under them still opens. Written atomically (temp file, rename).
   */
  static rotate(path: string, algorithm: EncryptionAlgorithm): { keyId: string; previous: string } {
    const ring = KeyRing.loadOrCreate(path);
    const file: KeyRingFile = JSON.parse(JSON.stringify(ring.file));
    const previous = file.encryption.activeKeyId;
    let n = Object.keys(file.encryption.keys).length + 1;
    while (file.encryption.keys[`k${n}`]) n++;
    const keyId = `k${n}`;
    file.encryption.keys[keyId] = newDataKey(algorithm);
    file.encryption.activeKeyId = keyId;
    writeAtomically(path, file);
    return { keyId, previous };
  }

  static defaultPath(dataDir: string): string {
    return join(dataDir, 'keys.json');
  }
}

function writeAtomically(path: string, file: KeyRingFile): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(file, null, 2), { mode: 0o600 });
  renameSync(temp, path);
}
