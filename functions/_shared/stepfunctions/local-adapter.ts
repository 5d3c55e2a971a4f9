/**
 * The Step Functions port on the embedded local platform, over the local engine.
 *
 * Publishing keeps each (tenant, workflow)'s state machine in memory with its immutable
 * versions; every version holds the ASL it was published with *and* the workflow graph, because
 * the engine runs the graph (it compiles it again for the per-state metadata that maps
 * interpreter events to nodes). Executions get AWS-shaped ARNs
 * (`arn:aws:states:local:000000000000:execution:<state machine>:<name>`) and run in the engine
 * under that ARN as their execution id.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '@shared/errors';
import type { Workflow } from '@shared/workflow';
import { executionArnFor, executionName, parseStateMachineArn, sameJson, stateMachineName } from './names';
import { versionDescription, type ExecutionDescription, type PublishRequest, type PublishResult, type SfnExecutionStatus, type StartRequest, type StartResult, type StateMachineType, type StepFunctionsPort, type StopRequest } from './port';

/** What the adapter reads of a local execution (the engine's `LocalExecution` has all of it). */
export interface LocalExecutionView {
  readonly executionId: string;
  readonly status: 'RUNNING' | 'PAUSED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly input: unknown;
  readonly startedAt: Date;
  readonly stoppedAt?: Date;
  readonly output?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
}

/**
 * The local engine as this adapter uses it. `functions/` does not import `local/` (dependencies
 * point one way), so the adapter states what it needs and `local/`'s `LocalEngine` fits it.
 */
export interface LocalEngineLike {
  start(workflow: Workflow, input: unknown, options: { executionId?: string; name?: string }): Promise<LocalExecutionView>;
  get(executionId: string): LocalExecutionView;
  stop(executionId: string, reason: { error?: string; cause?: string }): void;
  sendTaskSuccess(taskToken: string, output: unknown): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
}

/** One published version: immutable. */
export interface LocalVersion {
  readonly version: number;
  readonly versionArn: string;
  readonly definition: string;
  readonly workflow: Workflow;
  readonly description: string;
  readonly createdAt: Date;
}

interface LocalStateMachine {
  readonly name: string;
  readonly stateMachineArn: string;
  readonly type: StateMachineType;
  readonly tenantId: string;
  readonly workflowId: string;
  readonly versions: LocalVersion[];
}

interface LocalRun {
  readonly stateMachineArn: string;
  readonly versionArn?: string;
  readonly name: string;
}

export interface LocalStepFunctionsOptions {
  readonly engine: LocalEngineLike;
  /** @default 'local' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
}

/**
 * The Step Functions port over the local engine.
 *
 * @example
 * ```ts
 * const port = new LocalStepFunctions({ engine: new LocalEngine({ runtimes: defaultRuntimes() }) });
 * const { versionArn } = await port.publish({ tenantId: 'local', workflowId: 'triage', definition: compiled.json, type: 'STANDARD', workflow });
 * const { executionArn } = await port.start({ versionArn, input: { topic: 'otters' }, idempotencyKey: 'k-1' });
 * ```
 */
export class LocalStepFunctions implements StepFunctionsPort {
  private readonly machines = new Map<string, LocalStateMachine>();
  private readonly runs = new Map<string, LocalRun>();
  private readonly arnPrefix: string;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.arnPrefix = `arn:aws:states:${options.region ?? 'local'}:${options.accountId ?? '000000000000'}:stateMachine:`;
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const name = stateMachineName(request.tenantId, request.workflowId);
    if (!request.workflow) {
      throw new ValidationError(`publishing "${request.tenantId}/${request.workflowId}" locally needs the workflow graph: pass publish({ workflow }) alongside the compiled definition`);
    }
    checkDefinition(request.definition, name);
    const stateMachineArn = `${this.arnPrefix}${name}`;
    const machine = this.machines.get(stateMachineArn) ?? { name, stateMachineArn, type: request.type, tenantId: request.tenantId, workflowId: request.workflowId, versions: [] };
    if (machine.type !== request.type) {
      throw new ConflictError(`state machine "${stateMachineArn}" is ${machine.type} and Step Functions cannot change its type to ${request.type}; publish the ${request.type} workflow under a new workflow id`);
    }
    const version = machine.versions.length + 1;
    const published: LocalVersion = {
      version,
      versionArn: `${stateMachineArn}:${version}`,
      definition: request.definition,
      // A copy: later edits of the caller's object must not change what this version runs.
      workflow: structuredClone(request.workflow),
      description: versionDescription(request),
      createdAt: new Date(),
    };
    machine.versions.push(published);
    this.machines.set(stateMachineArn, machine);
    return { stateMachineArn, versionArn: published.versionArn, version };
  }

