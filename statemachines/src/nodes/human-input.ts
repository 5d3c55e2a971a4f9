import type { NodeOfType } from '@shared/workflow';
import { emitLambdaTask, type EmitContext } from './context';

/**
 * human_input -> Task with `.waitForTaskToken`: the runtime records the token, prompt and schema
 * and returns; the validated answer comes back as task success. Expiry is States.Timeout.
 */
export function emitHumanInput(node: NodeOfType<'human_input'>, ctx: EmitContext): void {
  emitLambdaTask(node, ctx, { runtime: 'human_input', callback: 'human_input', timeoutSeconds: node.config.timeoutSeconds });
}
