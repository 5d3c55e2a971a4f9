/**
 * Plain constants of the workflow model, with no zod schema in sight: what code on a cold-start
 * path (the node runtimes) needs without building every workflow schema, which costs tens of
 * milliseconds of CPU. workflow.ts re-exports them.
 *
 * @example
 * ```ts
 * nodeTypes.includes('llm') // true
 * WorkflowLimits.standardMaxSeconds // 31_536_000
 * ```
 */

/** Limits that keep the compiler, the editor and Step Functions within bounds. */
export const WorkflowLimits = {
  maxNodes: 20_000,
  maxEdges: 60_000,
  /** Maximum nesting depth of any JSON value in a workflow document. */
  maxDepth: 64,
  maxStringLength: 262_144,
  /** Step Functions' maximum execution duration for EXPRESS workflows. */
  expressMaxSeconds: 300,
  /** Standard workflows run for at most one year. */
  standardMaxSeconds: 31_536_000,
} as const;

const NODE_TYPES = ['start', 'end', 'llm', 'agent', 'tool', 'condition', 'parallel', 'merge', 'loop', 'subworkflow', 'wait', 'code', 'transform', 'human_input'] as const;

/** A node type; workflow.ts's `nodeConfigSchemas` has exactly one config schema for each. */
export type NodeType = (typeof NODE_TYPES)[number];
/** Every node type, in the order of `nodeConfigSchemas`. */
export const nodeTypes: NodeType[] = [...NODE_TYPES];
