import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { main, type CliIO } from './main';

const run = promisify(execFile);

function capture(opts: { tty?: boolean; answers?: string[] } = {}) {
  let out = '';
  let err = '';
  const answers = [...(opts.answers ?? [])];
  const io: CliIO = {
    stdout: { write: (t: string) => void (out += t), isTTY: opts.tty ?? false },
    stderr: { write: (t: string) => void (err += t) },
    ...(opts.answers ? { ask: async () => answers.shift() ?? '{}' } : {}),
  };
  return { io, out: () => out, err: () => err };
}

const ok = {
  schemaVersion: 1,
  metadata: { name: 'cli-test', id: 'cli-test' },
  nodes: [
    { id: 'start', type: 'start', config: {} },
    { id: 'shout', type: 'transform', config: { mode: 'jsonata', expression: '$uppercase(t)', inputs: { t: '{{input.text}}' } } },
    { id: 'approve', type: 'human_input', config: { prompt: 'Publish "{{nodes.shout.output}}"?', inputSchema: { type: 'object' } } },
    { id: 'end', type: 'end', config: { output: { text: '{{nodes.shout.output}}', approved: '{{nodes.approve.output.yes}}' } } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'shout' },
    { id: 'e2', source: 'shout', target: 'approve' },
    { id: 'e3', source: 'approve', target: 'end' },
  ],
};

describe('stepflow CLI', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'stepflow-cli-'));
    await writeFile(file('ok.json'), JSON.stringify(ok));
    await writeFile(file('broken.json'), '{ "schemaVersion": 1,\n  "nodes": [ }');
    const bad = { ...ok, nodes: [...ok.nodes, { id: 'orphan', type: 'transform', config: { mode: 'mapping', mapping: {} } }], edges: [...ok.edges, { id: 'e9', source: 'approve', target: 'ghost' }] };
    await writeFile(file('bad.json'), JSON.stringify(bad));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('validate reports a valid workflow with its size', async () => {
    const c = capture();
    expect(await main(['validate', file('ok.json')], c.io)).toBe(0);
    expect(c.out()).toMatch(/is valid: 4 nodes, 3 edges -> \d+ states/);
  });

  it('validate lists every issue with node and edge ids and exits 1', async () => {
    const c = capture();
    expect(await main(['validate', file('bad.json')], c.io)).toBe(1);
    expect(c.err()).toContain('error DANGLING_EDGE [edge e9, field target]');
    expect(c.err()).toContain('error UNREACHABLE_NODE [node orphan]');
    expect(c.err()).toContain('error DEAD_END [node orphan]');
  });

  it('reports malformed JSON with line and column', async () => {
    const c = capture();
    expect(await main(['validate', file('broken.json')], c.io)).toBe(1);
    expect(c.err()).toMatch(/INVALID_JSON: .*broken\.json is not valid JSON \(line 2, column \d+\)/);
  });

  it('compile prints the ASL and --out writes it', async () => {
    const c = capture();
    expect(await main(['compile', file('ok.json')], c.io)).toBe(0);
    const asl = JSON.parse(c.out());
    expect(asl).toMatchObject({ QueryLanguage: 'JSONPath', StartAt: 'start' });
    expect(asl.States.approve.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    const c2 = capture();
    expect(await main(['compile', file('ok.json'), '--out', file('ok.asl.json')], c2.io)).toBe(0);
    expect(JSON.parse(await readFile(file('ok.asl.json'), 'utf8'))).toEqual(asl);
    expect(c2.out()).toContain('substitutions: CallbackFunctionArn, HumanInputFunctionArn, TransformFunctionArn');
  });

  it('run shows per-node progress, answers human input from --answer, prints the output', async () => {
    const c = capture();
    const code = await main(['run', file('ok.json'), '--input', '{"text":"hello"}', '--answer', 'approve={"yes":true}'], c.io);
    expect(c.err()).toBe('');
    expect(code).toBe(0);
    expect(c.out()).toContain('▶ shout (transform) started');
    expect(c.out()).toContain('? approve asks: Publish "HELLO"?');
    expect(c.out()).toMatch(/✓ execution SUCCEEDED/);
    expect(JSON.parse(c.out().split('output:\n')[1] as string)).toEqual({ text: 'HELLO', approved: true });
  });

  it('run asks on a terminal, re-asking after an answer that is not JSON', async () => {
    const c = capture({ tty: true, answers: ['yes please', '{"yes":false}'] });
    expect(await main(['run', file('ok.json'), '--input', '{"text":"x"}'], c.io)).toBe(0);
    expect(c.err()).toContain('INVALID_JSON: the answer is not valid JSON');
    expect(c.out()).toContain('\u001b['); // the redrawn table
    expect(c.out()).toContain('"approved": false');
  });

  it('run without an answer and without a terminal says what is missing and fails', async () => {
    const c = capture();
    expect(await main(['run', file('ok.json'), '--input', '{"text":"x"}'], c.io)).toBe(1);
    expect(c.err()).toContain(`node "approve" needs input`);
    expect(c.err()).toContain('execution ABORTED');
  });

  it.each([
    [['frobnicate', 'x.json'], 'unknown command "frobnicate"'],
    [['run'], 'stepflow run needs a workflow file'],
    [['validate', 'a.json', '--input', '{}'], '--input applies to "run" only'],
    [['run', 'a.json', '--bogus'], "Unknown option '--bogus'"],
  ])('usage errors exit 2: %j', async (argv, message) => {
    const c = capture();
    expect(await main(argv, c.io)).toBe(2);
    expect(c.err()).toContain(message);
    expect(c.err()).toContain('Usage:');
  });

  it('rejects bad --input before running', async () => {
    const c = capture();
    expect(await main(['run', file('ok.json'), '--input', '{nope'], c.io)).toBe(1);
    expect(c.err()).toContain('INVALID_JSON: --input is not valid JSON');
    const c2 = capture();
    expect(await main(['run', file('ok.json'), '--input', '[1]'], c2.io)).toBe(1);
    expect(c2.err()).toContain('execution input must be a JSON object');
  });

  it('the installed bin runs through npx-style invocation', async () => {
    const bin = path.join(__dirname, '..', '..', 'bin', 'stepflow.js');
    const { stdout } = await run(process.execPath, [bin, 'validate', file('ok.json')], { timeout: 60_000 });
    expect(stdout).toContain('is valid');
    await expect(run(process.execPath, [bin, 'validate', file('bad.json')], { timeout: 60_000 })).rejects.toMatchObject({ code: 1 });
  });
});
