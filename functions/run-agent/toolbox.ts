/**
 * The agent's view of the tool registry: specs (JSON Schema from the zod argument schemas) and
 * a call that never throws — an unknown tool, invalid arguments or a failing tool come back as
 * an error observation the model can react to.
 */
import { executeToolForAgent } from '../run-tool/run-tool';
import type { ToolRegistry } from '../run-tool/tool-registry';
import type { AgentToolbox } from './run-agent';

/**
 * @example
 * ```ts
 * const tools = toolboxFromRegistry(builtinTools());
 * ```
 */
export function toolboxFromRegistry(registry: ToolRegistry): AgentToolbox {
  return {
    specs(names) {
      const missing = names.filter((n) => !registry.get(n));
      const specs = names
        .filter((n) => registry.get(n))
        .map((n) => ({ name: n, description: registry.get(n)?.description ?? n, inputSchema: registry.jsonSchema(n) ?? { type: 'object' } }));
      return { specs, missing };
    },
    call: (name, args, signal) => executeToolForAgent(registry, name, args, signal ? { signal } : {}),
  };
}
