/**
 * The node runtimes the local engine dispatches Task states to, by runtime name. Each is called
 * exactly as Lambda calls a handler: with the `Payload` the state machine sends (see
 * shared/runtime.ts) and a Lambda-like context; what it returns is the Lambda's response.
 */
import type { RuntimeName } from '@shared/runtime';
import type { EventDraft } from '@shared/events';

/** The subset of the Lambda `Context` the runtimes use, plus a way to publish log events. */
export interface LocalInvokeContext {
  readonly functionName: string;
  readonly awsRequestId: string;
  readonly invokedFunctionArn: string;
  getRemainingTimeInMillis(): number;
  /** Aborted when the execution is stopped or the state times out. */
  readonly signal: AbortSignal;
  /** Publishes a lifecycle event (typically `log`) on the execution's stream. */
  readonly emit: (event: EventDraft) => void;
}

export type NodeHandler = (event: unknown, context: LocalInvokeContext) => Promise<unknown>;

/**
 * Node runtimes by runtime name.
 *
 * @example
 * ```ts
 * const runtimes = new RuntimeRegistry().register('transform', transformHandler).register('tool', toolHandler);
 * ```
 */
export class RuntimeRegistry {
  private readonly handlers = new Map<RuntimeName, NodeHandler>();

  register(runtime: RuntimeName, handler: NodeHandler): this {
    this.handlers.set(runtime, handler);
    return this;
  }

  get(runtime: RuntimeName): NodeHandler | undefined {
    return this.handlers.get(runtime);
  }

  has(runtime: RuntimeName): boolean {
    return this.handlers.has(runtime);
  }

  /** A copy with more runtimes (or replacements). */
  with(entries: Partial<Record<RuntimeName, NodeHandler>>): RuntimeRegistry {
    const copy = new RuntimeRegistry();
    for (const [k, v] of this.handlers) copy.register(k, v);
    for (const [k, v] of Object.entries(entries) as Array<[RuntimeName, NodeHandler]>) copy.register(k, v);
    return copy;
  }
}
