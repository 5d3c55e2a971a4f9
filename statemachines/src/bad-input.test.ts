/**
 * Bad input: whatever arrives (from an API body, a file, the editor, a script), compile returns
 * issues: it never throws, never hangs, never blows the stack or the heap, and never touches
 * Object.prototype. Each case also has to come back well within the jest timeout.
 */
import { WorkflowLimits } from '@shared/workflow';
import { chain, n, workflow, type RawWorkflow } from '../test/builders';
import { compile, type CompileResult } from './compile';

/**
 * Far below "hangs" (two thirds of the jest timeout), yet generous for an overloaded 2-core
 * machine: the worst case here, a 4-million-value document, takes ~0.3 s in plain Node and was
 * seen at 12 s under jest with the load average at 10. It guards against a hang or a quadratic
 * blow-up, not a performance target (bench/ measures those).
 */
const QUICK_MS = 20_000;

function timed(input: unknown): { r: CompileResult; ms: number } {
  const t0 = performance.now();
  const r = compile(input);
  return { r, ms: performance.now() - t0 };
}

/** compile(input) returns errors (among them `code`, when given), quickly. */
function expectIssues(input: unknown, code?: string): CompileResult {
  const { r, ms } = timed(input);
  expect(r.ok).toBe(false);
  expect(r.issues.length).toBeGreaterThan(0);
  if (code !== undefined) expect(r.issues.map((i) => i.code)).toContain(code);
  expect(ms).toBeLessThan(QUICK_MS);
  return r;
}

const minimal = (): RawWorkflow => workflow([n.start(), n.end()], chain('start -> end'));
const withNode = (node: unknown): unknown => ({ ...minimal(), nodes: [n.start(), n.end(), node] });

describe('malformed and non-object input', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['an empty array', []],
    ['an array of nodes', [n.start(), n.end()]],
    ['a string', 'start -> end'],
    ['a JSON text (not parsed)', JSON.stringify(minimal())],
    ['an empty string', ''],
    ['a number', 42],
    ['NaN', Number.NaN],
    ['a boolean', true],
    ['a BigInt', BigInt(7)],
    ['a symbol', Symbol('wf')],
    ['a function', () => minimal()],
    ['a Date', new Date(0)],
    ['a Map', new Map([['nodes', []]])],
    ['an empty object', {}],
  ])('%s yields INVALID_WORKFLOW', (_name, input) => {
    expectIssues(input, 'INVALID_WORKFLOW');
  });

  it.each<[string, unknown, string]>([
    ['nodes as an object', { ...minimal(), nodes: { start: n.start() } }, 'INVALID_WORKFLOW'],
    ['nodes as a string', { ...minimal(), nodes: 'start,end' }, 'INVALID_WORKFLOW'],
    ['edges as a number', { ...minimal(), edges: 3 }, 'INVALID_WORKFLOW'],
    ['no nodes at all', { ...minimal(), nodes: [] }, 'NO_START'],
    ['metadata as an array', { ...minimal(), metadata: ['x'] }, 'INVALID_WORKFLOW'],
    ['settings as a string', { ...minimal(), settings: 'EXPRESS' }, 'INVALID_WORKFLOW'],
    ['schemaVersion as a string', { ...minimal(), schemaVersion: '1' }, 'UNSUPPORTED_SCHEMA_VERSION'],
    ['a node that is null', withNode(null), 'INVALID_NODE'],
    ['a node that is a list', withNode([n.map('a')]), 'INVALID_NODE'],
    ['a node without an id', withNode({ type: 'transform', config: { mode: 'mapping', mapping: {} } }), 'INVALID_NODE_ID'],
    ['a node id that is a number', withNode({ id: 7, type: 'transform', config: {} }), 'INVALID_NODE_ID'],
    ['an edge that is a string', { ...minimal(), edges: ['start->end'] }, 'INVALID_EDGE'],
    ['an edge whose source is an object', { ...minimal(), edges: [{ id: 'e', source: { id: 'start' }, target: 'end' }] }, 'INVALID_EDGE'],
  ])('%s yields %s', (_name, input, code) => {
    expectIssues(input, code);
  });

  it('values JSON cannot hold yield INVALID_JSON, wherever they sit', () => {
    for (const bad of [BigInt(1), Number.POSITIVE_INFINITY, Number.NaN, Symbol('s'), () => 1]) {
      expectIssues(withNode(n.map('a', { deep: [{ bad }] })), 'INVALID_JSON');
      expectIssues({ ...minimal(), metadata: { name: 'x', description: bad } }, 'INVALID_JSON');
    }
  });

  it('a circular document yields TOO_DEEP instead of looping', () => {
    const wf: RawWorkflow = minimal();
    const config: Record<string, unknown> = { mode: 'mapping' };
    config.mapping = { self: config };
    wf.nodes.push({ id: 'a', type: 'transform', config });
    expectIssues(wf, 'TOO_DEEP');
  });
});

