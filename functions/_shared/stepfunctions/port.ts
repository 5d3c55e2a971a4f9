/**
 * The Step Functions port: what the control plane (publish, execute, stop, describe, answer)
 * programs against. Two adapters implement it: {@link AwsStepFunctions} over
 * `@aws-sdk/client-sfn` and {@link LocalStepFunctions} over the local engine, so the same
 * control-plane logic runs on AWS and on the embedded platform.
 *
 * Errors follow `@shared/errors`: a missing state machine or execution is a `NotFoundError`
 * (404), a rejected definition an `UnprocessableError` (422, with the service's message), an
 * Idempotency-Key reused with a different input a `ConflictError` (409), throttling a
 * `TransientError` (retry).
 */
import type { Workflow } from '@shared/workflow';

/** The state machine types Step Functions offers. */
export type StateMachineType = 'STANDARD' | 'EXPRESS';

/** Execution statuses as Step Functions reports them (a paused local run is `RUNNING`). */
export type SfnExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface PublishRequest {
  readonly tenantId: string;
  readonly workflowId: string;
  /** The compiled ASL, as JSON (`compile(...).json`). */
  readonly definition: string;
  readonly type: StateMachineType;
  /**
   * The execution role. Needed to create the state machine; on update, omitted means unchanged.
   * @default the adapter's configured role
   */
  readonly roleArn?: string;
  /**
   * A CloudWatch Logs log group: turns on logging (level ALL, with execution data) and X-Ray
   * tracing. Omitted on update means unchanged.
   * @default no logging and no tracing on create
   */
  readonly loggingLogGroupArn?: string;
  /**
   * The version's description (at most 256 characters).
   * @default `Stepflow <tenantId>/<workflowId>`
   */
  readonly description?: string;
  /**
   * The workflow graph `definition` was compiled from. Only the local adapter uses it (and
   * requires it): the local engine runs the graph, compiling it again for the per-state metadata
   * that maps interpreter events to nodes. The AWS adapter ignores it: the ASL is self-contained.
   */
  readonly workflow?: Workflow;
}

export interface PublishResult {
  /** The unqualified state machine ARN (runs the latest definition). */
  readonly stateMachineArn: string;
  /** The ARN of the version just published (immutable). */
  readonly versionArn: string;
  /** The version number (1, 2, ...). */
  readonly version: number;
}

/** Where to start: the state machine (latest definition) or one of its versions. */
export type StartTarget = { readonly stateMachineArn: string; readonly versionArn?: never } | { readonly versionArn: string; readonly stateMachineArn?: never };

export type StartRequest = StartTarget & {
  /** The execution input (a JSON object). */
  readonly input: unknown;
  /**
   * The caller's Idempotency-Key. It becomes the execution name through `executionName()`, so
   * a retried start with the same key and input returns the same execution, and the same key
   * with another input is a `ConflictError`.
   * @default a fresh name: every call starts a new execution
   */
  readonly idempotencyKey?: string;
};

export interface StartResult {
  readonly executionArn: string;
  readonly startDate: Date;
  /**
   * True when the key had already started this execution (a retry).
   *
   * On AWS, a STANDARD execution that is still running and is started again with the same name
   * and input is answered by Step Functions itself with the original response, which cannot be
   * told from a fresh start: then this is false, but `executionArn` is still the original one.
   */
  readonly alreadyStarted: boolean;
}

export interface StopRequest {
  /** An error name recorded with the abort (at most 256 characters). */
  readonly error?: string;
  /** A human-readable reason (at most 32,768 characters). */
  readonly cause?: string;
}

export interface ExecutionDescription {
  readonly executionArn: string;
  /** The unqualified state machine ARN. */
  readonly stateMachineArn: string;
  /** The version the execution runs, when it was started through one. */
  readonly versionArn?: string;
  readonly name: string;
  readonly status: SfnExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
  readonly input?: unknown;
  /** The parsed output of a SUCCEEDED execution. */
  readonly output?: unknown;
  /** Why a FAILED, TIMED_OUT or ABORTED execution ended. */
  readonly error?: { readonly error: string; readonly cause: string };
}

/**
 * The Step Functions operations the control plane uses.
 *
 * @example
 * ```ts
 * async function publishAndRun(sfn: StepFunctionsPort, workflow: Workflow, key: string) {
 *   const compiled = compile(workflow, { tenantId: 'acme' });
 *   if (!compiled.ok) throw new UnprocessableError(formatIssues(compiled.issues));
 *   const { versionArn } = await sfn.publish({ tenantId: 'acme', workflowId: 'triage', definition: compiled.json, type: 'STANDARD', workflow });
 *   return sfn.start({ versionArn, input: { topic: 'otters' }, idempotencyKey: key });
 * }
 * ```
 */
export interface StepFunctionsPort {
  /** Creates the tenant's state machine for the workflow, or updates it, and publishes a version. */
  publish(request: PublishRequest): Promise<PublishResult>;
  /** Starts an execution (idempotent under an Idempotency-Key). */
  start(request: StartRequest): Promise<StartResult>;
  /** Stops (aborts) a running execution. */
  stop(executionArn: string, request?: StopRequest): Promise<{ readonly stopDate: Date }>;
  describe(executionArn: string): Promise<ExecutionDescription>;
  /** Completes a callback task; an expired or used token is a `ConflictError`. */
  sendTaskSuccess(taskToken: string, output: unknown): Promise<void>;
  /** Fails a callback task; an expired or used token is a `ConflictError`. */
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
}

/** The port under the name the control-plane issue uses. */
export type stepFunctionsPort = StepFunctionsPort;

/**
 * The default version description.
 * @internal
 */
export const versionDescription = (request: Pick<PublishRequest, 'tenantId' | 'workflowId' | 'description'>): string =>
  (request.description ?? `Stepflow ${request.tenantId}/${request.workflowId}`).slice(0, 256);
