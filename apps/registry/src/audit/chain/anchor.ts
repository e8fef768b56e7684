import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { ChainAlgorithm } from './event-bytes';

/**
 * An anchor: the chain's link after the event at `position`, with how many events the chain
 * held then, signed with the registry's signing key (Ed25519). Kept in the log (event
 * `ChainAnchored`), exportable as a file, and sent with every ministry upload, so copies
 * exist outside the registry's stores: an event changed after an anchor was made no longer
 * leads to the anchored link.
 */
export interface Anchor {
  province: string;
  algorithm: ChainAlgorithm;
  /** Global position of the last event the anchor covers. */
  position: number;
  /** Events in the chain up to and including `position`. */
  count: number;
  /** The link after that event, hex. */
  link: string;
  /** recordedAt of that event. */
  recordedAt: string;
  anchoredAt: string;
  keyId: string;
  signatureAlgorithm: 'ed25519';
  /** base64 Ed25519 signature over anchorSigningText. */
  signature: string;
}

export type UnsignedAnchor = Omit<Anchor, 'signature'>;

/** The signed bytes: the anchor's fields but the signature, in a fixed order, as JSON. */
export function anchorSigningText(a: UnsignedAnchor): string {
  return JSON.stringify([
    'registry-chain-anchor-v1',
    a.province,
    a.algorithm,
    a.position,
    a.count,
    a.link,
    a.recordedAt,
    a.anchoredAt,
    a.keyId,
    a.signatureAlgorithm,
  ]);
}

export function signAnchor(unsigned: UnsignedAnchor, privateKeyDer: Buffer): Anchor {
  const key = createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' });
  const signature = sign(null, Buffer.from(anchorSigningText(unsigned), 'utf8'), key).toString('base64');
  return { ...unsigned, signature };
}

export function anchorSignatureValid(anchor: Anchor, publicKeyDer: Buffer): boolean {
  try {
    const key = createPublicKey({ key: publicKeyDer, format: 'der', type: 'spki' });
    return verify(null, Buffer.from(anchorSigningText(anchor), 'utf8'), key, Buffer.from(anchor.signature, 'base64'));
  } catch {
    return false;
  }
}

/** The exported anchor file: anchors with the public key that checks them. */
export interface AnchorFile {
  format: 'registry-chain-anchors';
  version: 1;
  province: string;
  keyId: string;
  /** SPKI DER, base64. */
  publicKey: string;
  anchors: Anchor[];
}

export function anchorFile(province: string, keyId: string, publicKeyDer: Buffer, anchors: Anchor[]): AnchorFile {
  return { format: 'registry-chain-anchors', version: 1, province, keyId, publicKey: publicKeyDer.toString('base64'), anchors };
}

/** Parses an anchor file; throws with a message naming what is wrong (never data: anchors hold none). */
export function parseAnchorFile(text: string): AnchorFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('the anchor file is not JSON');
  }
  const file = value as Partial<AnchorFile>;
  if (file?.format !== 'registry-chain-anchors' || file.version !== 1) throw new Error('not a registry-chain-anchors file of version 1');
  if (typeof file.publicKey !== 'string' || !Array.isArray(file.anchors) || file.anchors.length === 0) {
    throw new Error('the anchor file needs publicKey and at least one anchor');
  }
  for (const a of file.anchors) {
    if (!Number.isSafeInteger(a?.position) || typeof a.link !== 'string' || !/^[0-9a-f]{64}$/.test(a.link)) {
      throw new Error('an anchor of the file has no valid position or link');
    }
  }
  return file as AnchorFile;
}
