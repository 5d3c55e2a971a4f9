/**
 * The workflow graph: the single source of truth for what a person draws and what the compiler
 * turns into a Step Functions state machine.
 *
 * Nodes and edges are keyed by immutable ids (labels are only data). Node configs are a
 * discriminated union on `type`. Values in configs may reference upstream results with
 * `{{nodes.<id>.output...}}` or the execution input with `{{input...}}` (see template.ts).
 *
 * @example
 * ```ts
 * const wf: Workflow = {
 *   schemaVersion: 1,
 *   metadata: { name: 'hello' },
 *   settings: { type: 'STANDARD' },
 *   nodes: [
 *     { id: 'start', type: 'start', config: {} },
 *     { id: 'greet', type: 'transform', config: { mode: 'mapping', mapping: { text: 'Hi {{input.name}}' } } },
 *     { id: 'end', type: 'end', config: {} },
 *   ],
 *   edges: [
 *     { id: 'e1', source: 'start', target: 'greet' },
 *     { id: 'e2', source: 'greet', target: 'end' },
 *   ],
 * };
 * ```
 */
import { z } from 'zod';
import { RetryableErrorClasses, type RetryableErrorClass } from './errors';
import { jsonSchemaSchema, mappingSchema, referenceStringSchema } from './node-config/common';
import { agentConfigSchema } from './node-config/agent';
import { codeConfigSchema } from './node-config/code';
import { humanInputConfigSchema } from './node-config/human-input';
import { llmConfigSchema } from './node-config/llm';
import { toolConfigSchema } from './node-config/tool';
import { transformConfigSchema } from './node-config/transform';
import { waitConfigSchema } from './node-config/wait';
import { WorkflowLimits, type NodeType } from './workflow-constants';

// The node runtimes import these from their own modules, so a cold start builds only the schema
// it parses; everything else imports them from here, as before.
export { nodeTypes, WorkflowLimits, type NodeType } from './workflow-constants';
export { jsonSchemaSchema, modelRefSchema, referenceStringSchema, templateValueSchema, type JsonSchema, type ModelRef } from './node-config/common';
export { agentConfigSchema, codeConfigSchema, humanInputConfigSchema, llmConfigSchema, toolConfigSchema, transformConfigSchema, waitConfigSchema };

/** The current stored-workflow schema version. Bump it (with a migration) on any breaking change. */
export const WORKFLOW_SCHEMA_VERSION = 1 as const;

/** Node ids double as state names and reference keys, so they are identifier-safe. */
export const nodeIdSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must start with a letter and use only letters, digits and _ (at most 64)');
export const edgeIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1-128 of letters, digits, _ . : -');

/** Which errors a retry policy or an error edge covers. */
export const errorClassSchema = z.enum(Object.keys(RetryableErrorClasses) as [RetryableErrorClass, ...RetryableErrorClass[]]);

/**
 * Retry policy: exponential backoff with jitter, on the named error classes.
 * @example
 * ```ts
 * { maxAttempts: 3, intervalSeconds: 2, backoffRate: 2, jitter: 'full', errors: ['throttled', 'timeout'] }
 * ```
 */
export const retryPolicySchema = z.strictObject({
  /** Retries after the first attempt (ASL `MaxAttempts`). 0 disables retries. */
  maxAttempts: z.number().int().min(0).max(10),
  intervalSeconds: z.number().int().min(1).max(3600).default(1),
  backoffRate: z.number().min(1).max(10).default(2),
  maxDelaySeconds: z.number().int().min(1).max(86_400).optional(),
  jitter: z.enum(['full', 'none']).default('full'),
  errors: z.array(errorClassSchema).min(1).default(['throttled', 'unavailable', 'timeout']),
});
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

// ---------- condition expressions ----------

export const comparisonOperators = [
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'matches',
  'exists', 'not_exists', 'is_null', 'is_string', 'is_number', 'is_boolean', 'is_timestamp',
] as const;
export type ComparisonOperator = (typeof comparisonOperators)[number];
/** Operators that take no right-hand value. */
export const unaryOperators: ReadonlySet<ComparisonOperator> = new Set([
  'exists', 'not_exists', 'is_null', 'is_string', 'is_number', 'is_boolean', 'is_timestamp',
]);

export type ConditionExpression =
  | { all: ConditionExpression[] }
  | { any: ConditionExpression[] }
  | { not: ConditionExpression }
  | { left: string; op: ComparisonOperator; right?: string | number | boolean };

