/**
 * Table-driven validation: one or more cases per issue code (every code in shared/src/issues.ts),
 * each with a sketch of its graph, asserting the exact set of issues: code, severity, and the
 * node, edge and field they point at. Then graphs whose references are valid, which must compile.
 *
 * Sketch notation: `a -> b` an edge, `c:yes -> x` an edge from handle "yes", `[p]` a parallel,
 * `(m)` a merge, `{l}` a loop, `<c>` a condition.
 */
import { issueCodes, type IssueCode } from '@shared/issues';
import { WorkflowLimits } from '@shared/workflow';
import { chain, cmp, locationOf, n, sortedLocations, workflow, type IssueLocation, type RawNode } from '../test/builders';
import { compile, MAX_DEFINITION_BYTES } from './compile';

type Where = Partial<Pick<IssueLocation, 'nodeId' | 'edgeId' | 'field'>>;
const err = (code: IssueCode, where: Where = {}): IssueLocation => ({ code, severity: 'error', ...where });
const warn = (code: IssueCode, where: Where = {}): IssueLocation => ({ code, severity: 'warning', ...where });

interface Case {
  readonly name: string;
  readonly input: unknown;
  /** Exactly the issues compile must report (in any order). */
  readonly issues: readonly IssueLocation[];
}

const simple = (middle: RawNode) => workflow([n.start(), middle, n.end()], chain(`start -> ${middle.id} -> end`));

