'use strict';
/**
 * The trusted half of the code-node sandbox. `sandbox.ts` starts this file in a fresh `node`
 * process (empty environment, Node's permission model on, rlimits set by `/bin/sh`), writes
 * one JSON request on stdin and reads one answer on stdout:
 *
 *   request  {"source": string, "inputsJson": string, "timeoutMs": number,
 *             "maxOutputBytes": number, "maxLogChars": number}
 *   answer   <meta JSON>\n[<output JSON>]
 *            meta = {"ok": true, "logs": string[]}                       (output follows)
 *                 | {"ok": false, "kind": string, "message": string, "line"?: number,
 *                    "logs": string[]}
 *
 * Plain CommonJS on purpose: it runs without a transpiler and is shipped beside the bundled
 * handler as it stands.
 *
 * The user's code never touches this realm. It runs in a `vm` context built from an empty
 * null-prototype object (so `this.constructor` is the sandbox's own `Object`), with code
 * generation from strings and WebAssembly off, only pure-computation globals, and
 * `microtaskMode: 'afterEvaluate'` so that the `timeout` also covers promise jobs. Values cross
 * the boundary only as strings: inputs go in as a JSON string literal in the script text and are
 * parsed inside the context; the result comes out as a JSON string built inside the context.
 * No host function or object is ever handed to user code.
 */

const vm = require('node:vm');
const Module = require('node:module');

/** The file name user code is compiled under; error positions are reported against it. */
const USER_FILENAME = 'user-code.js';
/** Characters kept of one log line; the rest is cut with a marker. */
const MAX_LOG_LINE_CHARS = 8192;

// Keep what this file needs before anything is taken away.
const stdin = process.stdin;
const stdout = process.stdout;
const exit = process.exit.bind(process);
const byteLength = (s) => Buffer.byteLength(s, 'utf8');

/** Writes one answer and ends the process; `outputJson` follows the meta line when present. */
function answer(meta, outputJson) {
  const text = JSON.stringify(meta) + '\n' + (outputJson === undefined ? '' : outputJson);
  stdout.write(text, () => exit(0));
}

function refuse(message) {
  answer({ ok: false, kind: 'refused', message, logs: [] });
}

/**
 * Fails closed when the process was started without the permission model: the vm context is
 * the first wall, but not the only one this runtime promises.
 */
function permissionModelIsOn() {
  const permission = process.permission;
  if (!permission || typeof permission.has !== 'function') return false;
  return (
    !permission.has('fs.read', '/etc/passwd') &&
    !permission.has('fs.write') &&
    !permission.has('child') &&
    !permission.has('worker')
  );
}

/**
 * Defence in depth for this (host) realm, should user code ever reach it: no way back to native
 * bindings, builtin modules, signals or the network, and nothing left in the environment.
 */
function neutraliseHostRealm() {
  const blocked = () => {
    throw new Error('not available in the code sandbox');
  };
  for (const name of [
    'binding',
    '_linkedBinding',
    'dlopen',
    'getBuiltinModule',
    'kill',
    'chdir',
    'setuid',
    'setgid',
    'seteuid',
    'setegid',
    'setgroups',
    'initgroups',
    'openStdin',
  ]) {
    if (name in process) {
      try {
        Object.defineProperty(process, name, { value: blocked, writable: false, configurable: false });
      } catch {
        // A non-configurable property cannot be replaced; nothing more to do for it.
      }
    }
  }
  for (const key of Object.keys(process.env)) delete process.env[key];
  // Everything this file needs is loaded: from here on `require` (and `process.mainModule`)
  // can load nothing, not even builtins.
  Module.prototype.require = blocked;
  Module._load = blocked;
  for (const name of ['fetch', 'WebSocket', 'EventSource', 'Request', 'Response', 'Headers', 'FormData']) {
    try {
      delete globalThis[name];
    } catch {
      // Same as above: leave what cannot be removed.
    }
  }
}

/**
 * Checks that `source` is exactly one function body, so that wrapping it in
 * `async function main(inputs) { ... }` cannot be broken out of (`}); ...; (function () {`).
 * The `AsyncFunction` constructor parses the body on its own and throws on a stray `}`.
 * It runs in a throwaway context that may compile strings; the function is never called.
 */