const comparisonSchema = z
  .strictObject({
    left: referenceStringSchema,
    op: z.enum(comparisonOperators),
    right: z.union([z.string().max(4096), z.number(), z.boolean()]).optional(),
  })
  .superRefine((c, ctx) => {
    if (unaryOperators.has(c.op) && c.right !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['right'], message: `operator "${c.op}" takes no right-hand value` });
    }
    if (!unaryOperators.has(c.op) && c.right === undefined) {
      ctx.addIssue({ code: 'custom', path: ['right'], message: `operator "${c.op}" needs a right-hand value` });
    }
    if (c.op === 'matches' && typeof c.right !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['right'], message: 'operator "matches" needs a string pattern (with * wildcards)' });
    }
    if ((c.op === 'gt' || c.op === 'gte' || c.op === 'lt' || c.op === 'lte') && typeof c.right === 'boolean') {
      ctx.addIssue({ code: 'custom', path: ['right'], message: `operator "${c.op}" cannot compare booleans` });
    }
  });

/**
 * A condition: comparisons combined with all/any/not.
 * @example
 * ```ts
 * { any: [{ left: '{{nodes.classify.output.priority}}', op: 'eq', right: 'high' },
 *         { left: '{{input.vip}}', op: 'eq', right: true }] }
 * ```
 */
export const conditionExpressionSchema: z.ZodType<ConditionExpression> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionExpressionSchema).min(1).max(50) }),
    z.strictObject({ any: z.array(conditionExpressionSchema).min(1).max(50) }),
    z.strictObject({ not: conditionExpressionSchema }),
    comparisonSchema,
  ]),
) as z.ZodType<ConditionExpression>;

// ---------- node configs ----------

export const startConfigSchema = z.strictObject({
  /** JSON Schema the execution input must satisfy (checked before a run starts). */
  inputSchema: z.optional(jsonSchemaSchema),
});

export const endConfigSchema = z.strictObject({
  /** The workflow's output: a mapping of keys to values/templates. Default: every node's result. */
  output: z.optional(mappingSchema),
});

export const conditionRuleSchema = z.strictObject({
  /** The source handle of the edge this rule routes to. */
  id: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an identifier').refine((s) => s !== 'default' && s !== 'error', 'is reserved'),
  label: z.string().max(128).optional(),
  when: conditionExpressionSchema,
});
export const conditionConfigSchema = z.strictObject({
  rules: z.array(conditionRuleSchema).min(1).max(64),
});

export const parallelConfigSchema = z.strictObject({});
export const mergeConfigSchema = z.strictObject({});

export const loopConfigSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('for_each'),
    /** The list to iterate, e.g. `{{nodes.search.output.items}}`. */
    items: referenceStringSchema,
    /** Iterations run at once (0 = as many as Step Functions allows). */
    maxConcurrency: z.number().int().min(0).max(1000).default(1),
    /** The body node whose output is collected per iteration. Default: the body's last node. */
    output: z.string().optional(),
  }),
  z.strictObject({
    mode: z.literal('while'),
    /** Checked after each pass of the body: repeat while it holds. */
    condition: conditionExpressionSchema,
    maxIterations: z.number().int().min(1).max(1000),
    output: z.string().optional(),
  }),
]);

export const subworkflowConfigSchema = z.strictObject({
  workflowId: z.string().min(1).max(128),
  /** A published version number; default: the latest published version. */
  version: z.number().int().min(1).optional(),
  input: z._default(mappingSchema, {}),
});

/** Every node type and its config schema. */
export const nodeConfigSchemas = {
  start: startConfigSchema,
  end: endConfigSchema,
  llm: llmConfigSchema,
  agent: agentConfigSchema,
  tool: toolConfigSchema,
  condition: conditionConfigSchema,
  parallel: parallelConfigSchema,
  merge: mergeConfigSchema,
  loop: loopConfigSchema,
  subworkflow: subworkflowConfigSchema,
  wait: waitConfigSchema,
  code: codeConfigSchema,
  transform: transformConfigSchema,
  human_input: humanInputConfigSchema,
} as const satisfies Record<NodeType, z.core.$ZodType>;

export type NodeConfig<T extends NodeType> = z.infer<(typeof nodeConfigSchemas)[T]>;

/** Node types that run as a Lambda task (and so can retry, time out and have error edges). */
export const taskNodeTypes: ReadonlySet<NodeType> = new Set(['llm', 'agent', 'tool', 'code', 'human_input', 'subworkflow', 'transform']);
/** Node types that can have an error edge (`sourceHandle: 'error'`). */
export const catchableNodeTypes: ReadonlySet<NodeType> = new Set([...taskNodeTypes, 'parallel', 'loop', 'wait']);
/** Node types whose result lands at `$.nodes.<id>` and can be referenced. */
export const nodeTypesWithOutput: ReadonlySet<NodeType> = new Set(['start', 'llm', 'agent', 'tool', 'code', 'human_input', 'subworkflow', 'transform', 'loop', 'wait']);