const cases: Case[] = [
  // ---------------------------------------------------------------- document shape
  // start -> a -> end, a.config.mapping.n = 10n (a BigInt: not a JSON value).
  // (Syntax errors in JSON *text* are INVALID_JSON from the loaders that parse text; compile
  // takes a parsed value, so here the code covers values JSON cannot represent.)
  { name: 'a BigInt value', input: simple(n.map('a', { n: BigInt(10) })), issues: [err('INVALID_JSON')] },
  // start -> a -> end, a.config.mapping.x = NaN
  { name: 'a NaN value', input: simple(n.map('a', { x: Number.NaN })), issues: [err('INVALID_JSON')] },
  // start -> a -> end, a.config.mapping.f = a function
  { name: 'a function value', input: simple(n.map('a', { f: () => 1 })), issues: [err('INVALID_JSON')] },
  // [ ] (an array, not a workflow object)
  { name: 'an array instead of a workflow', input: [n.start(), n.end()], issues: [err('INVALID_WORKFLOW')] },
  // { ..., extra: true }   start -> end
  { name: 'an unknown top-level field', input: { ...workflow([n.start(), n.end()], chain('start -> end')), extra: true }, issues: [err('INVALID_WORKFLOW', { field: 'extra' })] },
  // metadata without a name
  { name: 'metadata without a name', input: { ...workflow([n.start(), n.end()], chain('start -> end')), metadata: {} }, issues: [err('INVALID_WORKFLOW', { field: 'metadata.name' })] },
  // settings.type: 'FAST'
  { name: 'an unknown workflow type', input: workflow([n.start(), n.end()], chain('start -> end'), { settings: { type: 'FAST' } }), issues: [err('INVALID_WORKFLOW', { field: 'settings.type' })] },
  // nodes: {} (not a list)
  { name: 'nodes that are not a list', input: { ...workflow([], []), nodes: {} }, issues: [err('INVALID_WORKFLOW', { field: 'nodes' })] },
  // schemaVersion: 2
  { name: 'a future schema version', input: { ...workflow([n.start(), n.end()], chain('start -> end')), schemaVersion: 2 }, issues: [err('UNSUPPORTED_SCHEMA_VERSION', { field: 'schemaVersion' })] },
  // start, then 20,000 unconnected transforms, then end (20,002 nodes)
  {
    name: 'more nodes than the limit',
    input: workflow([n.start(), ...Array.from({ length: WorkflowLimits.maxNodes }, (_, i) => n.map(`t${i}`)), n.end()], []),
    issues: [err('TOO_LARGE', { field: 'nodes' })],
  },
  // start -> end, plus 60,001 copies of an edge
  {
    name: 'more edges than the limit',
    input: workflow([n.start(), n.end()], Array.from({ length: WorkflowLimits.maxEdges + 1 }, (_, i) => ({ id: `e${i}`, source: 'start', target: 'end' }))),
    issues: [err('TOO_LARGE', { field: 'edges' })],
  },
  // start -> a -> end, a.config.mapping.s = 'x' * 262,145
  { name: 'a string longer than the limit', input: simple(n.map('a', { s: 'x'.repeat(WorkflowLimits.maxStringLength + 1) })), issues: [err('TOO_LARGE')] },
  // start -> a -> end, a.config.mapping nested 70 levels deep
  {
    name: 'a value nested deeper than the limit',
    input: simple(n.map('a', Array.from({ length: 70 }).reduce<Record<string, unknown>>((inner) => ({ d: inner }), { leaf: 1 }))),
    issues: [err('TOO_DEEP')],
  },
  // start -> end, nodes[2] = 'oops'
  { name: 'a node that is not an object', input: workflow([n.start(), n.end(), 'oops' as unknown as RawNode], chain('start -> end')), issues: [err('INVALID_NODE', { field: 'nodes[2]' })] },
  // start -> a -> end, a has an unknown field "colour"
  { name: 'a node with an unknown field', input: simple({ ...n.map('a'), colour: 'red' }), issues: [err('INVALID_NODE', { nodeId: 'a', field: 'colour' })] },
  // start -> a -> end, a.label = 5
  { name: 'a node label of the wrong type', input: simple(n.map('a', {}, { label: 5 })), issues: [err('INVALID_NODE', { nodeId: 'a', field: 'label' })] },
  // start -> a -> end, a.retry.maxAttempts = 99
  { name: 'a retry policy out of range', input: simple(n.echo('a', 'hi', { retry: { maxAttempts: 99 } })), issues: [err('INVALID_NODE', { nodeId: 'a', field: 'retry.maxAttempts' })] },
  // start -> end, plus an unconnected node with id "1st"
  { name: 'a node id that is not an identifier', input: workflow([n.start(), n.end(), n.map('1st')], chain('start -> end')), issues: [err('INVALID_NODE_ID', { field: 'nodes[2].id' })] },
  // start -> a -> end, and a second node "a"
  { name: 'a duplicate node id', input: workflow([n.start(), n.map('a'), n.end(), n.echo('a')], chain('start -> a -> end')), issues: [err('DUPLICATE_NODE_ID', { nodeId: 'a', field: 'id' })] },
  // start -> end, plus an unconnected node of type "email"
  { name: 'an unknown node type', input: workflow([n.start(), n.end(), { id: 'mail', type: 'email', config: {} }], chain('start -> end')), issues: [err('UNKNOWN_NODE_TYPE', { nodeId: 'mail', field: 'type' })] },
  // start -> a -> end, a (llm) without a config
  { name: 'a missing config', input: simple({ id: 'a', type: 'llm' }), issues: [err('INVALID_CONFIG', { nodeId: 'a', field: 'config' })] },
  // start -> a -> end, a (llm) with prompt: 5
  {
    name: 'a config field of the wrong type',
    input: simple({ id: 'a', type: 'llm', config: { models: [{ provider: 'local', model: 'x' }], prompt: 5 } }),
    issues: [err('INVALID_CONFIG', { nodeId: 'a', field: 'config.prompt' })],
  },
  // start -> a -> end, a (tool) with kind "ftp"
  { name: 'an unknown tool kind', input: simple({ id: 'a', type: 'tool', config: { kind: 'ftp' } }), issues: [err('INVALID_CONFIG', { nodeId: 'a', field: 'config.kind' })] },
  // start -> a -> end, a.config has an unknown field "colour"
  { name: 'a config with an unknown field', input: simple({ id: 'a', type: 'transform', config: { mode: 'mapping', mapping: {}, colour: 1 } }), issues: [err('INVALID_CONFIG', { nodeId: 'a', field: 'config.colour' })] },
  // start -> <c> ; c's rule compares a plain string (not a reference)
  {
    name: 'a condition whose left side is not a reference',
    input: workflow([n.start(), n.cond('c', { yes: cmp('status', 'eq', 1) }), n.end()], chain('start -> c:yes -> end', 'c:default -> end')),
    issues: [err('INVALID_CONFIG', { nodeId: 'c', field: 'config.rules[0].when.left' })],
  },
  // start -> a -> end, a.config.mapping has the key "x.$" (would be evaluated as a path)
  { name: 'a mapping key ending in .$', input: simple(n.map('a', { 'x.$': '$.secret' })), issues: [err('INVALID_CONFIG', { nodeId: 'a', field: 'config.mapping.x.$' })] },
  // start -> a -> end, a.config.mapping has an own "__proto__" key (as JSON.parse makes it)
  {
    name: 'a __proto__ key in a mapping',
    input: JSON.parse(JSON.stringify(simple(n.map('a', { keep: 1 }))).replace('"keep":1', '"__proto__":{"polluted":true}')) as unknown,
    issues: [err('INVALID_CONFIG', { nodeId: 'a', field: 'config.mapping.__proto__' })],
  },
  // start -> a -> end, a.config.mapping.list = [{ x: '{{input.x}}' }] (no intrinsic builds that)
  { name: 'a reference inside an object inside a list', input: simple(n.map('a', { list: [{ x: '{{input.x}}' }] })), issues: [err('INVALID_CONFIG', { nodeId: 'a', field: 'config.mapping.list[0]' })] },
  // start -> [p] -> b -> (m) -> end, p.timeoutSeconds = 5 (Parallel states have no timeout)
  {
    name: 'a timeout on a parallel (warning)',
    input: workflow([n.start(), n.par('p', { timeoutSeconds: 5 }), n.map('b'), n.merge('m'), n.end()], chain('start -> p -> b -> m -> end')),
    issues: [warn('INVALID_CONFIG', { nodeId: 'p', field: 'timeoutSeconds' })],
  },
  // start -> a -> end, a is a mapping transform (a Pass state) with a timeout
  { name: 'a timeout on a mapping transform (warning)', input: simple(n.map('a', {}, { timeoutSeconds: 5 })), issues: [warn('INVALID_CONFIG', { nodeId: 'a', field: 'timeoutSeconds' })] },
  // start -> a -> end, a is a human_input with a node-level timeout (config.timeoutSeconds wins)
  { name: 'a node-level timeout on human input (warning)', input: simple({ ...n.human('a'), timeoutSeconds: 5 }), issues: [warn('INVALID_CONFIG', { nodeId: 'a', field: 'timeoutSeconds' })] },
  // start -> <c> -> end, c has a retry policy
  {
    name: 'a retry policy on a condition (warning)',
    input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists') }, { retry: { maxAttempts: 2 } }), n.end()], chain('start -> c:yes -> end', 'c:default -> end')),
    issues: [warn('INVALID_CONFIG', { nodeId: 'c', field: 'retry' })],
  },
  // start -> end, and an edge { id: 'half', source: 'start' } without a target
  { name: 'an edge without a target', input: workflow([n.start(), n.end()], [...chain('start -> end'), { id: 'half', source: 'start' } as never]), issues: [err('INVALID_EDGE', { edgeId: 'half', field: 'target' })] },
  // start -> end, edges[1] = 42
  { name: 'an edge that is not an object', input: workflow([n.start(), n.end()], [...chain('start -> end'), 42 as never]), issues: [err('INVALID_EDGE', { field: 'edges[1]' })] },
  // start -> end, and a second edge "painted" start -> end with an unknown field "colour"
  {
    name: 'an edge with an unknown field',
    input: workflow([n.start(), n.end()], [...chain('start -> end'), { id: 'painted', source: 'start', target: 'end', colour: 'red' }]),
    issues: [err('INVALID_EDGE', { edgeId: 'painted', field: 'colour' })],
  },
  // start -> a -> end, edge a-end lists errors but is no error edge
  {
    name: 'an edge with errors that is not an error edge',
    input: workflow([n.start(), n.echo('a'), n.end()], [...chain('start -> a'), { id: 'a-end', source: 'a', target: 'end', errors: ['tool'] }]),
    issues: [err('INVALID_EDGE', { edgeId: 'a-end', field: 'errors' })],
  },
  // start -> end twice, both edges with id "e1"
  { name: 'a duplicate edge id', input: workflow([n.start(), n.end()], [{ id: 'e1', source: 'start', target: 'end' }, { id: 'e1', source: 'start', target: 'end' }]), issues: [err('DUPLICATE_EDGE_ID', { edgeId: 'e1' })] },
  // start -> end twice (e1, e2)
  { name: 'a duplicate edge', input: workflow([n.start(), n.end()], [{ id: 'e1', source: 'start', target: 'end' }, { id: 'e2', source: 'start', target: 'end' }]), issues: [err('DUPLICATE_EDGE', { edgeId: 'e2' })] },

  // ---------------------------------------------------------------- graph structure
  // a -> end (no start)
  { name: 'no start node', input: workflow([n.map('a'), n.end()], chain('a -> end')), issues: [err('NO_START')] },
  // start -> end ; start2 -> end
  { name: 'two start nodes', input: workflow([n.start(), n.start('start2'), n.end()], chain('start -> end', 'start2 -> end')), issues: [err('MULTIPLE_STARTS', { nodeId: 'start2' }), err('UNREACHABLE_NODE', { nodeId: 'start2' })] },
  // start -> end ; x -> start (x unreachable)
  { name: 'an edge into the start', input: workflow([n.start(), n.map('x'), n.end()], chain('start -> end', 'x -> start')), issues: [err('START_HAS_INCOMING', { nodeId: 'start' }), err('UNREACHABLE_NODE', { nodeId: 'x' })] },
  // start -> a -> end -> a
  { name: 'an edge out of an end', input: workflow([n.start(), n.map('a'), n.end()], chain('start -> a -> end -> a')), issues: [err('END_HAS_OUTGOING', { nodeId: 'end' })] },
  // start -> a (and no end node)
  { name: 'no end node', input: workflow([n.start(), n.map('a')], chain('start -> a')), issues: [err('NO_END'), err('DEAD_END', { nodeId: 'a' })] },
  // start -> end ; start -> nowhere (no such node)
  { name: 'an edge to a missing node', input: workflow([n.start(), n.end()], chain('start -> end', 'start -> nowhere')), issues: [err('DANGLING_EDGE', { edgeId: 'start-nowhere', field: 'target' })] },
  // start -> end ; ghost -> end (no such node)
  { name: 'an edge from a missing node', input: workflow([n.start(), n.end()], chain('start -> end', 'ghost -> end')), issues: [err('DANGLING_EDGE', { edgeId: 'ghost-end', field: 'source' })] },
  // start -> a -> end ; a -> a
  { name: 'a self loop', input: workflow([n.start(), n.map('a'), n.end()], chain('start -> a -> end', 'a -> a')), issues: [err('SELF_LOOP', { edgeId: 'a-a', nodeId: 'a' })] },
  // start -> <c> ; c:yes -> end ; c:default -> end ; c:maybe -> end (no rule "maybe")
  {
    name: 'a condition edge from an unknown rule handle',
    input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists') }), n.end()], chain('start -> c:yes -> end', 'c:default -> end', 'c:maybe -> end')),
    issues: [err('INVALID_HANDLE', { edgeId: 'c:maybe-end', nodeId: 'c', field: 'sourceHandle' })],
  },
  // start -> a -> end ; a:body -> end (a tool has no "body" handle)
  { name: 'a tool edge from a loop handle', input: workflow([n.start(), n.echo('a'), n.end()], chain('start -> a -> end', 'a:body -> end')), issues: [err('INVALID_HANDLE', { edgeId: 'a:body-end', nodeId: 'a', field: 'sourceHandle' })] },
  // start -> {l} ; l:body -> a -> l ; l -> end (no handle on a loop edge)
  {
    name: 'a loop edge without a handle',
    input: workflow([n.start(), n.forEach('l', '{{input.list}}'), n.map('a'), n.end()], chain('start -> l:body -> a -> l -> end', 'l:done -> end')),
    issues: [err('INVALID_HANDLE', { edgeId: 'l-end', nodeId: 'l', field: 'sourceHandle' })],
  },
  // start -> a -> b -> end ; a -> c -> end (only the first edge is followed, so c is unreachable)
  {
    name: 'two plain edges out of one node',
    input: workflow([n.start(), n.map('a'), n.map('b'), n.map('c'), n.end()], chain('start -> a -> b -> end', 'a -> c -> end')),
    issues: [err('MULTIPLE_OUTGOING', { nodeId: 'a' }), err('UNREACHABLE_NODE', { nodeId: 'c' })],
  },
  // start -> <c> ; c:yes -> x -> end ; c:yes -> y -> end ; c:default -> end
  {
    name: 'two edges from one rule handle',
    input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists') }), n.map('x'), n.map('y'), n.end()], chain('start -> c:yes -> x -> end', 'c:yes -> y -> end', 'c:default -> end')),
    issues: [err('MULTIPLE_OUTGOING', { edgeId: 'c:yes-y', nodeId: 'c' }), err('UNREACHABLE_NODE', { nodeId: 'y' })],
  },
  // start -> a -> end ; a:error -> x -> end ; a:error -> y -> end (two catch-alls)
  {
    name: 'two catch-all error edges',
    input: workflow([n.start(), n.echo('a'), n.map('x'), n.map('y'), n.end()], chain('start -> a -> end', 'a:error -> x -> end', 'a:error -> y -> end')),
    issues: [err('MULTIPLE_OUTGOING', { nodeId: 'a' })],
  },
  // start -> <c> ; c:yes -> a (a leads nowhere) ; c:default -> end
  { name: 'a node that leads nowhere', input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists') }), n.map('a'), n.end()], chain('start -> c:yes -> a', 'c:default -> end')), issues: [err('DEAD_END', { nodeId: 'a' })] },
  // start -> end ; x -> end (x unreachable)
  { name: 'an unreachable node', input: workflow([n.start(), n.map('x'), n.end()], chain('start -> end', 'x -> end')), issues: [err('UNREACHABLE_NODE', { nodeId: 'x' })] },
  // start -> a -> b -> <c> ; c:back -> a ; c:default -> end (a cycle outside any loop)
  {
    name: 'a cycle outside a loop',
    input: workflow([n.start(), n.map('a'), n.map('b'), n.cond('c', { back: cmp('{{input.x}}', 'exists') }), n.end()], chain('start -> a -> b -> c:back -> a', 'c:default -> end')),
    issues: [err('CYCLE', { nodeId: 'a' })],
  },
  // start -> [p] ; p -> b1 -> shared -> (m) ; p -> b2 -> shared ; m -> end
  {
    name: 'a node shared by two branches',
    input: workflow([n.start(), n.par('p'), n.map('b1'), n.map('b2'), n.map('shared'), n.merge('m'), n.end()], chain('start -> p -> b1 -> shared -> m -> end', 'p -> b2 -> shared')),
    issues: [err('SCOPE_CONFLICT', { nodeId: 'shared' })],
  },
  // start -> <c> ; c:go -> [p] -> b -> (m) -> end ; c:default -> m (into the merge, around p)
  {
    name: 'a merge reached around its parallel',
    input: workflow([n.start(), n.cond('c', { go: cmp('{{input.x}}', 'exists') }), n.par('p'), n.map('b'), n.merge('m'), n.end()], chain('start -> c:go -> p -> b -> m -> end', 'c:default -> m')),
    issues: [err('SCOPE_CONFLICT', { nodeId: 'm' })],
  },
  // start -> <c> ; c:yes -> end (no default)
  { name: 'a condition without default', input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists') }), n.end()], chain('start -> c:yes -> end')), issues: [err('CONDITION_NO_DEFAULT', { nodeId: 'c' })] },
  // start -> <c> ; c:yes -> end ; c:default -> end ; rule "no" has no edge
  {
    name: 'a rule without an edge',
    input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists'), no: cmp('{{input.x}}', 'not_exists') }), n.end()], chain('start -> c:yes -> end', 'c:default -> end')),
    issues: [err('CONDITION_RULE_NO_EDGE', { nodeId: 'c', field: 'config.rules.no' })],
  },
  // start -> [p] ; p:error -> end (no branch)
  { name: 'a parallel without branches', input: workflow([n.start(), n.par('p'), n.end()], chain('start -> p:error -> end')), issues: [err('PARALLEL_NO_BRANCHES', { nodeId: 'p' })] },
  // start -> [p] -> a -> (m) -> end ; p -> m (an empty branch)
  { name: 'an empty branch', input: workflow([n.start(), n.par('p'), n.map('a'), n.merge('m'), n.end()], chain('start -> p -> a -> m -> end', 'p -> m')), issues: [err('PARALLEL_EMPTY_BRANCH', { nodeId: 'p' })] },
  // start -> [p] ; p -> a -> end ; p -> b -> end (branches never meet)
  { name: 'branches that end instead of merging', input: workflow([n.start(), n.par('p'), n.map('a'), n.map('b'), n.end()], chain('start -> p -> a -> end', 'p -> b -> end')), issues: [err('PARALLEL_NO_MERGE', { nodeId: 'p' })] },
  // start -> [p] ; p -> a -> (m1) -> end ; p -> b -> (m2) -> end (two merges)
  {
    name: 'branches meeting at different merges',
    input: workflow([n.start(), n.par('p'), n.map('a'), n.map('b'), n.merge('m1'), n.merge('m2'), n.end()], chain('start -> p -> a -> m1 -> end', 'p -> b -> m2 -> end')),
    issues: [err('PARALLEL_NO_MERGE', { nodeId: 'p' }), err('MERGE_WITHOUT_PARALLEL', { nodeId: 'm1' }), err('MERGE_WITHOUT_PARALLEL', { nodeId: 'm2' })],
  },
  // start -> [p] -> a -> (m) ; [p] -> [q] -> b -> (m) ; m -> end (p and q share m)
  {
    name: 'two parallels sharing one merge',
    input: workflow([n.start(), n.par('p'), n.par('q'), n.map('a'), n.map('b'), n.merge('m'), n.end()], chain('start -> p -> a -> m -> end', 'p -> q -> b -> m')),
    issues: [err('PARALLEL_NO_MERGE', { nodeId: 'p' })],
  },
  // start -> (m) -> end
  { name: 'a merge without a parallel', input: workflow([n.start(), n.merge('m'), n.end()], chain('start -> m -> end')), issues: [err('MERGE_WITHOUT_PARALLEL', { nodeId: 'm' })] },
  // start -> {l} ; l:done -> end (no body)
  { name: 'a loop without a body', input: workflow([n.start(), n.forEach('l', '{{input.list}}'), n.end()], chain('start -> l:done -> end')), issues: [err('LOOP_NO_BODY', { nodeId: 'l' })] },
  // start -> {l} ; l:body -> a -> l (no done, and so no end)
  { name: 'a loop without done', input: workflow([n.start(), n.forEach('l', '{{input.list}}'), n.map('a')], chain('start -> l:body -> a -> l')), issues: [err('LOOP_NO_DONE', { nodeId: 'l' }), err('NO_END')] },
  // start -> {l} ; l:body -> a -> inner_end ; l:done -> end (the body never returns)
  {
    name: 'a loop body that does not return',
    input: workflow([n.start(), n.forEach('l', '{{input.list}}'), n.map('a'), n.end('inner_end'), n.end()], chain('start -> l:body -> a -> inner_end', 'l:done -> end')),
    issues: [err('LOOP_BODY_NOT_CLOSED', { nodeId: 'inner_end' })],
  },
  // start -> {l} ; l:body -> <c> ; c:r -> l ; c:default -> l ; l:done -> end (no last node with output)
  {
    name: 'a loop body with no single last node',
    input: workflow([n.start(), n.forEach('l', '{{input.list}}'), n.cond('c', { r: cmp('{{nodes.l.item}}', 'exists') }), n.end()], chain('start -> l:body -> c:r -> l', 'c:default -> l', 'l:done -> end')),
    issues: [err('LOOP_OUTPUT_AMBIGUOUS', { nodeId: 'l', field: 'config.output' })],
  },
  // start -> {l, output: ghost} ; l:body -> a -> l ; l:done -> end
  {
    name: 'a loop output naming no node',
    input: workflow([n.start(), n.forEach('l', '{{input.list}}', { output: 'ghost' }), n.map('a'), n.end()], chain('start -> l:body -> a -> l', 'l:done -> end')),
    issues: [err('LOOP_OUTPUT_INVALID', { nodeId: 'l', field: 'config.output' })],
  },
  // start -> {l, output: w} ; l:body -> a -> w(wait 1 s) -> l ; l:done -> end
  // (regression: a duration wait writes no result, so collecting it failed at run time)
  {
    name: 'a loop output naming a duration wait',
    input: workflow([n.start(), n.whileLoop('l', cmp('{{nodes.a.output.v}}', 'lt', 3), { output: 'w' }), n.map('a', { v: 1 }), n.waitFor('w', 1), n.end()], chain('start -> l:body -> a -> w -> l', 'l:done -> end')),
    issues: [err('LOOP_OUTPUT_INVALID', { nodeId: 'l', field: 'config.output' })],
  },
  // start -> {l, output: x} ; l:body -> <c> ; c:r -> x -> l ; c:default -> l (x on one arm only)
  {
    name: 'a loop output on one arm of the body',
    input: workflow([n.start(), n.forEach('l', '{{input.list}}', { output: 'x' }), n.cond('c', { r: cmp('{{nodes.l.item}}', 'exists') }), n.map('x'), n.end()], chain('start -> l:body -> c:r -> x -> l', 'c:default -> l', 'l:done -> end')),
    issues: [err('LOOP_OUTPUT_INVALID', { nodeId: 'l', field: 'config.output' })],
  },
  // start -> <c> ; c:yes -> end ; c:default -> end ; c:error -> end
  {
    name: 'an error edge from a condition',
    input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists') }), n.end()], chain('start -> c:yes -> end', 'c:default -> end', 'c:error -> end')),
    issues: [err('ERROR_EDGE_NOT_ALLOWED', { edgeId: 'c:error-end', nodeId: 'c' })],
  },
  // start -> w(wait 5 s) -> end ; w:error -> end
  { name: 'an error edge from a duration wait', input: workflow([n.start(), n.waitFor('w', 5), n.end()], chain('start -> w -> end', 'w:error -> end')), issues: [err('ERROR_EDGE_NOT_ALLOWED', { edgeId: 'w:error-end', nodeId: 'w' })] },
  // start -> a(mapping transform) -> end ; a:error -> h -> end
  // (regression: a Pass state has no Catch, so the edge was dropped and h became an unreachable
  // state that AWS and asl-validator reject)
  {
    name: 'an error edge from a mapping transform',
    input: workflow([n.start(), n.map('a'), n.map('h'), n.end()], chain('start -> a -> end', 'a:error -> h -> end')),
    issues: [err('ERROR_EDGE_NOT_ALLOWED', { edgeId: 'a:error-h', nodeId: 'a' }), err('UNREACHABLE_NODE', { nodeId: 'h' })],
  },
  // start -> {l while} ; l:body -> a -> l ; l:done -> end ; l:error -> end
  {
    name: 'an error edge from a while loop',
    input: workflow([n.start(), n.whileLoop('l', cmp('{{nodes.a.output.v}}', 'lt', 3)), n.map('a', { v: 1 }), n.end()], chain('start -> l:body -> a -> l', 'l:done -> end', 'l:error -> end')),
    issues: [err('ERROR_EDGE_NOT_ALLOWED', { edgeId: 'l:error-end', nodeId: 'l' })],
  },

  // ---------------------------------------------------------------- references
  // start -> a -> end, a.mapping.x = '{{nodes.}}'
  { name: 'a malformed reference', input: simple(n.map('a', { x: '{{nodes.}}' })), issues: [err('INVALID_REFERENCE', { nodeId: 'a', field: 'config.mapping.x' })] },
  // start -> a -> end, a.mapping.x = 'Hi {{input.name' (unclosed)
  { name: 'an unclosed reference', input: simple(n.map('a', { x: 'Hi {{input.name' })), issues: [err('INVALID_REFERENCE', { nodeId: 'a', field: 'config.mapping.x' })] },
  // start -> a -> end, a.mapping.x = '{{nodes.ghost.output}}'
  { name: 'a reference to no node', input: simple(n.map('a', { x: '{{nodes.ghost.output}}' })), issues: [err('UNKNOWN_REFERENCE', { nodeId: 'a', field: 'config.mapping.x' })] },
  // start -> <c> ; c:yes -> a -> end ; c:default -> a ; a references c (a condition has no output)
  {
    name: 'a reference to a condition',
    input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists') }), n.map('a', { x: '{{nodes.c.output}}' }), n.end()], chain('start -> c:yes -> a -> end', 'c:default -> a')),
    issues: [err('REFERENCE_NO_OUTPUT', { nodeId: 'a', field: 'config.mapping.x' })],
  },
  // start -> w(wait 5 s) -> a -> end ; a references w
  { name: 'a reference to a duration wait', input: workflow([n.start(), n.waitFor('w', 5), n.map('a', { x: '{{nodes.w.output}}' }), n.end()], chain('start -> w -> a -> end')), issues: [err('REFERENCE_NO_OUTPUT', { nodeId: 'a', field: 'config.mapping.x' })] },
  // start -> [p] -> b -> (m) -> a -> end ; a references p
  {
    name: 'a reference to a parallel',
    input: workflow([n.start(), n.par('p'), n.map('b'), n.merge('m'), n.map('a', { x: '{{nodes.p.output}}' }), n.end()], chain('start -> p -> b -> m -> a -> end')),
    issues: [err('REFERENCE_NO_OUTPUT', { nodeId: 'a', field: 'config.mapping.x' })],
  },
  // start -> <c> ; c:yes -> x -> end ; c:default -> y -> end ; y references x (other arm)
  {
    name: 'a reference to the other arm of a condition',
    input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists') }), n.map('x'), n.map('y', { v: '{{nodes.x.output}}' }), n.end()], chain('start -> c:yes -> x -> end', 'c:default -> y -> end')),
    issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'y', field: 'config.mapping.v' })],
  },
  // start -> <c> ; c:yes -> x -> j ; c:default -> j ; j -> end ; j references x (only on one path)
  {
    name: 'a reference after a join to a node on one arm',
    input: workflow([n.start(), n.cond('c', { yes: cmp('{{input.x}}', 'exists') }), n.map('x'), n.map('j', { v: '{{nodes.x.output}}' }), n.end()], chain('start -> c:yes -> x -> j -> end', 'c:default -> j')),
    issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'j', field: 'config.mapping.v' })],
  },
  // start -> [p] ; p -> b1 -> (m) ; p -> b2 -> (m) ; m -> end ; b2 references b1 (sibling branch)
  {
    name: 'a reference to a sibling branch',
    input: workflow([n.start(), n.par('p'), n.map('b1'), n.map('b2', { v: '{{nodes.b1.output}}' }), n.merge('m'), n.end()], chain('start -> p -> b1 -> m -> end', 'p -> b2 -> m')),
    issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'b2', field: 'config.mapping.v' })],
  },
  // start -> [p] ; p -> <g> ; g:go -> b -> (m) ; g:default -> m ; p -> b2 -> m ; m -> a -> end ; a references b
  // (b does not run on every path through its branch)
  {
    name: 'a reference after the merge to a branch node that may be skipped',
    input: workflow(
      [n.start(), n.par('p'), n.cond('g', { go: cmp('{{input.x}}', 'exists') }), n.map('b'), n.map('b2'), n.merge('m'), n.map('a', { v: '{{nodes.b.output}}' }), n.end()],
      chain('start -> p -> g:go -> b -> m -> a -> end', 'g:default -> m', 'p -> b2 -> m'),
    ),
    issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'a', field: 'config.mapping.v' })],
  },
  // start -> [p] ; p -> b1 -> (m) ; p -> b2 -> (m) ; m -> x -> end ; p:error -> x ; x references b1
  // (regression: on the error path no branch result exists, and the run failed with States.Runtime)
  {
    name: 'a reference to a branch node from where the parallel error edge also leads',
    input: workflow([n.start(), n.par('p'), n.map('b1'), n.map('b2'), n.merge('m'), n.map('x', { v: '{{nodes.b1.output}}' }), n.end()], chain('start -> p -> b1 -> m -> x -> end', 'p -> b2 -> m', 'p:error -> x')),
    issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'x', field: 'config.mapping.v' })],
  },
  // start -> a -> b -> end ; a references b (downstream)
  { name: 'a reference to a later node', input: workflow([n.start(), n.map('a', { v: '{{nodes.b.output}}' }), n.map('b'), n.end()], chain('start -> a -> b -> end')), issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'a', field: 'config.mapping.v' })] },
  // start -> a -> end ; a references itself
  { name: 'a reference to itself', input: simple(n.map('a', { v: '{{nodes.a.output}}' })), issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'a', field: 'config.mapping.v' })] },
  // start -> {l} ; l:body -> b -> l ; l:done -> a -> end ; a references b (one result per item)
  {
    name: 'a reference to a for-each body node after the loop',
    input: workflow([n.start(), n.forEach('l', '{{input.list}}'), n.map('b'), n.map('a', { v: '{{nodes.b.output}}' }), n.end()], chain('start -> l:body -> b -> l', 'l:done -> a -> end')),
    issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'a', field: 'config.mapping.v' })],
  },
  // start -> {l while: x exists} ; l:body -> <c> ; c:r -> x -> y -> l ; c:default -> y ; l:done -> end
  // (x does not run on every pass)
  {
    name: 'a while condition on a node that may be skipped',
    input: workflow(
      [n.start(), n.whileLoop('l', cmp('{{nodes.x.output}}', 'exists'), { output: 'y' }), n.cond('c', { r: cmp('{{input.x}}', 'exists') }), n.map('x'), n.map('y'), n.end()],
      chain('start -> l:body -> c:r -> x -> y -> l', 'c:default -> y', 'l:done -> end'),
    ),
    issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'l', field: 'config.condition.left' })],
  },
  // start -> {l items: l's own output}
  {
    name: 'a for-each over its own output',
    input: workflow([n.start(), n.forEach('l', '{{nodes.l.output}}'), n.map('b'), n.end()], chain('start -> l:body -> b -> l', 'l:done -> end')),
    issues: [err('REFERENCE_NOT_UPSTREAM', { nodeId: 'l', field: 'config.items' })],
  },

  // ---------------------------------------------------------------- settings and targets
  // EXPRESS: start -> h(human_input) -> end
  { name: 'human input in EXPRESS', input: workflow([n.start(), n.human('h'), n.end()], chain('start -> h -> end'), { settings: { type: 'EXPRESS' } }), issues: [err('EXPRESS_UNSUPPORTED_NODE', { nodeId: 'h' })] },
  // EXPRESS: start -> w(wait for event) -> end
  { name: 'an event wait in EXPRESS', input: workflow([n.start(), n.waitEvent('w'), n.end()], chain('start -> w -> end'), { settings: { type: 'EXPRESS' } }), issues: [err('EXPRESS_UNSUPPORTED_NODE', { nodeId: 'w' })] },
  // EXPRESS: start -> s(subworkflow) -> end
  { name: 'a subworkflow in EXPRESS', input: workflow([n.start(), n.sub('s'), n.end()], chain('start -> s -> end'), { settings: { type: 'EXPRESS' } }), issues: [err('EXPRESS_UNSUPPORTED_NODE', { nodeId: 's' })] },
  // EXPRESS: start -> w(wait 301 s) -> end
  { name: 'a long wait in EXPRESS', input: workflow([n.start(), n.waitFor('w', 301), n.end()], chain('start -> w -> end'), { settings: { type: 'EXPRESS' } }), issues: [err('EXPRESS_WAIT_TOO_LONG', { nodeId: 'w', field: 'config.seconds' })] },
  // EXPRESS: start -> w(wait until a timestamp) -> end
  {
    name: 'a wait until a timestamp in EXPRESS',
    input: workflow([n.start(), n.waitUntil('w', '2030-01-01T00:00:00Z'), n.end()], chain('start -> w -> end'), { settings: { type: 'EXPRESS' } }),
    issues: [err('EXPRESS_WAIT_TOO_LONG', { nodeId: 'w', field: 'config.timestamp' })],
  },
  // EXPRESS with settings.timeoutSeconds 301: start -> end
  { name: 'an EXPRESS timeout over 5 minutes', input: workflow([n.start(), n.end()], chain('start -> end'), { settings: { type: 'EXPRESS', timeoutSeconds: 301 } }), issues: [err('EXPRESS_TIMEOUT_TOO_LONG', { field: 'settings.timeoutSeconds' })] },
  // metadata.id "me": start -> s(subworkflow "me") -> end
  { name: 'a subworkflow calling its own workflow', input: workflow([n.start(), n.sub('s', 'me'), n.end()], chain('start -> s -> end'), { metadata: { id: 'me' } }), issues: [err('SUBWORKFLOW_SELF', { nodeId: 's', field: 'config.workflowId' })] },
  // settings.timeoutSeconds 60: start -> a(tool, timeout 100) -> w(wait 100 s) -> e(event wait, timeout 100) -> end
  {
    name: 'node timeouts longer than the workflow (warning)',
    input: workflow([n.start(), n.echo('a', 'hi', { timeoutSeconds: 100 }), n.waitFor('w', 100), n.waitEvent('e', 'go', 100), n.end()], chain('start -> a -> w -> e -> end'), { settings: { timeoutSeconds: 60 } }),
    issues: [warn('TIMEOUT_EXCEEDS_WORKFLOW', { nodeId: 'a', field: 'timeoutSeconds' }), warn('TIMEOUT_EXCEEDS_WORKFLOW', { nodeId: 'w', field: 'config.seconds' }), warn('TIMEOUT_EXCEEDS_WORKFLOW', { nodeId: 'e', field: 'config.timeoutSeconds' })],
  },
  // EXPRESS (no timeout set): start -> a(tool, timeout 600) -> end
  {
    name: 'a node timeout longer than an EXPRESS run (warning)',
    input: workflow([n.start(), n.echo('a', 'hi', { timeoutSeconds: 600 }), n.end()], chain('start -> a -> end'), { settings: { type: 'EXPRESS' } }),
    issues: [warn('TIMEOUT_EXCEEDS_WORKFLOW', { nodeId: 'a', field: 'timeoutSeconds' })],
  },

  // a schedule trigger ({ scheduledTime } plus its input { channel }) in front of a start requiring channel and items; an s3 trigger requiring a field it never sends
  {
    name: 'triggers whose input the start schema refuses (warning)',
    input: workflow(
      [n.start('start', { inputSchema: { type: 'object', required: ['channel', 'items', 'scheduledTime'] } }), n.end()],
      chain('start -> end'),
      { settings: { triggers: [{ kind: 'schedule', expression: 'rate(1 hour)', input: { channel: '#news' } }, { kind: 's3', bucket: 'inbox-bucket' }, { kind: 'webhook' }] } },
    ),
    issues: [warn('TRIGGER_INPUT_MISMATCH', { nodeId: 'start', field: 'settings.triggers.0' }), warn('TRIGGER_INPUT_MISMATCH', { nodeId: 'start', field: 'settings.triggers.1' })],
  },

  // ---------------------------------------------------------------- output
  // start -> t0 -> t1 -> t2 -> t3 -> t4 -> end, each holding a 250,000-character string
  {
    name: 'a definition over 1 MiB (warning)',
    input: workflow([n.start(), ...[0, 1, 2, 3, 4].map((i) => n.map(`t${i}`, { text: String(i).repeat(250_000) })), n.end()], chain('start -> t0 -> t1 -> t2 -> t3 -> t4 -> end')),
    issues: [warn('ASL_TOO_LARGE')],
  },
];

