/**
 * Flow control between the local engine and the live event pipeline. On one machine they share
 * the CPU: an engine running a burst of fast nodes produces events faster than they can be
 * stored and posted, and every watcher then sees the run seconds late. The platform counts the
 * events produced and not yet fanned out, in all and per execution; the engine awaits
 * {@link EventBacklog.admit} before each node runtime and waits while either count is over its
 * limit, so new work starts only as the watchers catch up. The per-execution limit matters
 * because an execution's events are fanned out one batch at a time (its FIFO group): a run
 * far ahead of its own group is late for its watchers however idle the rest is. The wait is
 * bounded: an event that never comes back (a bug, a lost delivery) slows runs down, it cannot
 * stall them.
 */
export interface EventBacklogOptions {
  /** Events in flight (all executions) above which new node work waits. `Infinity` turns flow control off. */
  readonly limit: number;
  /** Events in flight of one execution above which its new node work waits. @default `limit` */
  readonly perExecution?: number;
  /** The longest one admission waits. @default 10000 */
  readonly maxWaitMs?: number;
}

interface Waiter {
  readonly executionId: string;
  readonly wake: () => void;
}

/**
 * @example
 * ```ts
 * const backlog = new EventBacklog({ limit: 32, perExecution: 4 });
 * backlog.produced(event.execution_id, event.event_id);   // put on the bus
 * backlog.handled(event.event_id);                        // stored and posted by the fan-out
 * await backlog.admit(executionId);                       // before a node runs
 * ```
 */
export class EventBacklog {
  /** Event id -> its execution. */
  private readonly pending = new Map<string, string>();
  private readonly byExecution = new Map<string, number>();
  private waiters: Waiter[] = [];
  private readonly perExecution: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: EventBacklogOptions) {
    if (!(options.limit >= 0)) throw new RangeError(`limit must be a number of events, 0 or more (got ${options.limit})`);
    this.perExecution = options.perExecution ?? options.limit;
    if (!(this.perExecution >= 0)) throw new RangeError(`perExecution must be a number of events, 0 or more (got ${options.perExecution})`);
    this.maxWaitMs = options.maxWaitMs ?? 10_000;
  }

  /** Events produced and not yet handled. */
  get size(): number {
    return this.pending.size;
  }

  /** Events of one execution produced and not yet handled. */
  inFlight(executionId: string): number {
    return this.byExecution.get(executionId) ?? 0;
  }

  produced(executionId: string, eventId: string): void {
    if (this.pending.has(eventId)) return;
    this.pending.set(eventId, executionId);
    this.byExecution.set(executionId, this.inFlight(executionId) + 1);
  }

  /** The event left the pipeline (fanned out, or given up on): waiters go, as room allows. */
  handled(eventId: string): void {
    const executionId = this.pending.get(eventId);
    if (executionId === undefined) return;
    this.pending.delete(eventId);
    const left = this.inFlight(executionId) - 1;
    if (left > 0) this.byExecution.set(executionId, left);
    else this.byExecution.delete(executionId);
    this.wake();
  }

  /**
   * Resolves at once while the backlog is within both limits, else once it is (first come,
   * first served among those that may go), or after `maxWaitMs`.
   */
  admit(executionId: string): Promise<void> {
    if (this.admissible(executionId, 0)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      }, this.maxWaitMs);
      const waiter: Waiter = {
        executionId,
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private admissible(executionId: string, admittedNow: number): boolean {
    return this.pending.size + admittedNow <= this.options.limit && this.inFlight(executionId) <= this.perExecution;
  }

  /** Lets waiters go while there is room: each admitted node adds events of its own. */
  private wake(): void {
    if (this.waiters.length === 0) return;
    let admitted = 0;
    const still: Waiter[] = [];
    const executions = new Set<string>();
    for (const w of this.waiters) {
      // One per execution per wake: its next events are not counted yet.
      if (!executions.has(w.executionId) && this.admissible(w.executionId, admitted)) {
        executions.add(w.executionId);
        admitted += 1;
        w.wake();
      } else still.push(w);
    }
    this.waiters = still;
  }
}
