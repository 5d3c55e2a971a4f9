/**
 * The callback runtime behind pause gates and waits for external events. A pause gate records
 * its token and announces `execution_paused`; resume sends task success to every open gate of the
 * execution, which re-enters the paused node. A wait-for-event records its token under the
 * event name; the event's arrival completes it.
 */
import { ErrorNames, NodeError } from '@shared/errors';
import type { NodeInvocation, NodeResult } from '@shared/runtime';
import { waitConfigSchema } from '@shared/node-config/wait';
import { requestIdOf, type CallbackStore } from '../_shared/callbacks';
import type { Emit } from '../_shared/emit';
import type { TaskCallbacks } from '../_shared/task-callbacks';

export interface RecordCallbackDeps {
  readonly callbacks: CallbackStore;
  readonly emit: Emit;
  readonly now?: () => Date;
}

/**
 * @example
 * ```ts
 * await recordCallback(invocation, { callbacks, emit }); // pause gate or event wait recorded
 * ```
 */
export async function recordCallback(invocation: NodeInvocation, deps: RecordCallbackDeps): Promise<NodeResult> {
  const kind = invocation.callback;
  if (!invocation.taskToken || (kind !== 'pause' && kind !== 'event')) {
    throw new NodeError(ErrorNames.Validation, `the callback runtime needs a task token and callback "pause" or "event" (node "${invocation.node.id}")`);
  }
  const now = deps.now?.() ?? new Date();
  const requestId = requestIdOf(invocation.taskToken);
  let eventName: string | undefined;
  let expiresAt: string | undefined;
  if (kind === 'event') {
    const wait = waitConfigSchema.safeParse(invocation.config);
    if (!wait.success || wait.data.mode !== 'event') throw new NodeError(ErrorNames.Validation, `wait node "${invocation.node.id}" must be in event mode`);
    eventName = wait.data.eventName;
    expiresAt = new Date(now.getTime() + wait.data.timeoutSeconds * 1000).toISOString();
  }
  await deps.callbacks.put({
    executionId: invocation.execution.id,
    requestId,
    nodeId: invocation.node.id,
    kind,
    taskToken: invocation.taskToken,
    status: 'waiting',
    createdAt: now.toISOString(),
    ...(eventName ? { eventName } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  });
  if (kind === 'pause') await deps.emit({ type: 'execution_paused', reason: `paused before node ${invocation.node.id}`, node_id: invocation.node.id });
  else await deps.emit({ type: 'log', node_id: invocation.node.id, level: 'info', message: `waiting for event "${eventName}"` });
  return { output: { requestId } };
}

/**
 * Releases every open pause gate of an execution (resume). Returns how many nodes re-enter.
 * @example
 * ```ts
 * await releasePauseGates({ callbacks, tasks }, executionId, 'alice');
 * ```
 */
export async function releasePauseGates(deps: { callbacks: CallbackStore; tasks: TaskCallbacks }, executionId: string, by?: string): Promise<number> {
  const open = (await deps.callbacks.list(executionId)).filter((r) => r.kind === 'pause' && r.status === 'waiting');
  for (const gate of open) {
    await deps.callbacks.finish(executionId, gate.requestId, 'answered', by);
    await deps.tasks.sendTaskSuccess(gate.taskToken, {});
  }
  return open.length;
}

/**
 * Completes the executions waiting for an external event by name; the payload becomes the wait
 * node's output.
 * @example
 * ```ts
 * await deliverEvent({ callbacks, tasks }, executionId, 'invoice-paid', { amount: 10 });
 * ```
 */
export async function deliverEvent(deps: { callbacks: CallbackStore; tasks: TaskCallbacks }, executionId: string, eventName: string, payload: unknown): Promise<number> {
  const open = (await deps.callbacks.list(executionId)).filter((r) => r.kind === 'event' && r.status === 'waiting' && r.eventName === eventName);
  for (const wait of open) {
    await deps.callbacks.finish(executionId, wait.requestId, 'answered');
    await deps.tasks.sendTaskSuccess(wait.taskToken, payload ?? {});
  }
  return open.length;
}
