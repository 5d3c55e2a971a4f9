/**
 * The local execution engine: runs the *compiled* state machine of a workflow on one machine
 * with aws-local-stepfunctions. Task states dispatch in-process to the registered node runtimes
 * with the same `lambda:invoke` payload a deployed Lambda receives; callback tasks (human
 * input, pause gates, wait-for-event) get a task token minted per invocation and wait for an
 * answer through {@link LocalEngine.sendTaskSuccess}; sub-workflows run as child executions.
 * Every execution exposes its lifecycle events as a stream.
 */
import '../polyfills';
import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { describeError, ErrorNames, NodeError, NotFoundError, ConflictError, ValidationError } from '@shared/errors';
import type { ExecutionStatus, LifecycleEvent } from '@shared/events';
import { formatIssues } from '@shared/issues';
import { nodeInvocationSchema, nodeResultSchema, type NodeInvocation, type RuntimeName } from '@shared/runtime';
import type { Workflow } from '@shared/workflow';
import { compile, type CompileResult, type StateMeta } from '../../statemachines/src';
import { EventStream } from './event-stream';
import { findState, LifecycleTranslator, type InterpreterEvent } from './lifecycle';
import type { LocalInvokeContext, RuntimeRegistry } from './runtimes';
import { checkJsonSchema, describeSchemaErrors } from '../../functions/_shared/json-schema';
import { MemoryCallbackStore, type CallbackRecord, type CallbackStore } from '../../functions/_shared/callbacks';
import type { TaskCallbacks } from '../../functions/_shared/task-callbacks';
import { answerInput } from '../../functions/request-input/answer-input';
import { requestInput } from '../../functions/request-input/request-input';
import { recordCallback, releasePauseGates } from '../../functions/record-callback/record-callback';

type Compiled = Extract<CompileResult, { ok: true }>;
type EventInput = LifecycleEvent extends infer E ? (E extends unknown ? Omit<E, 'event_id' | 'execution_id'> : never) : never;

export type LocalExecutionStatus = 'RUNNING' | 'PAUSED' | ExecutionStatus;

export interface ExecutionOutcome {
  readonly executionId: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: { name: string; message: string };
}

/** A callback task waiting for an answer. */
export interface PendingCallback {
  readonly token: string;
  readonly executionId: string;
  readonly nodeId: string;
  readonly kind: 'human_input' | 'pause' | 'event';
  readonly createdAt: string;
  readonly timeoutSeconds?: number;
}

export interface LocalEngineOptions {
  readonly runtimes: RuntimeRegistry;
  /** Finds the workflow a subworkflow node calls (by id and optional version). */
  readonly resolveWorkflow?: (workflowId: string, version?: number) => Workflow | Promise<Workflow>;
  /** Milliseconds every Wait state lasts instead of its real duration (tests, demos). */
  readonly waitMs?: number;
  /** Milliseconds between retries instead of the backoff in the definition. */
  readonly retryDelayMs?: number;
  /**
   * Asked before each node runtime runs: true means the execution is paused and the node must not
   * start (it fails with Stepflow.Paused and waits at its pause gate). Default: the engine's own
   * pause flags, set by {@link LocalEngine.pause}.
   */
  readonly isPaused?: (executionId: string) => boolean | Promise<boolean>;
  /**
   * Awaited before each node runtime runs: flow control. The local platform holds new work here
   * while its event pipeline is behind, so on one machine the engine cannot outrun what the
   * people watching are shown (on AWS the fan-out scales out instead).
   */
  readonly admit?: (executionId: string) => Promise<void>;
  /**
   * Where callback requests (human input, pause gates, event waits) are recorded. The built-in
   * human-input and callback runtimes use it, and answers are checked against it.
   * @default an in-memory store
   */
  readonly callbacks?: CallbackStore;
  /**
   * Observes every event of the interpreter's log (StateEntered, StateExited, ...; states nested
   * in Parallel branches and Map iterations included) before it becomes lifecycle events. For
   * instrumentation, e.g. bench/compile.ts counts state transitions with it. A throwing observer
   * is ignored.
   */
  readonly onInterpreterEvent?: (executionId: string, event: InterpreterEvent) => void;
}

