/**
 * Regression tests for engine bugs found while running the examples end to end.
 */
import type { EventOfType, LifecycleEvent } from '@shared/events';
import type { WorkflowInput } from '@shared/workflow';
import { defaultRuntimes } from './default-runtimes';
import { LocalEngine } from './engine';

async function run(workflow: WorkflowInput, input: Record<string, unknown> = {}): Promise<{ events: LifecycleEvent[]; output: unknown }> {
  const engine = new LocalEngine({ runtimes: defaultRuntimes(), waitMs: 0, retryDelayMs: 0 });
  const execution = await engine.start(workflow, input);
  const events: LifecycleEvent[] = [];
  for await (const e of execution.events) events.push(e);
  const outcome = await execution.result;
  expect(outcome.status).toBe('SUCCEEDED');
  return { events, output: outcome.output };
}

const trace = (events: readonly LifecycleEvent[]) =>
  events.flatMap((e) => (e.type === 'node_started' || e.type === 'node_completed' ? [`${e.type === 'node_started' ? '>' : '<'}${e.node_id}`] : []));
const completed = (events: readonly LifecycleEvent[], nodeId: string) =>
  events.filter((e): e is EventOfType<'node_completed'> => e.type === 'node_completed' && e.node_id === nodeId);

/** A while loop `<id>` whose body is one JSONata step counting passes: it runs until the step reaches 3. */
function whileLoop(id: string, x: number): WorkflowInput['nodes'] {
  return [
    { id, type: 'loop', position: { x, y: 0 }, config: { mode: 'while', condition: { left: `{{nodes.${id}_step.output}}`, op: 'lt', right: 3 }, maxIterations: 10 } },
    { id: `${id}_step`, type: 'transform', position: { x, y: 200 }, config: { mode: 'jsonata', expression: 'i + 1', inputs: { i: `{{nodes.${id}.iteration}}` } } },
  ];
}
function whileEdges(id: string, next: string): WorkflowInput['edges'] {
  return [
    { id: `${id}-body`, source: id, sourceHandle: 'body', target: `${id}_step` },
    { id: `${id}-back`, source: `${id}_step`, target: id },
    { id: `${id}-done`, source: id, sourceHandle: 'done', target: next },
  ];
}

describe('while loops in the lifecycle stream', () => {
  // Bug: the loop node's node_completed was emitted as soon as the loop started (before any pass
  // of its body), with output { iteration: 0 }, and nothing marked the loop's real end.
  it('completes the loop after its last pass, with { iteration, output }', async () => {
    const { events, output } = await run({
      schemaVersion: 1,
      metadata: { name: 'count to three' },
      nodes: [{ id: 'start', type: 'start', config: {} }, ...whileLoop('w', 250), { id: 'end', type: 'end', config: { output: { passes: '{{nodes.w.iteration}}', last: '{{nodes.w.output}}' } } }],
      edges: [{ id: 'a', source: 'start', target: 'w' }, ...whileEdges('w', 'end')],
    });

    expect(output).toEqual({ passes: 3, last: 3 });
    expect(trace(events)).toEqual(['>start', '<start', '>w', '>w_step', '<w_step', '>w_step', '<w_step', '>w_step', '<w_step', '<w', '>end', '<end']);
    expect(completed(events, 'w').map((e) => e.output)).toEqual([{ iteration: 3, output: 3 }]);
  });

  it('completes each while loop once when loops run side by side in parallel branches', async () => {
    const { events } = await run({
      schemaVersion: 1,
      metadata: { name: 'two loops at once' },
      nodes: [
        { id: 'start', type: 'start', config: {} },
        { id: 'split', type: 'parallel', config: {} },
        ...whileLoop('a', 500),
        ...whileLoop('b', 500),
        { id: 'join', type: 'merge', config: {} },
        { id: 'end', type: 'end', config: { output: { a: '{{nodes.a.iteration}}', b: '{{nodes.b.iteration}}' } } },
      ],
      edges: [
        { id: 's', source: 'start', target: 'split' },
        { id: 'sa', source: 'split', target: 'a' },
        { id: 'sb', source: 'split', target: 'b' },
        ...whileEdges('a', 'join'),
        ...whileEdges('b', 'join'),
        { id: 'j', source: 'join', target: 'end' },
      ],
    });

    for (const id of ['a', 'b']) {
      expect(completed(events, id).map((e) => e.output)).toEqual([{ iteration: 3, output: 3 }]);
      const t = trace(events);
      expect(t.lastIndexOf(`<${id}_step`)).toBeLessThan(t.indexOf(`<${id}`));
      expect(t.indexOf(`<${id}`)).toBeLessThan(t.indexOf('<split'));
    }
  });

  it('completes a while loop once per for-each iteration, tagged with the iteration', async () => {
    const { events, output } = await run(
      {
        schemaVersion: 1,
        metadata: { name: 'loops in a loop' },
        nodes: [
          { id: 'start', type: 'start', config: {} },
          { id: 'each', type: 'loop', config: { mode: 'for_each', items: '{{input.items}}', maxConcurrency: 3 } },
          ...whileLoop('w', 250),
          { id: 'keep', type: 'transform', config: { mode: 'mapping', mapping: { item: '{{nodes.each.item}}', passes: '{{nodes.w.iteration}}' } } },
          { id: 'end', type: 'end', config: { output: { all: '{{nodes.each.output}}' } } },
        ],
        edges: [
          { id: 's', source: 'start', target: 'each' },
          { id: 'body', source: 'each', sourceHandle: 'body', target: 'w' },
          ...whileEdges('w', 'keep'),
          { id: 'back', source: 'keep', target: 'each' },
          { id: 'done', source: 'each', sourceHandle: 'done', target: 'end' },
        ],
      },
      { items: ['x', 'y', 'z'] },
    );

    expect(output).toEqual({ all: ['x', 'y', 'z'].map((item) => ({ item, passes: 3 })) });
    const loops = completed(events, 'w');
    expect(loops.map((e) => e.iteration).sort()).toEqual([[0], [1], [2]]);
    for (const e of loops) expect(e.output).toEqual({ iteration: 3, output: 3 });
  });
});