describe('unknown node types and wrong config types', () => {
  it.each<[string, unknown]>([
    ['an unknown type', 'email'],
    ['a type in the wrong case', 'Start'],
    ['a type that is a number', 3],
    ['a type that is an object', { name: 'llm' }],
    ['a missing type', undefined],
    ['a type named after an Object.prototype member', 'constructor'],
    ['a type named __proto__', '__proto__'],
  ])('%s yields UNKNOWN_NODE_TYPE on that node', (_name, type) => {
    const r = expectIssues(withNode({ id: 'odd', type, config: {} }), 'UNKNOWN_NODE_TYPE');
    expect(r.issues.find((i) => i.code === 'UNKNOWN_NODE_TYPE')).toMatchObject({ nodeId: 'odd', field: 'type' });
  });

  it.each<[string, unknown, string]>([
    ['a config that is a string', { id: 'a', type: 'llm', config: 'prompt: hi' }, 'config'],
    ['a config that is a list', { id: 'a', type: 'transform', config: [] }, 'config'],
    ['models that is a string', { id: 'a', type: 'llm', config: { models: 'bedrock', prompt: 'hi' } }, 'config.models'],
    ['maxTokens as a string', { id: 'a', type: 'llm', config: { models: [{ provider: 'local', model: 'm' }], prompt: 'hi', maxTokens: '10' } }, 'config.maxTokens'],
    ['a mapping that is a list', { id: 'a', type: 'transform', config: { mode: 'mapping', mapping: ['x'] } }, 'config.mapping'],
    ['wait seconds as a string', { id: 'a', type: 'wait', config: { mode: 'duration', seconds: '5' } }, 'config.seconds'],
    ['negative wait seconds', { id: 'a', type: 'wait', config: { mode: 'duration', seconds: -1 } }, 'config.seconds'],
    ['loop items that are a list', { id: 'a', type: 'loop', config: { mode: 'for_each', items: [1, 2] } }, 'config.items'],
    ['condition rules that are an object', { id: 'a', type: 'condition', config: { rules: { yes: true } } }, 'config.rules'],
    ['an empty rule list', { id: 'a', type: 'condition', config: { rules: [] } }, 'config.rules'],
    ['a rule id "default"', { id: 'a', type: 'condition', config: { rules: [{ id: 'default', when: { left: '{{input.x}}', op: 'exists' } }] } }, 'config.rules[0].id'],
    // A condition is a union (all/any/not/comparison): zod reports a mismatch at the union.
    ['an unknown comparison operator', { id: 'a', type: 'condition', config: { rules: [{ id: 'r', when: { left: '{{input.x}}', op: 'like', right: 'a' } }] } }, 'config.rules[0].when'],
    ['code source as a number', { id: 'a', type: 'code', config: { source: 42 } }, 'config.source'],
    ['a lambda tool with a bad ARN', { id: 'a', type: 'tool', config: { kind: 'lambda', functionArn: 'my-function' } }, 'config.functionArn'],
    ['a human input schema that is a string', { id: 'a', type: 'human_input', config: { prompt: 'ok?', inputSchema: 'boolean' } }, 'config.inputSchema'],
  ])('%s yields INVALID_CONFIG on that field', (_name, node, field) => {
    const r = expectIssues(withNode(node), 'INVALID_CONFIG');
    expect(r.issues.filter((i) => i.code === 'INVALID_CONFIG').map((i) => [i.nodeId, i.field])).toContainEqual(['a', field]);
  });
});

