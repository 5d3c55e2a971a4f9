import { InvokeCommand, LambdaClient, ServiceException, TooManyRequestsException, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import { ErrorNames, NodeError } from '@shared/errors';
import { invokeLambdaTool, lambdaTool } from './lambda-tool';
import { startLambda, type LocalLambda } from './test-support/lambda-server';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:lookup-customer';
// The SDK types response payloads as its blob adapter; the code under test only reads the bytes.
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as unknown as InvokeCommandOutput['Payload'];

async function failure(p: Promise<unknown>): Promise<NodeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof NodeError)) throw new Error(`expected a NodeError, got ${String(err)}`);
  return err;
}

describe('invokeLambdaTool with a mocked client', () => {
  const lambda = new LambdaClient({ region: 'us-east-1' });
  const mock = mockClient(lambda);
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());

  it('sends one RequestResponse invocation with the JSON payload and parses the JSON response', async () => {
    mock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes({ name: 'Ada' }) });
    await expect(invokeLambdaTool(lambda, ARN, { id: 7, tags: ['x'] })).resolves.toEqual({ name: 'Ada' });
    const calls = mock.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: ARN, InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({ id: 7, tags: ['x'] });
  });

  it('returns null for an empty response', async () => {
    mock.on(InvokeCommand).resolves({ StatusCode: 200 });
    await expect(invokeLambdaTool(lambda, ARN, {})).resolves.toBeNull();
  });

  it('turns FunctionError into Stepflow.ToolError with the function message', async () => {
    mock.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: bytes({ errorType: 'NotFound', errorMessage: 'no customer 7' }) });
    const err = await failure(invokeLambdaTool(lambda, ARN, { id: 7 }));
    expect(err).toMatchObject({ name: ErrorNames.Tool, retryable: false, message: 'lambda tool lookup-customer failed (Unhandled): NotFound: no customer 7' });
  });

  it('maps throttling to Stepflow.Throttled and service errors to Stepflow.Unavailable', async () => {
    mock.on(InvokeCommand).rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));
    await expect(failure(invokeLambdaTool(lambda, ARN, {}))).resolves.toMatchObject({ name: ErrorNames.Throttled, retryable: true });
    mock.on(InvokeCommand).rejects(new ServiceException({ message: 'internal', $metadata: { httpStatusCode: 500 } }));
    await expect(failure(invokeLambdaTool(lambda, ARN, {}))).resolves.toMatchObject({ name: ErrorNames.Unavailable, retryable: true });
  });

  it('exposes a function as a ToolDefinition for agents', async () => {
    mock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes({ ok: true }) });
    const tool = lambdaTool({ lambda, name: 'lookup_customer', description: 'Finds a customer', functionArn: ARN, args: z.object({ id: z.number().int() }) });
    expect(z.safeParse(tool.args, { id: 'seven' }).success).toBe(false);
    await expect(tool.run({ id: 7 }, {})).resolves.toEqual({ ok: true });
    expect(JSON.parse(new TextDecoder().decode(mock.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array))).toEqual({ id: 7 });
  });
});

describe('invokeLambdaTool against a Lambda wire-protocol server', () => {
  let local: LocalLambda;
  beforeAll(async () => {
    local = await startLambda({
      'lookup-customer': (p) => ({ result: { found: true, input: p } }),
      crashes: () => ({ error: { errorType: 'TypeError', errorMessage: "Cannot read properties of undefined (reading 'id')" } }),
      busy: () => ({ serviceError: { status: 429, type: 'TooManyRequestsException', message: 'Rate Exceeded.' } }),
      down: () => ({ serviceError: { status: 500, type: 'ServiceException', message: 'Lambda was unable to process the request' } }),
      denied: () => ({ serviceError: { status: 403, type: 'AccessDeniedException', message: 'not authorized to perform lambda:InvokeFunction' } }),
    });
  });
  afterAll(async () => {
    await local.stop();
  });
  beforeEach(() => {
    local.invocations.length = 0;
  });

  const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

  it('invokes with the ARN, RequestResponse and the payload, and returns the response', async () => {
    await expect(invokeLambdaTool(local.client, arn('lookup-customer'), { id: 7 })).resolves.toEqual({ found: true, input: { id: 7 } });
    expect(local.invocations).toEqual([{ functionName: arn('lookup-customer'), invocationType: 'RequestResponse', payload: { id: 7 } }]);
  });

  it('reads X-Amz-Function-Error as a tool error with the message from the payload', async () => {
    const err = await failure(invokeLambdaTool(local.client, arn('crashes'), {}));
    expect(err.name).toBe(ErrorNames.Tool);
    expect(err.message).toBe("lambda tool crashes failed (Unhandled): TypeError: Cannot read properties of undefined (reading 'id')");
  });

  it('maps TooManyRequestsException to Stepflow.Throttled', async () => {
    const err = await failure(invokeLambdaTool(local.client, arn('busy'), {}));
    expect(err).toMatchObject({ name: ErrorNames.Throttled, retryable: true });
    expect(err.message).toContain('TooManyRequestsException');
  });

  it('maps ServiceException to Stepflow.Unavailable', async () => {
    await expect(failure(invokeLambdaTool(local.client, arn('down'), {}))).resolves.toMatchObject({ name: ErrorNames.Unavailable, retryable: true });
  });

  it('maps client faults (not found, access denied) to a non-retryable tool error', async () => {
    await expect(failure(invokeLambdaTool(local.client, arn('missing'), {}))).resolves.toMatchObject({
      name: ErrorNames.Tool,
      retryable: false,
      message: expect.stringContaining('ResourceNotFoundException'),
    });
    await expect(failure(invokeLambdaTool(local.client, arn('denied'), {}))).resolves.toMatchObject({ name: ErrorNames.Tool, message: expect.stringContaining('AccessDeniedException') });
  });

  it('maps an unreachable endpoint to Stepflow.Unavailable', async () => {
    const dead = await startLambda({});
    await dead.stop();
    const client = new LambdaClient({ endpoint: dead.origin, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      await expect(failure(invokeLambdaTool(client, arn('lookup-customer'), {}))).resolves.toMatchObject({ name: ErrorNames.Unavailable });
    } finally {
      client.destroy();
    }
  });
});
