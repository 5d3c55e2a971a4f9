/**
 * The WebSocket routes: `$connect` (the authorizer already checked the token: tenant, user and
 * roles come with the request and are stored with the connection), `$disconnect`, and
 * `$default`, which takes the client messages of shared/src/ws.ts:
 *  - `subscribe`: the execution must be the caller's tenant's (another tenant's is "not found",
 *    never a leak); the catch-up is queued behind the execution's events (see fan-out-event.ts);
 *  - `unsubscribe`; `ping`;
 *  - `send_input`: answers a human-input request, validated against its schema.
 * A malformed or refused message gets an `error` reply naming what is wrong, and the connection
 * stays open and usable.
 */
import { can, isRole, type Action, type Role } from '@shared/auth';
import { ConflictError, NotFoundError, UserError, ValidationError } from '@shared/errors';
import { parseClientMessage, type WsErrorCode, type WsErrorMessage, type WsReply } from '@shared/ws';
import type { ConnectionPoster } from '../_shared/clients/ws-management';
import type { ConnectionRecord, ConnectionRepository, ExecutionRepository } from '../_shared/data';
import type { FanOutMessage } from '../fan-out-event/fan-out-event';

export type CatchUpJob = Extract<FanOutMessage, { kind: 'catch_up' }>;

export interface AnswerRequest {
  readonly executionId: string;
  readonly nodeId?: string;
  readonly requestId?: string;
  readonly answer: unknown;
  readonly answeredBy: string;
}

export interface WsRouteDeps {
  readonly connections: ConnectionRepository;
  readonly executions: ExecutionRepository;
  readonly post: ConnectionPoster;
  /** Queues a catch-up behind the execution's events (FIFO group = execution id). */
  readonly queueCatchUp: (job: CatchUpJob) => Promise<void>;
  /** Validates and sends an answer to a human-input request; gives the answered request. */
  readonly answer: (request: AnswerRequest) => Promise<{ nodeId: string; requestId: string }>;
  readonly logger?: { error(message: string, err: unknown): void };
}

/** Who is connecting, as the authorizer established it. */
export interface ConnectIdentity {
  readonly tenantId: string;
  readonly userId: string;
  readonly roles: readonly string[];
}

/** `$connect`: records the connection with its tenant, user and roles. */
export async function onConnect(connectionId: string, identity: ConnectIdentity, deps: Pick<WsRouteDeps, 'connections'>): Promise<void> {
  await deps.connections.connect({ connectionId, tenantId: identity.tenantId, userId: identity.userId, roles: identity.roles });
}

/** `$disconnect`: forgets the connection and its subscriptions (safe to repeat). */
export async function onDisconnect(connectionId: string, deps: Pick<WsRouteDeps, 'connections'>): Promise<void> {
  await deps.connections.disconnect(connectionId);
}

const allowed = (conn: ConnectionRecord, action: Action) => can({ roles: (conn.roles ?? []).filter(isRole) as Role[] }, action);

function errorCodeOf(err: unknown): WsErrorCode | undefined {
  if (err instanceof ValidationError) return 'VALIDATION';
  if (err instanceof NotFoundError) return 'NOT_FOUND';
  if (err instanceof ConflictError) return 'CONFLICT';
  if (err instanceof UserError) return err.status === 403 ? 'FORBIDDEN' : err.status === 401 ? 'UNAUTHORIZED' : 'BAD_MESSAGE';
  return undefined;
}

/**
 * `$default`: one client frame. Replies go to the connection through `post`; nothing is thrown
 * for the client's mistakes.
 * @example
 * ```ts
 * await onMessage(event.requestContext.connectionId, event.body, deps);
 * ```
 */
export async function onMessage(connectionId: string, body: string | undefined, deps: WsRouteDeps): Promise<void> {
  const reply = (message: WsReply) => deps.post(connectionId, JSON.stringify(message));
  const fail = (code: WsErrorCode, message: string, id?: string, details?: WsErrorMessage['details']) =>
    reply({ type: 'error', code, message, ...(id ? { id } : {}), ...(details ? { details } : {}) });

  const conn = await deps.connections.find(connectionId);
  if (!conn) {
    await fail('UNAUTHORIZED', 'this connection is not registered (it expired or was closed); reconnect');
    return;
  }
  const parsed = parseClientMessage(body);
  if (!parsed.ok) {
    await reply(parsed.error);
    return;
  }
  const msg = parsed.message;
  const id = msg.id;
  try {
    switch (msg.type) {
      case 'ping':
        await reply({ type: 'pong', timestamp: new Date().toISOString(), ...(id ? { id } : {}) });
        return;
      case 'subscribe': {
        if (!allowed(conn, 'execution:read')) return void (await fail('FORBIDDEN', 'your role may not watch executions', id));
        const execution = await deps.executions.find(conn.tenantId, msg.execution_id);
        if (!execution) return void (await fail('NOT_FOUND', `execution ${msg.execution_id} does not exist`, id));
        await deps.queueCatchUp({ kind: 'catch_up', connectionId, tenantId: conn.tenantId, executionId: msg.execution_id, afterSeq: msg.after_seq ?? 0, ...(id ? { requestId: id } : {}) });
        return;
      }
      case 'unsubscribe':
        await deps.connections.unsubscribe(conn.tenantId, connectionId, msg.execution_id);
        await reply({ type: 'unsubscribed', execution_id: msg.execution_id, ...(id ? { id } : {}) });
        return;
      case 'send_input': {
        if (!allowed(conn, 'execution:answer')) return void (await fail('FORBIDDEN', 'your role may not answer input requests', id));
        const execution = await deps.executions.find(conn.tenantId, msg.execution_id);
        if (!execution) return void (await fail('NOT_FOUND', `execution ${msg.execution_id} does not exist`, id));
        const answered = await deps.answer({
          executionId: msg.execution_id,
          ...(msg.node_id ? { nodeId: msg.node_id } : {}),
          ...(msg.request_id ? { requestId: msg.request_id } : {}),
          answer: msg.data,
          answeredBy: conn.userId,
        });
        await reply({ type: 'input_accepted', execution_id: msg.execution_id, node_id: answered.nodeId, request_id: answered.requestId, ...(id ? { id } : {}) });
        return;
      }
    }
  } catch (err) {
    const code = errorCodeOf(err);
    if (code) {
      const details = err instanceof UserError ? err.details.map((d) => ({ ...(d.path ? { path: d.path } : {}), message: d.message })) : undefined;
      await fail(code, (err as Error).message, id, details && details.length > 0 ? details : undefined);
      return;
    }
    deps.logger?.error('WebSocket message failed', err);
    await fail('INTERNAL', 'an internal error occurred; it has been logged', id);
  }
}
