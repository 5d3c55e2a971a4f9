import type { LifecycleEvent } from '@shared/events';
import { nodeInvocationSchema, type NodeInvocation } from '@shared/runtime';
import type { WorkflowInput } from '@shared/workflow';
import { defaultRuntimes, LocalEngine, type NodeHandler } from './index';

type N = WorkflowInput['nodes'][number];
type E = WorkflowInput['edges'][number];

/** Builds a workflow from nodes and "a->b" / "a-handle->b" edge shorthands. */
function wf(nodes: N[], edges: string[], extra: Partial<WorkflowInput> = {}): WorkflowInput {
  return {
    schemaVersion: 1,
    metadata: { name: 'test', id: 'test' },
    nodes,
    edges: edges.map((s, i): E => {
      const m = /^(\w+)(?:-(\w+))?->(\w+)$/.exec(s);
      if (!m) throw new Error(`bad edge ${s}`);
      return { id: `e${i}`, source: m[1] as string, target: m[3] as string, ...(m[2] ? { sourceHandle: m[2] } : {}) };
    }),
    ...extra,
  };
}

const start: N = { id: 'start', type: 'start', config: {} };
const end: N = { id: 'end', type: 'end', config: {} };
const echo = (id: string, message: unknown, more: Partial<N> = {}): N => ({ id, type: 'tool', config: { kind: 'builtin', name: 'echo', args: { message } }, ...more }) as N;

