/**
 * The WebSocket messages the editor sends and reads. The server's lifecycle events are the
 * shared schema's (shared/src/events.ts), each with its per-execution `seq`.
 */
import type { LifecycleEvent } from '@shared/events';

export type ClientMessage =
  | { id?: string; type: 'subscribe'; execution_id: string; after_seq?: number }
  | { id?: string; type: 'unsubscribe'; execution_id: string }
  | { id?: string; type: 'send_input'; execution_id: string; node_id?: string; request_id?: string; data: unknown }
  | { id?: string; type: 'ping' };

export type ReplyMessage =
  | { id?: string; type: 'subscribed'; execution_id: string; last_seq: number }
  | { id?: string; type: 'unsubscribed'; execution_id: string }
  | { id?: string; type: 'input_accepted'; execution_id: string; node_id: string; request_id: string }
  | { id?: string; type: 'pong'; timestamp?: string }
  | { id?: string; type: 'error'; code: string; message: string; execution_id?: string };

export type ServerMessage = LifecycleEvent | ReplyMessage;

const lifecycleTypes = new Set<string>(['execution_started', 'node_started', 'node_completed', 'node_failed', 'execution_completed', 'execution_paused', 'log', 'user_input_required']);

/** True for a lifecycle event (as opposed to a reply). */
export const isLifecycleEvent = (m: ServerMessage): m is LifecycleEvent => lifecycleTypes.has(m.type);
