/**
 * The fan-out: every lifecycle event becomes part of its execution's ordered log and reaches
 * every WebSocket connection watching that execution.
 *
 * It runs behind a FIFO queue grouped by execution id (SQS FIFO on AWS, the local FIFO queue on
 * the local platform), so the messages of one execution are handled one at a time, in order:
 * the seq order of the log is the order clients receive. Three kinds of message:
 *  - `event`: a lifecycle event from the Stepflow bus (runtimes, pause gates, the local engine);
 *  - `sfn_status`: Step Functions' own Execution Status Change, for what no Lambda saw (the start,
 *    the end, timeouts, aborts, crashes);
 *  - `catch_up`: a subscribe, queued by the WebSocket route behind the execution's events, so a
 *    client first gets the backlog after its `after_seq`, then `subscribed`, then live events,
 *    with nothing missed and nothing twice.
 *
 * Delivery to clients is at least once across crashes (a redelivered message is posted again,
 * and its seq tells the client it has it); in normal operation every event arrives once, in order.
 */
import { NotFoundError, ConflictError } from '@shared/errors';
import { lifecycleEventSchema, type LifecycleEvent } from '@shared/events';
import type { SubscribedMessage } from '@shared/ws';
import { z } from 'zod';
import type { ConnectionRepository, ExecutionEventLog, ExecutionRepository, NodeRunRepository } from '../_shared/data';

import type { PostOutcome } from '../_shared/clients/ws-management';

export interface FanOutDeps {
  readonly log: ExecutionEventLog;
  readonly connections: ConnectionRepository;
  readonly executions: ExecutionRepository;
  readonly nodeRuns: NodeRunRepository;
  /** Posts one frame to one connection (API Gateway's @connections API or its local stand-in). */
  readonly post: (connectionId: string, data: string) => Promise<PostOutcome>;
  /** The tenant of executions started outside the API (no tenant index), e.g. by synth-time triggers. */
  readonly defaultTenant?: string;
  /**
   * How long to wait for an execution's tenant record before falling back to `defaultTenant`:
   * an execution's first events can arrive before the API has recorded it (it records after
   * StartExecution returns). @default 3000
   */
  readonly tenantWaitMs?: number;
  readonly logger?: { warn(message: string, extra?: Record<string, unknown>): void };
}

/** Step Functions' `Execution Status Change` detail (the fields used). */
export const sfnStatusDetailSchema = z.looseObject({
  executionArn: z.string().min(1),
  stateMachineArn: z.string().optional(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
  startDate: z.number().nullish(),
  stopDate: z.number().nullish(),
  input: z.string().nullish(),
  output: z.string().nullish(),
  error: z.string().nullish(),
  cause: z.string().nullish(),
});
export type SfnStatusDetail = z.infer<typeof sfnStatusDetailSchema>;

export const fanOutMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), event: lifecycleEventSchema }),
  z.object({ kind: z.literal('sfn_status'), detail: sfnStatusDetailSchema, time: z.string().optional() }),
  z.object({
    kind: z.literal('catch_up'),
    connectionId: z.string().min(1),
    tenantId: z.string().min(1),
    executionId: z.string().min(1),
    afterSeq: z.number().int().min(0),
    requestId: z.string().optional(),
  }),
]);
export type FanOutMessage = z.infer<typeof fanOutMessageSchema>;

export type FanOutResult =
  | { readonly kind: 'event'; readonly seq: number; readonly duplicate: boolean; readonly sent: number; readonly gone: number }
  | { readonly kind: 'catch_up'; readonly sent: number; readonly gone: boolean }
  | { readonly kind: 'skipped'; readonly reason: string };

/** API Gateway refuses WebSocket frames over 128 KB; the rest of the event still goes out. */
export const MAX_FRAME_BYTES = 120 * 1024;

/** The frame a client receives for an event: the event itself, its large values elided when needed. */
export function eventFrame(event: LifecycleEvent): string {
  const frame = JSON.stringify(event);
  if (Buffer.byteLength(frame) <= MAX_FRAME_BYTES) return frame;
  const elided = (value: unknown) => ({ elided: true, bytes: Buffer.byteLength(JSON.stringify(value) ?? '') });
  const slim: Record<string, unknown> = { ...event };
  for (const field of ['output', 'result', 'input', 'data'] as const) if (field in slim) slim[field] = elided(slim[field]);
  if (typeof slim.message === 'string' && slim.message.length > 16_384) slim.message = `${slim.message.slice(0, 16_384)}… (truncated)`;
  return JSON.stringify(slim);
}

