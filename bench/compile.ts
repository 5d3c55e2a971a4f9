/**
 * Compiler benchmark (`npm run bench:compile`).
 *
 * For every shape of bench/graphs.ts (chain, parallel, conditions, loops, mixed) at 10, 100,
 * 1,000 and 10,000 nodes:
 * 1. compile: the median and minimum wall time of `compile()` (parse + validate + analyse + emit +
 *    serialise) over 15/7/5 runs after a warm-up (from 1,000 nodes on, a full GC before each), with parseWorkflow and
 *    analyze timed on their own in 2-3 of them (emit+rest = compile median - both); the number
 *    of ASL states (nested included), the definition size and whether it breaks AWS's 1 MiB limit
 *    (and the ASL_TOO_LARGE warning the compiler gives then).
 * 2. run: the compiled graph in the local engine with {@link BENCH_INPUT} (the happy path),
 *    counting every state entered (nested Parallel/Map states included) through the engine's
 *    `onInterpreterEvent` hook, per role of the compiler's `states` map, and dividing by the
 *    task-node executions (llm/agent/tool/code/human_input/subworkflow/transform, loop
 *    iterations included). Sizes up to 1,000 always run. 10,000-node runs happen only when the
 *    100 and 1,000 runs predict (see {@link predictMs}) that they fit the run budget and the bench
 *    has time left; otherwise the row says why it was skipped. The interpreter
 *    (aws-local-stepfunctions) deep-copies the whole state on every transition, so a run's time
 *    grows quadratically with the results held in `$.nodes` (a 10,000-node chain ran for minutes).
 *
 * Prints two tables and a final `BENCH_JSON {...}` line. A benchmark, not a test: it asserts
 * nothing about time and exits 0 (non-zero only if a graph fails to compile or to run, which
 * would be a bug in the builders or the compiler).
 *
 * Environment: BENCH_SHAPES=chain,loops and BENCH_SIZES=10,100 limit the matrix;
 * BENCH_RUN_BUDGET_MS (default 15000) is the per-run budget for the 10,000-node runs.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseWorkflow } from '@shared/parse-workflow';
import { taskNodeTypes, type NodeType } from '@shared/workflow';
import { defaultRuntimes, LocalEngine, type InterpreterEvent } from '../local/engine';
import { compile, MAX_DEFINITION_BYTES, type StateMeta } from '../statemachines/src';
import { analyze } from '../statemachines/src/analyze';
import { BENCH_INPUT, buildGraph, SHAPES, SIZES, type BenchGraph, type Shape } from './graphs';

type Role = StateMeta['role'];
const ROLES: readonly Role[] = ['node', 'loop_next', 'loop_check', 'merge_step', 'exit', 'pause_gate'];

const TARGET_COMPILE_MS = 1000;
const TARGET_TRANSITIONS_PER_TASK = 1.05;
/** Sizes up to this always run in the engine; bigger ones only when predicted to fit the budget. */
const ALWAYS_RUN_UP_TO = 1_000;
const RUN_BUDGET_MS = Number(process.env.BENCH_RUN_BUDGET_MS ?? 15_000);
/** A run predicted within budget is still stopped after this long. */
const RUN_HARD_LIMIT_MS = 2 * RUN_BUDGET_MS;
/** No run beyond {@link ALWAYS_RUN_UP_TO} starts once the bench has taken this long. */
const BENCH_SOFT_LIMIT_MS = 105_000;

const shapes = (process.env.BENCH_SHAPES?.split(',') ?? SHAPES).filter((s): s is Shape => (SHAPES as readonly string[]).includes(s));
const sizes = (process.env.BENCH_SIZES?.split(',').map(Number) ?? SIZES).filter((n) => Number.isInteger(n) && n >= 10);

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * A full garbage collection before each timed run of a big graph, so a run does not pay for the
 * previous one's garbage (tsx runs without --expose-gc, so the flag is set at run time).
 */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const COLLECT_FROM_NODES = 1_000;

function time(fn: () => unknown, gc: boolean): number {
  if (gc) collect();
  const t0 = nowMs();
  fn();
  return nowMs() - t0;
}

