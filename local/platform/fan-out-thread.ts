/**
 * Starts the fan-out thread (fan-out-worker.ts, bundled by worker-bundle.ts) and talks to it.
 */
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { FanOutMessage } from '../../functions/fan-out-event/fan-out-event';
import type { FanOutWorkerData, FromFanOut, ToFanOut } from './fan-out-protocol';
import { createFanOutConsumer } from './fan-out-worker';
import { bundledWorker } from './worker-bundle';

export interface FanOutThreadOptions extends FanOutWorkerData {
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

/**
 * @example
 * ```ts
 * const fanOut = await startFanOutThread({ dynamoUrl, region, credentials, tableName, defaultTenant, post: gateway.postToConnection });
 * fanOut.send({ kind: 'event', event });
 * await fanOut.close();
 * ```
 */
export async function startFanOutThread(options: FanOutThreadOptions): Promise<FanOutThread> {
  const { post, onHandled, log, mode, ...data } = options;
  const port = mode === 'inline' ? inlinePort(data) : new Worker(await bundledWorker(path.join(__dirname, 'fan-out-worker.ts')), { workerData: { ...data, fanOutWorker: true }, transferList: data.dynamoPort ? [data.dynamoPort] : [] });
  const worker = port;
  const tell = (m: ToFanOut) => worker.postMessage(m);
  let nextId = 0;
  const drains = new Map<number, () => void>();
  let failed: Error | undefined;
  worker.on('error', (err) => {
    failed = err;
    log?.(`the fan-out thread failed: ${err.stack ?? err.message}`);
    for (const resolve of drains.values()) resolve();
    drains.clear();
  });
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m: FromFanOut) => {
      switch (m.type) {
        case 'ready':
          resolve();
          return;
        case 'post':
          Promise.resolve()
            .then(async () => {
              for (const frame of m.frames) if ((await post(m.connectionId, frame)) === 'gone') return 'gone' as const;
              return 'sent' as const;
            })
            .then(
              (outcome) => tell({ type: 'posted', id: m.id, outcome }),
              (err: Error) => tell({ type: 'posted', id: m.id, error: err.message }),
            );
          return;
        case 'handled':
          onHandled?.(m.eventIds);
          return;
        case 'drained':
          drains.get(m.id)?.();
          drains.delete(m.id);
          return;
        case 'log':
          log?.(m.line);
          return;
      }
    });
    worker.once('error', reject);
  });
  const ask = (type: 'drain' | 'close') =>
    failed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const id = ++nextId;
          drains.set(id, resolve);
          tell({ type, id });
        });
  return {
    send: (message) => {
      if (failed) throw new Error(`the fan-out thread is down: ${failed.message}`);
      tell({ type: 'send', message });
    },
    drain: () => ask('drain'),
    close: async () => {
      await ask('close');
      await worker.terminate();
    },
  };
}
