/**
 * `stepflow validate|compile|run <workflow.json>`: the compiler and the local engine from a
 * terminal. `main` takes its streams as parameters so tests drive it in-process.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { formatIssues, type Issue } from '@shared/issues';
import type { LifecycleEvent } from '@shared/events';
import { compile } from '../../statemachines/src';
import { defaultRuntimes, defaultTools, LocalEngine, type RuntimeRegistry } from '../engine';
import { aiRuntimes } from '../engine/ai-runtimes';
import { folderResolver, loadJsonFile, parseJsonText } from './load-workflow';
import { ProgressView } from './progress';

export interface CliIO {
  readonly stdout: { write(text: string): void; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): void };
  /** Asks a question on the terminal; absent when not interactive. */
  readonly ask?: (question: string) => Promise<string>;
  /** Runtimes to run nodes with (default: the deterministic built-ins). */
  readonly runtimes?: RuntimeRegistry;
}

const USAGE = `Usage:
  stepflow validate <workflow.json>             check a workflow; lists every issue with its node id
  stepflow compile  <workflow.json> [--out f]   print (or write) the Step Functions definition (ASL)
  stepflow run      <workflow.json> [options]   run it in the local engine, with live progress
  stepflow start    [--port n] [--data dir|--memory]   the whole product locally: editor, API, WebSocket
Run options:
  --input <json>          execution input (default {})
  --input-file <file>     execution input from a JSON file
  --answer <node>=<json>  answer for a human_input node (repeatable; asked interactively on a terminal)
  --workflows <dir>       where sub-workflows are found (default: the workflow's folder)
  --real-time             honour Wait durations and retry backoff (default: run them instantly)
  --models local|real     local (default): every model is the deterministic local model, and every
                          result says "simulated"; real: Bedrock with your AWS credentials and the
                          OpenAI-compatible endpoints the workflow names
  --model-fixture <file>  scripted replies for the local model (JSON; see functions/_shared/models)
`;

