/**
 * Loads the example workflows and runs them in the local engine with deterministic runtimes:
 * the engine's defaults (JSONata transforms, built-in tools) plus the scripted doubles of
 * {@link ScriptedRuntimes}. Human-input requests are answered from a table as they arrive, and
 * sub-workflows resolve to the other examples in this folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { EventOfType, LifecycleEvent } from '@shared/events';
import type { Workflow } from '@shared/workflow';
import { defaultRuntimes, LocalEngine, type ExecutionOutcome } from '../../local/engine';
import type { ToolRegistry } from '../../functions/run-tool/tool-registry';
import { ScriptedRuntimes, type Script } from './scripted-runtimes';

/** The examples folder. */
export const EXAMPLES_DIR = join(__dirname, '..');

/** Ids of every example (file names without `.json`), sorted. */
export function exampleIds(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** An example's document exactly as stored (defaults not applied). */
export function loadExample(id: string): Workflow {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, `${id}.json`), 'utf8')) as Workflow;
}

/** The sample input of an example (`inputs/<id>.json`, what the README's CLI commands use). */
export function loadSampleInput(id: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, 'inputs', `${id}.json`), 'utf8')) as Record<string, unknown>;
}

const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));

/**
 * Checks an execution input against the start node's `inputSchema`, as the platform does before
 * a run starts (the local engine does not), so every test input is one a real run would accept.
 * @returns the schema errors, empty when the input is valid
 */
export function inputErrors(workflow: Workflow, input: unknown): string[] {
  const start = workflow.nodes.find((n) => n.type === 'start');
  const schema = start?.type === 'start' ? start.config.inputSchema : undefined;
  if (schema === undefined) return [];
  const validate = ajv.compile(schema);
  return validate(input) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

export interface RunOptions {
  readonly script?: Script;
  /** Answers to human-input requests by node id; a list is consumed one answer per request. */
  readonly answers?: Readonly<Record<string, unknown>>;
  /** Built-in tools (default: the engine's, i.e. echo). */
  readonly tools?: ToolRegistry;
}

export interface RunResult {
  readonly outcome: ExecutionOutcome;
  /** The execution's own lifecycle events, in order. */
  readonly events: readonly LifecycleEvent[];
  /** Every event of the run, child executions included, in the order they were published. */
  readonly allEvents: readonly LifecycleEvent[];
  readonly doubles: ScriptedRuntimes;
  /** Human-input requests that were answered, in order. */
  readonly inputRequests: ReadonlyArray<EventOfType<'user_input_required'>>;
}

/**
 * Runs one example to completion.
 * @example
 * ```ts
 * const run = await runExample('research-agent', { topic: 'otters' }, { script: { agent: { research: {...} } } });
 * expect(run.outcome.status).toBe('SUCCEEDED');
 * ```
 */
export async function runExample(id: string, input: Record<string, unknown>, options: RunOptions = {}): Promise<RunResult> {
  const errors = inputErrors(loadExample(id), input);
  if (errors.length > 0) throw new Error(`the test input does not satisfy ${id}'s inputSchema: ${errors.join('; ')}`);
  const doubles = new ScriptedRuntimes(options.script);
  const engine = new LocalEngine({
    runtimes: defaultRuntimes(options.tools).with(doubles.handlers()),
    waitMs: 0,
    retryDelayMs: 0,
    resolveWorkflow: (workflowId) => loadExample(workflowId),
  });
  const allEvents: LifecycleEvent[] = [];
  const inputRequests: Array<EventOfType<'user_input_required'>> = [];
  const answered = new Map<string, number>();
  const answerFor = (nodeId: string): unknown => {
    const entry = options.answers?.[nodeId];
    if (entry === undefined) throw new Error(`the test has no answer for human-input node "${nodeId}"`);
    const n = answered.get(nodeId) ?? 0;
    answered.set(nodeId, n + 1);
    return Array.isArray(entry) ? entry[Math.min(n, entry.length - 1)] : entry;
  };
  const unsubscribe = engine.subscribe((e) => {
    allEvents.push(e);
    // Requests of child executions are answered here; the parent's below, from its own stream.
    if (e.type === 'user_input_required' && e.execution_id !== execution?.executionId) {
      inputRequests.push(e);
      const data = answerFor(e.node_id);
      queueMicrotask(() => engine.answer(e.execution_id, e.node_id, data));
    }
  });
  let execution: Awaited<ReturnType<LocalEngine['start']>> | undefined;
  try {
    execution = await engine.start(loadExample(id), input);
    const events: LifecycleEvent[] = [];
    for await (const e of execution.events) {
      events.push(e);
      if (e.type === 'user_input_required') {
        inputRequests.push(e);
        engine.answer(e.execution_id, e.node_id, answerFor(e.node_id));
      }
    }
    const outcome = await execution.result;
    return { outcome, events, allEvents, doubles, inputRequests };
  } finally {
    unsubscribe();
  }
}

/** The node lifecycle events of a run as `"<type>:<node id>"`, e.g. `node_started:classify`. */
export function nodeTrace(events: readonly LifecycleEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'node_started' || e.type === 'node_completed' || e.type === 'node_failed' ? [`${e.type}:${e.node_id}`] : []));
}

/** `node_started`/`node_completed` pairs for nodes that run one after another. */
export function sequentialTrace(nodeIds: readonly string[]): string[] {
  return nodeIds.flatMap((id) => [`node_started:${id}`, `node_completed:${id}`]);
}
