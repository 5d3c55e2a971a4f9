import type { WorkflowInput } from '@shared/workflow';
import { defaultRuntimes, LocalEngine } from '../../../local/engine';
import { compile } from '../../../statemachines/src';
import { executionName, LocalStepFunctions, stateMachineName, type PublishRequest } from './index';

type N = WorkflowInput['nodes'][number];

const start: N = { id: 'start', type: 'start', config: {} };
const end: N = { id: 'end', type: 'end', config: {} };
const echo = (message: unknown): N => ({ id: 'say', type: 'tool', config: { kind: 'builtin', name: 'echo', args: { message } } }) as N;
const ask: N = { id: 'approve', type: 'human_input', config: { prompt: 'Ship {{input.item}}?', inputSchema: { type: 'object', properties: { ok: { type: 'boolean' } } }, timeoutSeconds: 60 } };

/** start -> <middle> -> end, compiled as the control plane would, as a publish request. */
function published(workflowId: string, middle: N): PublishRequest {
  const graph: WorkflowInput = {
    schemaVersion: 1,
    metadata: { name: workflowId, id: workflowId },
    nodes: [start, middle, end],
    edges: [
      { id: 'e0', source: 'start', target: middle.id },
      { id: 'e1', source: middle.id, target: 'end' },
    ],
  };
  const compiled = compile(graph, { tenantId: 'acme' });
  if (!compiled.ok) throw new Error(`fixture does not compile: ${JSON.stringify(compiled.issues)}`);
  return { tenantId: 'acme', workflowId, definition: compiled.json, type: 'STANDARD', workflow: compiled.workflow };
}

function setup() {
  const engine = new LocalEngine({ runtimes: defaultRuntimes() });
  return { engine, port: new LocalStepFunctions({ engine }) };
}

const SM_ARN = `arn:aws:states:local:000000000000:stateMachine:${stateMachineName('acme', 'greet')}`;

