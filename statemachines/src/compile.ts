/**
 * The compiler: workflow graph -> validated Amazon States Language (JSONPath query language).
 *
 * Pure and deterministic (the same graph gives byte-identical ASL), free of Node-only APIs so
 * the editor runs it in the browser on every change, and it never throws on bad input: every
 * problem comes back as an issue naming the node, edge and field.
 *
 * Shape of the state: `{ nodes: { <id>: { output } } }`. Each node writes its result at
 * `$.nodes.<id>`; on an error edge `$.nodes.<id>` holds `{ Error, Cause }`.
 */
import { issue, warning, type Issue } from '@shared/issues';
import { parseWorkflow } from '@shared/parse-workflow';
import { runtimeFunctions, type RuntimeName } from '@shared/runtime';
import type { Workflow, WorkflowNode } from '@shared/workflow';
import { analyze, type Analysis, type Region } from './analyze';
import type { State, StateMachineDefinition, StateMachineFragment } from './asl';
import { END, type EmitContext, type ResolvedOptions, type StateMeta } from './nodes/context';
import { emitters } from './nodes/index';
import { MappingError } from './paths';

export type { StateMeta } from './nodes/context';

/** AWS rejects state machine definitions larger than this (bytes). */
export const MAX_DEFINITION_BYTES = 1_048_576;

export interface CompileOptions {
  /**
   * Emit a pause gate for every Lambda-backed node, so pause can take effect at node boundaries.
   * @default true for STANDARD workflows; always false for EXPRESS (no callback tasks there)
   */
  readonly pauseGates?: boolean;
  /**
   * The `FunctionName` for each runtime.
   * @default a definition-substitution placeholder, e.g. `${LlmFunctionArn}`
   */
  readonly functionArn?: (runtime: RuntimeName) => string;
  /**
   * The state machine ARN of a sub-workflow.
   * @default a placeholder `${Subworkflow_<id>}` (or `${Subworkflow_<id>_v<version>}`)
   */
  readonly subworkflowArn?: (workflowId: string, version?: number) => string;
  /** The tenant that owns the state machine; runtimes scope agent memory and records by it. */
  readonly tenantId?: string;
}

export interface CompileStats {
  readonly nodes: number;
  readonly edges: number;
  /** States in the definition, nested ones included. */
  readonly states: number;
  readonly bytes: number;
}

export type CompileResult =
  | {
      readonly ok: true;
      readonly workflow: Workflow;
      readonly asl: StateMachineDefinition;
      /** The definition as JSON (what is deployed). */
      readonly json: string;
      /** What each state (by name, nested included) stands for. */
      readonly states: Readonly<Record<string, StateMeta>>;
      /** Definition-substitution keys the definition uses (e.g. `LlmFunctionArn`). */
      readonly substitutions: readonly string[];
      /** Warnings (never errors). */
      readonly issues: readonly Issue[];
      readonly stats: CompileStats;
    }
  | { readonly ok: false; readonly issues: readonly Issue[] };

const placeholderName = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * Compiles a workflow (any JSON value: it is parsed and validated first).
 *
 * @example
 * ```ts
 * const r = compile(JSON.parse(fs.readFileSync('examples/triage.json', 'utf8')));
 * if (r.ok) console.log(r.json);
 * else console.error(formatIssues(r.issues));
 * ```
 */
export function compile(input: unknown, options: CompileOptions = {}): CompileResult {
  const parsed = parseWorkflow(input);
  const issues: Issue[] = [...parsed.issues];
  const workflowId = parsed.ok ? parsed.workflow.metadata.id : undefined;
  const analysed = parsed.skeleton ? analyze(parsed.skeleton, workflowId) : undefined;
  if (analysed) issues.push(...analysed.issues);
  if (!parsed.ok || !analysed?.ok) return { ok: false, issues: dedupe(issues) };
  const workflow = parsed.workflow;

  for (const node of workflow.nodes) checkPayloadKeys(node, issues);
  checkTriggerInputs(workflow, issues);
  if (issues.some((i) => i.severity === 'error')) return { ok: false, issues: dedupe(issues) };

  const express = workflow.settings.type === 'EXPRESS';
  const substitutions = new Set<string>();
  const resolved: ResolvedOptions = {
    pauseGates: !express && (options.pauseGates ?? true),
    ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
    functionArn: (runtime) => {
      if (options.functionArn) return options.functionArn(runtime);
      substitutions.add(runtimeFunctions[runtime]);
      return `\${${runtimeFunctions[runtime]}}`;
    },
    subworkflowArn: (id, version) => {
      if (options.subworkflowArn) return options.subworkflowArn(id, version);
      const key = `Subworkflow_${placeholderName(id)}${version === undefined ? '' : `_v${version}`}`;
      substitutions.add(key);
      return `\${${key}}`;
    },
  };

  const meta: Record<string, StateMeta> = {};
  let root: StateMachineFragment;
  try {
    root = emitRegion(analysed.analysis, workflow, resolved, analysed.analysis.root, meta);
  } catch (err) {
    if (err instanceof MappingError) {
      const nodeId = err.nodeId;
      issues.push(issue('INVALID_CONFIG', `node "${nodeId ?? '?'}" ${err.field}: ${err.message}`, { ...(nodeId ? { nodeId } : {}), field: err.field }));
      return { ok: false, issues: dedupe(issues) };
    }
    throw err;
  }
  const asl: StateMachineDefinition = {
    Comment: workflow.metadata.description ? `${workflow.metadata.name}: ${workflow.metadata.description}`.slice(0, 1024) : workflow.metadata.name,
    QueryLanguage: 'JSONPath',
    StartAt: root.StartAt,
    States: root.States,
  };
  if (workflow.settings.timeoutSeconds !== undefined) asl.TimeoutSeconds = workflow.settings.timeoutSeconds;
  const json = JSON.stringify(asl);
  const bytes = new TextEncoder().encode(json).length;
  if (bytes > MAX_DEFINITION_BYTES) {
    issues.push(warning('ASL_TOO_LARGE', `the definition is ${(bytes / 1_048_576).toFixed(2)} MiB; AWS accepts at most 1 MiB, so publish would fail: split it with sub-workflows`));
  }
  return {
    ok: true,
    workflow,
    asl,
    json,
    states: meta,
    substitutions: [...substitutions].sort(),
    issues: dedupe(issues),
    stats: { nodes: workflow.nodes.length, edges: workflow.edges.length, states: Object.keys(meta).length, bytes },
  };
}

