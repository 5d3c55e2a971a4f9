import type { NodeOfType } from '@shared/workflow';
import type { TaskState } from '../asl';
import { compileMapping, NODES } from '../paths';
import { catchersFor, retriersFor, type EmitContext } from './context';

export const START_EXECUTION_SYNC = 'arn:aws:states:::states:startExecution.sync:2';

/** subworkflow -> a nested execution (startExecution.sync:2); its JSON output is the node's output. */
export function emitSubworkflow(node: NodeOfType<'subworkflow'>, ctx: EmitContext): void {
  const c = node.config;
  const task: TaskState = {
    Type: 'Task',
    ...(node.label ? { Comment: node.label } : {}),
    Resource: START_EXECUTION_SYNC,
    Parameters: {
      StateMachineArn: ctx.options.subworkflowArn(c.workflowId, c.version),
      Input: { ...compileMapping(c.input, ctx.analysis.startId, 'config.input'), 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
    },
    ResultSelector: { 'output.$': '$.Output' },
    ResultPath: `${NODES}.${node.id}`,
  };
  if (node.timeoutSeconds !== undefined) task.TimeoutSeconds = node.timeoutSeconds;
  const retry = retriersFor(node, { lambda: false, pausable: false });
  if (retry.length > 0) task.Retry = retry;
  const catches = catchersFor(node, ctx);
  if (catches.length > 0) task.Catch = catches;
  Object.assign(task, ctx.transition(ctx.analysis.succ.get(node.id)?.next));
  ctx.addState(node.id, task, {
    nodeId: node.id,
    nodeType: node.type,
    role: 'node',
    subworkflow: { workflowId: c.workflowId, ...(c.version === undefined ? {} : { version: c.version }) },
  });
}
