import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidDefinition,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { ConflictError, NotFoundError, TransientError, UnexpectedError, UnprocessableError } from '@shared/errors';
import { AwsStepFunctions, executionName, mapSfnError, stateMachineName } from './index';

const sfnMock = mockClient(SFNClient);
const meta = { $metadata: {} };

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const ROLE = 'arn:aws:iam::123456789012:role/stepflow-sm';
const DEFINITION = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
const NAME = stateMachineName('acme', 'triage');
const SM_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${NAME}`;
const LOG_GROUP = 'arn:aws:logs:eu-west-1:123456789012:log-group:/stepflow/acme';

const port = () => new AwsStepFunctions({ sfn: new SFNClient({ region: REGION }), region: REGION, accountId: ACCOUNT, roleArn: ROLE });
const request = { tenantId: 'acme', workflowId: 'triage', definition: DEFINITION, type: 'STANDARD' as const };
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });

beforeEach(() => sfnMock.reset());

describe('AwsStepFunctions.publish', () => {
  it('creates a missing state machine with publish: true, tags, logging ALL with execution data and X-Ray', async () => {
    sfnMock.on(DescribeStateMachineCommand).rejects(new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${SM_ARN}'`, ...meta }));
    sfnMock.on(CreateStateMachineCommand).resolves({ stateMachineArn: SM_ARN, stateMachineVersionArn: `${SM_ARN}:1`, creationDate: new Date() });

    const result = await port().publish({ ...request, loggingLogGroupArn: LOG_GROUP });

    expect(result).toStrictEqual({ stateMachineArn: SM_ARN, versionArn: `${SM_ARN}:1`, version: 1 });
    expect(sfnMock.commandCalls(DescribeStateMachineCommand).map((c) => c.args[0].input)).toStrictEqual([{ stateMachineArn: SM_ARN }]);
    expect(sfnMock.commandCalls(CreateStateMachineCommand).map((c) => c.args[0].input)).toStrictEqual([
      {
        name: NAME,
        definition: DEFINITION,
        roleArn: ROLE,
        type: 'STANDARD',
        loggingConfiguration: { level: 'ALL', includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: `${LOG_GROUP}:*` } }] },
        tracingConfiguration: { enabled: true },
        tags: [
          { key: 'stepflow:tenant', value: 'acme' },
          { key: 'stepflow:workflow', value: 'triage' },
        ],
        publish: true,
        versionDescription: 'Stepflow acme/triage',
      },
    ]);
    expect(sfnMock.commandCalls(UpdateStateMachineCommand)).toHaveLength(0);
  });

  it('creates without logging or tracing when no log group is given, with the request role over the default', async () => {
    sfnMock.on(DescribeStateMachineCommand).rejects(new StateMachineDoesNotExist({ message: 'nope', ...meta }));
    sfnMock.on(CreateStateMachineCommand).resolves({ stateMachineArn: SM_ARN, stateMachineVersionArn: `${SM_ARN}:1`, creationDate: new Date() });

    await port().publish({ ...request, type: 'EXPRESS', roleArn: 'arn:aws:iam::123456789012:role/other', description: 'v1 from CI' });

    const input = sfnMock.commandCalls(CreateStateMachineCommand)[0]?.args[0].input;
    expect(input).toStrictEqual({
      name: NAME,
      definition: DEFINITION,
      roleArn: 'arn:aws:iam::123456789012:role/other',
      type: 'EXPRESS',
      tags: [
        { key: 'stepflow:tenant', value: 'acme' },
        { key: 'stepflow:workflow', value: 'triage' },
      ],
      publish: true,
      versionDescription: 'v1 from CI',
    });
  });

  it('updates an existing state machine with publish: true and returns the new version', async () => {
    sfnMock.on(DescribeStateMachineCommand).resolves({ stateMachineArn: SM_ARN, type: 'STANDARD' });
    sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: new Date(), stateMachineVersionArn: `${SM_ARN}:7` });

    const result = await port().publish({ ...request, loggingLogGroupArn: `${LOG_GROUP}:*` });

    expect(result).toStrictEqual({ stateMachineArn: SM_ARN, versionArn: `${SM_ARN}:7`, version: 7 });
    expect(sfnMock.commandCalls(UpdateStateMachineCommand).map((c) => c.args[0].input)).toStrictEqual([
      {
        stateMachineArn: SM_ARN,
        definition: DEFINITION,
        loggingConfiguration: { level: 'ALL', includeExecutionData: true, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: `${LOG_GROUP}:*` } }] },
        tracingConfiguration: { enabled: true },
        publish: true,
        versionDescription: 'Stepflow acme/triage',
      },
    ]);
    expect(sfnMock.commandCalls(CreateStateMachineCommand)).toHaveLength(0);
  });

  it('update leaves role and logging alone when the request does not name them', async () => {
    sfnMock.on(DescribeStateMachineCommand).resolves({ stateMachineArn: SM_ARN, type: 'STANDARD' });
    sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: new Date(), stateMachineVersionArn: `${SM_ARN}:2` });

    await port().publish(request);

    expect(sfnMock.commandCalls(UpdateStateMachineCommand)[0]?.args[0].input).toStrictEqual({
      stateMachineArn: SM_ARN,
      definition: DEFINITION,
      publish: true,
      versionDescription: 'Stepflow acme/triage',
    });
  });

  it('falls back to an update when another publish created the state machine first', async () => {
    sfnMock.on(DescribeStateMachineCommand).rejects(new StateMachineDoesNotExist({ message: 'nope', ...meta }));
    sfnMock.on(CreateStateMachineCommand).rejects(new StateMachineAlreadyExists({ message: `State Machine Already Exists: '${SM_ARN}'`, ...meta }));
    sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: new Date(), stateMachineVersionArn: `${SM_ARN}:2` });

    await expect(port().publish(request)).resolves.toStrictEqual({ stateMachineArn: SM_ARN, versionArn: `${SM_ARN}:2`, version: 2 });
    expect(sfnMock.commandCalls(UpdateStateMachineCommand)[0]?.args[0].input).toMatchObject({ stateMachineArn: SM_ARN, definition: DEFINITION, publish: true });
  });

  it('refuses to change the type of an existing state machine (409) without calling update', async () => {
    sfnMock.on(DescribeStateMachineCommand).resolves({ stateMachineArn: SM_ARN, type: 'STANDARD' });

    await expect(port().publish({ ...request, type: 'EXPRESS' })).rejects.toMatchObject({ name: 'ConflictError', status: 409, message: expect.stringContaining('STANDARD') });
    expect(sfnMock.commandCalls(UpdateStateMachineCommand)).toHaveLength(0);
  });

  it('maps InvalidDefinition to a 422 that carries the service message', async () => {
    sfnMock.on(DescribeStateMachineCommand).rejects(new StateMachineDoesNotExist({ message: 'nope', ...meta }));
    sfnMock.on(CreateStateMachineCommand).rejects(new InvalidDefinition({ message: "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next'", ...meta }));

    const err = await port().publish(request).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(UnprocessableError);
    expect(err).toMatchObject({ status: 422, message: expect.stringContaining("MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere") });
    expect((err as Error).cause).toBeInstanceOf(InvalidDefinition);
  });

  it('maps throttling of the look-up to a TransientError', async () => {
    sfnMock.on(DescribeStateMachineCommand).rejects(throttled());
    await expect(port().publish(request)).rejects.toBeInstanceOf(TransientError);
    expect(sfnMock.commandCalls(CreateStateMachineCommand)).toHaveLength(0);
  });

  it('cannot create without an execution role (a configuration bug)', async () => {
    sfnMock.on(DescribeStateMachineCommand).rejects(new StateMachineDoesNotExist({ message: 'nope', ...meta }));
    const noRole = new AwsStepFunctions({ sfn: new SFNClient({ region: REGION }), region: REGION, accountId: ACCOUNT });
    await expect(noRole.publish(request)).rejects.toThrow(UnexpectedError);
    expect(sfnMock.commandCalls(CreateStateMachineCommand)).toHaveLength(0);
  });
});