/** Turns a Step Functions status change into the lifecycle event clients know. */
export function eventFromSfnStatus(detail: SfnStatusDetail, time?: string): LifecycleEvent | undefined {
  const at = (ms: number | null | undefined) => new Date(ms ?? (time ? Date.parse(time) : Date.now())).toISOString();
  const parse = (s: string | null | undefined): unknown => {
    if (s === null || s === undefined) return undefined;
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return s;
    }
  };
  if (detail.status === 'PENDING_REDRIVE') return undefined;
  const base = { event_id: `sfn:${detail.executionArn}:${detail.status}`, execution_id: detail.executionArn };
  if (detail.status === 'RUNNING') {
    const input = parse(detail.input);
    return lifecycleEventSchema.parse({ ...base, type: 'execution_started', timestamp: at(detail.startDate), ...(input === undefined ? {} : { input }) });
  }
  const result = parse(detail.output);
  return lifecycleEventSchema.parse({
    ...base,
    type: 'execution_completed',
    timestamp: at(detail.stopDate),
    status: detail.status,
    duration_ms: detail.startDate && detail.stopDate ? Math.max(0, detail.stopDate - detail.startDate) : 0,
    ...(result === undefined ? {} : { result }),
    ...(detail.status === 'SUCCEEDED' ? {} : { error: { name: detail.error ?? `States.${detail.status === 'TIMED_OUT' ? 'Timeout' : detail.status === 'ABORTED' ? 'Aborted' : 'Failed'}`, message: detail.cause ?? '' } }),
  });
}

/**
 * Handles one message of an execution's group.
 * @example
 * ```ts
 * await fanOut({ kind: 'event', event }, deps);
 * ```
 */
export async function fanOut(message: FanOutMessage, deps: FanOutDeps): Promise<FanOutResult> {
  if (message.kind === 'catch_up') return catchUp(message, deps);
  const event = message.kind === 'event' ? message.event : eventFromSfnStatus(message.detail, message.time);
  if (!event) return { kind: 'skipped', reason: 'status needs no event' };
  const tenantId = (await tenantOf(event.execution_id, deps)) ?? deps.defaultTenant;
  if (!tenantId) {
    deps.logger?.warn('event for an execution with no tenant; dropped', { executionId: event.execution_id, type: event.type });
    return { kind: 'skipped', reason: 'no tenant' };
  }
  const { seq, duplicate } = await deps.log.append(tenantId, event);
  await applyToRecords(tenantId, event, deps);
  const frame = eventFrame({ ...event, seq });
  let sent = 0;
  let gone = 0;
  const subscribers = await deps.connections.subscribers(tenantId, event.execution_id);
  await Promise.all(
    subscribers.map(async (connectionId) => {
      if ((await deps.post(connectionId, frame)) === 'sent') sent += 1;
      else {
        gone += 1;
        await deps.connections.disconnect(connectionId);
      }
    }),
  );
  return { kind: 'event', seq, duplicate, sent, gone };
}

