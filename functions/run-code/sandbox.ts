/**
 * Runs untrusted JavaScript in a separate, locked-down `node` process.
 *
 * Layers, outermost first (see README.md for the reasoning):
 * 1. A fresh process per run, spawned with an empty environment (no AWS credentials), an empty
 *    temporary working directory and only stdio pipes.
 * 2. rlimits set by `/bin/sh` before it `exec`s node: CPU seconds, data segment (which bounds
 *    off-heap `ArrayBuffer`s too), no core files, no file writes.
 * 3. Node's permission model: no file-system access except reading the runner itself, no child
 *    processes, no worker threads. Code generation from strings is off in every realm.
 * 4. Inside, `sandbox-runner.cjs` runs the code in a `vm` context with only pure-computation
 *    globals; values cross that boundary only as JSON strings.
 * 5. The parent SIGKILLs the process at a wall-clock deadline and caps what it reads back.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorNames, NodeError } from '@shared/errors';

/** Limits of one sandboxed run. */
export interface SandboxLimits {
  /** Time the code may run (synchronous work and promise jobs), in milliseconds. */
  readonly timeoutMs: number;
  /** V8 heap limit (`--max-old-space-size`), in MiB. Off-heap memory gets a similar allowance. */
  readonly memoryMb: number;
  /**
   * CPU time the whole process may use before the kernel stops it, in seconds.
   * @default `ceil(timeoutMs / 1000) + 1` (the code's time plus process start)
   */
  readonly cpuSeconds?: number;
}

/** How the sandbox process is started; the defaults are what production uses. */
export interface SandboxOptions {
  /**
   * The `node` executable. It must be the same Node.js major version as the running one: the
   * permission-model flag is chosen by what the running Node supports.
   * @default process.execPath
   */
  readonly nodeBinary?: string;
  /**
   * Largest accepted return value, as UTF-8 JSON bytes.
   * @default 1 MiB
   */
  readonly maxOutputBytes?: number;
  /**
   * Characters of `console` output kept; later lines are dropped and counted.
   * @default 65536
   */
  readonly maxLogChars?: number;
  /**
   * Time allowed on top of `timeoutMs` for the process to start and answer before the parent
   * kills it. The code's own `timeoutMs` is enforced inside the process; this is the backstop.
   * @default 2000
   */
  readonly startupGraceMs?: number;
  /**
   * The trusted runner script. Bundled deployments copy `sandbox-runner.cjs` next to the handler.
   * @default `sandbox-runner.cjs` beside this module
   */
  readonly runnerPath?: string;
  /**
   * POSIX shell used to set rlimits before `exec`ing node. Without it the sandbox refuses to run.
   * @default '/bin/sh'
   */
  readonly shell?: string;
}

/** What a successful run produced. */
export interface SandboxResult {
  /** The return value of `main`, after a JSON round trip (`undefined` becomes `null`). */
  readonly output: unknown;
  /** Lines written with `console.log/info/debug/warn/error` (warn and error prefixed). */
  readonly logs: string[];
  /** Wall-clock time of the run including process start, in milliseconds. */
  readonly durationMs: number;
}

/**
 * User code failed or broke a sandbox limit. Step Functions sees `Stepflow.CodeError`; it is
 * never retryable, because the same code on the same inputs fails the same way.
 *
 * @example
 * ```ts
 * try { await runSandboxed('null.x', {}, { timeoutMs: 1000, memoryMb: 64 }); }
 * catch (err) { if (err instanceof CodeRunError) err.line; } // 1
 * ```
 */
export class CodeRunError extends NodeError {
  /** Console lines written before the failure (when the process got far enough to report). */
  readonly logs: readonly string[];
  /** The line of user code the error points at, when known. */
  readonly line: number | undefined;

  constructor(message: string, options: { logs?: readonly string[]; line?: number | undefined; cause?: unknown } = {}) {
    super(ErrorNames.Code, message, { retryable: false, cause: options.cause });
    this.logs = options.logs ?? [];
    this.line = options.line;
  }
}