/** Timed repetitions after a warm-up: fewer for the big graphs so the whole bench stays short. */
const repetitions = (size: number) => (size >= 10_000 ? 5 : size >= 1_000 ? 7 : 15);

// ---------- compile ----------

interface CompileRow {
  shape: Shape;
  target: number;
  nodes: number;
  edges: number;
  types: Readonly<Record<string, number>>;
  widestParallel: number;
  states: number;
  /** States per role (from compile's `states` map). */
  statesByRole: Record<Role, number>;
  bytes: number;
  overLimit: boolean;
  asl_too_large_warning: boolean;
  runs: number;
  compileMedianMs: number;
  compileMinMs: number;
  parseMedianMs: number;
  analyzeMedianMs: number;
  /** compile median minus parse and analyse medians: emit, serialise, size check. */
  emitMedianMs: number;
}

function benchCompile(g: BenchGraph): CompileRow {
  const first = compile(g.workflow);
  if (!first.ok) {
    const errors = first.issues.filter((i) => i.severity === 'error').slice(0, 5);
    throw new Error(`${g.shape}/${g.target} does not compile: ${errors.map((i) => `${i.code} ${i.message}`).join('; ')}`);
  }
  const runs = repetitions(g.target);
  const total: number[] = [];
  const parse: number[] = [];
  const analyse: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const gc = g.target >= COLLECT_FROM_NODES;
    total.push(time(() => compile(g.workflow), gc));
    // The first phases, timed on their own in some of the runs (compile runs them too).
    if (i % 2 === 0 && parse.length < (g.target >= 10_000 ? 2 : 3)) {
      let skeleton: ReturnType<typeof parseWorkflow>['skeleton'];
      parse.push(time(() => (skeleton = parseWorkflow(g.workflow).skeleton), gc));
      const s = skeleton;
      if (s) analyse.push(time(() => analyze(s, g.workflow.metadata.id), gc));
    }
  }
  const statesByRole = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>;
  for (const m of Object.values(first.states)) statesByRole[m.role] += 1;
  const compileMedianMs = median(total);
  const parseMedianMs = median(parse);
  const analyzeMedianMs = median(analyse);
  return {
    shape: g.shape,
    target: g.target,
    nodes: g.nodeCount,
    edges: g.edgeCount,
    types: g.types,
    widestParallel: g.widestParallel,
    states: first.stats.states,
    statesByRole,
    bytes: first.stats.bytes,
    overLimit: first.stats.bytes > MAX_DEFINITION_BYTES,
    asl_too_large_warning: first.issues.some((i) => i.code === 'ASL_TOO_LARGE'),
    runs,
    compileMedianMs: round(compileMedianMs),
    compileMinMs: round(Math.min(...total)),
    parseMedianMs: round(parseMedianMs),
    analyzeMedianMs: round(analyzeMedianMs),
    emitMedianMs: round(Math.max(0, compileMedianMs - parseMedianMs - analyzeMedianMs)),
  };
}

// ---------- run ----------

interface RunRow {
  shape: Shape;
  target: number;
  status: 'ran' | 'skipped';
  reason?: string;
  /** engine.start (compile, ASL validation by the interpreter, setup) and the execution itself. */
  startMs?: number;
  executeMs?: number;
  /** Every StateEntered (nested included). */
  transitions?: number;
  retries?: number;
  byRole?: Record<Role, number>;
  /** Role 'node' states entered, by node type. */
  nodeStatesByType?: Record<string, number>;
  nodeExecutions?: number;
  taskExecutions?: number;
  /** Entered states that are not task nodes: start, end, condition, parallel, loop, wait nodes. */
  structuralNodeExecutions?: number;
  transitionsPerTask?: number;
  statesPerNode?: number;
  /** Helper states (every role but `node`) per task execution: the "extra Pass or gate states". */
  helperPerTask?: number;
}

