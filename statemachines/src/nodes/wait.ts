import { parseReference } from '@shared/template';
import type { NodeOfType } from '@shared/workflow';
import { referencePath } from '../paths';
import { emitLambdaTask, type EmitContext } from './context';

/** wait -> Wait (a duration or a timestamp), or a callback task for an external event. */
export function emitWait(node: NodeOfType<'wait'>, ctx: EmitContext): void {
  const c = node.config;
  if (c.mode === 'event') {
    emitLambdaTask(node, ctx, { runtime: 'callback', callback: 'event', timeoutSeconds: c.timeoutSeconds });
    return;
  }
  const comment = node.label ? { Comment: node.label } : {};
  const next = ctx.transition(ctx.analysis.succ.get(node.id)?.next);
  let timing: { Seconds: number } | { Timestamp: string } | { TimestampPath: string };
  if (c.mode === 'duration') timing = { Seconds: c.seconds };
  else if (c.timestamp.startsWith('{{')) {
    const parsed = parseReference(c.timestamp.slice(2, -2));
    if (!parsed.ok) throw new Error(parsed.error);
    timing = { TimestampPath: referencePath(parsed.value, ctx.analysis.startId) };
  } else timing = { Timestamp: c.timestamp };
  ctx.addState(node.id, { Type: 'Wait', ...comment, ...timing, ...next }, { nodeId: node.id, nodeType: node.type, role: 'node' });
}
