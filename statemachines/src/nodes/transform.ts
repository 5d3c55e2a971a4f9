import type { NodeOfType } from '@shared/workflow';
import { compileMapping, NODES } from '../paths';
import { emitLambdaTask, type EmitContext } from './context';

/** transform -> a Pass state (field mapping, no Lambda) or the JSONata transform runtime. */
export function emitTransform(node: NodeOfType<'transform'>, ctx: EmitContext): void {
  if (node.config.mode === 'jsonata') {
    emitLambdaTask(node, ctx, { runtime: 'transform' });
    return;
  }
  ctx.addState(
    node.id,
    {
      Type: 'Pass',
      ...(node.label ? { Comment: node.label } : {}),
      Parameters: { output: compileMapping(node.config.mapping, ctx.analysis.startId, 'config.mapping') },
      ResultPath: `${NODES}.${node.id}`,
      ...ctx.transition(ctx.analysis.succ.get(node.id)?.next),
    },
    { nodeId: node.id, nodeType: node.type, role: 'node' },
  );
}
