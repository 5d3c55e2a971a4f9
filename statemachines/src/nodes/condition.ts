import type { NodeOfType } from '@shared/workflow';
import type { ChoiceRule } from '../asl';
import { compileCondition } from '../choice';
import type { EmitContext } from './context';

/** condition -> Choice: one rule per connected rule handle, in order, and the default edge. */
export function emitCondition(node: NodeOfType<'condition'>, ctx: EmitContext): void {
  const arms = ctx.analysis.succ.get(node.id)?.arms ?? new Map<string, string>();
  const choices: ChoiceRule[] = [];
  for (const rule of node.config.rules) {
    const target = arms.get(rule.id);
    if (target === undefined) continue;
    choices.push({ ...compileCondition(rule.when, ctx.analysis.startId), Next: ctx.choiceTarget(target) });
  }
  const fallback = arms.get('default');
  ctx.addState(
    node.id,
    {
      Type: 'Choice',
      ...(node.label ? { Comment: node.label } : {}),
      Choices: choices,
      ...(fallback === undefined ? {} : { Default: ctx.choiceTarget(fallback) }),
    },
    { nodeId: node.id, nodeType: node.type, role: 'node' },
  );
}