describe('validation issues', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = compile(c.input);
    expect(sortedLocations(r.issues.map(locationOf))).toEqual(sortedLocations(c.issues));
    expect(r.ok).toBe(!c.issues.some((i) => i.severity === 'error'));
    for (const i of r.issues) {
      expect(i.message.length).toBeGreaterThan(10);
      if (i.nodeId !== undefined) expect(i.message).toContain(i.nodeId);
    }
  });

  it('covers every issue code but the internal ASL_INVALID guard', () => {
    const covered = new Set(cases.flatMap((c) => c.issues.map((i) => i.code)));
    expect(issueCodes.filter((code) => !covered.has(code))).toEqual(['ASL_INVALID']);
  });

  // ASL_INVALID cannot be triggered: compile never validates its own output (asl-validator costs
  // ~100 ms a call and does not run in the browser); it is reserved for the publish step, which
  // runs the validator. What can be tested is that every definition compile emits passes that
  // validator: the golden fixtures and the property tests assert it.
  it('never reports ASL_INVALID from compile', () => {
    for (const c of cases) expect(compile(c.input).issues.map((i) => i.code)).not.toContain('ASL_INVALID');
  });

  it('reports a large definition as a warning, with its size', () => {
    const big = cases.find((c) => c.name === 'a definition over 1 MiB (warning)') as Case;
    const r = compile(big.input);
    if (!r.ok) throw new Error('expected a compiled definition');
    expect(r.stats.bytes).toBeGreaterThan(MAX_DEFINITION_BYTES);
    expect(r.issues[0]?.message).toMatch(/^the definition is 1\.\d\d MiB/);
  });
});

