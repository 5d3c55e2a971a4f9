/**
 * The tool runtime: renders a tool node's arguments, validates them against the tool's schema
 * and runs it. Bad arguments and tool failures surface as Stepflow.ValidationError and
 * Stepflow.ToolError (catchable by an error edge), never as an unclassified crash.
 */
import { ErrorNames, NodeError } from '@shared/errors';
import { scopeOf, type NodeInvocation, type NodeResult } from '@shared/runtime';
import { renderValue } from '@shared/template';
import { toolConfigSchema } from '@shared/workflow';
import type { ToolRegistry } from './tool-registry';

export interface RunToolDeps {
  readonly tools: ToolRegistry;
  readonly signal?: AbortSignal;
}

/**
 * @example
 * ```ts
 * await runTool(invocation, { tools }) // { output: { message: 'hi' } }
 * ```
 */
export async function runTool(invocation: NodeInvocation, deps: RunToolDeps): Promise<NodeResult> {
  const parsed = toolConfigSchema.safeParse(invocation.config);
  if (!parsed.success) throw new NodeError(ErrorNames.Validation, `tool node "${invocation.node.id}": invalid config: ${parsed.error.issues[0]?.message ?? ''}`);
  const config = parsed.data;
  if (config.kind !== 'builtin') {
    throw new NodeError(ErrorNames.Tool, `tool node "${invocation.node.id}": ${config.kind} tools are not available in this runtime`, { retryable: false });
  }
  const tool = deps.tools.get(config.name);
  if (!tool) {
    throw new NodeError(ErrorNames.Validation, `tool node "${invocation.node.id}": unknown tool "${config.name}"; registered: ${deps.tools.names().join(', ') || 'none'}`);
  }
  const rendered = renderValue(config.args, scopeOf(invocation));
  const args = tool.args.safeParse(rendered);
  if (!args.success) {
    const first = args.error.issues[0];
    throw new NodeError(ErrorNames.Validation, `tool "${config.name}" arguments: ${first ? `${first.path.join('.') || 'args'}: ${first.message}` : 'invalid'}`);
  }
  try {
    const output = await tool.run(args.data, deps.signal ? { signal: deps.signal } : {});
    return { output: output === undefined ? null : output };
  } catch (err) {
    if (err instanceof NodeError) throw err;
    throw new NodeError(ErrorNames.Tool, `tool "${config.name}" failed: ${(err as Error).message ?? String(err)}`, { cause: err });
  }
}
