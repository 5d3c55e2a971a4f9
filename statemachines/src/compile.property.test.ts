/**
 * Property tests: random graphs must compile or yield issues, never crash.
 *
 * - Well-formed graphs (see test/arbitraries.ts) compile without errors, to ASL that
 *   asl-validator accepts, deterministically, and run to SUCCEEDED in the local engine.
 * - Junk documents, near misses (well-formed graphs with a few random edits) and arbitrary
 *   values never make compile throw; every issue they yield is well-formed and names only nodes
 *   and edges that exist in the input; whatever compiles still validates.
 *
 * asl-validator costs ~100 ms a call (a new Ajv each time), so runs are kept modest; the
 * generated graphs have a median of about 12 nodes.
 */
import fc from 'fast-check';
import { issueSchema, type Issue } from '@shared/issues';
import { defaultRuntimes, LocalEngine } from '../../local/engine';
import { junkWorkflow, mutatedWorkflow, structuredWorkflow } from '../test/arbitraries';
import { chain, n, workflow } from '../test/builders';
import { compile, type CompileResult } from './compile';

// asl-validator ships CommonJS without types; this is the part of its API the tests use. It
// writes QueryLanguage into every state it checks, so it is given a copy.
const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const validateAsl = (definition: unknown) => aslValidator(structuredClone(definition));

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The string ids of the nodes and edges of a document, as given (valid or not). */
function idsIn(input: unknown): { nodes: Set<string>; edges: Set<string> } {
  const ids = (list: unknown) => new Set((Array.isArray(list) ? list : []).filter(isRecord).map((x) => x.id).filter((id): id is string => typeof id === 'string'));
  return isRecord(input) ? { nodes: ids(input.nodes), edges: ids(input.edges) } : { nodes: new Set(), edges: new Set() };
}

/** What must hold for any input at all. */
function checkAnyInput(input: unknown): CompileResult {
  const r = compile(input);
  const { nodes, edges } = idsIn(input);
  for (const i of r.issues as Issue[]) {
    expect(issueSchema.safeParse(i).success).toBe(true);
    if (i.nodeId !== undefined && !nodes.has(i.nodeId)) throw new Error(`${i.code} names node "${i.nodeId}", which is not in the input: ${i.message}`);
    if (i.edgeId !== undefined && !edges.has(i.edgeId)) throw new Error(`${i.code} names edge "${i.edgeId}", which is not in the input: ${i.message}`);
  }
  if (r.ok) {
    expect(r.issues.every((i) => i.severity === 'warning')).toBe(true);
    const v = validateAsl(r.asl);
    if (!v.isValid) throw new Error(`compiled ASL is invalid: ${v.errorsText('\n')}\n${r.json}`);
  } else {
    expect(r.issues.some((i) => i.severity === 'error')).toBe(true);
  }
  return r;
}

describe('well-formed graphs', () => {
  it('compile without issues, deterministically, to valid ASL that runs to SUCCEEDED', async () => {
    const engine = new LocalEngine({ runtimes: defaultRuntimes(), waitMs: 0, retryDelayMs: 0 });
    await fc.assert(
      fc.asyncProperty(structuredWorkflow, async (wf) => {
        const r = compile(wf);
        if (!r.ok) throw new Error(`a well-formed graph did not compile: ${JSON.stringify(r.issues)}\n${JSON.stringify(wf)}`);
        expect(r.issues).toEqual([]);
        const again = compile(structuredClone(wf));
        expect(again.ok && again.json).toBe(r.json);
        const v = validateAsl(r.asl);
        if (!v.isValid) throw new Error(`invalid ASL: ${v.errorsText('\n')}\n${r.json}`);

        const run = await engine.start(wf, { name: 'ada', n: 1 });
        const outcome = await run.result;
        if (outcome.status !== 'SUCCEEDED') throw new Error(`run ${outcome.status}: ${JSON.stringify(outcome.error)}\n${JSON.stringify(wf)}`);
        expect(outcome.output).toMatchObject({ name: 'ada' });
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe('counterexamples the properties found', () => {
  // start -> src -> {l over src.output.list} ; l:body -> k -> l ; l:done -> end
  // A for_each over an empty list failed the run with States.Runtime: its ResultSelector
  // `$[*].nodes.k.output` matched nothing in `[]`.
  it.each([[[]], [[1, 2]]])('a for_each over %j runs to SUCCEEDED and collects one output per item', async (list) => {
    const wf = workflow(
      [n.start(), n.map('src', { list }), n.forEach('l', '{{nodes.src.output.list}}'), n.map('k', { item: '{{nodes.l.item}}' }), n.end('end', { all: '{{nodes.l.output}}' })],
      chain('start -> src -> l:body -> k -> l', 'l:done -> end'),
    );
    const engine = new LocalEngine({ runtimes: defaultRuntimes(), waitMs: 0, retryDelayMs: 0 });
    const outcome = await (await engine.start(wf, {})).result;
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { all: list.map((item) => ({ item })) } });
  });

  // start -> a(mapping transform) -> end ; a:error -> h -> end
  // compiled, but a Pass state has no Catch: h was left unreachable and the ASL invalid.
  it('an error edge from a mapping transform is an issue, not an unreachable state', () => {
    const r = checkAnyInput(workflow([n.start(), n.map('a'), n.map('h'), n.end()], chain('start -> a -> end', 'a:error -> h -> end')));
    expect(r.issues.map((i) => i.code)).toContain('ERROR_EDGE_NOT_ALLOWED');
  });
});

describe('bad graphs', () => {
  it('junk documents yield issues that name existing nodes and edges, never a crash', () => {
    fc.assert(
      fc.property(junkWorkflow, (input) => {
        checkAnyInput(input);
      }),
      { numRuns: 400 },
    );
  });

  it('near misses (well-formed graphs with random edits) never crash, and still validate when they compile', () => {
    fc.assert(
      fc.property(mutatedWorkflow, (input) => {
        checkAnyInput(input);
      }),
      { numRuns: 100 },
    );
  });

  it('arbitrary values, JSON or not, never crash', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), fc.object({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, withDate: true })), (input) => {
        const r = checkAnyInput(input);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});