async function tenantOf(executionId: string, deps: FanOutDeps): Promise<string | undefined> {
  const deadline = Date.now() + (deps.tenantWaitMs ?? 3_000);
  for (;;) {
    const tenantId = await deps.executions.tenantOf(executionId);
    if (tenantId !== undefined || Date.now() >= deadline) return tenantId;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Keeps the execution record and node runs in step with the log (each write is idempotent). */
async function applyToRecords(tenantId: string, event: LifecycleEvent, deps: FanOutDeps): Promise<void> {
  const tolerate = (err: unknown) => {
    // The record moved on already (a duplicate, or the API completed it first), or the
    // execution was started outside the API and has no record: nothing to update.
    if (err instanceof ConflictError || err instanceof NotFoundError) return;
    throw err;
  };
  switch (event.type) {
    case 'node_started':
    case 'node_completed':
    case 'node_failed':
      await deps.nodeRuns.applyEvent(tenantId, event);
      return;
    case 'execution_paused':
      await deps.executions.markPaused(tenantId, event.execution_id, new Date(event.timestamp)).catch(tolerate);
      return;
    case 'execution_completed': {
      const totals = event.usage ? { tokens: event.usage.input_tokens + event.usage.output_tokens, costUsd: event.usage.cost_usd } : undefined;
      await deps.executions
        .complete(tenantId, event.execution_id, {
          status: event.status,
          ...(event.result === undefined ? {} : { output: event.result }),
          ...(event.error ? { error: event.error } : {}),
          stoppedAt: new Date(event.timestamp),
          durationMs: event.duration_ms,
          ...(totals ? { totals } : {}),
        })
        .catch(tolerate);
      return;
    }
    default:
      return;
  }
}

async function catchUp(job: Extract<FanOutMessage, { kind: 'catch_up' }>, deps: FanOutDeps): Promise<FanOutResult> {
  let sent = 0;
  let afterSeq = job.afterSeq;
  for (;;) {
    const page = await deps.log.read(job.tenantId, job.executionId, { afterSeq });
    for (const item of page.items) {
      if ((await deps.post(job.connectionId, eventFrame(item.event))) === 'gone') {
        await deps.connections.disconnect(job.connectionId);
        return { kind: 'catch_up', sent, gone: true };
      }
      sent += 1;
    }
    afterSeq = page.lastSeq;
    if (!page.more) break;
  }
  try {
    await deps.connections.subscribe(job.tenantId, job.connectionId, job.executionId);
  } catch (err) {
    // The connection closed while it caught up.
    if (err instanceof NotFoundError) return { kind: 'catch_up', sent, gone: true };
    throw err;
  }
  const ack: SubscribedMessage = { type: 'subscribed', execution_id: job.executionId, last_seq: afterSeq, ...(job.requestId ? { id: job.requestId } : {}) };
  const outcome = await deps.post(job.connectionId, JSON.stringify(ack));
  if (outcome === 'gone') await deps.connections.disconnect(job.connectionId);
  return { kind: 'catch_up', sent, gone: outcome === 'gone' };
}

/**
 * Reads one queue message: an EventBridge event as a rule delivered it (a Stepflow lifecycle
 * event, or Step Functions' status change) or a catch-up job from the WebSocket route.
 * @throws ZodError for a body that is neither (the queue's redrive policy parks it in the DLQ)
 */
export function messageFromQueueBody(body: string): FanOutMessage {
  const value = JSON.parse(body) as Record<string, unknown>;
  if (typeof value['detail-type'] === 'string') {
    if (value.source === 'aws.states') return fanOutMessageSchema.parse({ kind: 'sfn_status', detail: value.detail, ...(typeof value.time === 'string' ? { time: value.time } : {}) });
    return fanOutMessageSchema.parse({ kind: 'event', event: value.detail });
  }
  return fanOutMessageSchema.parse(value);
}

/** The FIFO group of a message: its execution. */
export function groupOf(message: FanOutMessage): string {
  switch (message.kind) {
    case 'event':
      return message.event.execution_id;
    case 'sfn_status':
      return message.detail.executionArn;
    case 'catch_up':
      return message.executionId;
  }
}

/**
 * Handles a FIFO batch in order. After a failure, that message and every later one of the same
 * execution are reported failed (retried later, still in order); other executions go on.
 */
export async function fanOutBatch(
  records: ReadonlyArray<{ readonly messageId: string; readonly body: string }>,
  deps: FanOutDeps,
  onError: (messageId: string, err: unknown) => void = () => undefined,
): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  const failures: Array<{ itemIdentifier: string }> = [];
  const blocked = new Set<string>();
  for (const record of records) {
    let message: FanOutMessage;
    try {
      message = messageFromQueueBody(record.body);
    } catch (err) {
      // Malformed forever: retrying cannot help, so it is logged and left out of the failures.
      onError(record.messageId, err);
      continue;
    }
    const group = groupOf(message);
    if (blocked.has(group)) {
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      await fanOut(message, deps);
    } catch (err) {
      onError(record.messageId, err);
      blocked.add(group);
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