describe('self-loops and other impossible edges', () => {
  it.each<[string, RawWorkflow, string]>([
    ['a self-loop on a task', workflow([n.start(), n.echo('a'), n.end()], chain('start -> a -> end', 'a -> a')), 'SELF_LOOP'],
    ['a self-loop from an error handle', workflow([n.start(), n.echo('a'), n.end()], chain('start -> a -> end', 'a:error -> a')), 'SELF_LOOP'],
    ['a self-loop on a loop body', workflow([n.start(), n.forEach('l', '{{input.list}}'), n.end()], chain('start -> l:body -> l', 'l:done -> end')), 'SELF_LOOP'],
    ['a self-loop on the start', workflow([n.start(), n.end()], chain('start -> end', 'start -> start')), 'SELF_LOOP'],
    ['a two-node cycle', workflow([n.start(), n.map('a'), n.map('b'), n.end()], chain('start -> a -> b -> a')), 'CYCLE'],
  ])('%s yields %s', (_name, input, code) => {
    expectIssues(input, code);
  });
});

describe('size limits', () => {
  it('a 100,000-node graph returns TOO_LARGE quickly', () => {
    const nodes = [n.start(), ...Array.from({ length: 100_000 }, (_, i) => n.map(`n${i}`, { v: i })), n.end()];
    const edges = nodes.slice(1).map((node, i) => ({ id: `e${i}`, source: (nodes[i] as { id: string }).id, target: node.id }));
    const { r, ms } = timed(workflow(nodes, edges));
    expect(r.ok).toBe(false);
    expect(r.issues).toEqual([expect.objectContaining({ code: 'TOO_LARGE', field: 'nodes' })]);
    expect(ms).toBeLessThan(QUICK_MS);
  });

  it('a sparse array of a hundred million slots returns TOO_LARGE without filling the heap', () => {
    // Regression: the bounds check pushed every element before counting any, and ran out of memory.
    const r = expectIssues({ ...minimal(), nodes: new Array(100_000_000) }, 'TOO_LARGE');
    expect(r.issues).toHaveLength(1);
    expectIssues({ ...minimal(), edges: new Array(2 ** 32 - 1) }, 'TOO_LARGE');
  });

  it('more than four million values in all returns TOO_LARGE', () => {
    // 20,000 nodes (the node limit) whose mappings hold 201 values each: 4,020,000 values.
    const nodes = Array.from({ length: WorkflowLimits.maxNodes }, (_, i) => n.map(`n${i}`, { list: new Array(200).fill(0) }));
    const r = expectIssues(workflow(nodes, []), 'TOO_LARGE');
    expect(r.issues).toEqual([expect.objectContaining({ code: 'TOO_LARGE', message: 'document has more than 4000000 values' })]);
  });

  it('config nested 100,000 levels deep returns TOO_DEEP quickly', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i += 1) deep = { d: deep };
    const r = expectIssues(withNode(n.map('a', { deep })), 'TOO_DEEP');
    expect(r.issues).toHaveLength(1);
    let list: unknown = [];
    for (let i = 0; i < 100_000; i += 1) list = [list];
    expectIssues(withNode(n.map('a', { list })), 'TOO_DEEP');
    expectIssues({ ...minimal(), metadata: { name: 'x', tags: list } }, 'TOO_DEEP');
  });

  it('a condition with "not" nested 10,000 deep returns TOO_DEEP quickly', () => {
    let when: unknown = { left: '{{input.x}}', op: 'exists' };
    for (let i = 0; i < 10_000; i += 1) when = { not: when };
    expectIssues(workflow([n.start(), n.cond('c', { r: when }), n.end()], chain('start -> c:r -> end', 'c:default -> end')), 'TOO_DEEP');
  });

  it('a condition nested just within the depth limit still compiles', () => {
    // The document nests 7 levels above `when` (nodes[1].config.rules[0].when), and each "not" adds one.
    let when: unknown = { left: '{{input.x}}', op: 'exists' };
    for (let i = 0; i < WorkflowLimits.maxDepth - 8; i += 1) when = { not: when };
    const r = compile(workflow([n.start(), n.cond('c', { r: when }), n.end()], chain('start -> c:r -> end', 'c:default -> end')));
    expect(r.ok).toBe(true);
  });

  it('huge strings return TOO_LARGE, wherever they sit', () => {
    const huge = 'x'.repeat(10_000_000);
    for (const input of [
      withNode(n.map('a', { s: huge })),
      withNode({ id: huge, type: 'transform', config: {} }),
      withNode({ id: 'a', type: huge, config: {} }),
      { ...minimal(), metadata: { name: huge } },
      { ...minimal(), edges: [{ id: huge, source: 'start', target: 'end' }] },
      { ...minimal(), [huge]: 1 },
      withNode(n.map('a', { [huge]: 1 })),
    ]) {
      expectIssues(input, 'TOO_LARGE');
    }
  });

  it('long values just within the limits give short messages', () => {
    // Messages quote what was received, cut short: a 200 KB id must not make a 200 KB message.
    const long = 'x'.repeat(200_000);
    for (const input of [withNode({ id: `9${long}`, type: 'transform', config: {} }), withNode({ id: 'a', type: long, config: {} }), { ...minimal(), schemaVersion: long }, { ...minimal(), [long]: 1 }, withNode({ ...n.map('a'), [long]: 1 })]) {
      const r = expectIssues(input);
      for (const i of r.issues) expect(i.message.length).toBeLessThan(300);
    }
  });

  it('20,000 broken nodes and 60,000 duplicate edges return every issue quickly', () => {
    const junk = Array.from({ length: WorkflowLimits.maxNodes - 2 }, (_, i) => ({ id: `n${i}`, type: 'llm', config: { prompt: i } }));
    expectIssues({ ...minimal(), nodes: [n.start(), n.end(), ...junk] }, 'INVALID_CONFIG');
    const edges = Array.from({ length: WorkflowLimits.maxEdges }, (_, i) => ({ id: `e${i}`, source: 'start', target: 'end' }));
    const r = expectIssues({ ...minimal(), edges }, 'DUPLICATE_EDGE');
    expect(r.issues).toHaveLength(WorkflowLimits.maxEdges - 1);
  });
});

