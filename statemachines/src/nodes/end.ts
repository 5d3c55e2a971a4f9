import type { NodeOfType } from '@shared/workflow';
import { compileMapping, NODES } from '../paths';
import type { EmitContext } from './context';

/** end -> Succeed with every node's result, or a Pass building the output mapping. */
export function emitEnd(node: NodeOfType<'end'>, ctx: EmitContext): void {
  const meta = { nodeId: node.id, nodeType: node.type, role: 'node' } as const;
  const comment = node.label ? { Comment: node.label } : {};
  if (node.config.output === undefined) {
    ctx.addState(node.id, { Type: 'Succeed', ...comment, OutputPath: NODES }, meta);
    return;
  }
  ctx.addState(
    node.id,
    { Type: 'Pass', ...comment, Parameters: compileMapping(node.config.output, ctx.analysis.startId, 'config.output'), End: true },
    meta,
  );
}
