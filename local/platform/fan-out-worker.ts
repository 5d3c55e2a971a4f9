/**
 * The fan-out "Lambda" of the local platform, on a thread of its own: the local FIFO queue and
 * the fan-out module (functions/fan-out-event) with its own DynamoDB client. On AWS the fan-out
 * has its own compute; here the thread keeps its DynamoDB traffic (the bulk of the platform's)
 * off the event loop that runs the engine, the API and the WebSocket gateway. Frames go back to
 * the main thread, which owns the gateway's sockets. See fan-out-thread.ts for the protocol.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PostOutcome } from '../../functions/_shared/clients/ws-management';
import { ConnectionRepository, ExecutionEventLog, ExecutionRepository, NodeRunRepository } from '../../functions/_shared/data';
import { FanOutCache, fanOutMessages, groupOf, type FanOutDeps, type FanOutMessage } from '../../functions/fan-out-event/fan-out-event';
import { inProcessClientOptions, portHandler } from '../dynamodb/server';
import { LocalFifoQueue } from '../queue/fifo-queue';
import type { FromFanOut, FanOutWorkerData, ToFanOut } from './fan-out-protocol';

/**
 * The consumer: fed with {@link ToFanOut} messages, answering through `say`. The worker thread
 * wraps it below; the platform can also run it on its own thread (`fanOut: 'inline'`).
 */
export function createFanOutConsumer(config: FanOutWorkerData, say: (message: FromFanOut) => void): { receive(message: ToFanOut): void } {
  const dynamo = new DynamoDBClient({ endpoint: config.dynamoUrl, region: config.region, credentials: config.credentials, ...(config.dynamoPort ? inProcessClientOptions(portHandler(config.dynamoPort), config.dynamoUrl) : {}) });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });

  let nextPost = 0;
  const posts = new Map<number, { resolve: (o: PostOutcome) => void; reject: (e: Error) => void }>();
  // A batch's frames for a connection travel in one message (one round trip, not one per frame).
  const postMany = (connectionId: string, frames: readonly string[]) =>
    new Promise<PostOutcome>((resolve, reject) => {
      const id = ++nextPost;
      posts.set(id, { resolve, reject });
      say({ type: 'post', id, connectionId, frames });
    });

  const deps: FanOutDeps = {
    log: new ExecutionEventLog(doc, config.tableName),
    connections: new ConnectionRepository(doc, config.tableName),
    executions: new ExecutionRepository(doc, config.tableName),
    nodeRuns: new NodeRunRepository(doc, config.tableName),
    post: (connectionId, data) => postMany(connectionId, [data]),
    postMany,
    defaultTenant: config.defaultTenant,
    cache: new FanOutCache(),
    logger: { warn: (m) => say({ type: 'log', line: m }) },
  };

  type Queued = { readonly seq: number; readonly message: FanOutMessage };
  const done = (items: readonly Queued[]) => say({ type: 'handled', seqs: items.map((q) => q.seq), eventIds: items.flatMap((q) => (q.message.kind === 'event' ? [q.message.event.event_id] : [])) });
  const queue = new LocalFifoQueue<Queued>({
    // An execution's events that reach this thread together are stored and posted together.
    gather: true,
    // Up to 10 messages of an execution at once, as the fan-out Lambda reads its FIFO queue.
    batchConsumer: async (items) => {
      let failure: unknown;
      await fanOutMessages(
        items.map(({ message }) => ({ message, group: groupOf(message) })),
        deps,
        (_items, err) => (failure ??= err),
        () => failure !== undefined,
      );
      if (failure !== undefined) throw failure;
      done(items);
    },
    onDeadLetter: (item, err) => {
      done([item]);
      say({ type: 'log', line: `fan-out gave up on a ${item.message.kind} message: ${(err as Error).message}` });
    },
  });

  return {
    receive: (m) => {
      switch (m.type) {
        case 'send':
          queue.send(groupOf(m.message), { seq: m.seq, message: m.message });
          return;
        case 'posted': {
          const waiting = posts.get(m.id);
          posts.delete(m.id);
          if (m.error !== undefined) waiting?.reject(new Error(m.error));
          else waiting?.resolve(m.outcome ?? 'gone');
          return;
        }
        case 'drain':
          void queue.drain().then(() => say({ type: 'drained', id: m.id }));
          return;
        case 'close':
          void queue.close().then(() => {
            dynamo.destroy();
            say({ type: 'drained', id: m.id });
          });
          return;
      }
    },
  };
}

if (!isMainThread && parentPort && (workerData as { fanOutWorker?: boolean } | undefined)?.fanOutWorker) {
  const port = parentPort;
  const consumer = createFanOutConsumer(workerData as FanOutWorkerData, (message) => port.postMessage(message));
  port.on('message', (m: ToFanOut) => consumer.receive(m));
  port.postMessage({ type: 'ready' } satisfies FromFanOut);
}
