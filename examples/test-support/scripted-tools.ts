/**
 * TEST DOUBLES for built-in tools that do not exist yet (or must misbehave on cue): each answers
 * from a script, so the examples' retry policies and error edges can be exercised
 * deterministically, with no network.
 */
import { z } from 'zod';
import { ErrorNames, NodeError } from '@shared/errors';
import { echoTool } from '../../functions/run-tool/tools/echo';
import { ToolRegistry, type ToolDefinition } from '../../functions/run-tool/tool-registry';

/** One scripted outcome of a tool call: a result, or an error to throw. */
export type ToolStep = { readonly ok: unknown } | { readonly fail: NodeError };

/** A transient outage, as a provider's 503 surfaces (`Stepflow.Unavailable`, retryable). */
export function unavailable(message = 'upstream answered 503 Service Unavailable'): { fail: NodeError } {
  return { fail: new NodeError(ErrorNames.Unavailable, message) };
}

/** A tool whose calls follow `steps` in order (the last step repeats); records its arguments. */
export function scriptedTool<S extends z.core.$ZodType>(name: string, args: S, steps: readonly ToolStep[]): ToolDefinition<S> & { readonly calls: Array<z.infer<S>> } {
  const calls: Array<z.infer<S>> = [];
  return {
    name,
    description: `scripted stand-in for the ${name} tool`,
    args,
    calls,
    async run(a) {
      calls.push(a);
      const step = steps[Math.min(calls.length, steps.length) - 1];
      if (step === undefined) throw new Error(`tool "${name}" has no scripted steps`);
      if ('fail' in step) throw step.fail;
      return step.ok;
    },
  };
}

/** Arguments of the http_request tool as the examples use it. */
export const httpRequestArgs = z.strictObject({ method: z.enum(['GET', 'POST']), url: z.url() });

/** The echo tool plus the given doubles (a fresh registry: never the engine's defaults). */
export function toolsWith(...tools: ToolDefinition[]): ToolRegistry {
  const registry = new ToolRegistry();
  const names = new Set(tools.map((t) => t.name));
  if (!names.has(echoTool.name)) registry.register(echoTool);
  for (const t of tools) registry.register(t);
  return registry;
}
