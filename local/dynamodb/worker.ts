/**
 * The local platform's DynamoDB thread: the engine, its HTTP endpoint on 127.0.0.1 and a
 * MessagePort per client thread (see thread.ts).
 */
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LocalDynamo } from './engine';
import { serveDynamo, servePort } from './server';

export interface DynamoWorkerData {
  readonly dynamoWorker: true;
  readonly journalFile?: string;
  readonly port?: number;
}

export type ToDynamoWorker = { readonly type: 'connect'; readonly port: MessagePort } | { readonly type: 'close' };
export type FromDynamoWorker = { readonly type: 'ready'; readonly url: string } | { readonly type: 'closed' } | { readonly type: 'failed'; readonly message: string };

if (!isMainThread && parentPort && (workerData as Partial<DynamoWorkerData> | undefined)?.dynamoWorker) {
  const parent = parentPort;
  const data = workerData as DynamoWorkerData;
  void (async () => {
    try {
      const db = await LocalDynamo.open(data.journalFile ? { journalFile: data.journalFile } : {});
      const server = await serveDynamo(db, data.port === undefined ? {} : { port: data.port });
      parent.on('message', (m: ToDynamoWorker) => {
        if (m.type === 'connect') servePort(db, m.port);
        else
          void server
            .close()
            .then(() => db.close())
            .then(() => parent.postMessage({ type: 'closed' } satisfies FromDynamoWorker));
      });
      parent.postMessage({ type: 'ready', url: server.url } satisfies FromDynamoWorker);
    } catch (err) {
      parent.postMessage({ type: 'failed', message: (err as Error).message } satisfies FromDynamoWorker);
    }
  })();
}
