/**
 * Flow control between the local engine and the live event pipeline. On one machine they share
 * the CPU: an engine running a burst of fast nodes produces events faster than they can be
 * stored and posted, and every watcher then sees the run seconds late. The platform counts the
 * events produced and not yet fanned out; the engine awaits {@link EventBacklog.admit} before
 * each node runtime and waits while that count is over the limit, so new work starts only as
 * the watchers catch up. The wait is bounded: an event that never comes back (a bug, a lost
 * delivery) slows runs down, it cannot stall them.
 */
export interface EventBacklogOptions {
  /** Events in flight above which new node work waits. `Infinity` turns flow control off. */
  readonly limit: number;
  /** The longest one admission waits. @default 10000 */
  readonly maxWaitMs?: number;
}

/**
 * @example
 * ```ts
 * const backlog = new EventBacklog({ limit: 16 });
 * backlog.produced(event.event_id);   // put on the bus
 * backlog.handled(event.event_id);    // stored and posted by the fan-out
 * await backlog.admit();              // before a node runs
 * ```
 */
export class EventBacklog {
  private readonly pending = new Set<string>();
  private waiters: Array<() => void> = [];
  private readonly maxWaitMs: number;

  constructor(private readonly options: EventBacklogOptions) {
    if (!(options.limit >= 0)) throw new RangeError(`limit must be a number of events, 0 or more (got ${options.limit})`);
    this.maxWaitMs = options.maxWaitMs ?? 10_000;
  }

  /** Events produced and not yet handled. */
  get size(): number {
    return this.pending.size;
  }

  produced(eventId: string): void {
    this.pending.add(eventId);
  }

  /** The event left the pipeline (fanned out, or given up on): waiters go, as room allows. */
  handled(eventId: string): void {
    if (!this.pending.delete(eventId)) return;
    this.wake();
  }

  /**
   * Resolves at once while the backlog is within the limit, else once it is (first come, first
   * served), or after `maxWaitMs`.
   */
  admit(): Promise<void> {
    if (this.pending.size <= this.options.limit) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve();
      }, this.maxWaitMs);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(wake);
    });
  }

  /** Lets waiters go while there is room: each admitted node adds events of its own. */
  private wake(): void {
    let room = this.options.limit - this.pending.size + 1;
    while (room > 0 && this.waiters.length > 0) {
      this.waiters.shift()?.();
      room -= 1;
    }
  }
}
