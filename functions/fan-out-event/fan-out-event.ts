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
  /**
   * Posts frames to one connection in order, stopping at a gone connection (`gone` then); when
   * given, a batch's frames go in one call instead of one `post` each.
   */
  readonly postMany?: (connectionId: string, frames: readonly string[]) => Promise<PostOutcome>;
  /** The tenant of executions started outside the API (no tenant index), e.g. by synth-time triggers. */
  readonly defaultTenant?: string;
  /**
   * How long to wait for an execution's tenant record before falling back to `defaultTenant`:
   * an execution's first events can arrive before the API has recorded it (it records after
   * StartExecution returns). @default 3000
   */
  readonly tenantWaitMs?: number;
  /** Per-container memory: an execution's tenant never changes, and its last seq only grows. */
  readonly cache?: FanOutCache;
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

/** Bounded memory of tenants and last seqs by execution (oldest forgotten first). */
export class FanOutCache {
  private readonly entries = new Map<string, { tenantId: string; lastSeq: number }>();
  constructor(private readonly capacity = 10_000) {}
  get(executionId: string) {
    return this.entries.get(executionId);
  }
  set(executionId: string, tenantId: string, seq: number): void {
    const prev = this.entries.get(executionId);
    this.entries.delete(executionId);
    this.entries.set(executionId, { tenantId, lastSeq: Math.max(seq, prev?.tenantId === tenantId ? prev.lastSeq : 0) });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

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
  const event = eventOf(message);
  if (!event) return { kind: 'skipped', reason: 'status needs no event' };
  return (await fanOutEvents([event], deps))[0] as FanOutResult;
}

/** The lifecycle event a message carries (none for a catch-up or a status that needs none). */
function eventOf(message: FanOutMessage): LifecycleEvent | undefined {
  if (message.kind === 'event') return message.event;
  if (message.kind === 'sfn_status') return eventFromSfnStatus(message.detail, message.time);
  return undefined;
}

/**
 * Fans out consecutive events of one execution together: they are appended concurrently (each
 * at its own number when the end of the log is known, so a batch costs two round trips, not two
 * per event), then posted to each watcher in seq order, while the markers and records finish.
 */
export async function fanOutEvents(events: readonly LifecycleEvent[], deps: FanOutDeps): Promise<FanOutResult[]> {
  const first = events[0];
  if (!first) return [];
  const executionId = first.execution_id;
  if (events.some((e) => e.execution_id !== executionId)) throw new Error('fanOutEvents takes events of one execution');
  let cached = deps.cache?.get(executionId);
  const tenantId = cached?.tenantId ?? (await tenantOf(executionId, deps)) ?? deps.defaultTenant;
  if (!tenantId) {
    deps.logger?.warn('events for an execution with no tenant; dropped', { executionId, count: events.length });
    return events.map(() => ({ kind: 'skipped', reason: 'no tenant' }));
  }
  // Who watches is read while the events are appended (two round trips for the batch).
  const subscribersRead = deps.connections.subscribers(tenantId, executionId);
  // The end of the log, unless this container knows it: one strongly consistent read, after
  // which the whole batch is appended at once (three round trips for a new execution's first
  // batch instead of five).
  cached ??= { tenantId, lastSeq: await deps.log.lastSeq(tenantId, executionId) };
  const appended = await deps.log.appendMany(tenantId, events, { markSeq: false, nextSeqHint: cached.lastSeq + 1 });
  const subscribers = await subscribersRead;
  for (const a of appended) deps.cache?.set(executionId, tenantId, a.seq);

  // Each seq once, in order (a redelivery inside the batch shares its original's number).
  const bySeq = new Map<number, LifecycleEvent>();
  events.forEach((e, i) => bySeq.set((appended[i] as { seq: number }).seq, e));
  const frames = [...bySeq.entries()].sort((a, b) => a[0] - b[0]).map(([seq, e]) => eventFrame({ ...e, seq }));
  const results = appended.map((a) => ({ kind: 'event' as const, seq: a.seq, duplicate: a.duplicate, sent: 0, gone: 0 }));
  let sent = 0;
  let gone = 0;
  await Promise.all([
    // The records (node runs, the execution's status) start once the events are appended, so
    // they do not slow the append that the watchers wait for.
    updateRecords(tenantId, events, deps),
    ...subscribers.map(async (connectionId) => {
      if ((await postInOrder(deps, connectionId, frames)) === 'gone') {
        gone += 1;
        await deps.connections.disconnect(connectionId);
        return;
      }
      sent += 1;
    }),
  ]);
  // Counts per watcher, reported on each event of the batch.
  return results.map((r) => ({ ...r, sent, gone }));
}

async function postInOrder(deps: FanOutDeps, connectionId: string, frames: readonly string[]): Promise<PostOutcome> {
  if (deps.postMany) return deps.postMany(connectionId, frames);
  for (const frame of frames) if ((await deps.post(connectionId, frame)) === 'gone') return 'gone';
  return 'sent';
}

async function tenantOf(executionId: string, deps: FanOutDeps): Promise<string | undefined> {
  const deadline = Date.now() + (deps.tenantWaitMs ?? 3_000);
  // The record usually lands within a few milliseconds: look again soon, then every 20 ms.
  for (let attempt = 0; ; attempt++) {
    const tenantId = await deps.executions.tenantOf(executionId);
    if (tenantId !== undefined || Date.now() >= deadline) return tenantId;
    await new Promise((r) => setTimeout(r, Math.min(20, 2 ** attempt * 2)));
  }
}

/**
 * Node runs take updates in any order (each write checks attempt and rank), so they go at once;
 * the execution record's transitions follow in order.
 */
async function updateRecords(tenantId: string, events: readonly LifecycleEvent[], deps: FanOutDeps): Promise<void> {
  const isNode = (e: LifecycleEvent) => e.type === 'node_started' || e.type === 'node_completed' || e.type === 'node_failed';
  await Promise.all(events.filter(isNode).map((e) => applyToRecords(tenantId, e, deps)));
  for (const e of events.filter((x) => !isNode(x))) await applyToRecords(tenantId, e, deps);
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
    // A page of the backlog goes out in order, in one call where the transport allows it (`sent`
    // then counts the pages that went out whole).
    if (page.items.length > 0 && (await postInOrder(deps, job.connectionId, page.items.map((item) => eventFrame(item.event)))) === 'gone') {
      await deps.connections.disconnect(job.connectionId);
      return { kind: 'catch_up', sent, gone: true };
    }
    sent += page.items.length;
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
  const failed = new Set<string>();
  const blocked = new Set<string>();
  const parsed: Array<{ messageId: string; message: FanOutMessage; group: string }> = [];
  for (const record of records) {
    try {
      const message = messageFromQueueBody(record.body);
      parsed.push({ messageId: record.messageId, message, group: groupOf(message) });
    } catch (err) {
      // Malformed forever: retrying cannot help, so it is logged and left out of the failures.
      onError(record.messageId, err);
    }
  }
  await fanOutMessages(parsed, deps, (items, err) => {
    for (const item of items) {
      onError(item.messageId, err);
      failed.add(item.messageId);
      blocked.add(item.group);
    }
  }, (item) => blocked.has(item.group));
  // After a failure, the later messages of that execution are not handled: report them too.
  const failures = parsed.filter((p) => failed.has(p.messageId) || blocked.has(p.group)).map((p) => ({ itemIdentifier: p.messageId }));
  return { batchItemFailures: failures };
}

/**
 * Handles messages in order, consecutive events of one execution together (fanOutEvents).
 * `skip` leaves out messages of a group that already failed; `onFailure` gets what failed.
 */
export async function fanOutMessages<T extends { message: FanOutMessage; group: string }>(
  items: readonly T[],
  deps: FanOutDeps,
  onFailure: (items: T[], err: unknown) => void,
  skip: (item: T) => boolean = () => false,
): Promise<void> {
  let i = 0;
  while (i < items.length) {
    const item = items[i] as T;
    if (skip(item)) {
      i += 1;
      continue;
    }
    const run: T[] = [item];
    const event = eventOf(item.message);
    if (event) {
      while (i + run.length < items.length) {
        const next = items[i + run.length] as T;
        const e = eventOf(next.message);
        if (!e || next.group !== item.group || e.execution_id !== event.execution_id) break;
        run.push(next);
      }
    }
    try {
      if (event) {
        const events = run.map((r) => eventOf(r.message)).filter((e): e is LifecycleEvent => e !== undefined);
        await fanOutEvents(events, deps);
      } else await fanOut(item.message, deps);
    } catch (err) {
      onFailure(run, err);
    }
    i += run.length;
  }
}
