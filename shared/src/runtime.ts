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
import { z } from 'zod';
import { nodeTypes, type NodeType } from './workflow-constants';
import type { RenderScope } from './template';
import { usageSchema } from './events';

export const nodeInvocationSchema = z.object({
  execution: z.object({
    id: z.string().min(1),
    name: z.string().optional(),
    startTime: z.string().optional(),
  }),
  workflow: z.object({ id: z.string().optional(), name: z.string(), tenantId: z.string().optional() }),
  node: z.object({
    id: z.string().min(1),
    type: z.enum(nodeTypes as [NodeType, ...NodeType[]]),
    label: z.string().optional(),
  }),
  /** The node's config as drawn: templates not yet rendered. */
  config: z.record(z.string(), z.unknown()),
  /** Results of the upstream nodes this node references, by id (`{ output }`). */
  nodes: z.record(z.string(), z.unknown()).default({}),
  /** The execution input, when the config references `{{input...}}`. */
  input: z.unknown().optional(),
  /** The workflow's budget (LLM and agent nodes stop before a call would exceed it). */
  budget: z.object({ maxTokens: z.number().int().min(1).optional(), maxCostUsd: z.number().positive().optional() }).optional(),
  /** Callback tasks (human input, pause gates, wait-for-event) carry the task token. */
  taskToken: z.string().optional(),
  /** For callback tasks: what kind of callback this is. */
  callback: z.enum(['human_input', 'pause', 'event']).optional(),
  /** For pause gates: the error that brought the run here. */
  pauseCause: z.unknown().optional(),
});
export type NodeInvocation = z.infer<typeof nodeInvocationSchema>;

/** What a node runtime returns. The ASL keeps `output` at `$.nodes.<id>.output`. */
export const nodeResultSchema = z.object({
  output: z.unknown(),
  usage: usageSchema.optional(),
  /** Which model answered (llm and agent nodes); `simulated` for the local model. */
  model: z.object({ label: z.string(), simulated: z.boolean() }).optional(),
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
