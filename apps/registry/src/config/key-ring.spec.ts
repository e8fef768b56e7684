import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersonalDataProtector } from '../privacy/personal-data';
import { KeyRing } from './key-ring';

describe('KeyRing', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a key file readable by its owner only, and loads the same keys again', () => {
    const path = join(dir, 'keys.json');
    const first = KeyRing.loadOrCreate(path);
    expect(first.generated).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = KeyRing.loadOrCreate(path);
    expect(again.generated).toBe(false);
    expect(again.personIdKey.equals(first.personIdKey)).toBe(true);
  });

  it('has an Ed25519 anchor-signing key, added once to a key file that lacks one', () => {
    const path = join(dir, 'keys.json');
    const created = KeyRing.loadOrCreate(path);
    const { signing: _dropped, ...older } = created.file;
    writeFileSync(path, JSON.stringify(older));
    const upgraded = KeyRing.loadOrCreate(path);
    const key = upgraded.signing;
    expect(key.keyId).toBe('s1');
    expect(key.publicKey.equals(created.signing.publicKey)).toBe(false);
    expect(KeyRing.loadOrCreate(path).signing.publicKey.equals(key.publicKey)).toBe(true);
    const signature = sign(null, Buffer.from('anchor'), createPrivateKey({ key: key.privateKey, format: 'der', type: 'pkcs8' }));
    expect(verify(null, Buffer.from('anchor'), createPublicKey({ key: key.publicKey, format: 'der', type: 'spki' }), signature)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('generates an SM4 data key when asked', () => {
    const ring = KeyRing.loadOrCreate(join(dir, 'keys.json'), 'sm4-ctr-hmac-sm3');
    const active = ring.file.encryption.keys[ring.file.encryption.activeKeyId];
    expect(active.algorithm).toBe('sm4-ctr-hmac-sm3');
    expect(Buffer.from(active.key, 'base64')).toHaveLength(16);
    expect(Buffer.from(active.macKey!, 'base64')).toHaveLength(32);
  });

  it('rotates: new data is sealed with the new key, data sealed before still opens', () => {
    const path = join(dir, 'keys.json');
    const before = new PersonalDataProtector(KeyRing.loadOrCreate(path));
    const event = {
      id: 'e1',
      type: 'PersonRegistered',
      data: { personal: { citizenId: '11010519491231002X', name: '王𠀀' } },
      metadata: { occurredAt: 'x' },
    };
    const sealedBefore = before.encodeEvent(event);

    const { keyId, previous } = KeyRing.rotate(path, 'sm4-ctr-hmac-sm3');
    expect(keyId).not.toBe(previous);
    const after = new PersonalDataProtector(KeyRing.loadOrCreate(path));
    const sealedAfter = after.encodeEvent({ ...event, id: 'e2' });
    expect((sealedAfter.data as unknown as { personal: { k: string } }).personal.k).toBe(keyId);
    expect((sealedBefore.data as unknown as { personal: { k: string } }).personal.k).toBe(previous);

    const recorded = (e: typeof event) => ({ ...e, stream: 's', revision: 0, position: 1, recordedAt: 'x' });
    expect(after.decodeEvent(recorded(sealedBefore)).data).toEqual(event.data);
    expect(after.decodeEvent(recorded(sealedAfter)).data).toEqual(event.data);
    expect(readFileSync(path, 'utf8')).not.toContain('11010519491231002X');
  });
});
