/**
 * Golden fixtures: every `test/fixtures/<case>.workflow.json` compiles to exactly
 * `<case>.asl.json` (same values, same key order, same bytes).
 *
 * Regenerate after an intended change with `UPDATE_GOLDEN=1 npx jest compile.golden`, then read
 * every changed `.asl.json` in `git diff` before committing it: a golden file is only as good as
 * the review it got. The per-case checks below hold whatever the golden files say, so a blind
 * regeneration cannot hide a broken emitter.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatIssues } from '@shared/issues';
import type { State, StateMachineDefinition } from './asl';
import { compile, type CompileResult } from './compile';

type Compiled = Extract<CompileResult, { ok: true }>;

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const SUFFIX = '.workflow.json';

// asl-validator ships CommonJS without types; this is the part of its API the tests use. It
// writes QueryLanguage into every state it checks, so it is given a copy.
const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const validateAsl = (definition: unknown) => aslValidator(structuredClone(definition));

const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));

function compileOk(input: unknown, options?: Parameters<typeof compile>[1]): Compiled {
  const r = compile(input, options);
  if (!r.ok) throw new Error(`expected the workflow to compile:\n${formatIssues(r.issues)}`);
  return r;
}

/** Every state of a definition, nested Parallel branches and Map processors included. */
function allStates(def: { States: Record<string, State> }): Array<[string, State]> {
  const out: Array<[string, State]> = [];
  const stack: Array<Record<string, State>> = [def.States];
  while (stack.length > 0) {
    const states = stack.pop() as Record<string, State>;
    for (const [name, s] of Object.entries(states)) {
      out.push([name, s]);
      if (s.Type === 'Parallel') for (const b of s.Branches) stack.push(b.States);
      if (s.Type === 'Map') stack.push(s.ItemProcessor.States);
    }
  }
  return out;
}

const stateNamed = (asl: StateMachineDefinition, name: string): State => {
  const found = allStates(asl).find(([n]) => n === name);
  if (!found) throw new Error(`no state "${name}"`);
  return found[1];
};

const cases = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(SUFFIX))
  .map((f) => f.slice(0, -SUFFIX.length))
  .sort();

/**
 * What each case is there to show, checked on the compiled result independently of the golden
 * file (a case listed here must exist as a fixture).
 */
