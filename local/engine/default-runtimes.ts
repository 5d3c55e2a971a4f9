/**
 * The deterministic runtimes the local engine has without any AI provider: JSONata transforms
 * and the deterministic built-in tools (echo, calculator, json_transform). LLM, agent and code
 * runtimes are registered on top.
 */
import { nodeInvocationSchema } from '@shared/runtime';
import { transformData } from '../../functions/transform-data/transform-data';
import { runTool } from '../../functions/run-tool/run-tool';
import type { ToolRegistry } from '../../functions/run-tool/tool-registry';
import { builtinTools } from '../../functions/run-tool/tools';
import { RuntimeRegistry } from './runtimes';

/**
 * The built-in tools that need no configuration. http_request and the S3 tools are left out:
 * they need an allow-list (and a client) chosen by whoever runs the engine.
 *
 * @example
 * ```ts
 * defaultTools().names() // ['calculator', 'echo', 'json_transform']
 * ```
 */
export function defaultTools(): ToolRegistry {
  return builtinTools();
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
