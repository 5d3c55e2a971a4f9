/**
 * Lifecycle events: what the runtimes, the local engine and Step Functions' own status changes
 * produce; what EventBridge carries; what the fan-out appends to each execution's ordered log
 * and sends to every subscribed WebSocket client (with its `seq`).
 *
 * Field names follow the source design's WebSocket contract (snake_case).
 *
 * @example
 * ```ts
 * const e: LifecycleEvent = { type: 'node_started', event_id: 'x:a:started:1', execution_id: 'x',
 *   node_id: 'a', node_type: 'llm', attempt: 1, timestamp: new Date().toISOString() };
 * lifecycleEventSchema.parse(e);
 * ```
 */
import * as z from 'zod/mini';
import './zod-en';
import { nodeTypes, type NodeType } from './workflow-constants';

const base = {
  /** Unique per event; consumers de-duplicate on it (delivery is at least once). */
  event_id: z.string().check(z.minLength(1), z.maxLength(512)),
  execution_id: z.string().check(z.minLength(1), z.maxLength(2048)),
  workflow_id: z.optional(z.string().check(z.maxLength(256))),
  /** ISO-8601 time the event happened. */
  timestamp: z.iso.datetime({ offset: true }),
  /** Position in the execution's ordered log; set by the fan-out, absent before. */
  seq: z.optional(z.number().check(z.int(), z.gte(1))),
};

/** Token usage of a node (LLM and agent nodes). */
export const usageSchema = z.object({
  input_tokens: z.number().check(z.int(), z.gte(0)),
  output_tokens: z.number().check(z.int(), z.gte(0)),
  cache_read_tokens: z._default(z.number().check(z.int(), z.gte(0)), 0),
  cache_write_tokens: z._default(z.number().check(z.int(), z.gte(0)), 0),
  cost_usd: z._default(z.number().check(z.gte(0)), 0),
});
export type Usage = z.infer<typeof usageSchema>;

export const errorInfoSchema = z.object({ name: z.string(), message: z.string() });

const nodeTypeSchema = z.enum(nodeTypes as [NodeType, ...NodeType[]]);
/** Iteration indices of enclosing loops, outermost first (absent outside loops). */
const iterationSchema = z.optional(z.array(z.number().check(z.int(), z.gte(0))));

export const executionStartedSchema = z.object({ ...base, type: z.literal('execution_started'), input: z.optional(z.unknown()) });
export const nodeStartedSchema = z.object({
  ...base,
  type: z.literal('node_started'),
  node_id: z.string(),
  node_type: nodeTypeSchema,
  attempt: z.number().check(z.int(), z.gte(1)),
  iteration: iterationSchema,
});
export const nodeCompletedSchema = z.object({
  ...base,
  type: z.literal('node_completed'),
  node_id: z.string(),
  node_type: nodeTypeSchema,
  output: z.unknown(),
  duration_ms: z.number().check(z.gte(0)),
  attempts: z.number().check(z.int(), z.gte(1)),
  iteration: iterationSchema,
  usage: z.optional(usageSchema),
  /** The model that answered (llm and agent nodes), e.g. `bedrock:amazon.nova-lite-v1:0`. */
  model: z.optional(z.string()),
  /** True when the answer came from the deterministic local model, not a real provider. */
  simulated: z.optional(z.boolean()),
});
export const nodeFailedSchema = z.object({
  ...base,
  type: z.literal('node_failed'),
  node_id: z.string(),
  node_type: nodeTypeSchema,
  error: errorInfoSchema,
  /** True when a retry follows this failure. */
  retryable: z.boolean(),
  attempt: z.number().check(z.int(), z.gte(1)),
  duration_ms: z.number().check(z.gte(0)),
  iteration: iterationSchema,
});
export const executionStatuses = ['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'] as const;
export const executionCompletedSchema = z.object({
  ...base,
  type: z.literal('execution_completed'),
  status: z.enum(executionStatuses),
  result: z.optional(z.unknown()),
  error: z.optional(errorInfoSchema),
  duration_ms: z.number().check(z.gte(0)),
  usage: z.optional(usageSchema),
});
export const executionPausedSchema = z.object({
  ...base,
  type: z.literal('execution_paused'),
  reason: z.string().check(z.maxLength(1024)),
  node_id: z.optional(z.string()),
});
export const logEventSchema = z.object({
  ...base,
  type: z.literal('log'),
  node_id: z.optional(z.string()),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string().check(z.maxLength(65_536)),
  data: z.optional(z.unknown()),
});
export const userInputRequiredSchema = z.object({
  ...base,
  type: z.literal('user_input_required'),
  node_id: z.string(),
  /** Identifies the request when answering (never the Step Functions task token itself). */
  request_id: z.string(),
  prompt: z.string(),
  input_schema: z.record(z.string(), z.unknown()),
  timeout_seconds: z.number().check(z.int(), z.gte(1)),
});

/** Every lifecycle event, discriminated on `type`. */
export const lifecycleEventSchema = z.discriminatedUnion('type', [
  executionStartedSchema,
  nodeStartedSchema,
  nodeCompletedSchema,
  nodeFailedSchema,
  executionCompletedSchema,
  executionPausedSchema,
  logEventSchema,
  userInputRequiredSchema,
]);
export type LifecycleEvent = z.infer<typeof lifecycleEventSchema>;
export type LifecycleEventType = LifecycleEvent['type'];
export type EventOfType<T extends LifecycleEventType> = Extract<LifecycleEvent, { type: T }>;
export type ExecutionStatus = (typeof executionStatuses)[number];

/** EventBridge `source` and `detail-type` for each lifecycle event. */
export const EVENT_SOURCE = 'stepflow';
export const eventDetailTypes: Record<LifecycleEventType, string> = {
  execution_started: 'Execution Started',
  node_started: 'Node Started',
  node_completed: 'Node Completed',
  node_failed: 'Node Failed',
  execution_completed: 'Execution Completed',
  execution_paused: 'Execution Paused',
  log: 'Log',
  user_input_required: 'User Input Required',
};

type WithoutStamp<E> = E extends unknown ? Omit<E, 'event_id' | 'execution_id' | 'timestamp' | 'seq'> & { timestamp?: string } : never;
/**
 * A lifecycle event before whoever publishes it stamps the id, the execution id and the time.
 * @example
 * ```ts
 * const draft: EventDraft = { type: 'log', node_id: 'a', level: 'info', message: 'thinking' };
 * ```
 */
export type EventDraft = WithoutStamp<LifecycleEvent>;