describe('AwsStepFunctions.start', () => {
  const key = 'order-42 retry';
  const name = executionName(key);
  const execArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${NAME}:${name}`;
  const started = new Date('2026-01-02T03:04:05Z');

  it('starts with the name derived from the Idempotency-Key and the JSON input', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: execArn, startDate: started });

    const result = await port().start({ stateMachineArn: SM_ARN, input: { topic: 'otters' }, idempotencyKey: key });

    expect(result).toStrictEqual({ executionArn: execArn, startDate: started, alreadyStarted: false });
    expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toStrictEqual([{ stateMachineArn: SM_ARN, input: '{"topic":"otters"}', name }]);
  });

  it('starts a version by its ARN, and sends no name without a key', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${execArn}x`, startDate: started });

    await port().start({ versionArn: `${SM_ARN}:3`, input: {} });

    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toStrictEqual({ stateMachineArn: `${SM_ARN}:3`, input: '{}' });
  });

  it('ExecutionAlreadyExists with the same input (any key order) is the existing execution', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: `Execution Already Exists: '${execArn}'`, ...meta }));
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: execArn, stateMachineArn: SM_ARN, status: 'SUCCEEDED', startDate: started, input: '{"b":2,"a":{"y":1,"x":[1,2]}}' });

    const result = await port().start({ versionArn: `${SM_ARN}:3`, input: { a: { x: [1, 2], y: 1 }, b: 2 }, idempotencyKey: key });

    expect(result).toStrictEqual({ executionArn: execArn, startDate: started, alreadyStarted: true });
    // The execution ARN of a version's execution is the unqualified state machine's.
    expect(sfnMock.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input)).toStrictEqual([{ executionArn: execArn }]);
  });

  it('ExecutionAlreadyExists with a different input is a 409', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', ...meta }));
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: execArn, stateMachineArn: SM_ARN, status: 'RUNNING', startDate: started, input: '{"topic":"otters"}' });

    const err = await port().start({ stateMachineArn: SM_ARN, input: { topic: 'badgers' }, idempotencyKey: key }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ status: 409, message: expect.stringContaining(execArn) });
  });

  it('maps a missing state machine to NotFoundError and throttling to TransientError', async () => {
    sfnMock.on(StartExecutionCommand).rejectsOnce(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', ...meta })).rejectsOnce(throttled());

    await expect(port().start({ stateMachineArn: SM_ARN, input: {} })).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
    await expect(port().start({ stateMachineArn: SM_ARN, input: {} })).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects a target that is not a state machine ARN before calling AWS', async () => {
    await expect(port().start({ stateMachineArn: 'triage', input: {} })).rejects.toMatchObject({ name: 'ValidationError', status: 400 });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('AwsStepFunctions stop, describe and task callbacks', () => {
  const execArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${NAME}:run-1`;

  it('stop sends the error and cause', async () => {
    const stopDate = new Date('2026-01-02T03:05:00Z');
    sfnMock.on(StopExecutionCommand).resolves({ stopDate });

    await expect(port().stop(execArn, { error: 'Stepflow.Stopped', cause: 'by alice' })).resolves.toStrictEqual({ stopDate });
    expect(sfnMock.commandCalls(StopExecutionCommand).map((c) => c.args[0].input)).toStrictEqual([{ executionArn: execArn, error: 'Stepflow.Stopped', cause: 'by alice' }]);
  });

  it('stop of an unknown execution is a NotFoundError', async () => {
    sfnMock.on(StopExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', ...meta }));
    await expect(port().stop(execArn)).rejects.toBeInstanceOf(NotFoundError);
    expect(sfnMock.commandCalls(StopExecutionCommand)[0]?.args[0].input).toStrictEqual({ executionArn: execArn });
  });

  it('describe parses input and output and reports the version and timestamps', async () => {
    const startDate = new Date('2026-01-02T03:04:05Z');
    const stopDate = new Date('2026-01-02T03:04:09Z');
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: execArn, stateMachineArn: SM_ARN, stateMachineVersionArn: `${SM_ARN}:2`, name: 'run-1', status: 'SUCCEEDED', startDate, stopDate, input: '{"q":1}', output: '{"nodes":{"a":{"output":"x"}}}' });

    await expect(port().describe(execArn)).resolves.toStrictEqual({
      executionArn: execArn,
      stateMachineArn: SM_ARN,
      versionArn: `${SM_ARN}:2`,
      name: 'run-1',
      status: 'SUCCEEDED',
      startDate,
      stopDate,
      input: { q: 1 },
      output: { nodes: { a: { output: 'x' } } },
    });
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toStrictEqual({ executionArn: execArn });
  });

  it('describe reports why an execution failed, and a missing one as NotFoundError', async () => {
    const startDate = new Date('2026-01-02T03:04:05Z');
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce({ executionArn: execArn, stateMachineArn: SM_ARN, name: 'run-1', status: 'FAILED', startDate, stopDate: startDate, input: '{}', error: 'Stepflow.ToolError', cause: 'echo broke' })
      .rejectsOnce(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', ...meta }));

    await expect(port().describe(execArn)).resolves.toMatchObject({ status: 'FAILED', error: { error: 'Stepflow.ToolError', cause: 'echo broke' } });
    await expect(port().describe(execArn)).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
  });

  it('sendTaskSuccess/Failure send the token, JSON output and error; an expired token is a 409', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolvesOnce({}).rejectsOnce(new TaskTimedOut({ message: 'Task Timed Out', ...meta }));
    sfnMock.on(SendTaskFailureCommand).resolves({});

    await port().sendTaskSuccess('tok-1', { approved: true });
    await port().sendTaskFailure('tok-2', 'Stepflow.Rejected', 'no');
    await expect(port().sendTaskSuccess('tok-3', {})).rejects.toMatchObject({ name: 'ConflictError', status: 409 });

    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toStrictEqual([
      { taskToken: 'tok-1', output: '{"approved":true}' },
      { taskToken: 'tok-3', output: '{}' },
    ]);
    expect(sfnMock.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toStrictEqual([{ taskToken: 'tok-2', error: 'Stepflow.Rejected', cause: 'no' }]);
  });

  it('task callbacks map throttling to a TransientError', async () => {
    sfnMock.on(SendTaskSuccessCommand).rejects(throttled());
    await expect(port().sendTaskSuccess('tok', {})).rejects.toBeInstanceOf(TransientError);
  });
});

describe('mapSfnError', () => {
  it('maps service faults and 5xx to TransientError and passes unknown errors and Stepflow errors through', () => {
    const server = Object.assign(new Error('boom'), { name: 'InternalFailure', $fault: 'server' });
    const gateway = Object.assign(new Error('bad gateway'), { name: 'Unknown', $metadata: { httpStatusCode: 502 } });
    const odd = Object.assign(new Error('odd'), { name: 'SomethingNew', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const ours = new ConflictError('already');

    expect(mapSfnError(server, 'x')).toBeInstanceOf(TransientError);
    expect(mapSfnError(gateway, 'x')).toBeInstanceOf(TransientError);
    expect(mapSfnError(odd, 'x')).toBe(odd);
    expect(mapSfnError(ours, 'x')).toBe(ours);
  });
});
