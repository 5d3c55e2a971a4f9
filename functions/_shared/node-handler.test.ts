/**
 * The Lambda handlers end to end on local stand-ins: dynalite (DynamoDB), s3rver (S3) and a
 * local PutEvents endpoint, reached through the real SDK clients via AWS_ENDPOINT_URL_* settings.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { NodeInvocation } from '@shared/runtime';
import { putLifecycleEvents } from './emit';
import { startDynamo, type LocalDynamo } from './test-support/dynamo';
import { startEventBridge, type LocalEventBridge } from './test-support/eventbridge';
import { lambdaContext } from './test-support/lambda-context';
import { startS3, type LocalS3 } from './test-support/s3';

// Handlers read their environment when first loaded, so they are required after it is set.
/* eslint-disable @typescript-eslint/no-require-imports */
describe('node runtime handlers on local stand-ins', () => {
  let dynamo: LocalDynamo;
  let s3: LocalS3;
  let bus: LocalEventBridge;
  const saved = { ...process.env };
  beforeAll(async () => {
    [dynamo, s3, bus] = await Promise.all([startDynamo(), startS3(['artifacts']), startEventBridge()]);
    Object.assign(process.env, {
      TABLE_NAME: dynamo.tableName,
      ARTIFACTS_BUCKET: 'artifacts',
      EVENT_BUS_NAME: 'stepflow-test',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      AWS_S3_FORCE_PATH_STYLE: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      MODEL_MODE: 'local',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await Promise.all([dynamo.stop(), s3.stop(), bus.stop()]);
  });

  const base = (over: Partial<NodeInvocation>): NodeInvocation => ({
    execution: { id: 'arn:aws:states:us-east-1:123456789012:execution:wf:r1' },
    workflow: { name: 'wf', id: 'wf' },
    node: { id: 'n', type: 'transform' },
    config: {},
    nodes: {},
    ...over,
  });

  it('human input handler records the request in DynamoDB and puts user_input_required on the bus', async () => {
    const { handler } = (require('../request-input/handler') as typeof import('../request-input/handler'));
    const result = await handler(
      base({ node: { id: 'approve', type: 'human_input' }, callback: 'human_input', taskToken: 'tok-1', config: { prompt: 'OK?', inputSchema: { type: 'object' }, timeoutSeconds: 60 } }),
      lambdaContext(),
    );
    const { DynamoCallbackStore } = (require('./callbacks') as typeof import('./callbacks'));
    const requestId = (result.output as { requestId: string }).requestId;
    expect(await new DynamoCallbackStore(dynamo.doc, dynamo.tableName).get('arn:aws:states:us-east-1:123456789012:execution:wf:r1', requestId)).toMatchObject({ status: 'waiting', taskToken: 'tok-1' });
    const entry = bus.entries.find((e) => e.DetailType === 'User Input Required');
    expect(entry).toMatchObject({ Source: 'stepflow', EventBusName: 'stepflow-test' });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ type: 'user_input_required', node_id: 'approve', request_id: requestId, workflow_id: 'wf', execution_id: 'arn:aws:states:us-east-1:123456789012:execution:wf:r1' });
  });

  it('transform handler stores a large result in S3 and the next handler resolves it', async () => {
    const { handler } = (require('../transform-data/handler') as typeof import('../transform-data/handler'));
    const big = await handler(base({ config: { mode: 'jsonata', expression: '$map([1..5000], function($i){ {"i": $i, "s": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"} })', inputs: {} } }), lambdaContext());
    expect(big.output).toEqual({ $stepflowRef: expect.objectContaining({ bucket: 'artifacts' }) });
    const next = await handler(base({ node: { id: 'count', type: 'transform' }, config: { mode: 'jsonata', expression: '$count(rows)', inputs: { rows: '{{nodes.n.output}}' } }, nodes: { n: big } }), lambdaContext());
    expect(next.output).toBe(5000);
  });

  it('rejects a payload that is not a node invocation with Stepflow.ValidationError naming the fields', async () => {
    const { handler } = (require('../transform-data/handler') as typeof import('../transform-data/handler'));
    await expect(handler({ hello: 'world' }, lambdaContext())).rejects.toMatchObject({ name: 'Stepflow.ValidationError', message: expect.stringContaining('execution: Invalid input') });
  });

  it('keeps a runtime error name for the state machine and classifies the unexpected as InternalError', async () => {
    const { handler } = (require('../transform-data/handler') as typeof import('../transform-data/handler'));
    await expect(handler(base({ config: { mode: 'jsonata', expression: '$$$ nope', inputs: {} } }), lambdaContext())).rejects.toMatchObject({ name: 'Stepflow.ValidationError', message: expect.stringContaining('invalid JSONata expression') });
    const { classifyError } = (require('./node-handler') as typeof import('./node-handler'));
    expect(classifyError(new TypeError('x is undefined'))).toMatchObject({ name: 'Stepflow.InternalError', message: 'x is undefined' });
    expect(classifyError(Object.assign(new Error('t'), { name: 'States.Timeout' })).name).toBe('States.Timeout');
  });

  it('llm and agent handlers run on the local model when MODEL_MODE=local, count usage in DynamoDB and label the model', async () => {
    const llm = (require('../invoke-llm/handler') as typeof import('../invoke-llm/handler')).handler;
    const models = [{ provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }];
    const exec = 'arn:aws:states:us-east-1:123456789012:execution:wf:usage-1';
    const reply = await llm(base({ execution: { id: exec }, node: { id: 'say', type: 'llm' }, config: { models, prompt: 'Say hi to {{input.who}}', stream: true }, input: { who: 'Ada' } }), lambdaContext());
    expect(reply.model).toEqual({ label: 'local:default (simulated)', simulated: true });
    expect(reply.output).toMatchObject({ text: expect.stringContaining('Say hi to Ada') });
    const { DynamoUsageLedger } = require('./usage-ledger') as typeof import('./usage-ledger');
    expect(await new DynamoUsageLedger(dynamo.doc, dynamo.tableName).totals(exec)).toMatchObject({ calls: 1, inputTokens: reply.usage?.input_tokens });
    expect(bus.entries.filter((e) => e.DetailType === 'Log').length).toBeGreaterThan(0);

    const agent = (require('../run-agent/handler') as typeof import('../run-agent/handler')).handler;
    const answer = await agent(base({ node: { id: 'helper', type: 'agent' }, config: { models, prompt: 'Answer briefly', tools: ['calculator'] } }), lambdaContext());
    expect(answer.model).toMatchObject({ simulated: true });
    expect(answer.output).toMatchObject({ answer: expect.any(String), stopReason: 'end_turn' });
  });

  it('tool and code handlers run the registry and the sandbox', async () => {
    const tool = (require('../run-tool/handler') as typeof import('../run-tool/handler')).handler;
    expect(await tool(base({ node: { id: 'calc', type: 'tool' }, config: { kind: 'builtin', name: 'calculator', args: { expression: '2 * (3 + 4)' } } }), lambdaContext())).toMatchObject({ output: { result: 14 } });
    await expect(tool(base({ node: { id: 'web', type: 'tool' }, config: { kind: 'builtin', name: 'http_request', args: { url: 'https://example.org' } } }), lambdaContext())).rejects.toMatchObject({ name: 'Stepflow.ValidationError', message: expect.stringContaining('unknown tool "http_request"') });
    const code = (require('../run-code/handler') as typeof import('../run-code/handler')).handler;
    expect(await code(base({ node: { id: 'js', type: 'code' }, config: { source: 'console.log("hi"); return inputs.n * 2;', inputs: { n: 21 } } }), lambdaContext())).toEqual({ output: 42 });
  });

  it('retries entries PutEvents rejected one by one, in batches of at most 10', async () => {
    const client = new EventBridgeClient({ endpoint: bus.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const before = bus.entries.length;
    bus.failNext(3);
    const events = Array.from({ length: 23 }, (_, i) => ({ type: 'log' as const, event_id: `e${i}`, execution_id: 'x', timestamp: new Date().toISOString(), level: 'info' as const, message: `m${i}` }));
    await putLifecycleEvents(client, 'bus', events, async () => undefined);
    const got = bus.entries.slice(before).map((e) => (JSON.parse(e.Detail) as { message: string }).message);
    expect(got.sort()).toEqual(events.map((e) => e.message).sort());
    client.destroy();
  });

  describe('the node lifecycle middleware', () => {
    const exec = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:wf:${name}`;
    const detailsFor = (executionId: string) => bus.entries.map((e) => JSON.parse(e.Detail) as { type: string; execution_id: string; node_id?: string; attempt?: number; attempts?: number; output?: unknown; retryable?: boolean; error?: { name: string } }).filter((d) => d.execution_id === executionId);

    it('puts node_started then node_completed and records the node run with its output and duration', async () => {
      const { handler } = require('../transform-data/handler') as typeof import('../transform-data/handler');
      const id = exec('life-1');
      await handler(base({ execution: { id }, workflow: { name: 'wf', id: 'wf', tenantId: 'acme' }, node: { id: 'sum', type: 'transform' }, config: { mode: 'jsonata', expression: '1 + 2', inputs: {} } }), lambdaContext());
      const events = detailsFor(id).filter((d) => d.node_id === 'sum');
      expect(events.map((e) => e.type)).toEqual(['node_started', 'node_completed']);
      expect(events[0]).toMatchObject({ attempt: 1 });
      expect(events[1]).toMatchObject({ output: 3, attempts: 1 });
      const { NodeRunRepository } = require('./data/node-runs') as typeof import('./data/node-runs');
      expect(await new NodeRunRepository(dynamo.doc, dynamo.tableName).find('acme', id, 'sum')).toMatchObject({ status: 'SUCCEEDED', attempts: 1, output: 3, durationMs: expect.any(Number) });
    });

    it('a failure puts node_failed and records it; the retry of the same payload is attempt 2', async () => {
      const { handler } = require('../transform-data/handler') as typeof import('../transform-data/handler');
      const id = exec('life-2');
      const payload = base({ execution: { id }, workflow: { name: 'wf', tenantId: 'acme' }, node: { id: 'bad', type: 'transform' }, config: { mode: 'jsonata', expression: '$$$ nope', inputs: {} } });
      await expect(handler(payload, lambdaContext())).rejects.toMatchObject({ name: 'Stepflow.ValidationError' });
      await expect(handler(payload, lambdaContext())).rejects.toMatchObject({ name: 'Stepflow.ValidationError' });
      const events = detailsFor(id);
      expect(events.map((e) => `${e.type}:${e.attempt ?? ''}`)).toEqual(['node_started:1', 'node_failed:1', 'node_started:2', 'node_failed:2']);
      expect(events[1]).toMatchObject({ retryable: false, error: { name: 'Stepflow.ValidationError' } });
      const { NodeRunRepository } = require('./data/node-runs') as typeof import('./data/node-runs');
      expect(await new NodeRunRepository(dynamo.doc, dynamo.tableName).find('acme', id, 'bad')).toMatchObject({ status: 'FAILED', attempts: 2, error: { name: 'Stepflow.ValidationError' } });
    });

    it('fails fast with Stepflow.Paused when the execution is paused, before the node starts; pause gates pass through', async () => {
      const { ExecutionRepository } = require('./data/executions') as typeof import('./data/executions');
      const executions = new ExecutionRepository(dynamo.doc, dynamo.tableName);
      const id = exec('life-3');
      await executions.create({ tenantId: 'acme', executionId: id, workflowId: 'wf', version: 1 });
      await executions.requestPause('acme', id);
      const { handler } = require('../transform-data/handler') as typeof import('../transform-data/handler');
      const payload = base({ execution: { id }, workflow: { name: 'wf', tenantId: 'acme' }, node: { id: 'next', type: 'transform' }, config: { mode: 'jsonata', expression: '1', inputs: {} } });
      await expect(handler(payload, lambdaContext())).rejects.toMatchObject({ name: 'Stepflow.Paused' });
      expect(detailsFor(id).filter((d) => d.node_id === 'next')).toEqual([]);
      // The gate itself runs while paused (it is what parks the run) and is not a node run.
      const gate = (require('../record-callback/handler') as typeof import('../record-callback/handler')).handler;
      await gate(base({ execution: { id }, workflow: { name: 'wf', tenantId: 'acme' }, node: { id: 'next', type: 'transform' }, callback: 'pause', taskToken: 'gate-token', pauseCause: { Error: 'Stepflow.Paused' } }), lambdaContext());
      expect(detailsFor(id).filter((d) => d.type.startsWith('node_'))).toEqual([]);
      // After resume the node runs: attempt 1 (the paused try never started).
      await executions.markPaused('acme', id);
      await executions.resume('acme', id);
      await handler(payload, lambdaContext());
      expect(detailsFor(id).filter((d) => d.type.startsWith('node_')).map((d) => `${d.type}:${d.attempt ?? d.attempts}`)).toEqual(['node_started:1', 'node_completed:1']);
    });
  });
});
