import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorNames, NodeError } from '@shared/errors';
import type { NodeInvocation } from '@shared/runtime';
import { CodeRunError, runCode, runSandboxed, type SandboxLimits, type SandboxOptions } from './run-code';

/*
 * Every test starts real sandbox processes (~100 ms each). Attack tests assert both that the
 * attack fails with a clear error and, through `run`/`failure`, that the sandbox still answers.
 */

const LIMITS: SandboxLimits = { timeoutMs: 2000, memoryMb: 64 };
const SECRET = 'test-secret-do-not-leak-4f1c9a';

function run(source: string, inputs: unknown = {}, limits: SandboxLimits = LIMITS, options: SandboxOptions = {}) {
  return runSandboxed(source, inputs, limits, options);
}

/** Runs code that must fail and returns the error it failed with. */
async function failure(promise: Promise<unknown>): Promise<CodeRunError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(CodeRunError);
    return err as CodeRunError;
  }
  throw new Error('expected the sandboxed code to fail, and it succeeded');
}

function invocation(config: Record<string, unknown>, extra: Partial<NodeInvocation> = {}): NodeInvocation {
  return {
    execution: { id: 'exec-1', name: 'run-1' },
    workflow: { name: 'wf' },
    node: { id: 'calc', type: 'code' },
    config,
    nodes: {},
    ...extra,
  };
}