const nodeBase = {
  id: nodeIdSchema,
  label: z.string().max(256).optional(),
  description: z.string().max(4096).optional(),
  /** Canvas position; the compiler ignores it. */
  position: z.strictObject({ x: z.number().finite(), y: z.number().finite() }).optional(),
  retry: retryPolicySchema.optional(),
  /** The node fails with States.Timeout after this long (Task TimeoutSeconds). */
  timeoutSeconds: z.number().int().min(1).max(WorkflowLimits.standardMaxSeconds).optional(),
};

function nodeSchema<T extends NodeType>(type: T) {
  return z.strictObject({ ...nodeBase, type: z.literal(type), config: nodeConfigSchemas[type] });
}

/** A workflow node: a discriminated union on `type`. */
export const workflowNodeSchema = z.discriminatedUnion('type', [
  nodeSchema('start'),
  nodeSchema('end'),
  nodeSchema('llm'),
  nodeSchema('agent'),
  nodeSchema('tool'),
  nodeSchema('condition'),
  nodeSchema('parallel'),
  nodeSchema('merge'),
  nodeSchema('loop'),
  nodeSchema('subworkflow'),
  nodeSchema('wait'),
  nodeSchema('code'),
  nodeSchema('transform'),
  nodeSchema('human_input'),
]);
export type WorkflowNode = z.infer<typeof workflowNodeSchema>;
export type NodeOfType<T extends NodeType> = Extract<WorkflowNode, { type: T }>;

/**
 * An edge. `sourceHandle` selects the branch: a condition rule id or `default`; `body` or `done`
 * on a loop; `error` for an error edge (taken when the source fails after its retries).
 */
export const workflowEdgeSchema = z.strictObject({
  id: edgeIdSchema,
  source: z.string().min(1).max(128),
  target: z.string().min(1).max(128),
  sourceHandle: z.string().min(1).max(64).optional(),
  targetHandle: z.string().min(1).max(64).optional(),
  label: z.string().max(256).optional(),
  /** For error edges: which error classes this edge catches. Default: all. */
  errors: z.array(errorClassSchema).min(1).optional(),
});
export type WorkflowEdge = z.infer<typeof workflowEdgeSchema>;

/** Reserved source handles. */
export const Handles = { error: 'error', default: 'default', body: 'body', done: 'done' } as const;

export const workflowSettingsSchema = z.strictObject({
  /** STANDARD (up to a year, human input, waits) or EXPRESS (up to 5 minutes, high volume). */
  type: z.enum(['STANDARD', 'EXPRESS']).default('STANDARD'),
  /** The whole execution fails with States.Timeout after this long. */
  timeoutSeconds: z.number().int().min(1).max(WorkflowLimits.standardMaxSeconds).optional(),
  /** Stop the run before an LLM call would exceed either budget. */
  budget: z
    .strictObject({
      maxTokens: z.number().int().min(1).optional(),
      maxCostUsd: z.number().positive().optional(),
    })
    .optional(),
  /** Triggers that start this workflow with no person involved. */
  triggers: z
    .array(
      z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('s3'), bucket: z.string().min(3).max(63), prefix: z.string().max(1024).default('') }),
        z.strictObject({ kind: z.literal('eventbridge'), pattern: z.record(z.string(), z.unknown()) }),
        z.strictObject({
          kind: z.literal('schedule'),
          expression: z.string().regex(/^(rate|cron)\(.+\)$/, 'must be rate(...) or cron(...)'),
          /** Fixed fields every scheduled run gets beside `scheduledTime` (EventBridge Scheduler's constant input). */
          input: z
            .record(z.string(), z.unknown())
            .refine((v) => !('scheduledTime' in v), 'scheduledTime is set by the schedule')
            .refine((v) => JSON.stringify(v).length <= 16_384, 'at most 16 KB')
            .optional(),
        }),
        z.strictObject({ kind: z.literal('webhook') }),
      ]),
    )
    .max(16)
    .default([]),
});
export type WorkflowSettings = z.infer<typeof workflowSettingsSchema>;

export const workflowMetadataSchema = z.strictObject({
  /** Stable id of the workflow (set by the control plane or the file name). */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/).optional(),
  name: z.string().min(1).max(128),
  description: z.string().max(4096).optional(),
  tags: z.array(z.string().min(1).max(64)).max(32).optional(),
});

/** The whole workflow document. */
export const workflowSchema = z.strictObject({
  schemaVersion: z.literal(WORKFLOW_SCHEMA_VERSION),
  metadata: workflowMetadataSchema,
  settings: workflowSettingsSchema.default({ type: 'STANDARD', triggers: [] }),
  nodes: z.array(workflowNodeSchema).min(1).max(WorkflowLimits.maxNodes),
  edges: z.array(workflowEdgeSchema).max(WorkflowLimits.maxEdges),
});
export type Workflow = z.infer<typeof workflowSchema>;
/** A workflow as written (defaults not yet applied). */
export type WorkflowInput = z.input<typeof workflowSchema>;
