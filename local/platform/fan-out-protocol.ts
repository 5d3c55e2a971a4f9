/** Messages between the local platform's main thread and its fan-out thread (types only). */
import type { MessagePort } from 'node:worker_threads';
import type { FanOutMessage } from '../../functions/fan-out-event/fan-out-event';

export interface FanOutWorkerData {
  readonly dynamoUrl: string;
  /** A channel to the platform's DynamoDB thread (used instead of HTTP to dynamoUrl when given). */
  readonly dynamoPort?: MessagePort;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly tableName: string;
  readonly defaultTenant: string;
}

/** Main thread to fan-out thread. */
export type ToFanOut =
  /** `seq` numbers the message for this side, which keeps it until it is reported done. */
  | { readonly type: 'send'; readonly seq: number; readonly message: FanOutMessage }
  | { readonly type: 'posted'; readonly id: number; readonly outcome?: 'sent' | 'gone'; readonly error?: string }
  | { readonly type: 'drain'; readonly id: number }
  | { readonly type: 'close'; readonly id: number };

/** Fan-out thread to main thread. */
export type FromFanOut =
  | { readonly type: 'ready' }
  /** Frames for one connection, in order (the main thread stops at a gone connection). */
  | { readonly type: 'post'; readonly id: number; readonly connectionId: string; readonly frames: readonly string[] }
  /** Messages that left the pipeline (stored and posted, or given up on), and their events. */
  | { readonly type: 'handled'; readonly seqs: readonly number[]; readonly eventIds: readonly string[] }
  | { readonly type: 'drained'; readonly id: number }
  | { readonly type: 'log'; readonly line: string };