/** Graphs whose references are valid: they must compile without a single issue. */
const valid: Array<{ name: string; input: unknown }> = [
  // start -> pre -> [p] ; p -> b1 -> (m) ; p -> b2 -> (m) ; m -> end ; b1 references pre
  {
    name: 'a node before a parallel, used inside a branch',
    input: workflow([n.start(), n.map('pre', { v: 1 }), n.par('p'), n.map('b1', { v: '{{nodes.pre.output.v}}' }), n.map('b2'), n.merge('m'), n.end()], chain('start -> pre -> p -> b1 -> m -> end', 'p -> b2 -> m')),
  },
  // start -> [p] ; p -> b1 -> b1x -> (m) ; p -> b2 -> (m) ; m -> after -> end ; after references b1 and b2
  {
    name: 'branch nodes used after the merge (they dominate their branch exits)',
    input: workflow(
      [n.start(), n.par('p'), n.map('b1'), n.map('b1x'), n.map('b2'), n.merge('m'), n.map('after', { a: '{{nodes.b1.output}}', b: '{{nodes.b2.output}}' }), n.end()],
      chain('start -> p -> b1 -> b1x -> m -> after -> end', 'p -> b2 -> m'),
    ),
  },
  // start -> [p] ; p -> b1 -> (m) ; p -> b2 -> (m) ; m -> after -> end ; p:error -> fail(end) ; after references b1
  {
    name: 'a branch node used after the merge when the error edge goes elsewhere',
    input: workflow([n.start(), n.par('p'), n.map('b1'), n.map('b2'), n.merge('m'), n.map('after', { a: '{{nodes.b1.output}}' }), n.end(), n.end('fail')], chain('start -> p -> b1 -> m -> after -> end', 'p -> b2 -> m', 'p:error -> fail')),
  },
  // start -> [p] ; p -> [q] ; q -> i1 -> (qm) ; q -> i2 -> (qm) ; qm -> (pm) ; p -> o -> (pm) ; pm -> end(output: i1, o)
  {
    name: 'an inner branch node used after both merges',
    input: workflow(
      [n.start(), n.par('p'), n.par('q'), n.map('i1'), n.map('i2'), n.merge('qm'), n.map('o'), n.merge('pm'), n.end('end', { i1: '{{nodes.i1.output}}', o: '{{nodes.o.output}}' })],
      chain('start -> p -> q -> i1 -> qm -> pm -> end', 'q -> i2 -> qm', 'p -> o -> pm'),
    ),
  },
  // start -> src -> {l over src} ; l:body -> b -> l ; l:done -> end ; b references l.item, l.index, src and input
  {
    name: 'the loop item inside the body, and outer results imported into it',
    input: workflow(
      [n.start(), n.map('src', { list: [1, 2] }), n.forEach('l', '{{nodes.src.output.list}}'), n.map('b', { item: '{{nodes.l.item}}', i: '{{nodes.l.index}}', src: '{{nodes.src.output}}', q: '{{input.q}}' }), n.end('end', { all: '{{nodes.l.output}}' })],
      chain('start -> src -> l:body -> b -> l', 'l:done -> end'),
    ),
  },
  // start -> {l while: b.output.n < 3} ; l:body -> a -> b -> l ; l:done -> end ; a references l.iteration
  {
    name: 'a while condition referencing body nodes',
    input: workflow(
      [n.start(), n.whileLoop('l', { all: [cmp('{{nodes.b.output.n}}', 'lt', 3), cmp('{{nodes.a.output}}', 'exists')] }), n.map('a', { n: '{{nodes.l.iteration}}' }), n.map('b', { n: '{{nodes.a.output.n}}' }), n.end('end', { last: '{{nodes.l.output}}' })],
      chain('start -> l:body -> a -> b -> l', 'l:done -> end'),
    ),
  },
  // start -> a -> <c> ; c:yes -> x -> j ; c:default -> j ; j -> end ; j references a (before the split)
  {
    name: 'a node before a condition used after the arms join',
    input: workflow([n.start(), n.map('a'), n.cond('c', { yes: cmp('{{nodes.a.output}}', 'exists') }), n.map('x'), n.map('j', { v: '{{nodes.a.output}}' }), n.end()], chain('start -> a -> c:yes -> x -> j -> end', 'c:default -> j')),
  },
  // start -> t -> end ; t:error -> fix -> end ; fix references t's error
  {
    name: 'an error handler reading the failed node',
    input: workflow([n.start(), n.echo('t'), n.map('fix', { why: '{{nodes.t.Error}}' }), n.end()], chain('start -> t -> end', 't:error -> fix -> end')),
  },
  // start -> a -> w(event wait) -> b -> end ; b references w, the execution and the input
  {
    name: 'an event wait result, execution fields and the input',
    input: workflow([n.start(), n.map('a'), n.waitEvent('w'), n.map('b', { e: '{{nodes.w.output}}', id: '{{execution.id}}', at: 'at {{execution.startTime}}', q: '{{input}}' }), n.end()], chain('start -> a -> w -> b -> end')),
  },
  // EXPRESS with settings.timeoutSeconds 300: start -> a(tool, timeout 300) -> w(wait 300 s) -> end
  {
    name: 'EXPRESS limits at exactly 5 minutes',
    input: workflow([n.start(), n.echo('a', 'hi', { timeoutSeconds: 300 }), n.waitFor('w', 300), n.end()], chain('start -> a -> w -> end'), { settings: { type: 'EXPRESS', timeoutSeconds: 300 } }),
  },
  // start -> e(event wait with a retry) -> end (a callback Task honours its retry policy)
  {
    name: 'a retry policy on an event wait',
    input: workflow([n.start(), { ...n.waitEvent('e'), retry: { maxAttempts: 2 } }, n.end()], chain('start -> e -> end')),
  },
  // start -> a -> end, a and end with ids "constructor" and "toString"
  {
    name: 'node ids that are Object.prototype member names',
    input: workflow([n.start(), n.map('constructor', { v: '{{input.v}}' }), n.end('toString', { v: '{{nodes.constructor.output.v}}' })], chain('start -> constructor -> toString')),
  },
];