async function benchRun(g: BenchGraph, hardLimitMs?: number): Promise<RunRow> {
  const entered = new Map<string, number>();
  let retries = 0;
  const engine = new LocalEngine({
    runtimes: defaultRuntimes(),
    waitMs: 0,
    retryDelayMs: 0,
    onInterpreterEvent: (_executionId: string, e: InterpreterEvent) => {
      const name = e.state?.name;
      if (name === undefined) return;
      if (e.type === 'StateEntered') entered.set(name, (entered.get(name) ?? 0) + 1);
      else if (e.type === 'StateRetried') retries += 1;
    },
  });
  const t0 = nowMs();
  const execution = await engine.start(g.workflow, g.input);
  const t1 = nowMs();
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<'stopped'>((resolve) => {
    if (hardLimitMs !== undefined) timer = setTimeout(() => resolve('stopped'), Math.max(0, hardLimitMs - (t1 - t0)));
  });
  const outcome = await Promise.race([execution.result, stopped]);
  const t2 = nowMs();
  if (timer) clearTimeout(timer);
  if (outcome === 'stopped') {
    engine.stop(execution.executionId);
    await execution.result;
    return { shape: g.shape, target: g.target, status: 'skipped', reason: `stopped after ${((t2 - t0) / 1000).toFixed(0)} s, the hard limit; ${entered.size} states reached so far` };
  }
  if (outcome.status !== 'SUCCEEDED') {
    throw new Error(`${g.shape}/${g.target} ended ${outcome.status}: ${outcome.error?.name ?? ''} ${outcome.error?.message ?? ''}`);
  }
  const states = execution.compiled.states;
  const byRole = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>;
  const nodeStatesByType: Record<string, number> = {};
  let transitions = 0;
  let tasks = 0;
  for (const [name, count] of entered) {
    const meta = states[name];
    if (!meta) throw new Error(`${g.shape}/${g.target}: state "${name}" is not in the compiler's states map`);
    transitions += count;
    byRole[meta.role] += count;
    if (meta.role !== 'node') continue;
    nodeStatesByType[meta.nodeType] = (nodeStatesByType[meta.nodeType] ?? 0) + count;
    if (taskNodeTypes.has(meta.nodeType as NodeType)) tasks += count;
  }
  const nodeExecutions = byRole.node;
  return {
    shape: g.shape,
    target: g.target,
    status: 'ran',
    startMs: round(t1 - t0),
    executeMs: round(t2 - t1),
    transitions,
    retries,
    byRole,
    nodeStatesByType: Object.fromEntries(Object.entries(nodeStatesByType).sort(([a], [b]) => a.localeCompare(b))),
    nodeExecutions,
    taskExecutions: tasks,
    structuralNodeExecutions: nodeExecutions - tasks,
    transitionsPerTask: round(transitions / tasks, 3),
    statesPerNode: round(transitions / nodeExecutions, 3),
    helperPerTask: round((transitions - nodeExecutions) / tasks, 3),
  };
}

