import { jsonTransformTool } from './json-transform';

describe('json_transform', () => {
  const tool = jsonTransformTool({ timeoutMs: 300 });
  const data = { items: [{ name: 'a', price: 5, qty: 2 }, { name: 'b', price: 20, qty: 1 }, { name: 'c', price: 15, qty: 3 }] };

  it('filters, maps and aggregates', async () => {
    await expect(tool.run({ expression: 'items[price > 10].name', data }, {})).resolves.toStrictEqual({ result: ['b', 'c'] });
    await expect(tool.run({ expression: '$sum(items.(price * qty))', data }, {})).resolves.toStrictEqual({ result: 75 });
    await expect(tool.run({ expression: '{ "count": $count(items), "first": items[0].name }', data }, {})).resolves.toStrictEqual({ result: { count: 3, first: 'a' } });
  });

  it('returns null when nothing matches, and plain JSON (no functions, no sequence markers)', async () => {
    await expect(tool.run({ expression: 'missing.field', data }, {})).resolves.toStrictEqual({ result: null });
    await expect(tool.run({ expression: 'function($x) { $x }', data }, {})).resolves.toStrictEqual({ result: null });
    const { result } = (await tool.run({ expression: 'items.name', data }, {})) as { result: unknown };
    expect(Object.keys(result as object)).toEqual(['0', '1', '2']);
  });

  it('reports syntax errors with the position and code', async () => {
    await expect(tool.run({ expression: 'items[price > 10', data }, {})).rejects.toThrow(/^json_transform: syntax error at position 16 \(S0203\): Expected "]" before end of expression$/);
  });

  it('reports runtime errors with the position and the token', async () => {
    await expect(tool.run({ expression: 'items[0].name + 1', data }, {})).rejects.toThrow(
      'json_transform: evaluation error at position 15 near "+" (T2001): The left side of the "+" operator must evaluate to a number',
    );
  });

  it('stops an endless loop at the time limit', async () => {
    const started = Date.now();
    await expect(tool.run({ expression: '($f := function($n) { $f($n + 1) }; $f(0))', data: null }, {})).rejects.toThrow(/evaluation error .*\(D1012\): Evaluation timeout after 300 milliseconds/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops runaway recursion and oversized sequences', async () => {
    await expect(tool.run({ expression: '($f := function($n) { 1 + $f($n + 1) }; $f(0))', data: null }, {})).rejects.toThrow(/\(D1011\): Stack overflow/);
    await expect(tool.run({ expression: '$count([1..5000000])', data: null }, {})).rejects.toThrow(/\(D2015\)/);
  });

  it('does not start when the caller has already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(tool.run({ expression: '1', data: null }, { signal: controller.signal })).rejects.toThrow('aborted by the caller before evaluation');
  });
});
