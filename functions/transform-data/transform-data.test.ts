import type { NodeInvocation } from '@shared/runtime';
import { transformData } from './transform-data';

const inv = (expression: string, inputs: Record<string, unknown> = {}): NodeInvocation => ({
  execution: { id: 'x' },
  workflow: { name: 'w' },
  node: { id: 'shape', type: 'transform' },
  config: { mode: 'jsonata', expression, inputs },
  nodes: { fetch: { output: { items: [{ price: 2, qty: 3 }, { price: 5, qty: 1 }] } } },
});

describe('transform runtime (JSONata)', () => {
  it('evaluates over rendered inputs and returns plain JSON', async () => {
    expect(await transformData(inv('$sum(items.(price * qty))', { items: '{{nodes.fetch.output.items}}' }))).toEqual({ output: 11 });
    expect(await transformData(inv('items[price > 2]', { items: '{{nodes.fetch.output.items}}' }))).toEqual({ output: { price: 5, qty: 1 } });
    expect(await transformData(inv('nothing'))).toEqual({ output: null });
  });

  it('stops a runaway expression and names the problem', async () => {
    const started = Date.now();
    await expect(transformData(inv('($f := function($n){ $f($n + 1) }; $f(0))'))).rejects.toMatchObject({ name: 'Stepflow.ValidationError', message: expect.stringContaining('transform node "shape"') });
    await expect(transformData(inv('[1..100000000]'))).rejects.toMatchObject({ name: 'Stepflow.ValidationError' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('reports syntax errors with their position', async () => {
    await expect(transformData(inv('items[price >'))).rejects.toMatchObject({ message: expect.stringMatching(/syntax error at position \d+/) });
  });

  it('rejects a config that is not a JSONata transform', async () => {
    await expect(transformData({ ...inv('x'), config: { mode: 'mapping', mapping: {} } })).rejects.toMatchObject({ name: 'Stepflow.ValidationError' });
  });
});