export interface StartOptions {
  /** Execution name; with an idempotency key this makes a retried start return the same run. */
  readonly name?: string;
  readonly executionId?: string;
  /** For child executions. */
  readonly parentExecutionId?: string;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A running (or finished) local execution. */
export class LocalExecution {
  status: LocalExecutionStatus = 'RUNNING';
  readonly events = new EventStream<LifecycleEvent>();
  readonly startedAt = new Date();
  stoppedAt?: Date;
  output?: unknown;
  error?: { name: string; message: string };
  readonly result: Promise<ExecutionOutcome>;
  /** @internal */ abort: () => void = () => undefined;
  /** @internal */ readonly settle = deferred<ExecutionOutcome>();
  /** @internal */ stopReason?: { error: string; cause: string };
  /** Settles once a stop's bookkeeping (cancelling waiting callback records) is done. */
  stopped?: Promise<void>;
  private counter = 0;

  constructor(
    readonly executionId: string,
    readonly name: string,
    readonly workflow: Workflow,
    readonly compiled: Compiled,
    readonly input: unknown,
  ) {
    this.result = this.settle.promise;
  }

  /** @internal Adds an event with its id, execution id and timestamp. */
  publish(event: EventInput | (Omit<EventInput, 'timestamp'> & { timestamp?: string })): LifecycleEvent {
    this.counter += 1;
    const full = {
      ...event,
      event_id: `${this.executionId}#${this.counter}`,
      execution_id: this.executionId,
      ...(this.workflow.metadata.id ? { workflow_id: this.workflow.metadata.id } : {}),
      timestamp: event.timestamp ?? new Date().toISOString(),
    } as LifecycleEvent;
    this.events.push(full);
    return full;
  }
}

export class LocalEngine implements TaskCallbacks {
  private readonly executions = new Map<string, LocalExecution>();
  private readonly byName = new Map<string, string>();
  private readonly callbacks = new Map<string, PendingCallback & { settle: Deferred<unknown>; timer?: NodeJS.Timeout }>();
  private readonly pausedFlags = new Set<string>();
  private readonly allEvents = new EventStream<LifecycleEvent>();
  /** Callback requests of every execution. */
  readonly callbackStore: CallbackStore;

  constructor(private readonly options: LocalEngineOptions) {
    this.callbackStore = options.callbacks ?? new MemoryCallbackStore();
  }

  /** Every event of every execution, live (children included). */
  subscribe(listener: (event: LifecycleEvent) => void): () => void {
    return this.allEvents.subscribe(listener);
  }

  /**
   * Compiles a workflow and starts it. Rejects (ValidationError) when the workflow has issues.
   *
   * @example
   * ```ts
   * const engine = new LocalEngine({ runtimes });
   * const run = await engine.start(workflow, { topic: 'otters' });
   * for await (const e of run.events) console.log(e.type);
   * const outcome = await run.result;
   * ```
   */
  async start(workflow: Workflow | unknown, input: unknown, opts: StartOptions = {}): Promise<LocalExecution> {
    if (opts.name !== undefined) {
      const existing = this.byName.get(opts.name);
      if (existing) {
        const ex = this.executions.get(existing) as LocalExecution;
        if (JSON.stringify(ex.input) !== JSON.stringify(input)) {
          throw new ConflictError(`an execution named "${opts.name}" already exists with a different input`);
        }
        return ex;
      }
    }
    const compiled = compile(workflow, { pauseGates: true });
    if (!compiled.ok) {
      throw new ValidationError(`the workflow cannot run:\n${formatIssues(compiled.issues.filter((i) => i.severity === 'error'))}`, {
        details: compiled.issues.map((i) => ({ message: i.message, ...(i.nodeId ? { nodeId: i.nodeId } : {}), ...(i.edgeId ? { edgeId: i.edgeId } : {}), ...(i.field ? { path: i.field } : {}) })),
      });
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new ValidationError(`execution input must be a JSON object, received ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`);
    }
    const startNode = compiled.workflow.nodes.find((n) => n.type === 'start');
    const inputSchema = startNode?.type === 'start' ? startNode.config.inputSchema : undefined;
    if (inputSchema) {
      const check = checkJsonSchema(inputSchema, input);
      if (!check.ok) {
        throw new ValidationError(`execution input does not match the start node's inputSchema: ${describeSchemaErrors(check.errors)}`, {
          details: check.errors.map((e) => ({ path: e.path, message: e.message })),
        });
      }
    }
    const name = opts.name ?? randomUUID();
    const executionId = opts.executionId ?? `local:${compiled.workflow.metadata.id ?? 'workflow'}:${name}`;
    const execution = new LocalExecution(executionId, name, compiled.workflow, compiled, input);
    this.executions.set(executionId, execution);
    if (opts.name !== undefined) this.byName.set(opts.name, executionId);
    execution.events.subscribe((e) => this.allEvents.push(e));
    this.run(execution);
    return execution;
  }

