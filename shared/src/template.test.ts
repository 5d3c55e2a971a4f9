import { collectReferences, parseReference, parseTemplate, renderValue } from './template';

describe('references', () => {
  it.each([
    ['nodes.a.output.items[0].title', { kind: 'node', nodeId: 'a', path: ['output', 'items', 0, 'title'] }],
    ['input.topic', { kind: 'input', path: ['topic'] }],
    ['input', { kind: 'input', path: [] }],
    ['execution.id', { kind: 'execution', field: 'id' }],
  ])('parses %s', (text, expected) => {
    expect(parseReference(text)).toEqual({ ok: true, value: expected });
  });

  it.each(['nodes', 'nodes.1a', 'foo.bar', 'execution.region', 'nodes.a..b', 'nodes.a[x]', 'nodes.a.b c'])('rejects %s with a message', (text) => {
    const r = parseReference(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(text.trim().split(' ')[0]);
  });

  it('reports an unclosed template', () => {
    expect(parseTemplate('Hello {{input.name')).toEqual({ ok: false, error: 'unclosed "{{" at position 6' });
  });

  it('collects references with the field they sit in, without recursion limits', () => {
    let deep: unknown = '{{nodes.x.output}}';
    for (let i = 0; i < 5000; i += 1) deep = { d: deep };
    const { refs, errors } = collectReferences({ a: ['{{input.q}} and {{nodes.b.output}}'], deep }, 'config');
    expect(errors).toEqual([]);
    expect(refs.map((r) => [r.field.slice(0, 20), r.expression])).toEqual([
      ['config.a[0]', 'input.q'],
      ['config.a[0]', 'nodes.b.output'],
      ['config.deep.d.d.d.d.', 'nodes.x.output'],
    ]);
  });

  it('renders exact references with their type and interpolates the rest', () => {
    const scope = { nodes: { a: { output: { list: [1, 2], name: 'x' } } }, input: { n: 3 } };
    expect(renderValue({ l: '{{nodes.a.output.list}}', s: 'n={{input.n}} l={{nodes.a.output.list}}', k: 7 }, scope)).toEqual({ l: [1, 2], s: 'n=3 l=[1,2]', k: 7 });
  });

  it('throws a Stepflow.ReferenceError naming the missing path', () => {
    expect(() => renderValue('{{nodes.a.output.missing}}', { nodes: { a: { output: {} } } })).toThrow(
      expect.objectContaining({ name: 'Stepflow.ReferenceError', message: 'nodes.a.output.missing is undefined (no "missing")' }),
    );
    expect(() => renderValue('{{nodes.zz.output}}', { nodes: {} })).toThrow(/node "zz" has no result/);
  });
});
