/**
 * The node lifecycle middleware (middy) every node runtime on AWS runs inside:
 *
 *  before   checks the execution's pause flag: when set, fails fast with `Stepflow.Paused` (the
 *           compiled ASL catches it and parks the run at the node's pause gate, whose success
 *           re-enters the node), so a pause happens at a node boundary and costs nothing while
 *           no one pauses; otherwise records the node run as RUNNING (attempt n) and puts
 *           `node_started` on the bus at once, so watchers see the node running while it works;
 *  after    records SUCCEEDED with the output, duration and tokens, puts `node_completed`;
 *  onError  records FAILED and puts `node_failed` (with `retryable`, which the ASL's Retry
 *           decides on the same error names).
 *
 * Pause gates and other callback bookkeeping tasks (`callback: 'pause'`) are not nodes: they
 * pass through. The attempt number comes from the node run already recorded (Step Functions
 * re-invokes the same payload on a retry). Locally the engine produces these events from the
 * interpreter itself, so the local platform runs the runtimes' logic without this middleware.
 */
import type middy from '@middy/core';
import { ErrorNames, NodeError, describeError } from '@shared/errors';
import { lifecycleEventSchema, type LifecycleEvent } from '@shared/events';
import { nodeTypes, type NodeType } from '@shared/workflow';
import type { NodeResult } from '@shared/runtime';
import { randomUUID } from 'node:crypto';

/** What the middleware reads and writes; the AWS wiring backs it with DynamoDB and EventBridge. */
export interface LifecycleStore {
  /** True when the execution's pause flag is set (or it is PAUSED). */
  isPaused(tenantId: string, executionId: string): Promise<boolean>;
  /** The attempts recorded so far for this node run (0 when it never ran). */
  attemptsSoFar(tenantId: string, executionId: string, nodeId: string, iteration?: readonly number[]): Promise<number>;
  /** Applies a node event to the node run record (idempotent, ordered by attempt). */
  record(tenantId: string, event: LifecycleEvent): Promise<void>;
  /** Puts lifecycle events on the bus (batches of 10, failed entries retried). */
  put(events: LifecycleEvent[]): Promise<void>;
}

export interface LifecycleOptions {
  readonly store: LifecycleStore;
  /** The tenant of invocations compiled without one. */
  readonly defaultTenant: string;
  readonly now?: () => number;
  readonly log?: (message: string, err: unknown) => void;
}

interface Started {
  readonly tenantId: string;
  readonly executionId: string;
  readonly workflowId?: string;
  readonly nodeId: string;
  readonly nodeType: NodeType;
  readonly iteration?: number[];
  readonly attempt: number;
  readonly startedAt: number;
}

/** An output too large for one EventBridge entry (256 KB) travels without its value. */
const MAX_EVENT_OUTPUT_BYTES = 200_000;

/** The fields the middleware needs, read leniently: the handler itself validates the payload. */
function identify(event: unknown): Omit<Started, 'attempt' | 'startedAt' | 'tenantId'> & { tenantId?: string; callback?: string } | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as { execution?: { id?: unknown }; workflow?: { id?: unknown; tenantId?: unknown }; node?: { id?: unknown; type?: unknown }; callback?: unknown; iteration?: unknown };
  const executionId = e.execution?.id;
  const nodeId = e.node?.id;
  const nodeType = e.node?.type;
  if (typeof executionId !== 'string' || typeof nodeId !== 'string' || !(nodeTypes as readonly unknown[]).includes(nodeType)) return undefined;
  const iteration = Array.isArray(e.iteration) && e.iteration.every((i) => Number.isInteger(i) && i >= 0) ? (e.iteration as number[]) : undefined;
  return {
    executionId,
    nodeId,
    nodeType: nodeType as NodeType,
    ...(typeof e.workflow?.id === 'string' ? { workflowId: e.workflow.id } : {}),
    ...(typeof e.workflow?.tenantId === 'string' ? { tenantId: e.workflow.tenantId } : {}),
    ...(typeof e.callback === 'string' ? { callback: e.callback } : {}),
    ...(iteration ? { iteration } : {}),
  };
}

/**
 * @example
 * ```ts
 * middy().use(nodeLifecycle({ store, defaultTenant: 'default' })).handler(run);
 * ```
 */
export function nodeLifecycle(options: LifecycleOptions): middy.MiddlewareObj<unknown, NodeResult, Error> {
  const now = options.now ?? Date.now;
  const started = new WeakMap<object, Started>();
  const stamp = (s: Started, body: Record<string, unknown>): LifecycleEvent =>
    lifecycleEventSchema.parse({
      event_id: randomUUID(),
      execution_id: s.executionId,
      ...(s.workflowId ? { workflow_id: s.workflowId } : {}),
      timestamp: new Date(now()).toISOString(),
      node_id: s.nodeId,
      node_type: s.nodeType,
      ...(s.iteration ? { iteration: s.iteration } : {}),
      ...body,
    });
  const emit = async (s: Started, event: LifecycleEvent) => {
    // The record and the event are independent: a failure of either is logged and the node's own
    // result stands (the fan-out also applies node events to the record).
    await Promise.all([
      options.store.record(s.tenantId, event).catch((err: unknown) => options.log?.('could not record the node run', err)),
      options.store.put([event]).catch((err: unknown) => options.log?.('could not put the lifecycle event', err)),
    ]);
  };

  return {
    before: async (request) => {
      const id = identify(request.event);
      if (!id || id.callback === 'pause') return;
      const tenantId = id.tenantId ?? options.defaultTenant;
      if (await options.store.isPaused(tenantId, id.executionId)) {
        throw new NodeError(ErrorNames.Paused, `execution ${id.executionId} is paused; node "${id.nodeId}" runs when it resumes`, { retryable: false });
      }
      const previous = await options.store.attemptsSoFar(tenantId, id.executionId, id.nodeId, id.iteration);
      // A retry re-invokes the same payload: the next attempt. (Inside a loop without iteration
      // indices in the payload, each pass also counts on, which keeps the record moving forward.)
      const s: Started = { ...id, tenantId, attempt: previous + 1, startedAt: now() };
      started.set(request as object, s);
      await emit(s, stamp(s, { type: 'node_started', attempt: s.attempt }));
    },
    after: async (request) => {
      const s = started.get(request as object);
      if (!s) return;
      const result = request.response as NodeResult | undefined;
      const output = result?.output;
      const bytes = Buffer.byteLength(JSON.stringify(output ?? null));
      await emit(
        s,
        stamp(s, {
          type: 'node_completed',
          output: bytes <= MAX_EVENT_OUTPUT_BYTES ? output : { elided: true, bytes },
          duration_ms: Math.max(0, now() - s.startedAt),
          attempts: s.attempt,
          ...(result?.usage ? { usage: result.usage } : {}),
          ...(result?.model ? { model: result.model.label, simulated: result.model.simulated } : {}),
        }),
      );
    },
    onError: async (request) => {
      const s = started.get(request as object);
      if (!s || !request.error) return;
      const err = request.error;
      await emit(
        s,
        stamp(s, {
          type: 'node_failed',
          error: describeError(err),
          retryable: err instanceof NodeError ? err.retryable : false,
          attempt: s.attempt,
          duration_ms: Math.max(0, now() - s.startedAt),
        }),
      );
    },
  };
}