describe('prototype-pollution keys', () => {
  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  /** JSON text with an own "__proto__" key, as an API body or a file would parse. */
  const parsed = (text: string): unknown => JSON.parse(text);

  it.each<[string, string, string, string | undefined]>([
    ['in a mapping', '{"__proto__":{"polluted":true}}', 'INVALID_CONFIG', 'config.mapping.__proto__'],
    ['deep in a mapping', '{"a":{"b":[{"__proto__":{"polluted":true}}]}}', 'INVALID_CONFIG', 'config.mapping.a.b[0].__proto__'],
  ])('"__proto__" %s yields INVALID_CONFIG at the key', (_name, mapping, code, field) => {
    const wf = workflow([n.start(), n.map('a', { placeholder: 1 }), n.end()], chain('start -> a -> end'));
    const text = JSON.stringify(wf).replace('{"placeholder":1}', mapping);
    const r = expectIssues(parsed(text), code);
    expect(r.issues).toContainEqual(expect.objectContaining({ code, nodeId: 'a', field }));
  });

  it('"__proto__" in tool args, subworkflow input and end output yields INVALID_CONFIG', () => {
    for (const node of [n.echo('a', { placeholder: 1 }), { id: 'a', type: 'subworkflow', config: { workflowId: 'w', input: { placeholder: 1 } } }]) {
      const text = JSON.stringify(workflow([n.start(), node, n.end()], chain('start -> a -> end'))).replace('{"placeholder":1}', '{"__proto__":{"polluted":true}}');
      expectIssues(parsed(text), 'INVALID_CONFIG');
    }
    const text = JSON.stringify(workflow([n.start(), n.end('end', { placeholder: 1 })], chain('start -> end'))).replace('{"placeholder":1}', '{"__proto__":{"polluted":true}}');
    expectIssues(parsed(text), 'INVALID_CONFIG');
  });

  it('"__proto__" as a node id, an edge end, a node key, a top-level key or a settings key yields issues', () => {
    const base = JSON.stringify(minimal());
    expectIssues(parsed(base.replace('"nodes":[', '"nodes":[{"id":"__proto__","type":"transform","config":{}},')), 'INVALID_NODE_ID');
    expectIssues(parsed(base.replace('"target":"end"', '"target":"__proto__"')), 'DANGLING_EDGE');
    expectIssues(parsed(base.replace('{"id":"end","type":"end",', '{"id":"end","type":"end","__proto__":{"polluted":true},')), 'INVALID_NODE');
    expectIssues(parsed(base.replace('{"schemaVersion"', '{"__proto__":{"polluted":true},"schemaVersion"')), 'INVALID_WORKFLOW');
    expectIssues(parsed(base.replace('"metadata"', '"settings":{"triggers":[{"kind":"eventbridge","pattern":{"__proto__":{"polluted":true}}}]},"metadata"')), 'INVALID_WORKFLOW');
  });

  it('an edge id "__proto__" is only an id', () => {
    const wf = { ...minimal(), edges: [{ id: '__proto__', source: 'start', target: 'end' }] };
    const r = compile(wf);
    expect(r.ok).toBe(true);
  });

  // "constructor", "toString" and "hasOwnProperty" are valid identifiers, so they are valid node
  // ids and mapping keys. They must compile to exactly what they say (own properties, no
  // inherited members read by mistake) rather than be refused.
  it('"constructor" and other Object.prototype names compile as plain ids and keys', () => {
    const wf = workflow(
      [n.start(), n.map('constructor', { constructor: { prototype: { polluted: true } }, toString: '{{input.v}}' }), n.end('hasOwnProperty', { v: '{{nodes.constructor.output.toString}}' })],
      chain('start -> constructor -> hasOwnProperty'),
    );
    const r = compile(parsed(JSON.stringify(wf)));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(Object.keys(r.asl.States)).toEqual(['start', 'constructor', 'hasOwnProperty']);
    expect(r.asl.States.constructor).toMatchObject({ Parameters: { output: { constructor: { prototype: { polluted: true } }, 'toString.$': '$.nodes.start.output.v' } }, ResultPath: '$.nodes.constructor' });
    expect(JSON.parse(r.json)).toEqual(r.asl);
  });

  it('a reference to a node named after an Object.prototype member that does not exist is unknown', () => {
    const r = expectIssues(workflow([n.start(), n.map('a', { v: '{{nodes.toString.output}}' }), n.end()], chain('start -> a -> end')), 'UNKNOWN_REFERENCE');
    expect(r.issues).toEqual([expect.objectContaining({ code: 'UNKNOWN_REFERENCE', nodeId: 'a', field: 'config.mapping.v' })]);
  });
});

describe('input is left as it was', () => {
  it('a deep-frozen workflow compiles (compile never writes to its input)', () => {
    const wf = workflow([n.start(), n.echo('a', '{{input.q}}', { retry: { maxAttempts: 2 } }), n.cond('c', { r: { left: '{{nodes.a.output}}', op: 'exists' } }), n.end()], chain('start -> a -> c:r -> end', 'c:default -> end'));
    const freeze = (v: unknown): void => {
      if (v !== null && typeof v === 'object') {
        Object.freeze(v);
        for (const c of Object.values(v)) freeze(c);
      }
    };
    freeze(wf);
    const r = compile(wf);
    expect(r.ok).toBe(true);
  });

  it('strings with NUL, lone surrogates and quotes survive into the definition', () => {
    const odd = `a\u0000b\ud800c'"{}\\`;
    const r = compile(workflow([n.start(), n.map('a', { odd, [odd]: 1 }, { label: odd }), n.end()], chain('start -> a -> end')));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.asl.States.a).toMatchObject({ Comment: odd, Parameters: { output: { odd, [odd]: 1 } } });
    expect(JSON.parse(r.json)).toEqual(r.asl);
  });
});