const checks: Record<string, (r: Compiled) => void> = {
  'start-end': (r) => {
    expect(r.asl.States.start).toEqual({ Type: 'Pass', Comment: 'Begin', Parameters: { nodes: { start: { 'output.$': '$' } } }, Next: 'end' });
    expect(r.asl.States.end).toEqual({ Type: 'Succeed', Comment: 'Done', OutputPath: '$.nodes' });
    expect(r.asl.Comment).toBe('start-end: the smallest workflow: input in, every result out');
  },
  'end-output': (r) => {
    expect(r.asl.States.finish).toMatchObject({ Type: 'Pass', End: true, Parameters: { 'greeting.$': "States.Format('Hello {}!', $.nodes.shape.output.name)", 'raw.$': '$.nodes.shape.output', 'everything.$': '$.nodes.begin.output', 'run.$': '$$.Execution.Name' } });
  },
  'lambda-tasks': (r) => {
    for (const id of ['summarize', 'research', 'lookup', 'score']) {
      expect(r.asl.States[`${id}#paused`]).toMatchObject({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Next: id });
      expect(r.states[id]?.role).toBe('node');
      expect(r.states[`${id}#paused`]).toMatchObject({ nodeId: id, role: 'pause_gate', runtime: 'callback' });
    }
    const lookup = r.asl.States.lookup as Extract<State, { Type: 'Task' }>;
    // Specific error classes are caught before the catch-all, after the pause gate.
    expect(lookup.Catch?.map((c) => [c.ErrorEquals, c.Next])).toEqual([
      [['Stepflow.Paused'], 'lookup#paused'],
      [['Stepflow.ToolError', 'States.Timeout', 'Stepflow.Timeout'], 'fallback'],
      [['States.ALL'], 'end'],
    ]);
    expect(lookup.Retry).toEqual([{ ErrorEquals: ['Stepflow.Paused'], MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1.5, JitterStrategy: 'NONE' }]);
    expect((r.asl.States.summarize as Extract<State, { Type: 'Task' }>).TimeoutSeconds).toBe(120);
    expect(r.substitutions).toEqual(['AgentFunctionArn', 'CallbackFunctionArn', 'CodeFunctionArn', 'LlmFunctionArn', 'ToolFunctionArn']);
  },
  condition: (r) => {
    const route = r.asl.States.route as Extract<State, { Type: 'Choice' }>;
    expect(route.Choices.map((c) => c.Next)).toEqual(['fast', 'compare', 'compare', 'fast', 'slow']);
    expect(route.Default).toBe('slow');
    expect(JSON.stringify(route.Choices[1])).toContain('"NumericGreaterThanPath":"$.nodes.start.output.b"');
    expect(JSON.stringify(route.Choices[2])).toContain('"BooleanEqualsPath":"$.nodes.start.output.b"');
  },
  'parallel-two': (r) => {
    expect(r.asl.States.fan).toMatchObject({ Type: 'Parallel', ResultSelector: { 'nodes.$': 'States.JsonMerge($[0].nodes, $[1].nodes, false)' }, Next: 'combine' });
    expect(Object.keys(r.asl.States)).not.toContain('join');
  },
  'parallel-thirteen': (r) => {
    expect((r.asl.States.wide as Extract<State, { Type: 'Parallel' }>).Branches).toHaveLength(13);
    expect(r.asl.States.wide).toMatchObject({ ResultSelector: { 'g0.$': expect.any(String), 'g1.$': 'States.JsonMerge($[11].nodes, $[12].nodes, false)' }, Next: 'wide#merge1' });
    expect(r.asl.States['wide#merge1']).toEqual({ Type: 'Pass', Comment: "merges the results of wide's branches", Parameters: { 'nodes.$': 'States.JsonMerge($.g0, $.g1, false)' }, Next: 'end' });
    expect(r.states['wide#merge1']).toEqual({ nodeId: 'wide', nodeType: 'parallel', role: 'merge_step' });
  },
  'parallel-nested': (r) => {
    // The condition's default arm leaves the inner branch through an exit Pass.
    expect(stateNamed(r.asl, 'inner#b1#exit')).toEqual({ Type: 'Pass', Comment: 'leaves the branch', End: true });
    expect(stateNamed(r.asl, 'gate')).toMatchObject({ Default: 'inner#b1#exit' });
  },
  'for-each': (r) => {
    expect(r.asl.States.each).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.nodes.search.output.message',
      MaxConcurrency: 4,
      ItemSelector: { nodes: { 'start.$': '$.nodes.start', 'search.$': '$.nodes.search', 'style.$': '$.nodes.style', each: { 'item.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' } } },
      ResultSelector: { 'output.$': '$' },
    });
    // Every state that ends an iteration yields write's output itself: no extra state per item.
    const map = r.asl.States.each as Extract<State, { Type: 'Map' }>;
    const ends = Object.entries(map.ItemProcessor.States).filter(([, st]) => 'End' in st && st.End === true);
    expect(ends.length).toBeGreaterThan(0);
    for (const [, st] of ends) expect(st).toMatchObject({ OutputPath: '$.nodes.write.output' });
    expect(Object.keys(r.states).some((k) => k.endsWith('#collect'))).toBe(false);
  },
  'while-loop': (r) => {
    expect(r.asl.States.refine).toEqual({ Type: 'Pass', Parameters: { iteration: 0 }, ResultPath: '$.nodes.refine', Next: 'draft' });
    expect(r.asl.States.critique).toMatchObject({ Next: 'refine#next' });
    expect(r.asl.States['refine#next']).toMatchObject({ Parameters: { 'iteration.$': 'States.MathAdd($.nodes.refine.iteration, 1)', 'output.$': '$.nodes.critique.output' }, Next: 'refine#check' });
    expect(r.asl.States['refine#check']).toMatchObject({ Default: 'end', Choices: [{ Next: 'draft' }] });
  },
  subworkflow: (r) => {
    expect(r.asl.States.child).toMatchObject({ Resource: 'arn:aws:states:::states:startExecution.sync:2', TimeoutSeconds: 600, Parameters: { StateMachineArn: '${Subworkflow_summarise_document_v3}' } });
    expect(r.substitutions).toEqual(['Subworkflow_notify_team', 'Subworkflow_summarise_document_v3']);
    expect(r.states.child?.subworkflow).toEqual({ workflowId: 'summarise-document', version: 3 });
    expect(r.asl.TimeoutSeconds).toBe(3600);
  },
  wait: (r) => {
    expect(r.asl.States.pause).toEqual({ Type: 'Wait', Comment: 'Cool down', Seconds: 30, Next: 'until' });
    expect(r.asl.States.until).toEqual({ Type: 'Wait', Timestamp: '2030-01-01T09:00:00Z', Next: 'untilRef' });
    expect(r.asl.States.untilRef).toEqual({ Type: 'Wait', TimestampPath: '$.nodes.start.output.notBefore', Next: 'approval' });
    expect(r.asl.States.approval).toMatchObject({ Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', TimeoutSeconds: 86400, ResultSelector: { 'output.$': '$' } });
  },
  transform: (r) => {
    expect(r.asl.States.shape).toMatchObject({
      Type: 'Pass',
      Parameters: {
        output: {
          'line.$': "States.Format('It\\'s {} by {} \\{braces\\} ok', $.nodes.start.output.title, $.nodes.start.output.author)",
          'list.$': "States.Array($.nodes.start.output.title, 'plain text', 7, true, null, $.nodes.start.output.tags)",
          'odd.$': "$.nodes.start.output.meta['my-key']",
          static: ['x', 1],
        },
      },
    });
    expect(r.states.expr).toMatchObject({ runtime: 'transform' });
  },
  'human-input': (r) => {
    expect(r.asl.States.approve).toMatchObject({ Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', TimeoutSeconds: 3600, Parameters: { Payload: { callback: 'human_input', 'taskToken.$': '$$.Task.Token' } } });
    expect(r.asl.States['approve#paused']).toBeDefined();
  },
  express: (r) => {
    expect(allStates(r.asl).filter(([name]) => name.includes('#paused'))).toEqual([]);
    expect(JSON.stringify(r.asl)).not.toContain('Stepflow.Paused');
    expect(r.asl.TimeoutSeconds).toBe(120);
    expect(r.substitutions).toEqual(['LlmFunctionArn', 'ToolFunctionArn']);
  },
};

describe('golden fixtures', () => {
  it('include every documented case', () => {
    expect(cases).toEqual(expect.arrayContaining(Object.keys(checks)));
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  describe.each(cases)('%s', (name) => {
    it('compiles without issues to its golden ASL, byte for byte', () => {
      const r = compileOk(readJson(`${name}${SUFFIX}`));
      expect(r.issues).toEqual([]);
      const goldenFile = path.join(FIXTURES, `${name}.asl.json`);
      if (UPDATE) writeFileSync(goldenFile, `${JSON.stringify(r.asl, null, 2)}\n`);
      if (!existsSync(goldenFile)) throw new Error(`${goldenFile} is missing: run UPDATE_GOLDEN=1 npx jest compile.golden and review it`);
      const golden = JSON.parse(readFileSync(goldenFile, 'utf8')) as unknown;
      expect(r.asl).toStrictEqual(golden);
      expect(r.json).toBe(JSON.stringify(golden));
    });

    it('emits ASL that asl-validator accepts', () => {
      const r = compileOk(readJson(`${name}${SUFFIX}`));
      const result = validateAsl(r.asl);
      expect(result.errorsText('\n')).toBe('');
      expect(result.isValid).toBe(true);
    });

    it('shows what the case is for', () => {
      const check = checks[name];
      if (!check) throw new Error(`fixture "${name}" has no entry in checks: say what it shows`);
      check(compileOk(readJson(`${name}${SUFFIX}`)));
    });

    it('is deterministic: the same graph, twice or deep-cloned, gives byte-identical json', () => {
      const wf = readJson(`${name}${SUFFIX}`);
      const first = compileOk(wf);
      const again = compileOk(wf);
      const cloned = compileOk(structuredClone(wf));
      const reparsed = compileOk(JSON.parse(JSON.stringify(wf)));
      expect(again.json).toBe(first.json);
      expect(cloned.json).toBe(first.json);
      expect(reparsed.json).toBe(first.json);
      expect(cloned.states).toEqual(first.states);
      expect(cloned.substitutions).toEqual(first.substitutions);
    });

    it('does not modify its input', () => {
      const wf = readJson(`${name}${SUFFIX}`);
      const before = JSON.stringify(wf);
      compileOk(wf);
      expect(JSON.stringify(wf)).toBe(before);
    });
  });
});

describe('compile options', () => {
  const wf = () => readJson(`lambda-tasks${SUFFIX}`);

  it('pauseGates: false leaves out every pause gate and its catch', () => {
    const r = compileOk(wf(), { pauseGates: false });
    expect(allStates(r.asl).map(([n]) => n).filter((n) => n.endsWith('#paused'))).toEqual([]);
    expect(r.json).not.toContain('Stepflow.Paused');
    expect(r.substitutions).not.toContain('CallbackFunctionArn');
  });

  it('functionArn and subworkflowArn replace the substitution placeholders', () => {
    const r = compileOk(wf(), { functionArn: (runtime) => `arn:aws:lambda:eu-west-1:123456789012:function:stepflow-${runtime}` });
    expect(r.substitutions).toEqual([]);
    expect(r.json).not.toContain('${');
    expect(r.asl.States.summarize).toMatchObject({ Parameters: { FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:stepflow-llm' } });

    const sub = compileOk(readJson(`subworkflow${SUFFIX}`), { subworkflowArn: (id, version) => `arn:aws:states:eu-west-1:123456789012:stateMachine:${id}${version ? `:${version}` : ''}` });
    expect(sub.substitutions).toEqual([]);
    expect(sub.asl.States.child).toMatchObject({ Parameters: { StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:summarise-document:3' } });
  });

  it('reports stats that match the definition', () => {
    const r = compileOk(wf());
    expect(r.stats).toEqual({ nodes: 8, edges: 9, states: allStates(r.asl).length, bytes: Buffer.byteLength(r.json) });
  });
});
