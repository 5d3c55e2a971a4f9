/**
 * What every node emitter gets: the analysis, options, the `States` map of the region it is
 * emitted into, and transitions resolved for that region.
 */
import type { Analysis, Region } from '../analyze';
import type { Catcher, JsonObject, Retrier, State, StateMachineFragment, TaskState } from '../asl';
import { ErrorNames, RetryableErrorClasses } from '@shared/errors';
import { runtimeFunctions, type RuntimeName } from '@shared/runtime';
import type { NodeType, Workflow, WorkflowNode } from '@shared/workflow';
import { NODES } from '../paths';

/** What one state of the compiled machine stands for. */
export interface StateMeta {
  readonly nodeId: string;
  readonly nodeType: NodeType;
  /**
   * `node`: the node's own state. `pause_gate`: where a paused node waits for resume.
   * `loop_next`/`loop_check`: a while loop's counter and test. `exit`: a branch/body exit.
   * `merge_step`: a wide parallel's extra merge step.
   */
  readonly role: 'node' | 'pause_gate' | 'loop_next' | 'loop_check' | 'exit' | 'merge_step';
  /** For Lambda-backed states: which runtime handles it. */
  readonly runtime?: RuntimeName;
  /** For `states:startExecution.sync` states: the child workflow. */
  readonly subworkflow?: { readonly workflowId: string; readonly version?: number };
}

export interface ResolvedOptions {
  readonly pauseGates: boolean;
  readonly tenantId?: string;
  readonly functionArn: (runtime: RuntimeName) => string;
  readonly subworkflowArn: (workflowId: string, version?: number) => string;
}

export const END = Symbol('end');

export interface EmitContext {
  readonly analysis: Analysis;
  readonly workflow: Workflow;
  readonly options: ResolvedOptions;
  readonly region: Region;
  readonly states: Record<string, State>;
  readonly meta: Record<string, StateMeta>;
  /** The state a transition to `nodeId` goes to, or END when it leaves the region. */
  target(nodeId: string): string | typeof END;
  /** `{ Next }` or `{ End: true }` for a transition to `nodeId`. */
  transition(nodeId: string | undefined): { Next: string } | { End: true };
  /** A state name for Choice rules (which cannot end a region): adds an exit Pass when needed. */
  choiceTarget(nodeId: string): string;
  /**
   * Emits a nested region (a branch or a loop body) as a fragment. Transitions that leave the
   * region end the fragment, or go to `exitTo` (a state the caller then adds to the fragment).
   */
  emitFragment(region: Region, exitTo?: string): StateMachineFragment;
  /** Emits a region's states into this context's `States` map (while-loop bodies). */
  emitInline(region: Region, exitTo: string): void;
  addState(name: string, state: State, meta: StateMeta): void;
}

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