/** Fake `node` executables that stand in for the sandbox process to observe how it is started. */
let probeDir: string;
function probe(name: string, body: string): string {
  const path = join(probeDir, name);
  writeFileSync(path, `#!${process.execPath}\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  probeDir = mkdtempSync(join(tmpdir(), 'stepflow-code-probes-'));
  process.env.AWS_SECRET_ACCESS_KEY = SECRET;
  process.env.STEPFLOW_TEST_SECRET = SECRET;
});

afterAll(() => {
  rmSync(probeDir, { recursive: true, force: true });
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.STEPFLOW_TEST_SECRET;
});

describe('normal code', () => {
  it.each([
    ['null', 'return null', null],
    ['a boolean', 'return true', true],
    ['a number', 'return -1.5', -1.5],
    ['a string', 'return "héllo ✓"', 'héllo ✓'],
    ['an array', 'return [1, "a", null, false]', [1, 'a', null, false]],
    ['an object', 'return { a: { b: [1, { c: "d" }] }, e: 2 }', { a: { b: [1, { c: 'd' }] }, e: 2 }],
    ['undefined as null', 'const x = 1;', null],
  ])('returns %s', async (_, source, expected) => {
    const { output, durationMs } = await run(source);

    expect(output).toStrictEqual(expected);
    expect(durationMs).toBeGreaterThan(0);
  });

  it('runs async code with await, Promise.all and async helpers', async () => {
    const source = `
      const double = async (n) => { await null; return n * 2; };
      const values = await Promise.all(inputs.items.map(double));
      const total = await values.reduce(async (acc, v) => (await acc) + v, Promise.resolve(0));
      return { values, total };`;

    const { output } = await run(source, { items: [1, 2, 3] });

    expect(output).toStrictEqual({ values: [2, 4, 6], total: 12 });
  });

  it('captures console lines, formatting values and prefixing warn and error', async () => {
    const source = `
      console.log('count', inputs.n, { a: [1] });
      console.info('info');
      console.warn('careful');
      console.error(new Error('boom').message);
      return 'done';`;

    const { output, logs } = await run(source, { n: 3 });

    expect(output).toBe('done');
    expect(logs).toStrictEqual(['count 3 {"a":[1]}', 'info', 'warn: careful', 'error: boom']);
  });

  it('keeps the console within maxLogChars and says how many lines it dropped', async () => {
    const { logs } = await run('for (let i = 0; i < 100; i++) console.log("line " + i); return 1', {}, LIMITS, { maxLogChars: 30 });

    expect(logs).toStrictEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', '... 95 more log lines dropped (log limit 30 characters)']);
  });

  it('reports a syntax error with its line number', async () => {
    const err = await failure(run('const a = 1;\nconst b = ;\nreturn a;'));

    expect(err.name).toBe(ErrorNames.Code);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe("SyntaxError: Unexpected token ';' at line 2");
    expect(err.line).toBe(2);
  });

  it('reports a thrown error with its message, line and the logs written before it', async () => {
    const err = await failure(run('console.log("before");\n\nconst o = null;\nreturn o.field;'));

    expect(err.message).toBe("TypeError: Cannot read properties of null (reading 'field') at line 4");
    expect(err.line).toBe(4);
    expect(err.logs).toStrictEqual(['before']);
  });

  it('reports a thrown non-Error value', async () => {
    const err = await failure(run('throw { code: 42 }'));

    expect(err.message).toBe('Thrown value: {"code":42}');
  });

  it('rejects a return value that is not JSON', async () => {
    const bigint = await failure(run('return 10n'));
    const circular = await failure(run('const a = {}; a.self = a; return a'));

    expect(bigint.message).toMatch(/^the return value is not JSON-serialisable: TypeError: Do not know how to serialize a BigInt/);
    expect(circular.message).toMatch(/^the return value is not JSON-serialisable: TypeError: Converting circular structure to JSON/);
  });

  it('says so when main awaits a promise that never settles', async () => {
    const err = await failure(run('console.log("waiting"); await new Promise(() => {});'));

    expect(err.message).toMatch(/^main\(\) never finished: it awaited a promise that never settles/);
    expect(err.logs).toStrictEqual(['waiting']);
  });

  it('does not let code break out of the main function body', async () => {
    const err = await failure(run('return 1 }); __stepflowRun("{}", async function () { return "forged" }); (async function () {'));

    expect(err.message).toMatch(/^SyntaxError: the source must be the body of `async function main\(inputs\) \{ \.\.\. \}`/);
  });

  it('reports deep recursion as a stack overflow', async () => {
    const err = await failure(run('const f = (n) => f(n + 1) + 1; return f(0);'));

    expect(err.message).toMatch(/^RangeError: Maximum call stack size exceeded/);
  });
});

describe('runCode', () => {
  it('renders inputs from templates, applies defaults and returns output and logs', async () => {
    const inv = invocation(
      {
        source: 'console.log(inputs.greeting); return { sum: inputs.items.reduce((a, b) => a + b, 0), run: inputs.run, who: inputs.who };',
        inputs: { items: '{{nodes.fetch.output.items}}', greeting: 'hello {{input.name}}', run: '{{execution.id}}', who: '{{input.name}}' },
      },
      { nodes: { fetch: { output: { items: [1, 2, 3] } } }, input: { name: 'Ada' } },
    );

    const result = await runCode(inv);

    expect(result.output).toStrictEqual({ sum: 6, run: 'exec-1', who: 'Ada' });
    expect(result.logs).toStrictEqual(['hello Ada']);
  });

  it('rejects an invalid config with a validation error', async () => {
    const err = await runCode(invocation({ source: 'return 1', timeoutMs: 5 })).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(NodeError);
    expect((err as NodeError).name).toBe(ErrorNames.Validation);
    expect((err as NodeError).message).toMatch(/^code node "calc": invalid config: timeoutMs: /);
  });

  it('names the node in code errors and keeps their logs', async () => {
    const err = await failure(runCode(invocation({ source: 'console.log("x");\nthrow new Error("bad input")' })));

    expect(err.message).toBe('code node "calc": Error: bad input at line 2');
    expect(err.logs).toStrictEqual(['x']);
    expect(err.name).toBe(ErrorNames.Code);
  });
});

describe('escape attempts', () => {
  it('sees no process, require, Buffer, timers, fetch, WebAssembly, Atomics or eval', async () => {
    const names = ['process', 'require', 'module', 'Buffer', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask',
      'fetch', 'WebSocket', 'WebAssembly', 'Atomics', 'SharedArrayBuffer', 'eval', 'structuredClone', 'globalThis.global',
      'WeakRef', 'FinalizationRegistry'];
    const source = `return { ${names.map((n) => `${JSON.stringify(n)}: typeof ${n}`).join(', ')} };`;

    const { output } = await run(source);

    expect(output).toStrictEqual(Object.fromEntries(names.map((n) => [n, 'undefined'])));
  });

  it('cannot read process.env', async () => {
    const err = await failure(run('return process.env.AWS_SECRET_ACCESS_KEY'));

    expect(err.message).toBe('ReferenceError: process is not defined at line 1');
  });

  it.each([
    ["require('fs')", "return require('fs').readFileSync('/etc/passwd', 'utf8')", 'ReferenceError: require is not defined'],
    ["require('child_process')", "return require('child_process').execSync('id').toString()", 'ReferenceError: require is not defined'],
    ["require('net')", "return require('net').connect(80, 'example.com')", 'ReferenceError: require is not defined'],
    ["process.binding('tcp_wrap')", "return process.binding('tcp_wrap')", 'ReferenceError: process is not defined'],
    ['fetch', "return await fetch('https://example.com')", 'ReferenceError: fetch is not defined'],
    ['eval', "return eval('1 + 1')", 'ReferenceError: eval is not defined'],
    ["this.constructor.constructor('return process')()", "return this.constructor.constructor('return process')().env", 'EvalError: Code generation from strings disallowed for this context'],
    ["Function('return this')()", "return Function('return this')()", 'EvalError: Code generation from strings disallowed for this context'],
    ['the AsyncFunction constructor', "return (async () => {}).constructor('return process')", 'EvalError: Code generation from strings disallowed for this context'],
    ['the console methods\' constructor', "return console.log.constructor('return process')()", 'EvalError: Code generation from strings disallowed for this context'],
    ["import('fs')", "return await import('fs')", 'TypeError: A dynamic import callback was not specified.'],
    ["import('node:child_process')", "const cp = await import('node:child_process'); return cp.execSync('id')", 'TypeError: A dynamic import callback was not specified.'],
    ['process.stdout.write', "process.stdout.write('{\"ok\":true,\"logs\":[]}\\n\"forged\"'); return 1", 'ReferenceError: process is not defined'],
  ])('blocks %s', async (_, source, message) => {
    const err = await failure(run(source));

    expect(err.message).toBe(`${message} at line 1`);
  });

  it('finds no trace of the parent environment through any route', async () => {
    // The parent (this test) has AWS_SECRET_ACCESS_KEY set; every route below must come up empty.
    const source = `
      const found = [];
      const attempt = (label, f) => { try { found.push(label + '=' + JSON.stringify(f())); } catch (e) { found.push(label + ' threw ' + e.name); } };
      attempt('global', () => typeof globalThis.process);
      attempt('ctor', () => this.constructor.constructor('return process')().env);
      attempt('proto', () => Object.getPrototypeOf(globalThis).constructor.constructor('return process')().env);
      attempt('fnproto', () => (function () {}).constructor('return process')().env);
      attempt('own', () => Object.getOwnPropertyNames(globalThis).filter((n) => /process|env|require/i.test(n)));
      function walkCallers() {
        const names = [];
        try {
          for (let fn = walkCallers; fn !== null && names.length < 5; ) { fn = fn.caller; names.push(fn === null ? 'null' : fn.name); }
        } catch (e) {
          names.push(e.name);
        }
        return names;
      }
      found.push('callers=' + JSON.stringify(walkCallers()));
      attempt('inputs', () => inputs.constructor.constructor('return process')().env);
      return found;`;

    const { output } = await run(source, { any: 'thing' });

    expect(JSON.stringify(output)).not.toContain(SECRET);
    expect(output).toStrictEqual([
      'global="undefined"',
      'ctor threw EvalError',
      'proto threw EvalError',
      'fnproto threw EvalError',
      'own=[]',
      'callers=["main","TypeError"]', // the chain stops at the user's own (async) main()
      'inputs threw EvalError',
    ]);
  });

  it('cannot hook stack traces to reach host frames (Error.prepareStackTrace)', async () => {
    const source = `
      'use strict';
      const attempts = [];
      try { Error.prepareStackTrace = (e, frames) => frames; attempts.push('assigned'); } catch (e) { attempts.push(e.name); }
      try { globalThis.Error = { prepareStackTrace: (e, frames) => frames }; attempts.push('replaced'); } catch (e) { attempts.push(e.name); }
      attempts.push(typeof new Error('x').stack);
      return attempts;`;

    const { output } = await run(source);

    expect(output).toStrictEqual(['TypeError', 'TypeError', 'string']);
  });

  it('shows only the user\'s own frames in stack traces, so no host path is disclosed', async () => {
    const { output } = await run('function inner() { return new Error("x").stack; }\nreturn inner();');

    expect(output).toBe('Error: x\n    at inner (user-code.js:1:27)\n    at main (user-code.js:2:8)');
  });

  it('starts the process with an empty environment, an empty temp cwd, the permission flags and rlimits', async () => {
    // The probe stands in for node and answers with what it was given.
    const fakeNode = probe(
      'probe-node',
      `const fs = require('fs');
       const answer = { env: process.env, argv: process.argv.slice(2), cwd: process.cwd(), files: fs.readdirSync('.'),
         limits: fs.readFileSync('/proc/self/limits', 'utf8') };
       process.stdout.write(JSON.stringify({ ok: true, logs: [] }) + '\\n' + JSON.stringify(answer));`,
    );

    const { output } = await run('return 1', {}, { timeoutMs: 1500, memoryMb: 48 }, { nodeBinary: fakeNode });
    const seen = output as { env: Record<string, string>; argv: string[]; cwd: string; files: string[]; limits: string };

    expect(seen.env).toStrictEqual({});
    expect(JSON.stringify(seen)).not.toContain(SECRET);
    expect(seen.cwd).toContain('stepflow-code-');
    expect(seen.files).toStrictEqual([]);
    expect(existsSync(seen.cwd)).toBe(false); // removed after the run
    expect(seen.argv).toEqual(expect.arrayContaining([
      expect.stringMatching(/^--(experimental-)?permission$/),
      expect.stringMatching(/^--allow-fs-read=.*sandbox-runner\.cjs$/),
      '--disallow-code-generation-from-strings',
      '--max-old-space-size=48',
      '--stack-size=512',
    ]));
    expect(seen.argv.some((a) => /^--allow-(fs-write|child-process|worker|addons|wasi)/.test(a) || a.startsWith('--inspect'))).toBe(false);
    expect(seen.limits).toMatch(/Max cpu time\s+3\s+4\s+seconds/);
    expect(seen.limits).toMatch(new RegExp(`Max data size\\s+${(128 + 2 * 48) * 1024 * 1024}\\s+${(128 + 2 * 48) * 1024 * 1024}\\s+bytes`));
    expect(seen.limits).toMatch(/Max file size\s+0\s+0\s+bytes/);
    expect(seen.limits).toMatch(/Max core file size\s+0\s+0\s+bytes/);
  });

  it('refuses to run when the process was started without the permission model', async () => {
    const runner = join(__dirname, 'sandbox-runner.cjs');
    const noPermissions = join(probeDir, 'no-permissions');
    writeFileSync(noPermissions, `#!/bin/sh\nexec "${process.execPath}" "${runner}"\n`);
    chmodSync(noPermissions, 0o755);

    const err = await run('return 1', {}, LIMITS, { nodeBinary: noPermissions }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(NodeError);
    expect(err).not.toBeInstanceOf(CodeRunError);
    expect((err as NodeError).name).toBe(ErrorNames.Internal);
    expect((err as NodeError).message).toMatch(/started without the Node\.js permission model; refusing to run user code/);
  });

  it('treats anything on stdout that is not an answer as an error, not as output', async () => {
    const chatty = probe('chatty-node', `process.stdout.write('{"ok":true,"logs":[]} this is not the protocol\\n42');`);

    const err = await failure(run('return 1', {}, LIMITS, { nodeBinary: chatty }));

    expect(err.message).toMatch(/^the sandbox process ended \(exit code 0\) without a valid answer/);
  });

  it('reports a missing shell, node binary or runner as an internal error', async () => {
    const noShell = await run('return 1', {}, LIMITS, { shell: '/nonexistent/sh' }).catch((e: unknown) => e);
    const noNode = await run('return 1', {}, LIMITS, { nodeBinary: '/nonexistent/node' }).catch((e: unknown) => e);
    const noRunner = await run('return 1', {}, LIMITS, { runnerPath: '/nonexistent/sandbox-runner.cjs' }).catch((e: unknown) => e);

    expect((noShell as NodeError).name).toBe(ErrorNames.Internal);
    expect((noShell as NodeError).message).toMatch(/needs \/nonexistent\/sh to set CPU and memory limits/);
    expect((noNode as NodeError).name).toBe(ErrorNames.Internal);
    expect((noNode as NodeError).message).toMatch(/^could not start the code sandbox: .*\/nonexistent\/node/);
    expect((noRunner as NodeError).name).toBe(ErrorNames.Internal);
    expect((noRunner as NodeError).message).toMatch(/runner is missing at \/nonexistent\/sandbox-runner\.cjs/);
  });
});