  get(executionId: string): LocalExecution {
    const ex = this.executions.get(executionId);
    if (!ex) throw new NotFoundError(`no execution "${executionId}"`);
    return ex;
  }

  list(): LocalExecution[] {
    return [...this.executions.values()];
  }

  /** Callback tasks waiting for an answer (optionally for one execution). */
  pending(executionId?: string): PendingCallback[] {
    return [...this.callbacks.values()]
      .filter((c) => executionId === undefined || c.executionId === executionId)
      .map(({ settle: _s, timer: _t, ...c }) => c);
  }

  /** Completes a callback task (SendTaskSuccess). */
  async sendTaskSuccess(token: string, output: unknown): Promise<void> {
    const cb = this.takeCallback(token);
    cb.settle.resolve(output);
  }

  /** Fails a callback task (SendTaskFailure); the graph can catch `error`. */
  async sendTaskFailure(token: string, error: string, cause = ''): Promise<void> {
    const cb = this.takeCallback(token);
    cb.settle.reject(Object.assign(new Error(cause), { name: error }));
  }

  /** Open human-input requests of an execution, as recorded by the human-input runtime. */
  async inputRequests(executionId: string): Promise<CallbackRecord[]> {
    return (await this.callbackStore.list(executionId)).filter((r) => r.kind === 'human_input' && r.status === 'waiting');
  }

  /**
   * Answers the human-input request of `nodeId` (validated against the request's schema, once).
   * @throws ValidationError for an answer that does not match; ConflictError when not waiting.
   */
  async answer(executionId: string, nodeId: string, data: unknown, answeredBy?: string): Promise<void> {
    this.get(executionId);
    await answerInput({ callbacks: this.callbackStore, tasks: this }, { executionId, nodeId, answer: data, ...(answeredBy ? { answeredBy } : {}) });
  }

  /** Pause takes effect at the next node boundary. */
  pause(executionId: string): void {
    const ex = this.get(executionId);
    if (ex.status !== 'RUNNING') throw new ConflictError(`execution "${executionId}" is ${ex.status}; only a RUNNING execution can be paused`);
    this.pausedFlags.add(executionId);
  }

  /** Resumes a paused execution: every node waiting at its pause gate re-enters. */
  async resume(executionId: string): Promise<void> {
    const ex = this.get(executionId);
    if (!this.pausedFlags.has(executionId) && ex.status !== 'PAUSED') {
      throw new ConflictError(`execution "${executionId}" is ${ex.status}; only a paused execution can be resumed`);
    }
    this.pausedFlags.delete(executionId);
    ex.status = 'RUNNING';
    await releasePauseGates({ callbacks: this.callbackStore, tasks: this }, executionId);
  }

  /** Stops (aborts) an execution. */
  stop(executionId: string, reason: { error?: string; cause?: string } = {}): void {
    const ex = this.get(executionId);
    if (ex.status !== 'RUNNING' && ex.status !== 'PAUSED') throw new ConflictError(`execution "${executionId}" already ended (${ex.status})`);
    ex.stopReason = { error: reason.error ?? 'Stepflow.Stopped', cause: reason.cause ?? 'stopped by request' };
    for (const cb of [...this.callbacks.values()]) {
      if (cb.executionId === executionId) {
        this.takeCallback(cb.token);
        cb.settle.reject(new NodeError(ErrorNames.Internal, 'execution stopped'));
      }
    }
    ex.stopped = this.callbackStore
      .list(executionId)
      .then((records) => Promise.all(records.filter((r) => r.status === 'waiting').map((r) => this.callbackStore.finish(executionId, r.requestId, 'cancelled').catch(() => undefined))))
      .then(
        () => undefined,
        () => undefined,
      );
    ex.abort();
  }

  private takeCallback(token: string) {
    const cb = this.callbacks.get(token);
    if (!cb) throw new ConflictError('the task token is unknown, already used or expired');
    this.callbacks.delete(token);
    if (cb.timer) clearTimeout(cb.timer);
    return cb;
  }

