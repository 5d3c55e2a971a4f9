/**
 * The Step Functions port over `@aws-sdk/client-sfn`.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  type LoggingConfiguration,
  type SFNClient,
  type TracingConfiguration,
} from '@aws-sdk/client-sfn';
import { ConflictError, NotFoundError, StepflowError, TransientError, UnexpectedError, UnprocessableError, ValidationError } from '@shared/errors';
import { SfnTaskCallbacks } from '../task-callbacks';
import { executionArnFor, executionName, parseStateMachineArn, sameJson, stateMachineName } from './names';
import { versionDescription, type ExecutionDescription, type PublishRequest, type PublishResult, type SfnExecutionStatus, type StartRequest, type StartResult, type StepFunctionsPort, type StopRequest } from './port';

export interface AwsStepFunctionsOptions {
  readonly sfn: SFNClient;
  /** The region the state machines live in (part of their ARNs). */
  readonly region: string;
  /** The AWS account the state machines live in (part of their ARNs). */
  readonly accountId: string;
  /** @default 'aws' */
  readonly partition?: string;
  /**
   * The execution role of state machines published without a `roleArn`.
   * @default none: publishing a new state machine then needs `roleArn`
   */
  readonly roleArn?: string;
}

const NOT_FOUND = new Set(['StateMachineDoesNotExist', 'ExecutionDoesNotExist', 'ResourceNotFound']);
const BAD_REQUEST = new Set(['InvalidArn', 'InvalidName', 'InvalidExecutionInput', 'MissingRequiredParameter']);
const UNPROCESSABLE = new Set(['InvalidDefinition', 'InvalidLoggingConfiguration', 'InvalidTracingConfiguration', 'StateMachineTypeNotSupported', 'ValidationException']);
const CONFLICT = new Set(['StateMachineDeleting', 'ConflictException']);
const TRANSIENT = new Set(['ThrottlingException', 'TooManyRequestsException', 'KmsThrottlingException', 'ExecutionLimitExceeded', 'ServiceUnavailable', 'ServiceUnavailableException', 'InternalServerError', 'InternalFailure', 'RequestTimeout', 'TimeoutError']);

interface SdkErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly $fault?: 'client' | 'server';
  readonly $retryable?: { readonly throttling?: boolean };
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Maps a Step Functions error onto the taxonomy; Stepflow's own errors and anything unknown
 * pass through unchanged (never swallowed).
 *
 * @example
 * ```ts
 * try { await sfn.send(cmd) } catch (err) { throw mapSfnError(err, 'starting an execution of sm') }
 * ```
 */
export function mapSfnError(err: unknown, doing: string): unknown {
  if (err instanceof StepflowError || !(err instanceof Error)) return err;
  const e = err as Error & SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const message = `Step Functions refused ${doing}: ${name}: ${e.message}`;
  if (NOT_FOUND.has(name)) return new NotFoundError(message, { cause: err });
  if (BAD_REQUEST.has(name)) return new ValidationError(message, { cause: err });
  if (UNPROCESSABLE.has(name)) return new UnprocessableError(message, { cause: err });
  if (CONFLICT.has(name)) return new ConflictError(message, { cause: err });
  if (TRANSIENT.has(name) || e.$retryable?.throttling === true || e.$fault === 'server' || status === 429 || (status !== undefined && status >= 500)) {
    return new TransientError(`Step Functions failed ${doing} (retry later): ${name}: ${e.message}`, { cause: err });
  }
  return err;
}

const versionOf = (versionArn: string): number => {
  const { version } = parseStateMachineArn(versionArn);
  if (version === undefined) throw new UnexpectedError(`Step Functions answered a publish with "${versionArn}", which is not a version ARN`);
  return version;
};

const parseJson = (text: string | undefined): unknown => (text === undefined ? undefined : JSON.parse(text));