describe('valid references', () => {
  it.each(valid.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = compile(c.input);
    expect(r.issues).toEqual([]);
    expect(r.ok).toBe(true);
  });
});

describe('regressions found by the property tests', () => {
  it('refuses a path that reaches a parallel\'s merge from its error edge (through a while loop\'s done edge)', () => {
    //  start -> p1 -> [a] -> m2 -> end
    //            \-error-> w (while) -done-> m2      (w's body: b -> w)
    const r = compile({
      schemaVersion: 1,
      metadata: { name: 'merge-bypass' },
      nodes: [
        { id: 'start', type: 'start', config: {} },
        { id: 'p1', type: 'parallel', config: {} },
        { id: 'a', type: 'transform', config: { mode: 'mapping', mapping: { k: 'v' } } },
        { id: 'm2', type: 'merge', config: {} },
        { id: 'w', type: 'loop', config: { mode: 'while', condition: { left: '{{nodes.b.output.n}}', op: 'lt', right: 1 }, maxIterations: 1 } },
        { id: 'b', type: 'transform', config: { mode: 'mapping', mapping: { n: 1 } } },
        { id: 'end', type: 'end', config: {} },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'p1' },
        { id: 'e2', source: 'p1', target: 'a' },
        { id: 'e3', source: 'a', target: 'm2' },
        { id: 'e4', source: 'm2', target: 'end' },
        { id: 'e5', source: 'p1', sourceHandle: 'error', target: 'w' },
        { id: 'e6', source: 'w', sourceHandle: 'body', target: 'b' },
        { id: 'e7', source: 'b', target: 'w' },
        { id: 'e8', source: 'w', sourceHandle: 'done', target: 'm2' },
      ],
    });
    expect(r.ok).toBe(false);
    expect(r.issues).toContainEqual(expect.objectContaining({ code: 'SCOPE_CONFLICT', nodeId: 'm2' }));
  });
});
