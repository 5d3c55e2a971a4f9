/**
 * An append-only event stream: every consumer can replay what happened so far and then follow
 * live events until the stream closes. Used for each execution's lifecycle events.
 */
export class EventStream<T> {
  private readonly history: T[] = [];
  private readonly listeners = new Set<(event: T) => void>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  /** Appends an event and notifies listeners (a throwing listener cannot break the stream). */
  push(event: T): void {
    if (this.closed) return;
    this.history.push(event);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure is its own; the stream and other listeners carry on.
      }
    }
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Events so far. */
  snapshot(): readonly T[] {
    return this.history.slice();
  }

  /** Calls `listener` for every future event; returns an unsubscribe function. */
  subscribe(listener: (event: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replays from `fromIndex`, then follows until the stream is closed. */
  async *iterate(fromIndex = 0): AsyncGenerator<T> {
    let i = fromIndex;
    for (;;) {
      while (i < this.history.length) {
        yield this.history[i] as T;
        i += 1;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<T> {
    return this.iterate(0);
  }

  private wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}
