/**
 * Starts the fan-out thread (fan-out-worker.ts, bundled by worker-bundle.ts) and talks to it.
 */
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { FanOutMessage } from '../../functions/fan-out-event/fan-out-event';
import type { FanOutWorkerData, FromFanOut, ToFanOut } from './fan-out-protocol';
import { createFanOutConsumer } from './fan-out-worker';
import { bundledWorker } from './worker-bundle';

export interface FanOutThreadOptions extends Omit<FanOutWorkerData, 'dynamoPort'> {
  /** A new channel to the DynamoDB thread, for each fan-out thread started (see thread.ts). */
  readonly connectDynamo?: () => MessagePort;
  /** `thread` (default): a worker thread; `inline`: on the calling thread. */
  readonly mode?: 'thread' | 'inline';
  /** Posts a frame to a connection (the gateway, in this thread). */
  readonly post: (connectionId: string, data: string) => 'sent' | 'gone' | Promise<'sent' | 'gone'>;
  /** Events that left the pipeline. */
  readonly onHandled?: (eventIds: readonly string[]) => void;
  readonly log?: (line: string) => void;
}

export interface FanOutThread {
  send(message: FanOutMessage): void;
  /** Resolves once every message sent so far has been handled. */
  drain(): Promise<void>;
  /** Stops the thread as a crash would (for tests): it is restarted with what it had not done. */
  kill(): Promise<void>;
  /** Handles what is queued, then stops the thread. */
  close(): Promise<void>;
}

/** The consumer on this thread, behind the same message interface as the worker. */
function inlinePort(data: FanOutWorkerData): Pick<Worker, 'postMessage' | 'on' | 'once' | 'terminate'> {
  const emitter = new EventEmitter();
  const consumer = createFanOutConsumer(data, (m) => queueMicrotask(() => emitter.emit('message', m)));
  queueMicrotask(() => emitter.emit('message', { type: 'ready' } satisfies FromFanOut));
  const port = {
    postMessage: (m: ToFanOut) => queueMicrotask(() => consumer.receive(m)),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- EventEmitter listeners
    on: (event: string, listener: (...args: any[]) => void) => {
      emitter.on(event, listener);
      return port;
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- EventEmitter listeners
    once: (event: string, listener: (...args: any[]) => void) => {
      emitter.once(event, listener);
      return port;
    },
    terminate: async () => 0,
  };
  return port as unknown as Pick<Worker, 'postMessage' | 'on' | 'once' | 'terminate'>;
}

/** Restarts allowed within a minute before the thread is given up on (a crash loop). */
const MAX_RESTARTS_PER_MINUTE = 5;

/**
 * The thread is restarted when it dies (a crash, or `kill()`): every message it had not reported
 * done is sent again, in order, to the new one. The fan-out is idempotent (events keep their seq
 * by event id), so a replay only posts some events twice, which their seq lets clients ignore.
 * @example
 * ```ts
 * const fanOut = await startFanOutThread({ dynamoUrl, region, credentials, tableName, defaultTenant, post: gateway.postToConnection });
 * fanOut.send({ kind: 'event', event });
 * await fanOut.close();
 * ```
 */
export async function startFanOutThread(options: FanOutThreadOptions): Promise<FanOutThread> {
  const { post, onHandled, log, mode, connectDynamo, ...data } = options;
  const file = mode === 'inline' ? undefined : await bundledWorker(path.join(__dirname, 'fan-out-worker.ts'));
  // Messages not reported done yet, by seq (in the order sent), and drains not answered yet.
  const unacked = new Map<number, FanOutMessage>();
  const drains = new Map<number, { type: 'drain' | 'close'; resolve: () => void }>();
  let nextSeq = 0;
  let nextId = 0;
  let failed: Error | undefined;
  let closing = false;
  // While a new thread starts, messages and drains only wait in the maps above: the new thread
  // gets them all, in the order they were sent, once it is ready.
  let restarting = false;
  const restarts: number[] = [];
  let current!: Pick<Worker, 'postMessage' | 'on' | 'once' | 'terminate'>;

  const spawn = (): Promise<void> => {
    const dynamoPort = connectDynamo?.();
    const worker =
      file === undefined
        ? inlinePort({ ...data, ...(dynamoPort ? { dynamoPort } : {}) })
        : new Worker(file, { workerData: { ...data, ...(dynamoPort ? { dynamoPort } : {}), fanOutWorker: true }, transferList: dynamoPort ? [dynamoPort] : [] });
    current = worker;
    // Replies go to the thread that asked (a restarted thread numbers its posts anew).
    const reply = (m: ToFanOut) => worker.postMessage(m);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromFanOut) => {
        switch (m.type) {
          case 'ready':
            ready = true;
            resolve();
            return;
          case 'post':
            Promise.resolve()
              .then(async () => {
                for (const frame of m.frames) if ((await post(m.connectionId, frame)) === 'gone') return 'gone' as const;
                return 'sent' as const;
              })
              .then(
                (outcome) => reply({ type: 'posted', id: m.id, outcome }),
                (err: Error) => reply({ type: 'posted', id: m.id, error: err.message }),
              );
            return;
          case 'handled':
            for (const seq of m.seqs) unacked.delete(seq);
            if (m.eventIds.length > 0) onHandled?.(m.eventIds);
            return;
          case 'drained':
            drains.get(m.id)?.resolve();
            drains.delete(m.id);
            return;
          case 'log':
            log?.(m.line);
            return;
        }
      });
      const died = (err: Error) => {
        if (!ready) {
          reject(err);
          return;
        }
        if (closing || current !== worker) return;
        void restart(err);
      };
      worker.on('error', died);
      worker.on('exit', (code: number) => died(new Error(`the fan-out thread exited (code ${code})`)));
    });
  };

  const giveUp = (err: Error) => {
    failed = err;
    for (const d of drains.values()) d.resolve();
    drains.clear();
  };

  const restart = async (err: Error): Promise<void> => {
    restarting = true;
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] ?? now) < now - 60_000) restarts.shift();
    if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
      log?.(`the fan-out thread failed ${restarts.length} times within a minute; giving up: ${err.stack ?? err.message}`);
      restarting = false;
      giveUp(err);
      return;
    }
    log?.(`the fan-out thread stopped (${err.message}); restarting it and handing it the ${unacked.size} message(s) not yet done`);
    try {
      await spawn();
    } catch (e) {
      restarting = false;
      giveUp(e as Error);
      return;
    }
    restarting = false;
    for (const [seq, message] of unacked) current.postMessage({ type: 'send', seq, message } satisfies ToFanOut);
    for (const [id, d] of drains) current.postMessage({ type: d.type, id } satisfies ToFanOut);
  };

  await spawn();
  const ask = (type: 'drain' | 'close') =>
    failed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const id = ++nextId;
          drains.set(id, { type, resolve });
          if (!restarting) current.postMessage({ type, id } satisfies ToFanOut);
        });
  return {
    send: (message) => {
      if (failed) throw new Error(`the fan-out thread is down: ${failed.message}`);
      const seq = ++nextSeq;
      unacked.set(seq, message);
      if (!restarting) current.postMessage({ type: 'send', seq, message } satisfies ToFanOut);
    },
    drain: () => ask('drain'),
    kill: async () => {
      await current.terminate();
    },
    close: async () => {
      await ask('close');
      closing = true;
      await current.terminate();
    },
  };
}
