/**
 * The deterministic runtimes the local engine has without any AI provider: JSONata transforms
 * and the built-in tools (echo). LLM, agent and code runtimes are registered on top.
 */
import { nodeInvocationSchema } from '@shared/runtime';
import { transformData } from '../../functions/transform-data/transform-data';
import { runTool } from '../../functions/run-tool/run-tool';
import { ToolRegistry } from '../../functions/run-tool/tool-registry';
import { echoTool } from '../../functions/run-tool/tools/echo';
import { RuntimeRegistry } from './runtimes';

export function defaultTools(): ToolRegistry {
  return new ToolRegistry().register(echoTool);
}

/**
 * @example
 * ```ts
 * const engine = new LocalEngine({ runtimes: defaultRuntimes() });
 * ```
 */
export function defaultRuntimes(tools: ToolRegistry = defaultTools()): RuntimeRegistry {
  return new RuntimeRegistry()
    .register('transform', async (event) => transformData(nodeInvocationSchema.parse(event)))
    .register('tool', async (event, ctx) => runTool(nodeInvocationSchema.parse(event), { tools, signal: ctx.signal }));
}
