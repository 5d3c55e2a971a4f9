/**
 * The agent's view of the tool registry: specs (JSON Schema from the zod argument schemas) and
 * a call that never throws — an unknown tool, invalid arguments or a failing tool come back as
 * an error observation the model can react to.
 */
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
    async call(name, args, signal) {
      const tool = registry.get(name);
      if (!tool) return { ok: false, error: `unknown tool "${name}"; available: ${registry.names().join(', ') || 'none'}` };
      const parsed = tool.args.safeParse(args);
      if (!parsed.success) {
        return { ok: false, error: `invalid arguments for ${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
      }
      try {
        return { ok: true, result: (await tool.run(parsed.data, signal ? { signal } : {})) ?? null };
      } catch (err) {
        return { ok: false, error: `${name} failed: ${(err as Error).message ?? String(err)}` };
      }
    },
  };
}
