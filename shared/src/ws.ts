/**
 * The WebSocket contract, per execution (DESIGN.md "Contracts").
 *
 * Client -> server: `subscribe` (with `after_seq`: the last sequence number the client saw, to be
 * sent what it missed), `unsubscribe`, `send_input` (answers a human-input request) and `ping`.
 * Every client message may carry an `id`, echoed on the reply it causes.
 *
 * Server -> client: every lifecycle event of shared/src/events.ts exactly as the fan-out logged
 * it, each with its per-execution `seq`; plus replies: `subscribed` (after the backlog, with the
 * execution's last seq), `unsubscribed`, `input_accepted`, `pong` and `error`.
 *
 * Field names are snake_case like the lifecycle events.
 *
 * @example
 * ```ts
 * ws.send(JSON.stringify({ type: 'subscribe', execution_id: id, after_seq: lastSeen } satisfies WsClientMessage));
 * const msg = wsServerMessageSchema.parse(JSON.parse(data));
 * ```
 */
import { z } from 'zod';
import { lifecycleEventSchema } from './events';

/** API Gateway's limit for one WebSocket frame is 128 KB; a client message has no reason to be near it. */
export const MAX_CLIENT_MESSAGE_BYTES = 32 * 1024;

const correlation = { id: z.string().min(1).max(128).optional() };
const executionId = z.string().min(1).max(2048);

export const subscribeMessageSchema = z.strictObject({
  ...correlation,
  type: z.literal('subscribe'),
  execution_id: executionId,
  /** Send the events after this seq (0 or absent: from the beginning). */
  after_seq: z.number().int().min(0).optional(),
});
export const unsubscribeMessageSchema = z.strictObject({ ...correlation, type: z.literal('unsubscribe'), execution_id: executionId });
export const sendInputMessageSchema = z
  .strictObject({
    ...correlation,
    type: z.literal('send_input'),
    execution_id: executionId,
    /** The waiting node (enough when it has one open request). */
    node_id: z.string().min(1).max(256).optional(),
    /** The request id from `user_input_required` (needed inside loops). */
    request_id: z.string().min(1).max(512).optional(),
    /** The answer, validated against the request's input schema. */
    data: z.unknown(),
  })
  .refine((m) => m.node_id !== undefined || m.request_id !== undefined, { message: 'give node_id or request_id', path: ['node_id'] });
export const pingMessageSchema = z.strictObject({ ...correlation, type: z.literal('ping') });

export const wsClientMessageTypes = ['subscribe', 'unsubscribe', 'send_input', 'ping'] as const;
export type WsClientMessageType = (typeof wsClientMessageTypes)[number];

/** One schema per client message type (the `type` picks it, so errors name the right fields). */
export const wsClientMessageSchemas = {
  subscribe: subscribeMessageSchema,
  unsubscribe: unsubscribeMessageSchema,
  send_input: sendInputMessageSchema,
  ping: pingMessageSchema,
} as const;

export type SubscribeMessage = z.infer<typeof subscribeMessageSchema>;
export type UnsubscribeMessage = z.infer<typeof unsubscribeMessageSchema>;
export type SendInputMessage = z.infer<typeof sendInputMessageSchema>;
export type PingMessage = z.infer<typeof pingMessageSchema>;
export type WsClientMessage = SubscribeMessage | UnsubscribeMessage | SendInputMessage | PingMessage;

/** Why a client message was refused. */
export const wsErrorCodes = ['BAD_MESSAGE', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'VALIDATION', 'INTERNAL'] as const;
export type WsErrorCode = (typeof wsErrorCodes)[number];

export const subscribedMessageSchema = z.object({ ...correlation, type: z.literal('subscribed'), execution_id: executionId, last_seq: z.number().int().min(0) });
export const unsubscribedMessageSchema = z.object({ ...correlation, type: z.literal('unsubscribed'), execution_id: executionId });
export const inputAcceptedMessageSchema = z.object({ ...correlation, type: z.literal('input_accepted'), execution_id: executionId, node_id: z.string(), request_id: z.string() });
export const pongMessageSchema = z.object({ ...correlation, type: z.literal('pong'), timestamp: z.iso.datetime({ offset: true }) });
export const errorMessageSchema = z.object({
  ...correlation,
  type: z.literal('error'),
  code: z.enum(wsErrorCodes),
  message: z.string(),
  details: z.array(z.object({ path: z.string().optional(), message: z.string() })).optional(),
});

export type SubscribedMessage = z.infer<typeof subscribedMessageSchema>;
export type UnsubscribedMessage = z.infer<typeof unsubscribedMessageSchema>;
export type InputAcceptedMessage = z.infer<typeof inputAcceptedMessageSchema>;
export type PongMessage = z.infer<typeof pongMessageSchema>;
export type WsErrorMessage = z.infer<typeof errorMessageSchema>;
export type WsReply = SubscribedMessage | UnsubscribedMessage | InputAcceptedMessage | PongMessage | WsErrorMessage;

/** Everything the server sends: a lifecycle event (with its seq) or a reply. */
export const wsServerMessageSchema = z.union([lifecycleEventSchema, subscribedMessageSchema, unsubscribedMessageSchema, inputAcceptedMessageSchema, pongMessageSchema, errorMessageSchema]);
export type WsServerMessage = z.infer<typeof wsServerMessageSchema>;

export type ParsedClientMessage = { ok: true; message: WsClientMessage } | { ok: false; error: WsErrorMessage };

/**
 * Parses one client frame: malformed JSON, an unknown `type` or a wrong field each give an
 * `error` reply naming what is wrong (and echoing `id` when it could be read).
 *
 * @example
 * ```ts
 * const parsed = parseClientMessage(body);
 * if (!parsed.ok) return send(parsed.error);
 * ```
 */
export function parseClientMessage(raw: string | undefined | null): ParsedClientMessage {
  const fail = (message: string, id?: unknown, details?: WsErrorMessage['details']): ParsedClientMessage => ({
    ok: false,
    error: { type: 'error', code: 'BAD_MESSAGE', message, ...(typeof id === 'string' && id.length > 0 && id.length <= 128 ? { id } : {}), ...(details ? { details } : {}) },
  });
  if (raw === undefined || raw === null || raw.length === 0) return fail('the message is empty; send a JSON object with a "type"');
  if (raw.length > MAX_CLIENT_MESSAGE_BYTES) return fail(`the message is ${raw.length} bytes; the limit is ${MAX_CLIENT_MESSAGE_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return fail(`the message is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('the message must be a JSON object with a "type"');
  const { type, id } = value as { type?: unknown; id?: unknown };
  if (typeof type !== 'string' || !(wsClientMessageTypes as readonly string[]).includes(type)) {
    return fail(`unknown message type ${JSON.stringify(type)}; expected one of ${wsClientMessageTypes.join(', ')}`, id);
  }
  const parsed = wsClientMessageSchemas[type as WsClientMessageType].safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || type, message: i.message }));
    return fail(`invalid ${type} message: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, id, details);
  }
  return { ok: true, message: parsed.data as WsClientMessage };
}
