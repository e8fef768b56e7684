import { randomBytes } from 'node:crypto';
import { DecryptionError, FieldCipher } from './field-cipher';

const aes = { id: 'a1', algorithm: 'aes-256-gcm' as const, key: randomBytes(32) };
const sm4 = { id: 's1', algorithm: 'sm4-ctr-hmac-sm3' as const, key: randomBytes(16), macKey: randomBytes(32) };
const personal = { citizenId: '11010519491231002X', name: '买买提·艾力𠀀', phone: '13800138000' };

describe.each([
  ['AES-256-GCM', aes],
  ['SM4-CTR + HMAC-SM3', sm4],
])('FieldCipher with %s', (_label, key) => {
  const cipher = new FieldCipher([key], key.id);

  it('round-trips personal data, supplementary-plane characters included', () => {
    const sealed = cipher.sealJson(personal, 'evt-1');
    expect(sealed.k).toBe(key.id);
    expect(JSON.stringify(sealed)).not.toContain('11010519491231002X');
    expect(JSON.stringify(sealed)).not.toContain('买买提');
    expect(cipher.openJson(sealed, 'evt-1')).toEqual(personal);
  });

  it('uses a fresh nonce for every seal, also across refills of the nonce pool', () => {
    expect(cipher.sealJson(personal, 'x').c).not.toBe(cipher.sealJson(personal, 'x').c);
    // 12-byte nonces from a 4 KiB pool: 1,000 seals cross the pool's end about three times.
    const nonces = Array.from({ length: 1000 }, () => cipher.sealJson(personal, 'x').i);
    expect(new Set(nonces).size).toBe(1000);
    expect(Buffer.from(cipher.sealJson(personal, 'y').i, 'base64').length).toBe(key.algorithm === 'aes-256-gcm' ? 12 : 16);
  });

  it('seals deterministically on request, still bound to the record', () => {
    const a = cipher.sealJson(personal, 'doc-1', { deterministic: true });
    expect(cipher.sealJson(personal, 'doc-1', { deterministic: true })).toEqual(a);
    expect(cipher.sealJson(personal, 'doc-2', { deterministic: true }).c).not.toBe(a.c);
    expect(cipher.openJson(a, 'doc-1')).toEqual(personal);
  });

  it('refuses a ciphertext moved to another record', () => {
    const sealed = cipher.sealJson(personal, 'evt-1');
    expect(() => cipher.openJson(sealed, 'evt-2')).toThrow(DecryptionError);
  });

  it('refuses a tampered ciphertext', () => {
    const sealed = cipher.sealJson(personal, 'evt-1');
    const bytes = Buffer.from(sealed.c, 'base64');
    bytes[0] ^= 1;
    expect(() => cipher.openJson({ ...sealed, c: bytes.toString('base64') }, 'evt-1')).toThrow(DecryptionError);
  });
});

describe('key rotation', () => {
  it('opens data sealed under a retired key while sealing under the new one', () => {
    const before = new FieldCipher([aes], 'a1');
    const old = before.sealJson(personal, 'evt-1');
    const after = new FieldCipher([aes, sm4], 's1');
    const fresh = after.sealJson(personal, 'evt-2');
    expect(fresh.k).toBe('s1');
    expect(after.openJson(old, 'evt-1')).toEqual(personal);
    expect(after.openJson(fresh, 'evt-2')).toEqual(personal);
  });

  it('names an unknown key id without revealing data', () => {
    const sealed = new FieldCipher([aes], 'a1').sealJson(personal, 'e');
    expect(() => new FieldCipher([sm4], 's1').openJson(sealed, 'e')).toThrow(/unknown key id a1/);
  });

  it('rejects a key of the wrong length at start', () => {
    expect(() => new FieldCipher([{ ...aes, key: randomBytes(16) }], 'a1')).toThrow(/32-byte/);
  });
});