// ---------- output ----------

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, rightAlign: ReadonlySet<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fmt = (n: number | undefined, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0)} KiB`;

async function main(): Promise<void> {
  const benchStarted = nowMs();
  console.log(`Stepflow compiler benchmark: node ${process.version}, ${shapes.length} shapes x sizes ${sizes.join(', ')}`);
  console.log(`happy-path input: ${JSON.stringify(BENCH_INPUT)}\n`);

  // Warm the JIT on small graphs of every shape before anything is timed.
  for (const shape of shapes) for (let i = 0; i < 10; i += 1) compile(buildGraph(shape, 100).workflow);

  const graphs = new Map<string, BenchGraph>();
  const key = (shape: Shape, size: number) => `${shape}/${size}`;
  const compileRows: CompileRow[] = [];
  const compileStarted = nowMs();
  for (const size of sizes) {
    for (const shape of shapes) {
      const g = buildGraph(shape, size);
      graphs.set(key(shape, size), g);
      compileRows.push(benchCompile(g));
    }
  }

  const typeOrder = ['tool', 'transform', 'condition', 'parallel', 'merge', 'loop'];
  console.log('GRAPHS (every graph also has one start and one end node; tools and transforms alternate)');
  console.log(
    table(
      ['shape', 'target', ...typeOrder, 'widest parallel'],
      compileRows.map((r) => [r.shape, String(r.target), ...typeOrder.map((t) => String(r.types[t] ?? 0)), r.widestParallel > 0 ? `${r.widestParallel} branch${r.widestParallel === 1 ? '' : 'es'}` : '-']),
      new Set([1, 2, 3, 4, 5, 6, 7, 8]),
    ),
  );
  console.log('');
  console.log('COMPILE (compile() = parse + validate + analyse + emit + serialise; median of N runs after a warm-up)');
  console.log(
    table(
      ['shape', 'target', 'nodes', 'edges', 'states', 'helper states', 'definition', '>1 MiB', 'N', 'median ms', 'min ms', 'parse', 'analyse', 'emit+rest', `<${TARGET_COMPILE_MS} ms`],
      compileRows.map((r) => [
        r.shape,
        String(r.target),
        String(r.nodes),
        String(r.edges),
        String(r.states),
        ROLES.filter((x) => x !== 'node' && r.statesByRole[x] > 0).map((x) => `${x}:${r.statesByRole[x]}`).join(' ') || '-',
        kib(r.bytes),
        r.overLimit ? `yes${r.asl_too_large_warning ? ' (warned)' : ' (NOT warned)'}` : 'no',
        String(r.runs),
        fmt(r.compileMedianMs),
        fmt(r.compileMinMs),
        fmt(r.parseMedianMs),
        fmt(r.analyzeMedianMs),
        fmt(r.emitMedianMs),
        r.compileMedianMs < TARGET_COMPILE_MS ? 'yes' : 'NO',
      ]),
      new Set([1, 2, 3, 4, 6, 8, 9, 10, 11, 12, 13]),
    ),
  );
  console.log('(helper states = states that are not a node\'s own state; pause_gate: one per Lambda-backed node, entered only on pause)\n');

  const compilePhaseMs = nowMs() - compileStarted;
  const runStarted = nowMs();
  // Runs, smallest sizes first so the 10,000-node decision can use the measured growth.
  const runRows: RunRow[] = [];
  const runMs = new Map<string, number>();
  for (const size of sizes) {
    for (const shape of shapes) {
      const g = graphs.get(key(shape, size)) as BenchGraph;
      let hardLimit: number | undefined;
      if (size > ALWAYS_RUN_UP_TO) {
        const measured = sizes.filter((n) => n < size && runMs.has(key(shape, n))).map((n): [number, number] => [n, runMs.get(key(shape, n)) as number]);
        if (measured.length === 0) {
          runRows.push({ shape, target: size, status: 'skipped', reason: 'no smaller run to extrapolate from' });
          continue;
        }
        const predicted = predictMs(measured, size);
        const elapsed = nowMs() - benchStarted;
        if (predicted > RUN_BUDGET_MS) {
          runRows.push({ shape, target: size, status: 'skipped', reason: `predicted ~${(predicted / 1000).toFixed(0)} s from the smaller runs, over the ${RUN_BUDGET_MS / 1000} s budget` });
          continue;
        }
        if (elapsed + predicted > BENCH_SOFT_LIMIT_MS) {
          runRows.push({ shape, target: size, status: 'skipped', reason: `predicted ~${(predicted / 1000).toFixed(0)} s, but the bench has run ${(elapsed / 1000).toFixed(0)} s already` });
          continue;
        }
        hardLimit = RUN_HARD_LIMIT_MS;
      }
      const row = await benchRun(g, hardLimit);
      if (row.status === 'ran') runMs.set(key(shape, size), (row.startMs ?? 0) + (row.executeMs ?? 0));
      runRows.push(row);
    }
  }

  console.log('RUN (local engine, happy path; transitions = every state entered, nested included)');
  console.log(
    table(
      ['shape', 'target', 'start ms', 'run ms', 'transitions', 'node execs', 'task execs', 'trans/task', 'states/node', 'helper/task', `<=${TARGET_TRANSITIONS_PER_TASK}`, 'where transitions come from'],
      runRows.map((r) =>
        r.status === 'skipped'
          ? [r.shape, String(r.target), '-', '-', '-', '-', '-', '-', '-', '-', '-', `skipped (${r.reason ?? ''})`]
          : [
              r.shape,
              String(r.target),
              fmt(r.startMs, 0),
              fmt(r.executeMs, 0),
              String(r.transitions),
              String(r.nodeExecutions),
              String(r.taskExecutions),
              fmt(r.transitionsPerTask, 3),
              fmt(r.statesPerNode, 3),
              fmt(r.helperPerTask, 3),
              (r.transitionsPerTask ?? Infinity) <= TARGET_TRANSITIONS_PER_TASK ? 'yes' : 'NO',
              breakdown(r),
            ],
      ),
      new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ),
  );
  console.log(
    '(start ms: engine.start = compile + the interpreter\'s ASL validation; node execs: states of nodes of every type; task execs: llm/agent/tool/code/human_input/subworkflow/transform entries;\n' +
      ' breakdown: task = task-node states, other node states by type, then helper states by role)\n',
  );

  const runPhaseMs = nowMs() - runStarted;
  const ran = runRows.filter((r) => r.status === 'ran');
  const tenK = compileRows.filter((r) => r.target === 10_000);
  const summary = {
    node: process.version,
    targets: { compileMs10k: TARGET_COMPILE_MS, transitionsPerTask: TARGET_TRANSITIONS_PER_TASK },
    verdict: {
      compile10kUnderTarget: tenK.length === 0 ? null : tenK.every((r) => r.compileMedianMs < TARGET_COMPILE_MS),
      compile10kMaxMedianMs: tenK.length === 0 ? null : Math.max(...tenK.map((r) => r.compileMedianMs)),
      transitionsPerTaskMax: ran.length === 0 ? null : Math.max(...ran.map((r) => r.transitionsPerTask ?? 0)),
      shapesWithinTransitionTarget: [...new Set(ran.filter((r) => (r.transitionsPerTask ?? Infinity) <= TARGET_TRANSITIONS_PER_TASK).map((r) => `${r.shape}/${r.target}`))],
      helperStatesEnteredOnHappyPath: ran.reduce((s, r) => s + ((r.transitions ?? 0) - (r.nodeExecutions ?? 0)), 0),
    },
    compile: compileRows,
    run: runRows,
    compilePhaseMs: Math.round(compilePhaseMs),
    runPhaseMs: Math.round(runPhaseMs),
    elapsedMs: Math.round(nowMs() - benchStarted),
  };
  console.log(`total ${(summary.elapsedMs / 1000).toFixed(1)} s (compile benchmark ${(compilePhaseMs / 1000).toFixed(1)} s, engine runs ${(runPhaseMs / 1000).toFixed(1)} s)`);
  console.log(`BENCH_JSON ${JSON.stringify(summary)}`);
}

/**
 * Predicts a run's time at `n` nodes from the two largest measured sizes with t = a*n + b*n^2
 * (a, b >= 0): the interpreter deep-copies the whole state on every transition, so a run grows
 * up to quadratically with the number of results in the state. Start-up costs that do not grow
 * (the interpreter's ASL schema compilation) make this err on the high side.
 */
function predictMs(measured: ReadonlyArray<[number, number]>, n: number): number {
  const [n2, t2] = measured[measured.length - 1] as [number, number];
  const prev = measured[measured.length - 2];
  if (!prev) return (t2 * n) / n2;
  const [n1, t1] = prev;
  const b = Math.max(0, (t2 / n2 - t1 / n1) / (n2 - n1));
  const a = Math.max(0, t2 / n2 - b * n2);
  return a * n + b * n * n;
}

function breakdown(r: RunRow): string {
  const parts: string[] = [];
  parts.push(`task:${r.taskExecutions ?? 0}`);
  for (const [type, n] of Object.entries(r.nodeStatesByType ?? {})) if (!taskNodeTypes.has(type as NodeType)) parts.push(`${type}:${n}`);
  for (const role of ROLES) if (role !== 'node' && (r.byRole?.[role] ?? 0) > 0) parts.push(`${role}:${r.byRole?.[role] ?? 0}`);
  return parts.join(' ');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
