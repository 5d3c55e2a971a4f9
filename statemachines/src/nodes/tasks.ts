/**
 * Nodes that run in a runtime Lambda: llm, agent, tool and code (plus JSONata transforms and
 * wait-for-event, emitted from their own files through the same helper).
 */
import type { NodeOfType } from '@shared/workflow';
import { emitLambdaTask, type EmitContext } from './context';

export function emitLlm(node: NodeOfType<'llm'>, ctx: EmitContext): void {
  emitLambdaTask(node, ctx, { runtime: 'llm' });
}

export function emitAgent(node: NodeOfType<'agent'>, ctx: EmitContext): void {
  emitLambdaTask(node, ctx, { runtime: 'agent' });
}

export function emitTool(node: NodeOfType<'tool'>, ctx: EmitContext): void {
  emitLambdaTask(node, ctx, { runtime: 'tool' });
}

export function emitCode(node: NodeOfType<'code'>, ctx: EmitContext): void {
  emitLambdaTask(node, ctx, { runtime: 'code' });
}