/** Runs the CLI with process streams; resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'start') {
    // The platform loads the servers and the editor build only when asked for.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { serve } = require('../platform/main') as typeof import('../platform/main');
    return serve(argv.slice(1));
  }
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  let rl: ReturnType<typeof createInterface> | undefined;
  const io: CliIO = {
    stdout: process.stdout,
    stderr: process.stderr,
    ...(interactive
      ? {
          ask: async (q: string) => {
            rl ??= createInterface({ input: process.stdin, output: process.stdout });
            return rl.question(q);
          },
        }
      : {}),
  };
  try {
    return await main(argv, io);
  } finally {
    rl?.close();
  }
}

/**
 * @returns 0 on success, 1 when the workflow has issues or the run did not succeed, 2 on usage errors.
 * @example
 * ```ts
 * await main(['validate', 'examples/support-ticket-triage.json'], { stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(argv);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { command, file, values } = parsed;
  if (command === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const loaded = await loadJsonFile(file);
  if (!loaded.ok) return reportIssues(io, file, loaded.issues);
  const result = compile(loaded.value);
  if (!result.ok) return reportIssues(io, file, result.issues);
  for (const w of result.issues) io.stderr.write(`${formatIssues([w])}\n`);

  if (command === 'validate') {
    io.stdout.write(`✓ ${file} is valid: ${result.stats.nodes} nodes, ${result.stats.edges} edges -> ${result.stats.states} states (${result.stats.bytes} bytes of ASL)\n`);
    return 0;
  }
  if (command === 'compile') {
    const text = `${JSON.stringify(result.asl, null, 2)}\n`;
    if (values.out) {
      await writeFile(values.out, text);
      io.stdout.write(`wrote ${values.out} (${result.stats.states} states; substitutions: ${result.substitutions.join(', ') || 'none'})\n`);
    } else io.stdout.write(text);
    return 0;
  }

  // run
  let input: unknown = {};
  if (values.input !== undefined && values['input-file'] !== undefined) {
    io.stderr.write('give --input or --input-file, not both\n');
    return 2;
  }
  if (values.input !== undefined) {
    const p = parseJsonText(values.input, '--input');
    if (!p.ok) return reportIssues(io, '--input', p.issues);
    input = p.value;
  } else if (values['input-file'] !== undefined) {
    const p = await loadJsonFile(values['input-file']);
    if (!p.ok) return reportIssues(io, values['input-file'], p.issues);
    input = p.value;
  }
  const answers = new Map<string, unknown>();
  for (const a of values.answer ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0) {
      io.stderr.write(`--answer must look like <node>=<json>, received "${a}"\n`);
      return 2;
    }
    const p = parseJsonText(a.slice(eq + 1), `--answer for ${a.slice(0, eq)}`);
    if (!p.ok) return reportIssues(io, '--answer', p.issues);
    answers.set(a.slice(0, eq), p.value);
  }

  const realTime = values['real-time'] === true;
  const modelMode = values.models ?? 'local';
  if (modelMode !== 'local' && modelMode !== 'real') {
    io.stderr.write(`--models must be local or real, received "${modelMode}"\n`);
    return 2;
  }
  let runtimes = io.runtimes;
  if (!runtimes) {
    const tools = defaultTools();
    let modelDeps = {};
    if (modelMode === 'real') {
      const { BedrockRuntimeClient } = await import('@aws-sdk/client-bedrock-runtime');
      modelDeps = { bedrock: new BedrockRuntimeClient({}) };
    }
    runtimes = defaultRuntimes(tools).with(aiRuntimes({ tools, modelMode, modelDeps, ...(values['model-fixture'] ? { localModelFixture: values['model-fixture'] } : {}) }));
  }
  if (modelMode === 'local') io.stdout.write('models: the deterministic local model (simulated replies); use --models real for Bedrock\n');
  const engine = new LocalEngine({
    runtimes,
    resolveWorkflow: folderResolver(values.workflows ?? path.dirname(path.resolve(file))),
    ...(realTime ? {} : { waitMs: 0, retryDelayMs: 0 }),
  });
  let execution;
  try {
    execution = await engine.start(result.workflow, input);
  } catch (err) {
    io.stderr.write(`cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  const view = new ProgressView(result.workflow, { write: (t) => io.stdout.write(t), isTTY: io.stdout.isTTY === true });
  io.stdout.write(`running ${result.workflow.metadata.name} (${execution.executionId})\n`);
  for await (const event of execution.events) {
    view.handle(event);
    if (event.type === 'user_input_required') await answerInput(engine, execution.executionId, event, answers, io);
  }
  const outcome = await execution.result;
  if (io.stdout.isTTY !== true) io.stdout.write(`\n${view.table(false)}\n`);
  if (outcome.status === 'SUCCEEDED') {
    io.stdout.write(`\noutput:\n${JSON.stringify(outcome.output, null, 2)}\n`);
    return 0;
  }
  io.stderr.write(`\nexecution ${outcome.status}${outcome.error ? `: ${outcome.error.name}: ${outcome.error.message}` : ''}\n`);
  return 1;
}

async function answerInput(engine: LocalEngine, executionId: string, event: Extract<LifecycleEvent, { type: 'user_input_required' }>, answers: Map<string, unknown>, io: CliIO): Promise<void> {
  if (answers.has(event.node_id)) {
    try {
      await engine.answer(executionId, event.node_id, answers.get(event.node_id));
    } catch (err) {
      io.stderr.write(`--answer for ${event.node_id}: ${(err as Error).message}\n`);
      engine.stop(executionId, { error: 'Stepflow.InputInvalid', cause: (err as Error).message });
    }
    return;
  }
  if (!io.ask) {
    io.stderr.write(`node "${event.node_id}" needs input (${event.prompt}); pass --answer ${event.node_id}='<json>' matching ${JSON.stringify(event.input_schema)}\n`);
    engine.stop(executionId, { error: 'Stepflow.InputMissing', cause: `no answer for ${event.node_id}` });
    return;
  }
  for (;;) {
    const text = await io.ask(`${event.prompt}\nanswer for ${event.node_id} as JSON (schema ${JSON.stringify(event.input_schema)}): `);
    const p = parseJsonText(text, 'the answer');
    if (!p.ok) {
      io.stderr.write(`${formatIssues(p.issues)}\n`);
      continue;
    }
    try {
      await engine.answer(executionId, event.node_id, p.value);
      return;
    } catch (err) {
      io.stderr.write(`${(err as Error).message}\n`);
    }
  }
}

function reportIssues(io: CliIO, file: string, issues: readonly Issue[]): number {
  const errors = issues.filter((i) => i.severity === 'error').length;
  io.stderr.write(`✗ ${file}: ${errors} issue${errors === 1 ? '' : 's'}\n${formatIssues(issues)}\n`);
  return 1;
}

function parseCommand(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      input: { type: 'string' },
      'input-file': { type: 'string' },
      answer: { type: 'string', multiple: true },
      workflows: { type: 'string' },
      out: { type: 'string' },
      'real-time': { type: 'boolean' },
      models: { type: 'string' },
      'model-fixture': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, file, ...rest] = positionals;
  if (values.help || command === 'help' || command === undefined) return { command: 'help' as const, file: '', values };
  if (command !== 'validate' && command !== 'compile' && command !== 'run') throw new Error(`unknown command "${command}"`);
  if (file === undefined) throw new Error(`stepflow ${command} needs a workflow file`);
  if (rest.length > 0) throw new Error(`unexpected arguments: ${rest.join(' ')}`);
  if (command !== 'run') {
    for (const k of ['input', 'input-file', 'answer', 'workflows', 'real-time', 'models', 'model-fixture'] as const) {
      if (values[k] !== undefined) throw new Error(`--${k} applies to "run" only`);
    }
  }
  if (command !== 'compile' && values.out !== undefined) throw new Error('--out applies to "compile" only');
  return { command, file, values };
}