  private run(ex: LocalExecution): void {
    const { asl, states } = ex.compiled;
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const waits: Record<string, number> = {};
    const retries: Record<string, number> = {};
    const invocations = new Map<string, number>();
    const startTime = ex.startedAt.getTime();
    const translator = new LifecycleTranslator(asl, states, (e) => ex.publish(e as EventInput), startTime);
    for (const [stateName, meta] of Object.entries(states)) {
      const def = findState(asl, stateName);
      if (def?.Type === 'Task') {
        handlers[stateName] = async (p) => {
          // Events a runtime publishes must follow the node_started the interpreter logged for it.
          const n = (invocations.get(stateName) ?? 0) + 1;
          invocations.set(stateName, n);
          await translator.reached(stateName, n);
          return this.dispatch(ex, translator, stateName, meta, def, p);
        };
      }
      if (def?.Type === 'Wait' && this.options.waitMs !== undefined) waits[stateName] = this.options.waitMs;
      if (this.options.retryDelayMs !== undefined && Array.isArray(def?.Retry)) retries[stateName] = this.options.retryDelayMs;
    }
    // The compiler's output is checked with asl-validator in the test suite; re-validating it here
    // on every start would cost the interpreter 0.5-1 s per run.
    const machine = new StateMachine(asl as never, { validationOptions: { noValidate: true } });
    ex.publish({ type: 'execution_started', input: ex.input, timestamp: ex.startedAt.toISOString() });
    const running = machine.run(ex.input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits, retryIntervalOverrides: retries },
      context: {
        Execution: { Id: ex.executionId, Name: ex.name, StartTime: ex.startedAt.toISOString() },
        StateMachine: { Id: `local:${ex.workflow.metadata.id ?? 'workflow'}`, Name: ex.workflow.metadata.name },
        Task: { Token: 'minted-per-invocation' },
      },
    });
    ex.abort = running.abort;
    const drained = (async () => {
      const observe = this.options.onInterpreterEvent;
      for await (const e of running.eventLogs) {
        if (observe) {
          try {
            observe(ex.executionId, e as InterpreterEvent);
          } catch {
            // An observer's failure is its own; the execution's events carry on.
          }
        }
        translator.handle(e as InterpreterEvent);
      }
    })().catch(() => undefined);
    const finish = (status: ExecutionStatus, detail: { output?: unknown; error?: { name: string; message: string } }) => {
      // The interpreter's log drains first, so execution_completed is always the last event.
      void drained.then(() => this.finish(ex, translator, status, detail));
    };
    running.result.then(
      (output) => finish('SUCCEEDED', { output }),
      (err: unknown) => {
        if (err instanceof ExecutionAbortedError || ex.stopReason) {
          finish('ABORTED', { error: { name: ex.stopReason?.error ?? 'Stepflow.Stopped', message: ex.stopReason?.cause ?? 'aborted' } });
        } else if (err instanceof ExecutionTimeoutError) {
          finish('TIMED_OUT', { error: { name: 'States.Timeout', message: 'the execution ran longer than its timeoutSeconds' } });
        } else {
          const cause = (err as { cause?: unknown }).cause;
          const inner = cause instanceof Error ? cause : err;
          finish('FAILED', { error: describeError(inner) });
        }
      },
    );
  }

  private finish(ex: LocalExecution, translator: LifecycleTranslator, status: ExecutionStatus, detail: { output?: unknown; error?: { name: string; message: string } }): void {
    {
      ex.status = status;
      ex.stoppedAt = new Date();
      ex.output = detail.output;
      if (detail.error) ex.error = detail.error;
      this.pausedFlags.delete(ex.executionId);
      for (const cb of [...this.callbacks.values()]) if (cb.executionId === ex.executionId) this.callbacks.delete(cb.token);
      translator.completed(status, ex.stoppedAt.getTime(), { ...(detail.output === undefined ? {} : { result: detail.output }), ...(detail.error ? { error: detail.error } : {}) });
      ex.events.close();
      ex.settle.resolve({ executionId: ex.executionId, status, ...(detail.output === undefined ? {} : { output: detail.output }), ...(detail.error ? { error: detail.error } : {}) });
    }
  }

  private async dispatch(ex: LocalExecution, translator: LifecycleTranslator, stateName: string, meta: StateMeta, def: Record<string, unknown>, parameters: unknown): Promise<unknown> {
    if (meta.subworkflow) return this.runChild(ex, meta.subworkflow, parameters);
    const params = parameters as { FunctionName?: string; Payload?: unknown };
    const parsed = nodeInvocationSchema.safeParse(params.Payload);
    if (!parsed.success) {
      throw new NodeError(ErrorNames.Internal, `state "${stateName}" sent a payload that is not a node invocation: ${parsed.error.issues[0]?.message ?? ''}`);
    }
    const invocation = parsed.data;
    const runtime = meta.runtime as RuntimeName;
    const timeoutSeconds = typeof def.TimeoutSeconds === 'number' ? def.TimeoutSeconds : undefined;
    if (invocation.callback) return this.awaitCallback(ex, meta, invocation, runtime, timeoutSeconds);
    if (this.options.admit) await this.options.admit(ex.executionId);
    const paused = this.options.isPaused ? await this.options.isPaused(ex.executionId) : this.pausedFlags.has(ex.executionId);
    if (paused) throw new NodeError(ErrorNames.Paused, `execution paused before node ${meta.nodeId}`);
    const handler = this.options.runtimes.get(runtime);
    if (!handler) {
      throw new NodeError(ErrorNames.Internal, `no ${runtime} runtime is registered with the local engine (node "${meta.nodeId}")`, { retryable: false });
    }
    const response = await handler(invocation, this.invokeContext(ex, runtime, meta.nodeId, timeoutSeconds));
    const reported = nodeResultSchema.safeParse(response);
    if (reported.success) translator.recordResult(stateName, reported.data);
    return { Payload: response, StatusCode: 200, ExecutedVersion: '$LATEST' };
  }

  private invokeContext(ex: LocalExecution, runtime: RuntimeName, nodeId: string, timeoutSeconds?: number): LocalInvokeContext {
    const deadline = Date.now() + (timeoutSeconds ?? 900) * 1000;
    const controller = new AbortController();
    return {
      functionName: `stepflow-${runtime}`,
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:stepflow-${runtime}`,
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      signal: controller.signal,
      emit: (event) => ex.publish({ ...event, ...(('node_id' in event) ? {} : { node_id: nodeId }) } as EventInput),
    };
  }

  private async awaitCallback(ex: LocalExecution, meta: StateMeta, invocation: NodeInvocation, runtime: RuntimeName, timeoutSeconds?: number): Promise<unknown> {
    const kind = invocation.callback as 'human_input' | 'pause' | 'event';
    if (kind !== 'pause') {
      const paused = this.options.isPaused ? await this.options.isPaused(ex.executionId) : this.pausedFlags.has(ex.executionId);
      if (paused) throw new NodeError(ErrorNames.Paused, `execution paused before node ${meta.nodeId}`);
    }
    // The interpreter has one $$.Task.Token per execution; mint one per callback instead.
    const token = `local-task-token:${randomUUID()}`;
    const settle = deferred<unknown>();
    const pending: PendingCallback & { settle: Deferred<unknown>; timer?: NodeJS.Timeout } = {
      token,
      executionId: ex.executionId,
      nodeId: meta.nodeId,
      kind,
      createdAt: new Date().toISOString(),
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      settle,
    };
    if (timeoutSeconds !== undefined) {
      // The interpreter fails the state with States.Timeout; the token expires with it.
      pending.timer = setTimeout(() => this.callbacks.delete(token), timeoutSeconds * 1000);
      pending.timer.unref();
    }
    this.callbacks.set(token, pending);
    const context = this.invokeContext(ex, runtime, meta.nodeId, timeoutSeconds);
    const withToken = { ...invocation, taskToken: token };
    const handler = this.options.runtimes.get(runtime);
    try {
      if (handler) await handler(withToken, context);
      else if (kind === 'human_input') await requestInput(withToken, { callbacks: this.callbackStore, emit: context.emit });
      else await recordCallback(withToken, { callbacks: this.callbackStore, emit: context.emit });
    } catch (err) {
      this.callbacks.delete(token);
      if (pending.timer) clearTimeout(pending.timer);
      throw err;
    }
    if (kind === 'pause') ex.status = 'PAUSED';
    return settle.promise;
  }

  private async runChild(parent: LocalExecution, sub: { workflowId: string; version?: number }, parameters: unknown): Promise<unknown> {
    if (!this.options.resolveWorkflow) {
      throw new NodeError(ErrorNames.Internal, `sub-workflow "${sub.workflowId}" cannot run: the engine has no workflow resolver`);
    }
    const workflow = await this.options.resolveWorkflow(sub.workflowId, sub.version);
    const input = { ...((parameters as { Input?: Record<string, unknown> }).Input ?? {}) };
    delete input.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID;
    const child = await this.start(workflow, input, { parentExecutionId: parent.executionId });
    const outcome = await child.result;
    if (outcome.status !== 'SUCCEEDED') {
      throw new NodeError('States.TaskFailed', `sub-workflow "${sub.workflowId}" ended ${outcome.status}: ${outcome.error?.message ?? ''}`);
    }
    return { Output: outcome.output, Status: 'SUCCEEDED', ExecutionArn: child.executionId };
  }
}