function emitRegion(analysis: Analysis, workflow: Workflow, options: ResolvedOptions, region: Region, meta: Record<string, StateMeta>, exitTo: string | typeof END = END): StateMachineFragment {
  const states: Record<string, State> = {};
  fillRegion(analysis, workflow, options, region, states, meta, exitTo);
  return { StartAt: region.entry, States: states };
}

function fillRegion(
  analysis: Analysis,
  workflow: Workflow,
  options: ResolvedOptions,
  region: Region,
  states: Record<string, State>,
  meta: Record<string, StateMeta>,
  exitTo: string | typeof END,
): void {
  const exitName = `${region.id}#exit`;
  const ctx: EmitContext = {
    analysis,
    workflow,
    options,
    region,
    states,
    meta,
    target: (nodeId) => (nodeId === region.exitTarget ? exitTo : nodeId),
    transition(nodeId) {
      const t = nodeId === undefined ? END : ctx.target(nodeId);
      return t === END ? { End: true } : { Next: t };
    },
    choiceTarget(nodeId) {
      const t = ctx.target(nodeId);
      if (t !== END) return t;
      if (!(exitName in states)) {
        ctx.addState(exitName, { Type: 'Pass', Comment: `leaves ${region.kind === 'branch' ? 'the branch' : 'the loop body'}`, End: true }, {
          nodeId: region.owner ?? region.entry,
          nodeType: analysis.types.get(region.owner ?? region.entry) ?? 'parallel',
          role: 'exit',
        });
      }
      return exitName;
    },
    emitFragment: (r, to) => emitRegion(analysis, workflow, options, r, meta, to ?? END),
    emitInline: (r, to) => fillRegion(analysis, workflow, options, r, states, meta, to),
    addState(name, state, m) {
      states[name] = state;
      meta[name] = m;
    },
  };
  for (const id of region.members) {
    const node = analysis.nodes.get(id) as WorkflowNode;
    try {
      (emitters[node.type] as (n: WorkflowNode, c: EmitContext) => void)(node, ctx);
    } catch (err) {
      if (err instanceof MappingError && err.nodeId === undefined) err.nodeId = id;
      throw err;
    }
  }
}

/** Configs are embedded in `Parameters`, where a key ending in `.$` would be evaluated as a path. */
/** What each trigger kind starts a run with, where the shape is fixed (see infra/lib/triggers.ts). */
const TRIGGER_INPUT_FIELDS: Partial<Record<Workflow['settings']['triggers'][number]['kind'], readonly string[]>> = {
  schedule: ['scheduledTime'],
  s3: ['bucket', 'key', 'size', 'etag'],
};

/**
 * A trigger whose input the start node's schema would refuse fails every run it starts (for
 * example a schedule, which sends its `input` and `scheduledTime`, in front of a start that
 * requires other fields). Only the schema's top-level `required` is compared, which cannot see
 * every way a schema can accept an input, so this is a warning: the editor and synth show it
 * before the first 7 a.m. run fails.
 */
function checkTriggerInputs(workflow: Workflow, issues: Issue[]): void {
  const start = workflow.nodes.find((n) => n.type === 'start');
  const schema = (start?.config as { inputSchema?: { required?: unknown } } | undefined)?.inputSchema;
  const required = Array.isArray(schema?.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  workflow.settings.triggers.forEach((trigger, i) => {
    const fixed = TRIGGER_INPUT_FIELDS[trigger.kind];
    if (!fixed || !start) return;
    const given = trigger.kind === 'schedule' ? [...Object.keys(trigger.input ?? {}), ...fixed] : fixed;
    const missing = required.filter((r) => !given.includes(r));
    if (missing.length === 0) return;
    issues.push(
      warning('TRIGGER_INPUT_MISMATCH', `the ${trigger.kind} trigger (settings.triggers.${i}) starts each run with { ${given.join(', ')} }, but start node "${start.id}" requires ${missing.map((m) => `"${m}"`).join(', ')}: make the start schema accept the trigger's input`, {
        nodeId: start.id,
        field: `settings.triggers.${i}`,
      }),
    );
  });
}

function checkPayloadKeys(node: WorkflowNode, issues: Issue[]): void {
  const stack: Array<[unknown, string]> = [[node.config, 'config']];
  while (stack.length > 0) {
    const [v, field] = stack.pop() as [unknown, string];
    if (Array.isArray(v)) v.forEach((c, i) => stack.push([c, `${field}[${i}]`]));
    else if (v !== null && typeof v === 'object') {
      for (const [k, c] of Object.entries(v)) {
        if (k.endsWith('.$')) issues.push(issue('INVALID_CONFIG', `node "${node.id}" ${field}.${k}: keys may not end in ".$"`, { nodeId: node.id, field: `${field}.${k}` }));
        stack.push([c, `${field}.${k}`]);
      }
    }
  }
}

function dedupe(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.code}|${i.nodeId ?? ''}|${i.edgeId ?? ''}|${i.field ?? ''}|${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