/**
 * The Step Functions port on AWS.
 *
 * Publishing looks the state machine up first (its ARN follows from the tenant and workflow),
 * then creates or updates it with `publish: true`; a create that loses a race to another
 * publish falls back to an update. Starting with an Idempotency-Key uses the derived execution
 * name; when Step Functions answers `ExecutionAlreadyExists`, the existing execution's input
 * decides: the same input is the same request (returned as `alreadyStarted`), another input a
 * `ConflictError`.
 *
 * @example
 * ```ts
 * const port = new AwsStepFunctions({ sfn: new SFNClient({}), region: 'eu-west-1', accountId: '123456789012', roleArn: env.STATE_MACHINE_ROLE_ARN });
 * const { versionArn } = await port.publish({ tenantId, workflowId, definition: compiled.json, type: 'STANDARD' });
 * await port.start({ versionArn, input, idempotencyKey });
 * ```
 */
export class AwsStepFunctions implements StepFunctionsPort {
  private readonly callbacks: SfnTaskCallbacks;

  constructor(private readonly options: AwsStepFunctionsOptions) {
    this.callbacks = new SfnTaskCallbacks(options.sfn);
  }

  /** The ARN the state machine of a tenant's workflow has (whether or not it exists yet). */
  stateMachineArn(tenantId: string, workflowId: string): string {
    const { partition = 'aws', region, accountId } = this.options;
    return `arn:${partition}:states:${region}:${accountId}:stateMachine:${stateMachineName(tenantId, workflowId)}`;
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const name = stateMachineName(request.tenantId, request.workflowId);
    const arn = this.stateMachineArn(request.tenantId, request.workflowId);
    const existing = await this.describeStateMachine(arn);
    if (existing) return this.update(arn, existing.type, request);
    const roleArn = request.roleArn ?? this.options.roleArn;
    if (!roleArn) {
      throw new UnexpectedError(`cannot create state machine "${name}": no execution role; pass publish({ roleArn }) or configure AwsStepFunctions with roleArn`);
    }
    try {
      const out = await this.options.sfn.send(
        new CreateStateMachineCommand({
          name,
          definition: request.definition,
          roleArn,
          type: request.type,
          ...this.observability(request.loggingLogGroupArn),
          tags: [
            { key: 'stepflow:tenant', value: request.tenantId },
            { key: 'stepflow:workflow', value: request.workflowId },
          ],
          publish: true,
          versionDescription: versionDescription(request),
        }),
      );
      if (!out.stateMachineArn || !out.stateMachineVersionArn) {
        throw new UnexpectedError(`CreateStateMachine "${name}" with publish: true returned no version ARN`);
      }
      return { stateMachineArn: out.stateMachineArn, versionArn: out.stateMachineVersionArn, version: versionOf(out.stateMachineVersionArn) };
    } catch (err) {
      // Another publish created it between our look-up and our create.
      if ((err as Error).name === 'StateMachineAlreadyExists') return this.update(arn, request.type, request);
      throw mapSfnError(err, `creating state machine "${name}"`);
    }
  }

  async start(request: StartRequest): Promise<StartResult> {
    const target = request.versionArn ?? request.stateMachineArn;
    parseStateMachineArn(target);
    const name = request.idempotencyKey === undefined ? undefined : executionName(request.idempotencyKey);
    try {
      const out = await this.options.sfn.send(new StartExecutionCommand({ stateMachineArn: target, input: JSON.stringify(request.input ?? {}), ...(name === undefined ? {} : { name }) }));
      if (!out.executionArn || !out.startDate) throw new UnexpectedError(`StartExecution of "${target}" returned no execution ARN or start date`);
      return { executionArn: out.executionArn, startDate: out.startDate, alreadyStarted: false };
    } catch (err) {
      if ((err as Error).name === 'ExecutionAlreadyExists' && name !== undefined) return this.existing(target, name, request.input, err);
      throw mapSfnError(err, `starting an execution of "${target}"`);
    }
  }

  async stop(executionArn: string, request: StopRequest = {}): Promise<{ readonly stopDate: Date }> {
    try {
      const out = await this.options.sfn.send(
        new StopExecutionCommand({
          executionArn,
          ...(request.error === undefined ? {} : { error: request.error.slice(0, 256) }),
          ...(request.cause === undefined ? {} : { cause: request.cause.slice(0, 32_768) }),
        }),
      );
      return { stopDate: out.stopDate ?? new Date() };
    } catch (err) {
      throw mapSfnError(err, `stopping execution "${executionArn}"`);
    }
  }

