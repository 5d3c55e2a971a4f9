/**
 * The human_input runtime. The state machine invokes it with `.waitForTaskToken`: it records the
 * token, the rendered prompt, the answer schema and the deadline with the execution, announces
 * `user_input_required`, and returns at once. No Lambda ever waits for a person: the run waits
 * in Step Functions until the answer arrives (see answer-input.ts) or the task times out
 * (States.Timeout, which an error edge can catch).
 */
import { ErrorNames, NodeError } from '@shared/errors';
import { scopeOf, type NodeInvocation, type NodeResult } from '@shared/runtime';
import { renderValue } from '@shared/template';
import { humanInputConfigSchema } from '@shared/node-config/human-input';
import { requestIdOf, type CallbackStore } from '../_shared/callbacks';
import type { Emit } from '../_shared/emit';

export interface RequestInputDeps {
  readonly callbacks: CallbackStore;
  readonly emit: Emit;
  readonly now?: () => Date;
}

/**
 * @example
 * ```ts
 * await requestInput(invocation, { callbacks, emit }); // { output: { requestId } }
 * ```
 */
export async function requestInput(invocation: NodeInvocation, deps: RequestInputDeps): Promise<NodeResult> {
  if (!invocation.taskToken) throw new NodeError(ErrorNames.Validation, `human_input node "${invocation.node.id}" was invoked without a task token (it must use .waitForTaskToken)`);
  const parsed = humanInputConfigSchema.safeParse(invocation.config);
  if (!parsed.success) throw new NodeError(ErrorNames.Validation, `human_input node "${invocation.node.id}": ${parsed.error.issues[0]?.message ?? 'invalid config'}`);
  const config = parsed.data;
  const rendered = renderValue(config.prompt, scopeOf(invocation));
  const prompt = typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
  const now = deps.now?.() ?? new Date();
  const requestId = requestIdOf(invocation.taskToken);
  await deps.callbacks.put({
    executionId: invocation.execution.id,
    requestId,
    nodeId: invocation.node.id,
    kind: 'human_input',
    taskToken: invocation.taskToken,
    status: 'waiting',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + config.timeoutSeconds * 1000).toISOString(),
    prompt,
    inputSchema: config.inputSchema,
  });
  await deps.emit({
    type: 'user_input_required',
    node_id: invocation.node.id,
    request_id: requestId,
    prompt,
    input_schema: config.inputSchema,
    timeout_seconds: config.timeoutSeconds,
  });
  return { output: { requestId } };
}
