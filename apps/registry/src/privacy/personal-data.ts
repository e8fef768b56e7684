import { Injectable } from '@nestjs/common';
import type { NewEvent, RecordedEvent } from '@registry/event-store';
import { KeyRing } from '../config/key-ring';
import { CipherKey, FieldCipher, Sealed, isSealed } from './field-cipher';

/**
 * Protects the personal part of events and read-model documents. Domain events keep every
 * personal value under `data.personal` (see libs/domain person-events.ts), so one codec
 * covers them all: on the way into the store `personal` is replaced by its sealed form,
 * bound to the event id; on the way out it is opened again.
 */
@Injectable()
export class PersonalDataProtector {
  readonly cipher: FieldCipher;

  constructor(keys: KeyRing) {
    const ring = keys.file.encryption;
    const cipherKeys: CipherKey[] = Object.entries(ring.keys).map(([id, k]) => ({
      id,
      algorithm: k.algorithm,
      key: Buffer.from(k.key, 'base64'),
      macKey: k.macKey ? Buffer.from(k.macKey, 'base64') : undefined,
    }));
    this.cipher = new FieldCipher(cipherKeys, ring.activeKeyId);
  }

  encodeEvent<E extends NewEvent>(event: E): E {
    const data = event.data as Record<string, unknown> | null;
    if (!data || typeof data !== 'object' || data.personal === undefined || isSealed(data.personal)) return event;
    return { ...event, data: { ...data, personal: this.cipher.sealJson(data.personal, event.id) } };
  }

  /** The event's data with its personal part opened (the data itself when it has none sealed). */
  openData(event: RecordedEvent): unknown {
    const data = event.data as Record<string, unknown> | null;
    if (!data || typeof data !== 'object' || !isSealed(data.personal)) return data;
    return { ...data, personal: this.cipher.openJson(data.personal as Sealed, event.id) };
  }

  decodeEvent<E extends RecordedEvent>(event: E): E {
    const data = event.data as Record<string, unknown> | null;
    if (!data || typeof data !== 'object' || !isSealed(data.personal)) return event;
    return { ...event, data: { ...data, personal: this.cipher.openJson(data.personal as Sealed, event.id) } };
  }

  /** Seals a read-model document's personal fields (deterministic, bound to the document id). */
  sealForDocument(documentId: string, personal: Record<string, unknown>): Sealed {
    return this.cipher.sealJson(personal, `doc:${documentId}`, { deterministic: true });
  }

  openFromDocument<T>(documentId: string, sealed: unknown): T | undefined {
    return isSealed(sealed) ? this.cipher.openJson<T>(sealed, `doc:${documentId}`) : undefined;
  }
}