async function collect(events: AsyncIterable<LifecycleEvent>): Promise<LifecycleEvent[]> {
  const out: LifecycleEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const brief = (events: LifecycleEvent[]) =>
  events.map((e) => `${e.type}${'node_id' in e && e.node_id ? `:${e.node_id}` : ''}${e.type === 'node_failed' ? `:${e.retryable ? 'retry' : 'final'}` : ''}`);

describe('LocalEngine', () => {
  it('runs the compiled state machine and streams ordered lifecycle events with outputs and durations', async () => {
    const engine = new LocalEngine({ runtimes: defaultRuntimes() });
    const ex = await engine.start(wf([start, echo('a', '{{input.topic}}'), { id: 'b', type: 'transform', config: { mode: 'jsonata', expression: '$uppercase(m)', inputs: { m: '{{nodes.a.output.message}}' } } }, end], ['start->a', 'a->b', 'b->end']), { topic: 'otters' });
    const events = await collect(ex.events);
    expect(brief(events)).toEqual([
      'execution_started',
      'node_started:start', 'node_completed:start',
      'node_started:a', 'node_completed:a',
      'node_started:b', 'node_completed:b',
      'node_started:end', 'node_completed:end',
      'execution_completed',
    ]);
    const a = events.find((e) => e.type === 'node_completed' && e.node_id === 'a');
    expect(a).toMatchObject({ output: { message: 'otters' }, attempts: 1, execution_id: ex.executionId, workflow_id: 'test' });
    expect((a as { duration_ms: number }).duration_ms).toBeGreaterThanOrEqual(0);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    const outcome = await ex.result;
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.output).toMatchObject({ a: { output: { message: 'otters' } }, b: { output: 'OTTERS' } });
    expect(events.at(-1)).toMatchObject({ type: 'execution_completed', status: 'SUCCEEDED' });
  });

  it('awaits admit before each node runtime (the local platform\'s flow control), and the node waits until admitted', async () => {
    const admissions: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const engine = new LocalEngine({
      runtimes: defaultRuntimes(),
      admit: async (executionId) => {
        admissions.push(executionId);
        // The second node is held until released.
        if (admissions.length === 2) await held;
      },
    });
    const ex = await engine.start(wf([start, echo('a', 'one'), echo('b', 'two'), end], ['start->a', 'a->b', 'b->end']), {});
    const seen: LifecycleEvent[] = [];
    const collecting = (async () => {
      for await (const e of ex.events) seen.push(e);
    })();
    for (let i = 0; i < 50 && admissions.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    // Node a ran; node b started (its state was entered) but its runtime has not run.
    expect(brief(seen)).toContain('node_completed:a');
    expect(brief(seen)).toContain('node_started:b');
    expect(brief(seen)).not.toContain('node_completed:b');
    release();
    expect((await ex.result).status).toBe('SUCCEEDED');
    await collecting;
    expect(admissions).toEqual([ex.executionId, ex.executionId]);
    expect(brief(seen)).toContain('node_completed:b');
  });

  it('sends runtimes the lambda:invoke payload: unrendered config, only the referenced results, input only when used', async () => {
    const seen: NodeInvocation[] = [];
    const spy: NodeHandler = async (event) => {
      const inv = nodeInvocationSchema.parse(event);
      seen.push(inv);
      return { output: inv.node.id };
    };
    const engine = new LocalEngine({ runtimes: defaultRuntimes().with({ tool: spy }) });
    const ex = await engine.start(wf([start, echo('a', 'x'), echo('b', '{{nodes.a.output}} {{input.q}}'), end], ['start->a', 'a->b', 'b->end']), { q: 1 });
    await ex.result;
    expect(seen[0]).toMatchObject({ node: { id: 'a', type: 'tool' }, config: { args: { message: 'x' } }, nodes: {}, execution: { id: ex.executionId, name: ex.name } });
    expect(seen[0]?.input).toBeUndefined();
    expect(seen[1]).toMatchObject({ config: { args: { message: '{{nodes.a.output}} {{input.q}}' } }, nodes: { a: { output: 'a' } }, input: { q: 1 } });
  });

  it('retries by the node policy, reports each failure as retryable until the last, then takes the error edge', async () => {
    let calls = 0;
    const flaky: NodeHandler = async () => {
      calls += 1;
      throw Object.assign(new Error(`upstream 503 (call ${calls})`), { name: 'Stepflow.Unavailable' });
    };
    const engine = new LocalEngine({ runtimes: defaultRuntimes().with({ tool: flaky }), retryDelayMs: 0 });
    const graph = wf(
      [start, echo('call', 'x', { retry: { maxAttempts: 2, intervalSeconds: 1, errors: ['unavailable'] } }), { id: 'fallback', type: 'transform', config: { mode: 'mapping', mapping: { error: '{{nodes.call.Error}}' } } }, end],
      ['start->call', 'call->end', 'call-error->fallback', 'fallback->end'],
    );
    const ex = await engine.start(graph, {});
    const events = await collect(ex.events);
    expect(calls).toBe(3);
    expect(brief(events).filter((e) => e.includes(':call'))).toEqual([
      'node_started:call', 'node_failed:call:retry',
      'node_started:call', 'node_failed:call:retry',
      'node_started:call', 'node_failed:call:final',
    ]);
    expect(events.filter((e) => e.type === 'node_started' && e.node_id === 'call').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3]);
    expect(events.find((e) => e.type === 'node_failed')).toMatchObject({ error: { name: 'Stepflow.Unavailable', message: expect.stringContaining('upstream 503') } });
    const outcome = await ex.result;
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { fallback: { output: { error: 'Stepflow.Unavailable' } } } });
  });

  it('fails the execution with the node error when nothing catches it', async () => {
    const boom: NodeHandler = async () => {
      throw Object.assign(new Error('bad arguments'), { name: 'Stepflow.ValidationError' });
    };
    const engine = new LocalEngine({ runtimes: defaultRuntimes().with({ tool: boom }) });
    const ex = await engine.start(wf([start, echo('a', 1), end], ['start->a', 'a->end']), {});
    const outcome = await ex.result;
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.name).toBe('Stepflow.ValidationError');
    expect(ex.events.snapshot().at(-1)).toMatchObject({ type: 'execution_completed', status: 'FAILED' });
  });

  describe('human input', () => {
    const ask: N = { id: 'approve', type: 'human_input', config: { prompt: 'Ship {{input.item}}?', inputSchema: { type: 'object', properties: { ok: { type: 'boolean' } } }, timeoutSeconds: 60 } };

    it('mints a token per request, records and announces it, validates the answer and continues with it', async () => {
      const engine = new LocalEngine({ runtimes: defaultRuntimes() });
      const ex = await engine.start(wf([start, ask, end], ['start->approve', 'approve->end']), { item: 'v2' });
      const events: LifecycleEvent[] = [];
      for await (const e of ex.events) {
        events.push(e);
        if (e.type === 'user_input_required') {
          expect(e).toMatchObject({ node_id: 'approve', prompt: 'Ship v2?', timeout_seconds: 60, input_schema: { type: 'object' } });
          const [pending] = engine.pending(ex.executionId);
          expect(pending).toMatchObject({ kind: 'human_input', nodeId: 'approve' });
          expect(e.request_id).not.toBe(pending?.token);
          expect(await engine.inputRequests(ex.executionId)).toEqual([expect.objectContaining({ requestId: e.request_id, prompt: 'Ship v2?', status: 'waiting' })]);
          await expect(engine.answer(ex.executionId, 'start', {})).rejects.toThrow(/not waiting for input at node "start"/);
          await expect(engine.answer(ex.executionId, 'approve', { ok: 'yes' })).rejects.toMatchObject({ name: 'ValidationError', status: 400, message: expect.stringContaining('/ok must be boolean') });
          await engine.answer(ex.executionId, 'approve', { ok: true }, 'alice');
          await expect(engine.answer(ex.executionId, 'approve', { ok: false })).rejects.toMatchObject({ name: 'ConflictError', message: expect.stringContaining('answered') });
          await expect(engine.sendTaskSuccess(pending?.token as string, {})).rejects.toThrow(/unknown, already used or expired/);
        }
      }
      expect(brief(events)).toContain('user_input_required:approve');
      expect((await ex.result).output).toMatchObject({ approve: { output: { ok: true } } });
      expect(await engine.callbackStore.list(ex.executionId)).toEqual([expect.objectContaining({ status: 'answered', answeredBy: 'alice' })]);
    });

    it('expires after timeoutSeconds with States.Timeout, which an error edge can catch', async () => {
      const engine = new LocalEngine({ runtimes: defaultRuntimes() });
      const graph = wf(
        [start, { ...ask, config: { ...ask.config, timeoutSeconds: 1 } } as N, { id: 'expired', type: 'transform', config: { mode: 'mapping', mapping: { why: '{{nodes.approve.Error}}' } } }, end],
        ['start->approve', 'approve->end', 'approve-error->expired', 'expired->end'],
      );
      const ex = await engine.start(graph, { item: 'x' });
      const outcome = await ex.result;
      expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { expired: { output: { why: 'States.Timeout' } } } });
      expect(engine.pending(ex.executionId)).toEqual([]);
    });

    it('stop aborts a run waiting for input', async () => {
      const engine = new LocalEngine({ runtimes: defaultRuntimes() });
      const ex = await engine.start(wf([start, ask, end], ['start->approve', 'approve->end']), { item: 'x' });
      for await (const e of ex.events) if (e.type === 'user_input_required') engine.stop(ex.executionId, { cause: 'changed my mind' });
      await new Promise((r) => setImmediate(r));
      expect(await engine.callbackStore.list(ex.executionId)).toEqual([expect.objectContaining({ status: 'cancelled' })]);
      expect(await ex.result).toMatchObject({ status: 'ABORTED', error: { message: 'changed my mind' } });
      expect(() => engine.stop(ex.executionId)).toThrow(/already ended/);
      expect(ex.events.snapshot().at(-1)).toMatchObject({ type: 'execution_completed', status: 'ABORTED' });
    });
  });

  it('pauses at the next node boundary and resumes by re-entering that node', async () => {
    let ran = 0;
    const counting: NodeHandler = async (event) => {
      ran += 1;
      return { output: nodeInvocationSchema.parse(event).node.id };
    };
    const engine = new LocalEngine({ runtimes: defaultRuntimes().with({ tool: counting }) });
    const ex = await engine.start(wf([start, echo('a', 1), echo('b', 2), end], ['start->a', 'a->b', 'b->end']), {});
    engine.pause(ex.executionId);
    const events: LifecycleEvent[] = [];
    for await (const e of ex.events) {
      events.push(e);
      if (e.type === 'execution_paused') {
        expect(e).toMatchObject({ node_id: 'a' });
        expect(ran).toBe(0);
        expect(engine.get(ex.executionId).status).toBe('PAUSED');
        expect(() => engine.pause(ex.executionId)).toThrow(/only a RUNNING execution/);
        await engine.resume(ex.executionId);
      }
    }
    expect(ran).toBe(2);
    expect(brief(events).filter((e) => !e.endsWith(':start') && e !== 'execution_started')).toEqual([
      'node_started:a', 'execution_paused:a', 'node_started:a', 'node_completed:a',
      'node_started:b', 'node_completed:b', 'node_started:end', 'node_completed:end', 'execution_completed',
    ]);
    await expect(engine.resume(ex.executionId)).rejects.toThrow(/only a paused execution/);
  });

  it('runs for_each bodies per item with the iteration index on each event', async () => {
    const engine = new LocalEngine({ runtimes: defaultRuntimes() });
    const graph = wf(
      [start, { id: 'each', type: 'loop', config: { mode: 'for_each', items: '{{input.items}}', maxConcurrency: 2 } }, echo('body', '{{nodes.each.item}}'), end],
      ['start->each', 'each-body->body', 'body->each', 'each-done->end'],
    );
    const ex = await engine.start(graph, { items: ['x', 'y', 'z'] });
    const events = await collect(ex.events);
    const bodyDone = events.filter((e) => e.type === 'node_completed' && e.node_id === 'body') as Array<Extract<LifecycleEvent, { type: 'node_completed' }>>;
    expect(bodyDone.map((e) => [e.iteration, e.output]).sort()).toEqual([[[0], { message: 'x' }], [[1], { message: 'y' }], [[2], { message: 'z' }]]);
    expect((await ex.result).output).toMatchObject({ each: { output: [{ message: 'x' }, { message: 'y' }, { message: 'z' }] } });
  });

  it('runs sub-workflows as child executions and returns their output', async () => {
    const child = wf([start, echo('inner', '{{input.n}}'), { id: 'end', type: 'end', config: { output: { got: '{{nodes.inner.output.message}}' } } }], ['start->inner', 'inner->end'], { metadata: { name: 'child', id: 'child' } });
    const engine = new LocalEngine({ runtimes: defaultRuntimes(), resolveWorkflow: async (id) => {
      if (id !== 'child') throw new Error(`unknown ${id}`);
      return child as never;
    } });
    const seenChild: string[] = [];
    engine.subscribe((e) => {
      if (e.workflow_id === 'child' && e.type === 'execution_completed') seenChild.push(e.status);
    });
    const parent = wf([start, { id: 'call', type: 'subworkflow', config: { workflowId: 'child', input: { n: '{{input.n}}' } } }, end], ['start->call', 'call->end']);
    const ex = await engine.start(parent, { n: 42 });
    expect(await ex.result).toMatchObject({ status: 'SUCCEEDED', output: { call: { output: { got: 42 } } } });
    expect(seenChild).toEqual(['SUCCEEDED']);
  });

  it('times the whole execution out after settings.timeoutSeconds', async () => {
    const engine = new LocalEngine({ runtimes: defaultRuntimes() });
    const graph = wf([start, { id: 'nap', type: 'wait', config: { mode: 'duration', seconds: 30 } }, end], ['start->nap', 'nap->end'], { settings: { type: 'STANDARD', timeoutSeconds: 1 } });
    const ex = await engine.start(graph, {});
    expect(await ex.result).toMatchObject({ status: 'TIMED_OUT', error: { name: 'States.Timeout' } });
  });

  it('returns the existing execution for a repeated name and refuses a different input under the same name', async () => {
    const engine = new LocalEngine({ runtimes: defaultRuntimes() });
    const graph = wf([start, echo('a', 1), end], ['start->a', 'a->end']);
    const first = await engine.start(graph, { k: 1 }, { name: 'idem-1' });
    const again = await engine.start(graph, { k: 1 }, { name: 'idem-1' });
    expect(again).toBe(first);
    await expect(engine.start(graph, { k: 2 }, { name: 'idem-1' })).rejects.toMatchObject({ name: 'ConflictError', status: 409 });
    expect(engine.list()).toHaveLength(1);
  });

  it('refuses workflows with issues and non-object input with a ValidationError naming the problem', async () => {
    const engine = new LocalEngine({ runtimes: defaultRuntimes() });
    await expect(engine.start(wf([start, echo('a', 1)], ['start->a']), {})).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('DEAD_END [node a]'),
    });
    await expect(engine.start(wf([start, end], ['start->end']), ['not', 'an', 'object'])).rejects.toThrow('execution input must be a JSON object, received an array');
    await expect(engine.start(wf([start, end], ['start->end']), {})).resolves.toBeDefined();
    const typed: N = { id: 'start', type: 'start', config: { inputSchema: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] } } };
    await expect(engine.start(wf([typed, end], ['start->end']), { topic: 7 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: "execution input does not match the start node's inputSchema: /topic must be string",
    });
    await expect(engine.start(wf([typed, end], ['start->end']), { topic: 'otters' })).resolves.toBeDefined();
  });

  it('orders log events a runtime publishes between its node_started and node_completed', async () => {
    const chatty: NodeHandler = async (_event, ctx) => {
      ctx.emit({ type: 'log', level: 'info', message: 'thinking' });
      return { output: 'done' };
    };
    const engine = new LocalEngine({ runtimes: defaultRuntimes().with({ tool: chatty }) });
    const ex = await engine.start(wf([start, echo('a', 1), end], ['start->a', 'a->end']), {});
    const events = await collect(ex.events);
    expect(brief(events).slice(3, 6)).toEqual(['node_started:a', 'log:a', 'node_completed:a']);
  });

  it('names a missing runtime instead of crashing', async () => {
    const engine = new LocalEngine({ runtimes: defaultRuntimes() });
    const graph = wf([start, { id: 'think', type: 'llm', config: { models: [{ provider: 'local', model: 'x' }], prompt: 'hi' } }, end], ['start->think', 'think->end']);
    const outcome = await (await engine.start(graph, {})).result;
    expect(outcome).toMatchObject({ status: 'FAILED', error: { name: 'Stepflow.InternalError', message: expect.stringContaining('no llm runtime is registered') } });
  });
});

describe('LocalEngine token usage', () => {
  it('carries the usage a runtime reports on node_completed and sums it on execution_completed', async () => {
    const metered: NodeHandler = async () => ({ output: 'ok', usage: { input_tokens: 10, output_tokens: 5, cache_read_tokens: 1, cache_write_tokens: 0, cost_usd: 0.0002 } });
    const engine = new LocalEngine({ runtimes: defaultRuntimes().with({ tool: metered }) });
    const ex = await engine.start(wf([start, echo('a', 1), echo('b', 2), end], ['start->a', 'a->b', 'b->end']), {});
    const events = await collect(ex.events);
    expect(events.filter((e) => e.type === 'node_completed' && e.node_type === 'tool').map((e) => (e as { usage?: unknown }).usage)).toEqual([
      { input_tokens: 10, output_tokens: 5, cache_read_tokens: 1, cache_write_tokens: 0, cost_usd: 0.0002 },
      { input_tokens: 10, output_tokens: 5, cache_read_tokens: 1, cache_write_tokens: 0, cost_usd: 0.0002 },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'execution_completed', usage: { input_tokens: 20, output_tokens: 10, cache_read_tokens: 2, cost_usd: 0.0004 } });
  });
});
