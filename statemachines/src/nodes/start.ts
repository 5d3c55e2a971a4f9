import type { NodeOfType } from '@shared/workflow';
import type { EmitContext } from './context';

/** start -> Pass: the execution input becomes the start node's output (`$.nodes.<start>.output`). */
export function emitStart(node: NodeOfType<'start'>, ctx: EmitContext): void {
  ctx.addState(
    node.id,
    {
      Type: 'Pass',
      ...(node.label ? { Comment: node.label } : {}),
      Parameters: { nodes: { [node.id]: { 'output.$': '$' } } },
      ...ctx.transition(ctx.analysis.succ.get(node.id)?.next),
    },
    { nodeId: node.id, nodeType: node.type, role: 'node' },
  );
}
