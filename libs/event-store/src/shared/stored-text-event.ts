import type { EventMetadata, RecordedEvent } from '../event-store.port';

const UNPARSED: unique symbol = Symbol('unparsed');

/**
 * A recorded event that keeps its data as the JSON text the store holds and parses it on the
 * first read of `data` (see SubscribeOptions.lazyData). A consumer that reads `data` seldom
 * (the audit chain hashes each event's text) skips a parse and a tree of objects per event;
 * canonicalEventText takes `dataText` as it is instead of serialising `data` again.
 */
export class StoredTextEvent implements RecordedEvent {
  private parsed: unknown = UNPARSED;

  constructor(
    readonly id: string,
    readonly stream: string,
    readonly revision: number,
    readonly position: number,
    readonly type: string,
    /** The data as stored: the text JSON.stringify wrote when the event was appended. */
    readonly dataText: string,
    readonly metadata: EventMetadata,
    readonly recordedAt: string,
  ) {}

  get data(): unknown {
    if (this.parsed === UNPARSED) this.parsed = JSON.parse(this.dataText) as unknown;
    return this.parsed;
  }
}