  async describe(executionArn: string): Promise<ExecutionDescription> {
    let out;
    try {
      out = await this.options.sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch (err) {
      throw mapSfnError(err, `describing execution "${executionArn}"`);
    }
    if (!out.executionArn || !out.stateMachineArn || !out.status || !out.startDate) {
      throw new UnexpectedError(`DescribeExecution of "${executionArn}" returned an incomplete description`);
    }
    return {
      executionArn: out.executionArn,
      stateMachineArn: out.stateMachineArn,
      ...(out.stateMachineVersionArn ? { versionArn: out.stateMachineVersionArn } : {}),
      name: out.name ?? out.executionArn.split(':').at(-1) ?? '',
      status: out.status as SfnExecutionStatus,
      startDate: out.startDate,
      ...(out.stopDate ? { stopDate: out.stopDate } : {}),
      ...(out.input === undefined ? {} : { input: parseJson(out.input) }),
      ...(out.output === undefined ? {} : { output: parseJson(out.output) }),
      ...(out.error !== undefined || out.cause !== undefined ? { error: { error: out.error ?? '', cause: out.cause ?? '' } } : {}),
    };
  }

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    try {
      await this.callbacks.sendTaskSuccess(taskToken, output);
    } catch (err) {
      throw mapSfnError(err, 'completing a callback task');
    }
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    try {
      await this.callbacks.sendTaskFailure(taskToken, error, cause);
    } catch (err) {
      throw mapSfnError(err, 'failing a callback task');
    }
  }

  private async describeStateMachine(arn: string): Promise<{ type: string } | undefined> {
    try {
      const out = await this.options.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      return { type: out.type ?? 'STANDARD' };
    } catch (err) {
      if ((err as Error).name === 'StateMachineDoesNotExist') return undefined;
      throw mapSfnError(err, `describing state machine "${arn}"`);
    }
  }

  private async update(arn: string, existingType: string, request: PublishRequest): Promise<PublishResult> {
    if (existingType !== request.type) {
      throw new ConflictError(`state machine "${arn}" is ${existingType} and Step Functions cannot change its type to ${request.type}; publish the ${request.type} workflow under a new workflow id`);
    }
    try {
      const out = await this.options.sfn.send(
        new UpdateStateMachineCommand({
          stateMachineArn: arn,
          definition: request.definition,
          ...(request.roleArn === undefined ? {} : { roleArn: request.roleArn }),
          ...this.observability(request.loggingLogGroupArn),
          publish: true,
          versionDescription: versionDescription(request),
        }),
      );
      if (!out.stateMachineVersionArn) throw new UnexpectedError(`UpdateStateMachine "${arn}" with publish: true returned no version ARN`);
      return { stateMachineArn: arn, versionArn: out.stateMachineVersionArn, version: versionOf(out.stateMachineVersionArn) };
    } catch (err) {
      throw mapSfnError(err, `updating state machine "${arn}"`);
    }
  }

  private observability(logGroupArn: string | undefined): { loggingConfiguration?: LoggingConfiguration; tracingConfiguration?: TracingConfiguration } {
    if (logGroupArn === undefined) return {};
    // Step Functions wants the log group ARN with its `:*` suffix.
    const withSuffix = logGroupArn.endsWith(':*') ? logGroupArn : `${logGroupArn}:*`;
    return {
      loggingConfiguration: { level: 'ALL', includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: withSuffix } }] },
      tracingConfiguration: { enabled: true },
    };
  }

  /** The execution a name already belongs to: the same request again, or a conflict. */
  private async existing(target: string, name: string, input: unknown, original: unknown): Promise<StartResult> {
    const executionArn = executionArnFor(target, name);
    let out;
    try {
      out = await this.options.sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch (err) {
      throw mapSfnError(err, `describing execution "${executionArn}"`);
    }
    if (!sameJson(parseJson(out.input ?? 'null'), input ?? {})) {
      throw new ConflictError(`the Idempotency-Key was already used to start execution "${executionArn}" with a different input; send a new key to start another execution`, { cause: original });
    }
    if (!out.startDate) throw new UnexpectedError(`DescribeExecution of "${executionArn}" returned no start date`);
    return { executionArn: out.executionArn ?? executionArn, startDate: out.startDate, alreadyStarted: true };
  }
}