const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
const DEFAULT_MAX_LOG_CHARS = 64 * 1024;
const DEFAULT_STARTUP_GRACE_MS = 2000;
/** Smaller than V8's ~984 KiB default: deep recursion fails fast and well inside the 8 MiB rlimit. */
const STACK_SIZE_KB = 512;
/** Data-segment allowance on top of the heap: node's own baseline is ~50 MiB (thread stacks, code). */
const BASELINE_DATA_MB = 128;
const STDERR_KEEP_BYTES = 16 * 1024;

/** What the runner answers on the first line of stdout. */
type RunnerMeta =
  | { ok: true; logs: string[] }
  | { ok: false; kind: string; message: string; line?: number; logs: string[] };

/**
 * The permission-model flag of the running Node: `--permission` (Node 22.13+ and 23.5+),
 * `--experimental-permission` (Node 20 and early 22).
 */
function permissionFlag(): string {
  const flags = process.allowedNodeEnvironmentFlags;
  if (flags.has('--permission')) return '--permission';
  if (flags.has('--experimental-permission')) return '--experimental-permission';
  throw new NodeError(
    ErrorNames.Internal,
    `Node.js ${process.version} has no permission model; the code sandbox needs Node.js 20 or later`,
  );
}

/** The node command line, each flag there to close a door (see README). */
function nodeArgs(runnerPath: string, memoryMb: number): string[] {
  const args = [
    permissionFlag(),
    // Node 20 needs read access to the entry point itself; nothing else is readable.
    `--allow-fs-read=${runnerPath}`,
    '--disallow-code-generation-from-strings',
    `--max-old-space-size=${memoryMb}`,
    `--stack-size=${STACK_SIZE_KB}`,
    '--no-expose-gc',
    '--no-warnings',
  ];
  // Node 22.14+: a SIGUSR1 can no longer start the inspector in the child.
  if (process.allowedNodeEnvironmentFlags.has('--disable-sigusr1')) args.push('--disable-sigusr1');
  args.push(runnerPath);
  return args;
}

/**
 * The shell program that applies rlimits and then replaces itself with node. Values are
 * integers checked by the caller; node and its arguments travel as `$0 "$@"`, never
 * interpolated. `unset PWD` keeps the child's environment exactly empty.
 */
function limitScript(cpuSeconds: number, dataKb: number): string {
  // The hard CPU limit is a second above the soft one: at the soft limit the kernel sends
  // SIGXCPU (which we can name), at the hard limit SIGKILL.
  return (
    `ulimit -c 0 && ulimit -f 0 && ulimit -S -t ${cpuSeconds} && ulimit -H -t ${cpuSeconds + 1} && ` +
    `ulimit -d ${dataKb} && unset PWD && exec "$0" "$@"`
  );
}

function assertWholeNumber(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new NodeError(ErrorNames.Validation, `sandbox limit ${name} must be a whole number >= ${min}; received ${String(value)}`);
  }
}

/**
 * Runs `source` as the body of `async function main(inputs) { ... }` in a fresh sandbox process
 * and returns what it returned.
 *
 * @throws {CodeRunError} the code threw, did not compile, returned something that is not JSON,
 *   or broke a limit (time, CPU, memory, output size).
 * @throws {NodeError} `Stepflow.InternalError` when the sandbox itself could not start.
 *
 * @example
 * ```ts
 * const { output, logs } = await runSandboxed(
 *   'console.log("adding"); return inputs.a + inputs.b',
 *   { a: 1, b: 2 },
 *   { timeoutMs: 1000, memoryMb: 64 },
 * );
 * // output 3, logs ['adding']
 * ```
 */
