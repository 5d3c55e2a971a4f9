/**
 * The contract between the compiled state machine and the node runtimes: the `Payload` a Task
 * state sends through `arn:aws:states:::lambda:invoke` (on AWS and, unchanged, in the local
 * engine), and what a runtime returns.
 *
 * @example
 * ```ts
 * const inv = nodeInvocationSchema.parse(event); // inside a runtime handler
 * const config = renderValue(inv.config, scopeOf(inv));
 * return { output: await run(config) } satisfies NodeResult;
 * ```
 */
import * as z from 'zod/mini';
import './zod-en';
import { nodeTypes, type NodeType } from './workflow-constants';
import type { RenderScope } from './template';
import { usageSchema } from './events';

export const nodeInvocationSchema = z.object({
  execution: z.object({
    id: z.string().check(z.minLength(1)),
    name: z.optional(z.string()),
    startTime: z.optional(z.string()),
  }),
  workflow: z.object({ id: z.optional(z.string()), name: z.string(), tenantId: z.optional(z.string()) }),
  node: z.object({
    id: z.string().check(z.minLength(1)),
    type: z.enum(nodeTypes as [NodeType, ...NodeType[]]),
    label: z.optional(z.string()),
  }),
  /** The node's config as drawn: templates not yet rendered. */
  config: z.record(z.string(), z.unknown()),
  /** Results of the upstream nodes this node references, by id (`{ output }`). */
  nodes: z._default(z.record(z.string(), z.unknown()), {}),
  /** The execution input, when the config references `{{input...}}`. */
  input: z.optional(z.unknown()),
  /** The workflow's budget (LLM and agent nodes stop before a call would exceed it). */
  budget: z.optional(z.object({ maxTokens: z.optional(z.number().check(z.int(), z.gte(1))), maxCostUsd: z.optional(z.number().check(z.positive())) })),
  /** Callback tasks (human input, pause gates, wait-for-event) carry the task token. */
  taskToken: z.optional(z.string()),
  /** For callback tasks: what kind of callback this is. */
  callback: z.optional(z.enum(['human_input', 'pause', 'event'])),
  /** For pause gates: the error that brought the run here. */
  pauseCause: z.optional(z.unknown()),
});
export type NodeInvocation = z.infer<typeof nodeInvocationSchema>;

/** What a node runtime returns. The ASL keeps `output` at `$.nodes.<id>.output`. */
export const nodeResultSchema = z.object({
  output: z.unknown(),
  usage: z.optional(usageSchema),
  /** Which model answered (llm and agent nodes); `simulated` for the local model. */
  model: z.optional(z.object({ label: z.string(), simulated: z.boolean() })),
});
export type NodeResult = z.infer<typeof nodeResultSchema>;

/**
 * The scope a runtime renders its config against.
 * @example
 * ```ts
 * renderValue(inv.config, scopeOf(inv))
 * ```
 */
export function scopeOf(inv: NodeInvocation): RenderScope {
  return {
    nodes: inv.nodes,
    input: inv.input,
    execution: {
      id: inv.execution.id,
      ...(inv.execution.name === undefined ? {} : { name: inv.execution.name }),
      ...(inv.execution.startTime === undefined ? {} : { startTime: inv.execution.startTime }),
    },
  };
}

/**
 * The runtime Lambda each node type dispatches to, by the ASL definition-substitution key of
 * its ARN. Deployments (CDK) substitute real ARNs; the local engine dispatches by node type.
 */
export const runtimeFunctions = {
  llm: 'LlmFunctionArn',
  agent: 'AgentFunctionArn',
  tool: 'ToolFunctionArn',
  code: 'CodeFunctionArn',
  human_input: 'HumanInputFunctionArn',
  transform: 'TransformFunctionArn',
  callback: 'CallbackFunctionArn',
} as const;
export type RuntimeName = keyof typeof runtimeFunctions;
