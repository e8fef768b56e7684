/** The one error every adapter raises when an expected revision does not hold. */
export class ConcurrencyError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT';
  constructor(
    readonly stream: string,
    readonly expected: string,
    readonly actual: number | 'no_stream',
  ) {
    super(`Expected revision ${expected} on stream ${stream} but found ${actual}`);
    this.name = 'ConcurrencyError';
  }
}

/** The store could not be reached or failed for a reason other than a conflict. */
export class EventStoreUnavailableError extends Error {
  readonly code = 'EVENT_STORE_UNAVAILABLE';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'EventStoreUnavailableError';
  }
}