function isSingleFunctionBody(source) {
  const checker = vm.createContext(Object.create(null), { codeGeneration: { strings: true, wasm: false } });
  checker.source = source;
  try {
    vm.runInContext('new (async function () {}).constructor("inputs", source); undefined', checker, { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Line of `user-code.js` named first in a stack (compile errors carry `user-code.js:<line>`). */
function lineOf(stack) {
  const match = new RegExp(USER_FILENAME.replace('.', '\\.') + ':(\\d+)').exec(String(stack));
  return match ? Number(match[1]) : undefined;
}

/**
 * Trusted setup that runs inside the context before any user code. It prunes the globals to an
 * allow-list, pins `Error.prepareStackTrace` to its own formatter (Node calls the context's
 * hook with V8 CallSite objects, whose `getThis()`/`getFunction()` could reach host frames),
 * installs a `console` that collects lines, and defines `__stepflowRun`, which the user script
 * calls with `main`.
 * Everything it uses is captured here, before user code can replace it. It evaluates to a
 * function the runner calls afterwards to collect the answer (or the logs so far) as one JSON
 * string.
 */
const HARNESS = String.raw`(function (maxLogChars, maxLogLineChars) {
  'use strict';
  const g = globalThis;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const toString = String;
  const defineProperty = Object.defineProperty;
  const ownKeys = Reflect.ownKeys;
  const then = Promise.prototype.then;
  const apply = Reflect.apply;
  const userFile = /user-code\.js:(\d+)/;
  const exec = RegExp.prototype.exec;

  const keep = new Set([
    'globalThis', 'undefined', 'NaN', 'Infinity',
    'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt',
    'Date', 'RegExp', 'Promise', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Proxy', 'Reflect',
    'JSON', 'Math', 'Intl',
    'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError',
    'TypeError', 'URIError',
    'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
    'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array',
    'BigInt64Array', 'BigUint64Array',
    'parseInt', 'parseFloat', 'isNaN', 'isFinite',
    'encodeURI', 'encodeURIComponent', 'decodeURI', 'decodeURIComponent', 'escape', 'unescape',
  ]);
  // Removed: eval (code generation is off anyway), WebAssembly, Atomics, SharedArrayBuffer,
  // WeakRef and FinalizationRegistry (callbacks that would run after the timeout), V8's console.
  for (const key of ownKeys(g)) {
    if (typeof key === 'string' && !keep.has(key)) delete g[key];
  }
  // Stack traces name only the user's frames: host frames would show the runner's paths. Only
  // primitives are read from the CallSites, and they never leave this function.
  const formatStack = (error, frames) => {
    let text = 'Error';
    try {
      const name = error.name;
      const message = error.message;
      text = toString(name === undefined ? 'Error' : name);
      if (message !== undefined && message !== '') text += ': ' + toString(message);
    } catch (err) {
      // Keep the generic header.
    }
    try {
      for (let i = 0; i < frames.length; i += 1) {
        const frame = frames[i];
        if (frame.getFileName() !== 'user-code.js') continue;
        const line = frame.getLineNumber();
        if (!(line >= 1)) continue;
        const fn = frame.getFunctionName();
        const at = 'user-code.js:' + line + ':' + frame.getColumnNumber();
        text += '\n    at ' + (typeof fn === 'string' && fn !== '' ? fn + ' (' + at + ')' : at);
      }
    } catch (err) {
      // A partial trace is still useful.
    }
    return text;
  };
  defineProperty(Error, 'prepareStackTrace', { value: formatStack, writable: false, configurable: false });
  defineProperty(g, 'Error', { value: Error, writable: false, configurable: false, enumerable: false });

  // Console lines are kept as one JSON text built by concatenation: JSON.stringify of a
  // primitive string consults no prototype, so user code that tampers with built-ins (setters
  // on Array.prototype, toJSON, Symbol.species) cannot run when the runner collects the answer,
  // which it does outside the vm timeout.
  let logsJson = '';
  let logCount = 0;
  let logChars = 0;
  let dropped = 0;
  const show = (value) => {
    if (typeof value === 'string') return value;
    try {
      const json = stringify(value);
      if (typeof json === 'string') return json;
    } catch (err) {
      // Circular or BigInt: fall back to String() below.
    }
    try {
      return toString(value);
    } catch (err) {
      return '[unprintable]';
    }
  };
  const logAt = (prefix) => function () {
    let line = prefix;
    for (let i = 0; i < arguments.length; i += 1) line += (i === 0 ? '' : ' ') + show(arguments[i]);
    line = toString(line);
    if (line.length > maxLogLineChars) line = toString(line.slice(0, maxLogLineChars)) + '... [cut]';
    if (logChars + line.length > maxLogChars) {
      dropped += 1;
      return;
    }
    logChars += line.length;
    logsJson += (logCount === 0 ? '' : ',') + stringify(line);
    logCount += 1;
  };
  const console = Object.freeze({
    log: logAt(''), info: logAt(''), debug: logAt(''), warn: logAt('warn: '), error: logAt('error: '),
  });
  defineProperty(g, 'console', { value: console, writable: true, configurable: true, enumerable: false });

  const logLinesJson = () => {
    if (dropped === 0) return '[' + logsJson + ']';
    const marker = stringify('... ' + dropped + ' more log lines dropped (log limit ' + maxLogChars + ' characters)');
    return '[' + logsJson + (logCount === 0 ? '' : ',') + marker + ']';
  };
  // The answer is built the same way; only the user's own return value goes through a
  // JSON.stringify that may call user code (its toJSON), and that happens under the timeout.
  let answer;
  const finishOk = (outputJson) => {
    answer = '{"ok":true,"outputJson":' + stringify(outputJson) + ',"logs":' + logLinesJson() + '}';
  };
  const finishError = (kind, message, line) => {
    answer = '{"ok":false,"kind":' + stringify(kind) + ',"message":' + stringify(message) +
      (typeof line === 'number' ? ',"line":' + line : '') + ',"logs":' + logLinesJson() + '}';
  };
  const describe = (err) => {
    let name = 'Error';
    let message = '';
    let line;
    try {
      if (err !== null && typeof err === 'object' && typeof err.message === 'string') {
        name = toString(err.name || 'Error');
        message = err.message;
        const match = apply(exec, userFile, [toString(err.stack)]);
        if (match) line = Number(match[1]);
      } else {
        name = 'Thrown value';
        message = show(err);
      }
    } catch (inner) {
      message = 'the thrown value could not be read';
    }
    return { message: toString(name) + ': ' + toString(message), line };
  };

  let started = false;
  defineProperty(g, '__stepflowRun', {
    configurable: true,
    enumerable: false,
    value: (inputsJson, main) => {
      delete g.__stepflowRun;
      if (started) return;
      started = true;
      const threw = (err) => {
        const { message, line } = describe(err);
        finishError('threw', message, line);
      };
      let promise;
      try {
        promise = main(parse(inputsJson));
      } catch (err) {
        threw(err);
        return;
      }
      apply(then, promise, [
        (value) => {
          let outputJson;
          try {
            outputJson = stringify(value === undefined ? null : value);
          } catch (err) {
            finishError('not_json', 'the return value is not JSON-serialisable: ' + describe(err).message);
            return;
          }
          if (typeof outputJson !== 'string') {
            finishError('not_json', 'the return value is not JSON-serialisable (got a ' + typeof value + ')');
            return;
          }
          finishOk(outputJson);
        },
        threw,
      ]);
    },
  });

  // collect() is the answer once main has settled; collect(true) is the console lines so far,
  // for runs that timed out or never settled.
  return (logsOnly) => (logsOnly ? logLinesJson() : answer);
})`;

/** The harness's answer, checked here all the same: this realm trusts nothing from that one. */
function parseAnswer(text) {
  let meta;
  try {
    meta = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (meta === null || typeof meta !== 'object' || typeof meta.ok !== 'boolean') return undefined;
  if (!Array.isArray(meta.logs) || !meta.logs.every((l) => typeof l === 'string')) return undefined;
  if (meta.ok) return typeof meta.outputJson === 'string' ? { ok: true, outputJson: meta.outputJson, logs: meta.logs } : undefined;
  if (typeof meta.message !== 'string' || typeof meta.kind !== 'string') return undefined;
  const line = Number.isInteger(meta.line) && meta.line > 0 ? meta.line : undefined;
  const kind = meta.kind === 'not_json' ? 'not_json' : 'threw';
  return { ok: false, kind, message: meta.message, line, logs: meta.logs };
}

/** Console lines collected before a run was cut short; [] when they cannot be read. */
function logsSoFar(collect) {
  try {
    const lines = JSON.parse(collect(true));
    return Array.isArray(lines) && lines.every((l) => typeof l === 'string') ? lines : [];
  } catch {
    return [];
  }
}

function run(request) {
  const { source, inputsJson, timeoutMs, maxOutputBytes, maxLogChars } = request;
  const wrapped = '__stepflowRun(' + JSON.stringify(inputsJson) + ', async function main(inputs) {\n' + source + '\n});';
  let script;
  try {
    // lineOffset -1: the wrapper's first line is not the user's, so user line 1 reports as 1.
    script = new vm.Script(wrapped, { filename: USER_FILENAME, lineOffset: -1 });
  } catch (err) {
    const line = lineOf(err && err.stack);
    return answer({ ok: false, kind: 'syntax', message: 'SyntaxError: ' + (err && err.message), line, logs: [] });
  }
  if (!isSingleFunctionBody(source)) {
    return answer({
      ok: false,
      kind: 'syntax',
      message: 'SyntaxError: the source must be the body of `async function main(inputs) { ... }`; it closes that function early (check for an unmatched "}")',
      logs: [],
    });
  }

  const context = vm.createContext(Object.create(null), {
    name: 'stepflow-code-node',
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: 'afterEvaluate',
  });
  const collect = new vm.Script(HARNESS, { filename: 'stepflow-harness.js' })
    .runInContext(context, { timeout: 5000 })(maxLogChars, MAX_LOG_LINE_CHARS);

  try {
    script.runInContext(context, { timeout: timeoutMs, displayErrors: false });
  } catch (err) {
    // With the body check above, only the harness can throw at top level, and a timeout is the
    // one error expected here. Read it by own data properties only: getters would run code.
    const code = err !== null && typeof err === 'object' ? Object.getOwnPropertyDescriptor(err, 'code') : undefined;
    if (code && code.value === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      return answer({ ok: false, kind: 'timeout', message: 'timed out after ' + timeoutMs + ' ms', logs: logsSoFar(collect) });
    }
    return answer({ ok: false, kind: 'harness', message: 'the sandbox harness failed', logs: logsSoFar(collect) });
  }

  const result = collect();
  if (typeof result !== 'string') {
    return answer({
      ok: false,
      kind: 'pending',
      message: 'main() never finished: it awaited a promise that never settles (there are no timers or I/O in the sandbox)',
      logs: logsSoFar(collect),
    });
  }
  const meta = parseAnswer(result);
  if (meta === undefined) {
    return answer({ ok: false, kind: 'harness', message: 'the sandbox harness answered in an unexpected shape', logs: logsSoFar(collect) });
  }
  if (meta.ok) {
    const outputJson = meta.outputJson;
    const bytes = byteLength(outputJson);
    if (bytes > maxOutputBytes) {
      return answer({
        ok: false,
        kind: 'output_too_large',
        message: 'the return value is ' + bytes + ' bytes as JSON; the limit is ' + maxOutputBytes + ' bytes',
        logs: meta.logs,
      });
    }
    return answer({ ok: true, logs: meta.logs }, outputJson);
  }
  return answer(meta);
}

if (!permissionModelIsOn()) {
  refuse('the sandbox process was started without the Node.js permission model; refusing to run user code');
} else {
  neutraliseHostRealm();
  const chunks = [];
  stdin.on('data', (chunk) => chunks.push(chunk));
  stdin.on('end', () => {
    let request;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return refuse('the sandbox request was not valid JSON');
    }
    run(request);
  });
}
