/**
 * The wiring every node-runtime Lambda shares: a middy handler with Powertools logging and
 * tracing that parses the invocation payload, resolves large outputs stored in S3, runs the
 * runtime's logic with an event emitter, flushes the events, and stores a large result in S3.
 *
 * Errors keep their `name` (Lambda's errorType), which is what the state machine's Retry and
 * Catch match on; anything unclassified becomes Stepflow.InternalError and is logged.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { ErrorNames, NodeError } from '@shared/errors';
import { nodeInvocationSchema, type NodeInvocation, type NodeResult } from '@shared/runtime';
import type { Emit } from './emit';
import { nodeLifecycle, type LifecycleOptions } from './lifecycle';
import { offloadLargeOutput, resolveStoredRefs, type ObjectStore } from './large-output';
import { logger, tracer } from './powertools';

export interface NodeRuntimeContext {
  readonly emit: Emit;
  readonly signal: AbortSignal;
  readonly remainingMs: () => number;
}

export type NodeLogic = (invocation: NodeInvocation, ctx: NodeRuntimeContext) => Promise<NodeResult>;

export interface NodeHandlerDeps {
  /** Where large outputs go (absent: results stay inline). */
  readonly objects?: () => ObjectStore;
  /** An event sink for one invocation; `flush` is awaited before the handler returns. */
  readonly events: (invocation: NodeInvocation) => { emit: Emit; flush(): Promise<void> };
  /** The node lifecycle (node runs, node events, the pause check); absent: none (the code runtime). */
  readonly lifecycle?: LifecycleOptions;
}

/** Stops work this long before Lambda's own timeout, so the error is ours and clear. */
const SAFETY_MS = 1_000;

/** Known errors pass through; others become Stepflow.InternalError (logged with the stack). */
export function classifyError(err: unknown): Error {
  if (err instanceof NodeError) return err;
  if (err instanceof Error && /^(Stepflow|States|Lambda)\./.test(err.name)) return err;
  logger.error('unclassified error in node runtime', err as Error);
  return new NodeError(ErrorNames.Internal, err instanceof Error ? err.message : String(err), { cause: err, retryable: false });
}

/**
 * @example
 * ```ts
 * export const handler = nodeHandler((inv, ctx) => transformData(inv), { events: eventBridgeSink, objects });
 * ```
 */
export function nodeHandler(logic: NodeLogic, deps: NodeHandlerDeps) {
  const chain = middy<unknown, NodeResult, Error, Context>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(captureLambdaHandler(tracer));
  if (deps.lifecycle) chain.use(nodeLifecycle(deps.lifecycle));
  return chain.handler(async (event, context) => {
      const parsed = nodeInvocationSchema.safeParse(event);
      if (!parsed.success) {
        throw new NodeError(ErrorNames.Validation, `the payload is not a node invocation: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      let invocation = parsed.data;
      logger.appendKeys({ executionId: invocation.execution.id, nodeId: invocation.node.id, nodeType: invocation.node.type });
      const objects = deps.objects?.();
      if (objects) invocation = await resolveStoredRefs(invocation, objects);
      const sink = deps.events(invocation);
      const controller = new AbortController();
      const remainingMs = () => (typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 900_000);
      const timer = setTimeout(() => controller.abort(new NodeError(ErrorNames.Timeout, 'the runtime ran out of time')), Math.max(0, remainingMs() - SAFETY_MS));
      try {
        const result = await logic(invocation, { emit: sink.emit, signal: controller.signal, remainingMs });
        return objects ? await offloadLargeOutput(result, invocation, objects) : result;
      } catch (err) {
        throw classifyError(err);
      } finally {
        clearTimeout(timer);
        await sink.flush().catch((err: Error) => logger.error('could not publish events', err));
      }
    });
}