describe('LocalStepFunctions', () => {
  it('publish keeps immutable, numbered versions, and each version runs its own graph', async () => {
    const { port } = setup();
    const first = await port.publish(published('greet', echo('one {{input.who}}')));
    const second = await port.publish(published('greet', echo('two {{input.who}}')));

    expect(first).toStrictEqual({ stateMachineArn: SM_ARN, versionArn: `${SM_ARN}:1`, version: 1 });
    expect(second).toStrictEqual({ stateMachineArn: SM_ARN, versionArn: `${SM_ARN}:2`, version: 2 });
    expect(port.versions(SM_ARN).map((v) => [v.version, v.description])).toEqual([
      [1, 'Stepflow acme/greet'],
      [2, 'Stepflow acme/greet'],
    ]);

    const v1 = await port.start({ versionArn: first.versionArn, input: { who: 'ann' }, idempotencyKey: 'k-v1' });
    const latest = await port.start({ stateMachineArn: SM_ARN, input: { who: 'bo' }, idempotencyKey: 'k-latest' });
    const v1Done = await settled(port, v1.executionArn);
    const latestDone = await settled(port, latest.executionArn);

    expect(v1Done).toMatchObject({ status: 'SUCCEEDED', versionArn: `${SM_ARN}:1`, output: { say: { output: { message: 'one ann' } } } });
    expect(latestDone).toMatchObject({ status: 'SUCCEEDED', output: { say: { output: { message: 'two bo' } } } });
    expect(latestDone.versionArn).toBeUndefined();
  });

  it('start under the same key twice is one execution; describe reports it end to end', async () => {
    const { engine, port } = setup();
    const { versionArn } = await port.publish(published('greet', echo('hi {{input.who}}')));

    const a = await port.start({ versionArn, input: { who: 'ann' }, idempotencyKey: 'order 42' });
    const b = await port.start({ versionArn, input: { who: 'ann' }, idempotencyKey: 'order 42' });

    const name = executionName('order 42');
    expect(a).toStrictEqual({ executionArn: `arn:aws:states:local:000000000000:execution:${stateMachineName('acme', 'greet')}:${name}`, startDate: expect.any(Date), alreadyStarted: false });
    expect(b).toStrictEqual({ ...a, alreadyStarted: true });
    expect(engine.list().map((e) => e.executionId)).toEqual([a.executionArn]);

    const done = await settled(port, a.executionArn);
    expect(done).toStrictEqual({
      executionArn: a.executionArn,
      stateMachineArn: SM_ARN,
      versionArn,
      name,
      status: 'SUCCEEDED',
      startDate: a.startDate,
      stopDate: expect.any(Date),
      input: { who: 'ann' },
      output: { start: { output: { who: 'ann' } }, say: { output: { message: 'hi ann' } } },
    });
    expect(done.stopDate?.getTime()).toBeGreaterThanOrEqual(a.startDate.getTime());
    // Still the same execution once it has ended.
    await expect(port.start({ versionArn, input: { who: 'ann' }, idempotencyKey: 'order 42' })).resolves.toMatchObject({ executionArn: a.executionArn, alreadyStarted: true });
  });

  it('the same key with a different input is a 409 and starts nothing', async () => {
    const { engine, port } = setup();
    const { stateMachineArn } = await port.publish(published('greet', echo('hi')));
    await port.start({ stateMachineArn, input: { who: 'ann' }, idempotencyKey: 'k' });

    await expect(port.start({ stateMachineArn, input: { who: 'bo' }, idempotencyKey: 'k' })).rejects.toMatchObject({ name: 'ConflictError', status: 409 });
    expect(engine.list()).toHaveLength(1);
  });

  it('execution names are per state machine: one key can start two different workflows', async () => {
    const { engine, port } = setup();
    const greet = await port.publish(published('greet', echo('hi')));
    const other = await port.publish(published('other', echo('hi')));

    const a = await port.start({ stateMachineArn: greet.stateMachineArn, input: {}, idempotencyKey: 'shared' });
    const b = await port.start({ stateMachineArn: other.stateMachineArn, input: { x: 1 }, idempotencyKey: 'shared' });

    expect(a.executionArn).not.toBe(b.executionArn);
    expect(b.alreadyStarted).toBe(false);
    expect(engine.list()).toHaveLength(2);
  });

  it('stop aborts a waiting execution: describe says ABORTED with the error and cause', async () => {
    const { engine, port } = setup();
    const { versionArn } = await port.publish(published('review', ask));
    const { executionArn } = await port.start({ versionArn, input: { item: 'v2' }, idempotencyKey: 'r-1' });
    await waitFor(() => engine.pending(executionArn).length === 1);
    expect(await port.describe(executionArn)).toMatchObject({ status: 'RUNNING' });

    await port.stop(executionArn, { error: 'Stepflow.Stopped', cause: 'changed my mind' });
    const done = await settled(port, executionArn);

    expect(done).toMatchObject({ status: 'ABORTED', error: { error: 'Stepflow.Stopped', cause: 'changed my mind' }, stopDate: expect.any(Date) });
    expect(done.output).toBeUndefined();
    await expect(port.stop(executionArn)).rejects.toMatchObject({ name: 'ConflictError' });
  });

  it('sendTaskSuccess answers a callback task, and a used token is a 409', async () => {
    const { engine, port } = setup();
    const { stateMachineArn } = await port.publish(published('review', ask));
    const { executionArn } = await port.start({ stateMachineArn, input: { item: 'v2' } });
    await waitFor(() => engine.pending(executionArn).length === 1);
    const [pending] = engine.pending(executionArn);

    await port.sendTaskSuccess(pending?.token as string, { ok: true });

    expect(await settled(port, executionArn)).toMatchObject({ status: 'SUCCEEDED', output: { approve: { output: { ok: true } } } });
    await expect(port.sendTaskFailure(pending?.token as string, 'Stepflow.Rejected', 'late')).rejects.toMatchObject({ name: 'ConflictError' });
  });

  it('sendTaskFailure fails the callback task with the given error', async () => {
    const { engine, port } = setup();
    const { stateMachineArn } = await port.publish(published('review', ask));
    const { executionArn } = await port.start({ stateMachineArn, input: { item: 'v2' } });
    await waitFor(() => engine.pending(executionArn).length === 1);

    await port.sendTaskFailure(engine.pending(executionArn)[0]?.token as string, 'Stepflow.Rejected', 'not now');

    expect(await settled(port, executionArn)).toMatchObject({ status: 'FAILED', error: { error: 'Stepflow.Rejected' } });
  });

  it('answers unknown state machines, versions and executions with NotFoundError', async () => {
    const { port } = setup();
    await expect(port.start({ stateMachineArn: SM_ARN, input: {} })).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
    await port.publish(published('greet', echo('hi')));
    await expect(port.start({ versionArn: `${SM_ARN}:9`, input: {} })).rejects.toMatchObject({ name: 'NotFoundError', status: 404 });
    const missing = `arn:aws:states:local:000000000000:execution:${stateMachineName('acme', 'greet')}:nope`;
    await expect(port.describe(missing)).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(port.stop(missing)).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('publish rejects a definition that is not a state machine (422), a missing graph (400) and a type change (409)', async () => {
    const { port } = setup();
    const good = published('greet', echo('hi'));

    await expect(port.publish({ ...good, definition: '{"States":' })).rejects.toMatchObject({ name: 'UnprocessableError', status: 422 });
    await expect(port.publish({ ...good, definition: '{"States":{}}' })).rejects.toMatchObject({ name: 'UnprocessableError', status: 422 });
    const { workflow: _dropped, ...withoutGraph } = good;
    await expect(port.publish(withoutGraph)).rejects.toMatchObject({ name: 'ValidationError', status: 400 });
    await port.publish(good);
    await expect(port.publish({ ...good, type: 'EXPRESS' })).rejects.toMatchObject({ name: 'ConflictError', status: 409 });
    expect(port.versions(SM_ARN)).toHaveLength(1);
  });

  it('a start the engine refuses (input against the start schema) leaves the key free', async () => {
    const { port } = setup();
    const req = published('greet', echo('hi'));
    const graph = req.workflow;
    if (!graph) throw new Error('fixture has no graph');
    const strict = { ...req, workflow: { ...graph, nodes: graph.nodes.map((n) => (n.type === 'start' ? { ...n, config: { ...n.config, inputSchema: { type: 'object', required: ['who'] } } } : n)) } } as PublishRequest;
    const { stateMachineArn } = await port.publish(strict);

    await expect(port.start({ stateMachineArn, input: {}, idempotencyKey: 'k' })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(port.start({ stateMachineArn, input: { who: 'ann' }, idempotencyKey: 'k' })).resolves.toMatchObject({ alreadyStarted: false });
  });
});

async function waitFor(ready: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Describes an execution once it has ended. */
async function settled(port: LocalStepFunctions, executionArn: string, timeoutMs = 5_000) {
  const until = Date.now() + timeoutMs;
  let described = await port.describe(executionArn);
  while (described.status === 'RUNNING') {
    if (Date.now() > until) throw new Error(`execution ${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
    described = await port.describe(executionArn);
  }
  return described;
}