const DEFAULT_LAMBDA_RETRIER: Retrier = {
  ErrorEquals: [...RetryableErrorClasses.unavailable, ...RetryableErrorClasses.throttled].filter((e) => e.startsWith('Lambda.')),
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/** `Retry` from a node's retry policy (or the default transient-Lambda retrier). */
export function retriersFor(node: WorkflowNode, opts: { lambda: boolean; pausable: boolean }): Retrier[] {
  const list: Retrier[] = [];
  if (opts.pausable) list.push({ ErrorEquals: [ErrorNames.Paused], MaxAttempts: 0 });
  const policy = node.retry;
  if (!policy) {
    if (opts.lambda) list.push({ ...DEFAULT_LAMBDA_RETRIER, ErrorEquals: [...DEFAULT_LAMBDA_RETRIER.ErrorEquals] });
    return list;
  }
  if (policy.maxAttempts === 0) return list;
  const names = [...new Set(policy.errors.flatMap((c) => [...RetryableErrorClasses[c]]))];
  const retrier: Retrier = {
    ErrorEquals: names.includes('States.ALL') ? ['States.ALL'] : names,
    IntervalSeconds: policy.intervalSeconds,
    MaxAttempts: policy.maxAttempts,
    BackoffRate: policy.backoffRate,
    JitterStrategy: policy.jitter === 'full' ? 'FULL' : 'NONE',
  };
  if (policy.maxDelaySeconds !== undefined) retrier.MaxDelaySeconds = policy.maxDelaySeconds;
  list.push(retrier);
  return list;
}

/** `Catch` from a node's error edges; on the error path `$.nodes.<id>` holds `{ Error, Cause }`. */
export function catchersFor(node: WorkflowNode, ctx: EmitContext, pauseGate?: string): Catcher[] {
  const list: Catcher[] = [];
  if (pauseGate) list.push({ ErrorEquals: [ErrorNames.Paused], ResultPath: null, Next: pauseGate });
  for (const e of ctx.analysis.succ.get(node.id)?.errors ?? []) {
    const names = e.errors === undefined ? ['States.ALL'] : [...new Set(e.errors.flatMap((c) => [...RetryableErrorClasses[c]]))];
    list.push({ ErrorEquals: names.includes('States.ALL') ? ['States.ALL'] : names, ResultPath: `${NODES}.${node.id}`, Next: ctx.choiceTarget(e.target) });
  }
  return list;
}

function workflowInfo(ctx: EmitContext): JsonObject {
  const { metadata } = ctx.workflow;
  return { name: metadata.name, ...(metadata.id ? { id: metadata.id } : {}), ...(ctx.options.tenantId ? { tenantId: ctx.options.tenantId } : {}) };
}

/** The payload every Lambda-backed node receives (see shared/runtime.ts). */
export function invocationPayload(node: WorkflowNode, ctx: EmitContext, extra: JsonObject = {}): JsonObject {
  const refs = ctx.analysis.refsOf.get(node.id) ?? new Set<string>();
  const nodes: JsonObject = {};
  for (const r of refs) nodes[`${r}.$`] = `${NODES}.${r}`;
  const payload: JsonObject = {
    execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime' },
    workflow: workflowInfo(ctx),
    node: { id: node.id, type: node.type, ...(node.label ? { label: node.label } : {}) },
    config: node.config as unknown as JsonObject,
    nodes,
  };
  const budget = ctx.workflow.settings.budget;
  if (budget && (node.type === 'llm' || node.type === 'agent')) payload.budget = budget as JsonObject;
  if (ctx.analysis.usesInput.has(node.id)) payload['input.$'] = `${NODES}.${ctx.analysis.startId}.output`;
  return { ...payload, ...extra };
}

/**
 * A Task state that invokes a runtime Lambda, with its retries, catches and (for STANDARD
 * workflows) a pause gate that re-enters the node on resume.
 */
export function emitLambdaTask(
  node: WorkflowNode,
  ctx: EmitContext,
  opts: { runtime: RuntimeName; callback?: 'human_input' | 'event'; timeoutSeconds?: number },
): void {
  const pausable = ctx.options.pauseGates;
  const gate = pausable ? `${node.id}#paused` : undefined;
  const s = ctx.analysis.succ.get(node.id);
  const extra: JsonObject = opts.callback ? { callback: opts.callback, 'taskToken.$': '$$.Task.Token' } : {};
  const task: TaskState = {
    Type: 'Task',
    ...(node.label ? { Comment: node.label } : {}),
    Resource: opts.callback ? LAMBDA_CALLBACK : LAMBDA_INVOKE,
    Parameters: { FunctionName: ctx.options.functionArn(opts.runtime), Payload: invocationPayload(node, ctx, extra) },
    ResultSelector: { 'output.$': opts.callback ? '$' : '$.Payload.output' },
    ResultPath: `${NODES}.${node.id}`,
  };
  const timeout = opts.timeoutSeconds ?? node.timeoutSeconds;
  if (timeout !== undefined) task.TimeoutSeconds = timeout;
  const retry = retriersFor(node, { lambda: true, pausable });
  if (retry.length > 0) task.Retry = retry;
  const catches = catchersFor(node, ctx, gate);
  if (catches.length > 0) task.Catch = catches;
  Object.assign(task, ctx.transition(s?.next));
  ctx.addState(node.id, task, { nodeId: node.id, nodeType: node.type, role: 'node', runtime: opts.runtime });
  if (gate) {
    ctx.addState(
      gate,
      {
        Type: 'Task',
        Comment: `waits while the execution is paused before ${node.id}`,
        Resource: LAMBDA_CALLBACK,
        Parameters: {
          FunctionName: ctx.options.functionArn('callback'),
          Payload: {
            execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime' },
            workflow: workflowInfo(ctx),
            node: { id: node.id, type: node.type },
            config: {},
            nodes: {},
            callback: 'pause',
            'taskToken.$': '$$.Task.Token',
          },
        },
        ResultPath: null,
        Next: node.id,
      },
      { nodeId: node.id, nodeType: node.type, role: 'pause_gate', runtime: 'callback' },
    );
  }
}

export { runtimeFunctions };
