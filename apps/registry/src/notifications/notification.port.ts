/**
 * How the registry reaches a citizen's phone: one port, two adapters. On the embedded
 * default the outbox file stands in for the SMS gateway; with SMS_GATEWAY_URL set, messages
 * go to a gateway speaking docs/sms-gateway-interface.md. Phone numbers travel only inside
 * messages: never into logs, metrics or errors.
 */
export interface OutgoingMessage {
  /** Idempotency key: a message sent again with the same id is delivered once. */
  id: string;
  /** 11-digit mainland mobile number. */
  to: string;
  /** Template name (a gateway may map it to an SMS template registered with the carrier). */
  template: string;
  text: string;
}

export type SendResult =
  | { id: string; status: 'accepted' }
  /** `retryable` false: this message will never go (an invalid number); true: try again later. */
  | { id: string; status: 'failed'; code: string; retryable: boolean };

/** What became of an accepted message, when the adapter learns it. */
export interface DeliveryReceipt {
  id: string;
  status: 'delivered' | 'undeliverable';
  at: string;
  code?: string;
}

/** Receipts read from the adapter; `acknowledge` once they are recorded, so a crash in between reads them again. */
export interface ReceiptBatch {
  items: DeliveryReceipt[];
  acknowledge(): Promise<void>;
}

/**
 * A citizen's SMS answer. The registry asks for no number: the gateway names the message the
 * answer is to (the last one it sent to that number), and the registry reads only whether the
 * text is an opt-out word; the text is never stored.
 */
export interface IncomingReply {
  /** The gateway's id of the answer. */
  id: string;
  /** Id of the message answered, when the gateway can tell. */
  inReplyTo?: string;
  text: string;
  at: string;
}

/** Answers read from the adapter; `acknowledge` once they are recorded. */
export interface ReplyBatch {
  items: IncomingReply[];
  acknowledge(): Promise<void>;
}

export interface NotificationPort {
  /** Names the adapter in events (`outbox`, `sms-gateway`). */
  readonly kind: string;
  /** Hands the messages over; one result per message, in order. Throws only when nothing could be handed over at all. */
  send(messages: readonly OutgoingMessage[]): Promise<SendResult[]>;
  /** Receipts that arrived since the last acknowledged batch (an adapter without receipts answers none). */
  receipts(): Promise<ReceiptBatch>;
  /** Citizens' answers since the last acknowledged batch (the outbox file has none: nobody can answer a file). */
  replies(): Promise<ReplyBatch>;
}

export const NOTIFICATIONS = Symbol('NOTIFICATIONS');
