/**
 * The WebSocket messages (shared/src/ws.ts is the contract): what the editor sends, the replies,
 * and the lifecycle events (shared/src/events.ts), each with its per-execution `seq`.
 */
import type { LifecycleEvent } from '@shared/events';
import type { WsClientMessage, WsReply, WsServerMessage } from '@shared/ws';

export type ClientMessage = WsClientMessage;
export type ReplyMessage = WsReply;
export type ServerMessage = WsServerMessage;

const lifecycleTypes = new Set<string>(['execution_started', 'node_started', 'node_completed', 'node_failed', 'execution_completed', 'execution_paused', 'log', 'user_input_required']);

/** True for a lifecycle event (as opposed to a reply). */
export const isLifecycleEvent = (m: ServerMessage): m is LifecycleEvent => lifecycleTypes.has(m.type);