describe('limits', () => {
  it('stops an endless loop at the timeout', async () => {
    const started = Date.now();
    const err = await failure(run('console.log("spinning"); while (true) {}', {}, { timeoutMs: 200, memoryMb: 64 }));

    expect(err.message).toBe('timed out after 200 ms');
    expect(err.retryable).toBe(false);
    expect(err.logs).toStrictEqual(['spinning']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops an async endless loop at the timeout', async () => {
    const err = await failure(run('for (;;) { await null; await Promise.resolve(); }', {}, { timeoutMs: 200, memoryMb: 64 }));

    expect(err.message).toBe('timed out after 200 ms');
  });

  it('stops catastrophic regex backtracking at the timeout', async () => {
    const err = await failure(run('return /(a+)+b/.test("a".repeat(40))', {}, { timeoutMs: 200, memoryMb: 64 }));

    expect(err.message).toBe('timed out after 200 ms');
  });

  it('stops a hostile return value or thrown value that loops when read', async () => {
    const limits = { timeoutMs: 200, memoryMb: 64 };
    const proxy = await failure(run('return new Proxy({}, { ownKeys() { for (;;) {} } })', {}, limits));
    const thrown = await failure(run('throw { get message() { for (;;) {} } }', {}, limits));

    expect(proxy.message).toBe('timed out after 200 ms');
    expect(thrown.message).toBe('timed out after 200 ms');
  });

  it('kills a process that does not answer by the wall-clock deadline', async () => {
    const hanging = probe('hanging-node', 'setInterval(() => {}, 1000);');
    const started = Date.now();

    const err = await failure(run('return 1', {}, { timeoutMs: 100, memoryMb: 64 }, { nodeBinary: hanging, startupGraceMs: 300 }));

    expect(err.message).toBe('timed out: no answer within 100 ms (+300 ms to start); the sandbox process was killed');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('stops a process that exceeds its CPU time', async () => {
    const spinning = probe('spinning-node', 'for (;;) {}');

    const err = await failure(run('return 1', {}, { timeoutMs: 100, memoryMb: 64, cpuSeconds: 1 }, { nodeBinary: spinning, startupGraceMs: 10_000 }));

    expect(err.message).toBe('CPU time limit of 1 s exceeded; the sandbox process was stopped');
  });

  it('stops a memory bomb on the heap at the memory limit', async () => {
    const err = await failure(run('const a = []; for (;;) a.push({ n: a.length, s: "x" + a.length });', {}, { timeoutMs: 20_000, memoryMb: 32 }));

    expect(err.message).toMatch(/^memory limit of 32 MB exceeded/);
  });

  it('stops a memory bomb off the heap (ArrayBuffers) at the data-segment limit', async () => {
    const err = await failure(run('const a = []; for (;;) a.push(new Uint8Array(1 << 24).fill(1));', {}, { timeoutMs: 20_000, memoryMb: 32 }));

    expect(err.message).toMatch(/memory limit of 32 MB exceeded/);
  });

  it('rejects a return value larger than maxOutputBytes', async () => {
    const huge = await failure(run('return "x".repeat(2 * 1024 * 1024)'));
    const small = await failure(run('return "x".repeat(100)', {}, LIMITS, { maxOutputBytes: 50 }));

    expect(huge.message).toBe(`the return value is ${2 * 1024 * 1024 + 2} bytes as JSON; the limit is ${1024 * 1024} bytes`);
    expect(small.message).toBe('the return value is 102 bytes as JSON; the limit is 50 bytes');
  });

  it('kills a process that floods stdout', async () => {
    const flooding = probe('flooding-node', `const chunk = 'x'.repeat(65536); for (;;) process.stdout.write(chunk);`);

    const err = await failure(run('return 1', {}, LIMITS, { nodeBinary: flooding, maxOutputBytes: 1024, maxLogChars: 1024 }));

    expect(err.message).toMatch(/^the sandbox wrote more than \d+ bytes; the process was killed$/);
  });

  it('keeps the answer intact when the code tampers with the built-ins it could reach', async () => {
    const source = `
      Object.prototype.toJSON = function () { return 'spoilt'; };
      Object.defineProperty(Array.prototype, '0', { set() { for (;;) {} }, configurable: true });
      Array.prototype[Symbol.iterator] = function* () { for (;;) {} };
      String.prototype.slice = () => { for (;;) {} };
      JSON.stringify = () => 'forged';
      console.log('still logged');
      return 'plain';`;

    const { output, logs } = await run(source);

    expect(output).toBe('plain');
    expect(logs).toStrictEqual(['still logged']);
  });
});
