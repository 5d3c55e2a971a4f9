import { InvalidToken, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { EventDraft } from '@shared/events';
import type { NodeInvocation } from '@shared/runtime';
import { DynamoCallbackStore } from '../_shared/callbacks';
import { SfnTaskCallbacks } from '../_shared/task-callbacks';
import { startDynamo, type LocalDynamo } from '../_shared/test-support/dynamo';
import { answerInput } from './answer-input';
import { requestInput } from './request-input';
import { recordCallback, releasePauseGates } from '../record-callback/record-callback';

const sfnMock = mockClient(SFNClient);

function invocation(overrides: Partial<NodeInvocation> = {}): NodeInvocation {
  return {
    execution: { id: 'arn:aws:states:us-east-1:123456789012:execution:triage:run-1' },
    workflow: { name: 'triage' },
    node: { id: 'approve', type: 'human_input' },
    config: { prompt: 'Refund {{nodes.classify.output.amount}} EUR?', inputSchema: { type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'], additionalProperties: false }, timeoutSeconds: 3600 },
    nodes: { classify: { output: { amount: 42 } } },
    taskToken: 'AAAA-token-from-step-functions',
    callback: 'human_input',
    ...overrides,
  };
}

describe('human input on DynamoDB (dynalite) and Step Functions (mocked client)', () => {
  let dynamo: LocalDynamo;
  let store: DynamoCallbackStore;
  const tasks = new SfnTaskCallbacks(new SFNClient({ region: 'us-east-1' }));
  const now = new Date('2026-11-22T10:00:00Z');
  beforeAll(async () => {
    dynamo = await startDynamo();
    store = new DynamoCallbackStore(dynamo.doc, dynamo.tableName);
  });
  afterAll(async () => {
    await dynamo.stop();
  });
  beforeEach(() => sfnMock.reset());

  it('records the request, announces it, and sends a valid answer once', async () => {
    const events: EventDraft[] = [];
    const result = await requestInput(invocation(), { callbacks: store, emit: (e) => void events.push(e), now: () => now });
    const requestId = (result.output as { requestId: string }).requestId;
    expect(requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(events).toEqual([{ type: 'user_input_required', node_id: 'approve', request_id: requestId, prompt: 'Refund 42 EUR?', input_schema: expect.objectContaining({ type: 'object' }), timeout_seconds: 3600 }]);
    expect(JSON.stringify(events)).not.toContain('AAAA-token');
    const stored = await store.get(invocation().execution.id, requestId);
    expect(stored).toMatchObject({ status: 'waiting', taskToken: 'AAAA-token-from-step-functions', expiresAt: '2026-11-22T11:00:00.000Z' });

    sfnMock.on(SendTaskSuccessCommand).resolves({});
    const deps = { callbacks: store, tasks, now: () => new Date('2026-11-22T10:05:00Z') };
    await expect(answerInput(deps, { executionId: invocation().execution.id, nodeId: 'approve', answer: { approved: 'yes' } })).rejects.toMatchObject({
      name: 'ValidationError',
      status: 400,
      message: expect.stringContaining('/approved must be boolean'),
    });
    await expect(answerInput(deps, { executionId: invocation().execution.id, nodeId: 'approve', answer: { approved: true, extra: 1 } })).rejects.toThrow("/extra is not an allowed property");
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);

    const answered = await answerInput(deps, { executionId: invocation().execution.id, requestId, answer: { approved: true }, answeredBy: 'alice' });
    expect(answered).toMatchObject({ status: 'answered', answeredBy: 'alice' });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({ taskToken: 'AAAA-token-from-step-functions', output: '{"approved":true}' });
    await expect(answerInput(deps, { executionId: invocation().execution.id, requestId, answer: { approved: false } })).rejects.toMatchObject({ name: 'ConflictError', status: 409 });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('refuses an answer after the deadline and marks the request expired', async () => {
    const inv = invocation({ execution: { id: 'run-expired' }, taskToken: 'token-2' });
    await requestInput(inv, { callbacks: store, emit: () => undefined, now: () => now });
    await expect(answerInput({ callbacks: store, tasks, now: () => new Date('2026-11-22T11:00:01Z') }, { executionId: 'run-expired', nodeId: 'approve', answer: { approved: true } })).rejects.toThrow(/expired at 2026-11-22T11:00:00.000Z/);
    expect((await store.list('run-expired'))[0]?.status).toBe('expired');
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('turns a token Step Functions no longer knows into a 409', async () => {
    const inv = invocation({ execution: { id: 'run-gone' }, taskToken: 'token-3' });
    await requestInput(inv, { callbacks: store, emit: () => undefined, now: () => now });
    sfnMock.on(SendTaskSuccessCommand).rejects(new InvalidToken({ message: 'Invalid token', $metadata: {} }));
    await expect(answerInput({ callbacks: store, tasks, now: () => now }, { executionId: 'run-gone', nodeId: 'approve', answer: { approved: true } })).rejects.toMatchObject({ name: 'ConflictError' });
  });

  it('names unknown requests and refuses invocations without a token', async () => {
    await expect(answerInput({ callbacks: store, tasks }, { executionId: 'nope', nodeId: 'approve', answer: {} })).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
    await expect(requestInput(invocation({ taskToken: undefined }), { callbacks: store, emit: () => undefined })).rejects.toMatchObject({ name: 'Stepflow.ValidationError' });
  });

  it('pause gates record their token, announce the pause, and resume releases every gate once', async () => {
    const events: EventDraft[] = [];
    for (const [node, token] of [['a', 'pa'], ['b', 'pb']] as const) {
      await recordCallback(invocation({ execution: { id: 'run-paused' }, node: { id: node, type: 'llm' }, callback: 'pause', taskToken: token, config: {} }), { callbacks: store, emit: (e) => void events.push(e) });
    }
    expect(events.map((e) => e.type)).toEqual(['execution_paused', 'execution_paused']);
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    expect(await releasePauseGates({ callbacks: store, tasks }, 'run-paused', 'bob')).toBe(2);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken).sort()).toEqual(['pa', 'pb']);
    expect(await releasePauseGates({ callbacks: store, tasks }, 'run-paused')).toBe(0);
  });
});
