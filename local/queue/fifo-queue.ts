/**
 * A local stand-in for an SQS FIFO queue with its Lambda consumer: messages of one group are
 * handled one at a time, in the order sent; groups run concurrently (up to `concurrency`). A
 * message that fails is retried (with backoff) before anything later in its group, and after
 * `maxAttempts` it goes to the dead-letter callback and the group moves on, as a redrive policy
 * would do.
 */
export interface FifoQueueOptions<T> {
  /** Handles one message; or give `batchConsumer`. */
  readonly consumer?: (message: T) => Promise<void>;
  /**
   * Handles up to `maxBatch` consecutive messages of one group at once, as a Lambda reads an SQS
   * FIFO queue; a failure retries the whole batch (handlers must be idempotent, as on AWS).
   */
  readonly batchConsumer?: (messages: T[]) => Promise<void>;
  /** @default 10, SQS's largest batch */
  readonly maxBatch?: number;
  /** Attempts per message, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Backoff before retry n is `retryDelayMs * 2^(n-1)`. @default 20 */
  readonly retryDelayMs?: number;
  /** Groups handled at the same time (Lambda's concurrency for the queue). @default 32 */
  readonly concurrency?: number;
  /**
   * Starts a group's first batch on the next turn of the event loop instead of at once, so the
   * messages that arrive in the same turn (a worker thread's queued messages, a bus's deliveries
   * of one PutEvents call) go in one batch, as SQS gathers them. @default false
   */
  readonly gather?: boolean;
  /** A message that failed every attempt. */
  readonly onDeadLetter?: (message: T, error: unknown) => void;
}

/**
 * @example
 * ```ts
 * const q = new LocalFifoQueue({ consumer: (m) => fanOut(m, deps) });
 * q.send(executionId, message);
 * await q.drain();
 * ```
 */
export class LocalFifoQueue<T> {
  private readonly groups = new Map<string, T[]>();
  private readonly ready: string[] = [];
  private running = 0;
  private closed = false;
  private idle: Array<() => void> = [];
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly concurrency: number;

  constructor(private readonly options: FifoQueueOptions<T>) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.retryDelayMs = options.retryDelayMs ?? 20;
    this.concurrency = Math.max(1, options.concurrency ?? 32);
    this.maxBatch = Math.max(1, options.maxBatch ?? 10);
    if (!options.consumer && !options.batchConsumer) throw new Error('give a consumer or a batchConsumer');
  }
  private readonly maxBatch: number;

  /** Enqueues a message at the end of its group. */
  send(groupId: string, message: T): void {
    if (this.closed) throw new Error('the queue is closed');
    const queue = this.groups.get(groupId);
    if (queue) {
      queue.push(message);
      return;
    }
    this.groups.set(groupId, [message]);
    this.ready.push(groupId);
    this.pump();
  }

  /** Messages waiting or in progress. */
  get depth(): number {
    let n = 0;
    for (const q of this.groups.values()) n += q.length;
    return n;
  }

  /** Resolves once every message sent so far has been handled. */
  drain(): Promise<void> {
    if (this.groups.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Refuses new messages and waits for the queued ones. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.ready.length > 0) {
      const groupId = this.ready.shift() as string;
      this.running += 1;
      void this.runGroup(groupId).finally(() => {
        this.running -= 1;
        this.pump();
        if (this.groups.size === 0 && this.running === 0) {
          const waiting = this.idle;
          this.idle = [];
          for (const resolve of waiting) resolve();
        }
      });
    }
  }

  private async runGroup(groupId: string): Promise<void> {
    if (this.options.gather) await new Promise((resolve) => setImmediate(resolve));
    const queue = this.groups.get(groupId) as T[];
    while (queue.length > 0) {
      const batch = this.options.batchConsumer ? queue.slice(0, this.maxBatch) : queue.slice(0, 1);
      for (let attempt = 1; ; attempt++) {
        try {
          if (this.options.batchConsumer) await this.options.batchConsumer(batch);
          else await (this.options.consumer as (m: T) => Promise<void>)(batch[0] as T);
          break;
        } catch (err) {
          if (attempt >= this.maxAttempts) {
            for (const m of batch) this.options.onDeadLetter?.(m, err);
            break;
          }
          await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** (attempt - 1)));
        }
      }
      queue.splice(0, batch.length);
    }
    this.groups.delete(groupId);
  }
}
