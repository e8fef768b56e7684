/**
 * A one-way "closed" flag that a waiting subscription can race against, so that close()
 * ends iteration promptly instead of after the next poll tick or server message.
 */
export class CloseSignal {
  private isClosed = false;
  private readonly listeners = new Set<() => void>();

  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }

  /** Calls `listener` once on close (immediately if already closed). Returns an unregister function. */
  onClose(listener: () => void): () => void {
    if (this.isClosed) {
      listener();
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Waits `ms`, or less if the signal closes first. The timer is cleared either way. */
export function sleep(ms: number, signal?: CloseSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    let unregister: () => void = () => undefined;
    const timer = setTimeout(() => {
      unregister();
      resolve();
    }, ms);
    if (signal) {
      unregister = signal.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
    }
  });
}
