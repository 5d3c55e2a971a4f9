/**
 * Starts the local DynamoDB on a thread of its own and connects threads to it: `connect()` gives
 * a MessagePort for another thread (or a request handler for an SDK client on this one).
 */
import path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { bundledWorker } from '../platform/worker-bundle';
import { portHandler, type SdkRequestHandler } from './server';
import type { DynamoWorkerData, FromDynamoWorker, ToDynamoWorker } from './worker';

export interface DynamoThread {
  /** The HTTP endpoint (DynamoDB JSON protocol) on 127.0.0.1. */
  readonly url: string;
  /** A request handler for an SDK client on this thread. */
  handler(): SdkRequestHandler;
  /** A port for another thread: give it to `portHandler` there (and transfer it). */
  port(): MessagePort;
  close(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const db = await startDynamoThread({ journalFile: '.stepflow/dynamodb.jsonl' });
 * const client = new DynamoDBClient({ endpoint: db.url, requestHandler: db.handler() });
 * ```
 */
export async function startDynamoThread(options: { journalFile?: string; port?: number; onError?: (err: Error) => void } = {}): Promise<DynamoThread> {
  const { onError, ...rest } = options;
  const data: DynamoWorkerData = { dynamoWorker: true, ...rest };
  const worker = new Worker(await bundledWorker(path.join(__dirname, 'worker.ts')), { workerData: data });
  const tell = (m: ToDynamoWorker, transfer: MessagePort[] = []) => worker.postMessage(m, transfer);
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', (m: FromDynamoWorker) => (m.type === 'ready' ? resolve(m.url) : reject(new Error(`the local DynamoDB did not start: ${m.type === 'failed' ? m.message : m.type}`))));
    worker.once('error', reject);
  });
  // After start, a failure of the thread is reported (requests then fail with a clear error, see
  // portHandler) instead of crashing the process through an unhandled 'error' event.
  worker.on('error', (err) => onError?.(err));
  const port = () => {
    const { port1, port2 } = new MessageChannel();
    tell({ type: 'connect', port: port2 }, [port2]);
    return port1;
  };
  return {
    url,
    port,
    handler: () => portHandler(port()),
    close: async () => {
      await new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        tell({ type: 'close' });
      });
      await worker.terminate();
    },
  };
}