export async function runSandboxed(
  source: string,
  inputs: unknown,
  limits: SandboxLimits,
  options: SandboxOptions = {},
): Promise<SandboxResult> {
  const { timeoutMs, memoryMb } = limits;
  const cpuSeconds = limits.cpuSeconds ?? Math.ceil(timeoutMs / 1000) + 1;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const maxLogChars = options.maxLogChars ?? DEFAULT_MAX_LOG_CHARS;
  const startupGraceMs = options.startupGraceMs ?? DEFAULT_STARTUP_GRACE_MS;
  assertWholeNumber('timeoutMs', timeoutMs, 1);
  assertWholeNumber('memoryMb', memoryMb, 8);
  assertWholeNumber('cpuSeconds', cpuSeconds, 1);
  assertWholeNumber('maxOutputBytes', maxOutputBytes, 1);
  assertWholeNumber('maxLogChars', maxLogChars, 0);
  assertWholeNumber('startupGraceMs', startupGraceMs, 0);

  const shell = options.shell ?? '/bin/sh';
  if (!existsSync(shell)) {
    throw new NodeError(ErrorNames.Internal, `the code sandbox needs ${shell} to set CPU and memory limits, and it does not exist`);
  }
  const nodeBinary = options.nodeBinary ?? process.execPath;
  const runnerPath = options.runnerPath ?? join(__dirname, 'sandbox-runner.cjs');
  if (!existsSync(runnerPath)) {
    throw new NodeError(ErrorNames.Internal, `the code sandbox runner is missing at ${runnerPath}; bundle sandbox-runner.cjs beside the handler`);
  }
  const command = ['-c', limitScript(cpuSeconds, (BASELINE_DATA_MB + 2 * memoryMb) * 1024), nodeBinary, ...nodeArgs(runnerPath, memoryMb)];
  const inputsJson = JSON.stringify(inputs) ?? 'null';
  const request = JSON.stringify({ source, inputsJson, timeoutMs, maxOutputBytes, maxLogChars });
  // Logs are JSON-escaped on the meta line (up to 6 bytes per character); the rest is slack.
  const maxStdoutBytes = maxOutputBytes + 6 * maxLogChars + 64 * 1024;

  const workDir = await mkdtemp(join(tmpdir(), 'stepflow-code-'));
  const startedAt = performance.now();
  try {
    const outcome = await new Promise<ProcessOutcome>((resolve, reject) => {
      const child = spawn(shell, command, {
        env: {},
        cwd: workDir,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      let stderr = '';
      let stopped: ProcessOutcome['stopped'];
      const stop = (why: NonNullable<ProcessOutcome['stopped']>): void => {
        if (stopped !== undefined) return;
        stopped = why;
        child.kill('SIGKILL');
        // Do not wait on pipes a stray descendant might still hold open.
        child.stdout.destroy();
        child.stderr.destroy();
      };
      const deadline = setTimeout(() => stop('deadline'), timeoutMs + startupGraceMs);

      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > maxStdoutBytes) stop('stdout_overflow');
        else stdout.push(chunk);
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        if (stderr.length < STDERR_KEEP_BYTES) stderr += chunk.slice(0, STDERR_KEEP_BYTES - stderr.length);
      });
      // The child may die before reading its request (e.g. a wrong binary); the exit says why.
      child.stdin.on('error', () => undefined);
      child.on('error', (err) => {
        clearTimeout(deadline);
        reject(new NodeError(ErrorNames.Internal, `could not start the code sandbox (${nodeBinary}): ${err.message}`, { cause: err }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(deadline);
        resolve({ code, signal, stdout: Buffer.concat(stdout), stderr, stopped });
      });
      child.stdin.end(request);
    });
    const durationMs = Math.round(performance.now() - startedAt);
    return { ...interpret(outcome, { timeoutMs, memoryMb, cpuSeconds, startupGraceMs, maxStdoutBytes }), durationMs };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

interface ProcessOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** Set when the parent killed the process, and why. */
  readonly stopped: 'deadline' | 'stdout_overflow' | undefined;
}

/** Turns how the process ended into a result or the clearest error we can give. */
function interpret(
  outcome: ProcessOutcome,
  limits: { timeoutMs: number; memoryMb: number; cpuSeconds: number; startupGraceMs: number; maxStdoutBytes: number },
): { output: unknown; logs: string[] } {
  if (outcome.stopped === 'deadline') {
    throw new CodeRunError(
      `timed out: no answer within ${limits.timeoutMs} ms (+${limits.startupGraceMs} ms to start); the sandbox process was killed`,
    );
  }
  if (outcome.stopped === 'stdout_overflow') {
    throw new CodeRunError(`the sandbox wrote more than ${limits.maxStdoutBytes} bytes; the process was killed`);
  }
  if (/heap out of memory|Allocation failed|allocation failure/i.test(outcome.stderr)) {
    throw new CodeRunError(`memory limit of ${limits.memoryMb} MB exceeded`);
  }
  if (outcome.signal === 'SIGXCPU') {
    throw new CodeRunError(`CPU time limit of ${limits.cpuSeconds} s exceeded; the sandbox process was stopped`);
  }
  if (outcome.signal === 'SIGKILL') {
    // Not us (we set `stopped`): the hard CPU limit, or the kernel's OOM killer.
    throw new CodeRunError(
      `the sandbox process was killed by the system (CPU time limit of ${limits.cpuSeconds} s, or the host ran out of memory)`,
    );
  }

  const text = outcome.stdout.toString('utf8');
  const newline = text.indexOf('\n');
  const meta = newline < 0 ? undefined : parseMeta(text.slice(0, newline));
  if (meta === undefined) {
    if (outcome.signal === 'SIGABRT' || outcome.code === 134) {
      // V8 aborts on allocation failure even when it does not get to print why.
      throw new CodeRunError(`memory limit of ${limits.memoryMb} MB exceeded (the sandbox process aborted)`);
    }
    if (outcome.code === 126 || outcome.code === 127) {
      // The shell could not exec node: a deployment problem, not the user's code.
      throw new NodeError(ErrorNames.Internal, `could not start the code sandbox: ${lastStderrLine(outcome.stderr) ?? `exit code ${outcome.code}`}`);
    }
    const how = outcome.signal === null ? `exit code ${String(outcome.code)}` : `signal ${outcome.signal}`;
    const lastLine = lastStderrLine(outcome.stderr);
    throw new CodeRunError(`the sandbox process ended (${how}) without a valid answer${lastLine ? `: ${lastLine}` : ''}`);
  }
  if (meta.ok) {
    try {
      return { output: JSON.parse(text.slice(newline + 1)) as unknown, logs: meta.logs };
    } catch (err) {
      throw new CodeRunError('the sandbox answered with an output that is not valid JSON', { logs: meta.logs, cause: err });
    }
  }
  if (meta.kind === 'refused') {
    throw new NodeError(ErrorNames.Internal, `code sandbox: ${meta.message}`);
  }
  const where = meta.line === undefined ? '' : ` at line ${meta.line}`;
  // An off-heap allocation refused by the data-segment rlimit surfaces inside the code as a
  // RangeError; say which limit it hit.
  const hint = /Array buffer allocation failed/.test(meta.message) ? ` (memory limit of ${limits.memoryMb} MB exceeded)` : '';
  throw new CodeRunError(`${meta.message}${where}${hint}`, { logs: meta.logs, line: meta.line });
}

function lastStderrLine(stderr: string): string | undefined {
  const line = stderr.trim().split('\n').pop()?.trim();
  return line ? line.slice(0, 300) : undefined;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** The first stdout line, checked field by field: the process is not trusted to get it right. */
function parseMeta(line: string): RunnerMeta | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (!isStringArray(v.logs)) return undefined;
  if (v.ok === true) return { ok: true, logs: v.logs };
  if (v.ok !== false || typeof v.kind !== 'string' || typeof v.message !== 'string') return undefined;
  const lineNo = typeof v.line === 'number' && Number.isSafeInteger(v.line) && v.line > 0 ? v.line : undefined;
  return { ok: false, kind: v.kind, message: v.message, ...(lineNo === undefined ? {} : { line: lineNo }), logs: v.logs };
}