  /** The versions published for a state machine, oldest first. */
  versions(stateMachineArn: string): readonly LocalVersion[] {
    return this.machine(stateMachineArn).versions;
  }

  async start(request: StartRequest): Promise<StartResult> {
    const target = request.versionArn ?? request.stateMachineArn;
    const { stateMachineArn, version } = parseStateMachineArn(target);
    const machine = this.machine(stateMachineArn);
    const chosen = version === undefined ? machine.versions.at(-1) : machine.versions[version - 1];
    if (!chosen) throw new NotFoundError(`state machine "${stateMachineArn}" has no version ${version ?? ''}`.trimEnd());
    const name = request.idempotencyKey === undefined ? randomUUID() : executionName(request.idempotencyKey);
    const executionArn = executionArnFor(stateMachineArn, name);
    const input = request.input ?? {};
    // Execution names are unique per state machine, as on AWS. The engine's own name index spans
    // every workflow, so the run is keyed by its ARN here; nothing awaits between this check and
    // the engine registering the execution, so two starts cannot both pass it.
    if (this.runs.has(executionArn)) {
      const ex = this.options.engine.get(executionArn);
      if (!sameJson(ex.input, input)) {
        throw new ConflictError(`the Idempotency-Key was already used to start execution "${executionArn}" with a different input; send a new key to start another execution`);
      }
      return { executionArn, startDate: ex.startedAt, alreadyStarted: true };
    }
    const run: LocalRun = { stateMachineArn, name, ...(version === undefined ? {} : { versionArn: chosen.versionArn }) };
    this.runs.set(executionArn, run);
    try {
      const ex = await this.options.engine.start(chosen.workflow, input, { executionId: executionArn });
      return { executionArn, startDate: ex.startedAt, alreadyStarted: false };
    } catch (err) {
      this.runs.delete(executionArn);
      throw err;
    }
  }

  async stop(executionArn: string, request: StopRequest = {}): Promise<{ readonly stopDate: Date }> {
    this.run(executionArn);
    this.options.engine.stop(executionArn, {
      ...(request.error === undefined ? {} : { error: request.error.slice(0, 256) }),
      ...(request.cause === undefined ? {} : { cause: request.cause.slice(0, 32_768) }),
    });
    return { stopDate: new Date() };
  }

  async describe(executionArn: string): Promise<ExecutionDescription> {
    const run = this.run(executionArn);
    const ex = this.options.engine.get(executionArn);
    // A paused run is, to Step Functions, a RUNNING execution waiting at a pause gate.
    const status: SfnExecutionStatus = ex.status === 'PAUSED' ? 'RUNNING' : ex.status;
    return {
      executionArn,
      stateMachineArn: run.stateMachineArn,
      ...(run.versionArn ? { versionArn: run.versionArn } : {}),
      name: run.name,
      status,
      startDate: ex.startedAt,
      ...(ex.stoppedAt ? { stopDate: ex.stoppedAt } : {}),
      input: ex.input,
      ...(status === 'SUCCEEDED' ? { output: ex.output } : {}),
      ...(ex.error && status !== 'RUNNING' && status !== 'SUCCEEDED' ? { error: { error: ex.error.name, cause: ex.error.message } } : {}),
    };
  }

  sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    return this.options.engine.sendTaskSuccess(taskToken, output);
  }

  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    return this.options.engine.sendTaskFailure(taskToken, error, cause);
  }

  private machine(stateMachineArn: string): LocalStateMachine {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new NotFoundError(`no state machine "${stateMachineArn}"; publish the workflow first`);
    return machine;
  }

  private run(executionArn: string): LocalRun {
    const run = this.runs.get(executionArn);
    if (!run) throw new NotFoundError(`no execution "${executionArn}"`);
    return run;
  }
}

/** What Step Functions checks first: the definition is JSON with `StartAt` and `States`. */
function checkDefinition(definition: string, name: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (err) {
    throw new UnprocessableError(`the definition of state machine "${name}" is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const asl = parsed as { StartAt?: unknown; States?: unknown } | null;
  if (asl === null || typeof asl !== 'object' || typeof asl.StartAt !== 'string' || asl.States === null || typeof asl.States !== 'object') {
    throw new UnprocessableError(`the definition of state machine "${name}" is not a state machine: it needs "StartAt" (a state name) and "States"`);
  }
}
