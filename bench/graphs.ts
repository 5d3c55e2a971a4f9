/**
 * Deterministic workflow graphs for the compiler benchmark (bench/compile.ts).
 *
 * Every graph is built from composable segments. A segment knows its node count up front and,
 * when emitted, takes the "open ends" it continues from (ports: a node id and an optional
 * source handle) and returns its own open ends. A condition whose arms are not joined returns
 * several open ends, so the arms rejoin at whatever comes next: a task, a parallel's merge (the
 * compiler then adds an `exit` Pass) or, at the end of a loop body, the loop node itself.
 *
 * Shapes (all start at `start` and finish at `end`; task nodes alternate between a builtin echo
 * tool, which runs as a Lambda task, and a mapping transform, which compiles to a Pass state):
 * - `chain`: one long chain of tasks.
 * - `parallel`: parallels of chains, some wide (12, 30 and 130 branches, i.e. one or two
 *   extra merge levels), one with a nested parallel in a branch.
 * - `conditions`: trees of conditions (two rules and a default per condition) whose arms are
 *   chains, nested trees or empty, rejoining at a join task.
 * - `loops`: for_each loops (over the input, over a node's output, over an outer loop's item)
 *   and while loops, nested both ways.
 * - `mixed`: all of the above, plus conditions inside branches and loop bodies and loops
 *   inside branches.
 *
 * {@link BENCH_INPUT} drives the happy path: every condition's taken arm is fixed by its rules
 * (`{{input.x}} gt 3` holds, `gt 100` does not), for_each loops see 3 (or 2) items, while
 * loops run 2 passes.
 */
import type { WorkflowInput } from '@shared/workflow';

export type Shape = 'chain' | 'parallel' | 'conditions' | 'loops' | 'mixed';
export const SHAPES: readonly Shape[] = ['chain', 'parallel', 'conditions', 'loops', 'mixed'];
export const SIZES: readonly number[] = [10, 100, 1_000, 10_000];

type NodeInput = WorkflowInput['nodes'][number];
type EdgeInput = WorkflowInput['edges'][number];
type ConditionRuleInput = Extract<NodeInput, { type: 'condition' }>['config']['rules'][number];
type LoopConfigInput = Extract<NodeInput, { type: 'loop' }>['config'];

/** The execution input for every graph: it drives the happy path. */
export const BENCH_INPUT = { x: 5, items: [1, 2, 3], pairs: [[1, 2], [3, 4]] } as const;
/** Passes every while loop makes on the happy path. */
export const WHILE_PASSES = 2;

export interface Port {
  readonly id: string;
  readonly handle?: string;
}
type Ports = readonly Port[];

export interface Segment {
  /** Nodes the segment adds. */
  readonly size: number;
  emit(b: GraphBuilder, from: Ports): Ports;
}

/** Accumulates nodes and edges with sequential, deterministic ids. */
export class GraphBuilder {
  readonly nodes: NodeInput[] = [];
  readonly edges: EdgeInput[] = [];
  private seq = 0;
  private edgeSeq = 0;
  private taskSeq = 0;
  private conditionSeq = 0;
  /** Enclosing for_each loops (innermost last) and whether their items are arrays. */
  readonly forEachStack: Array<{ id: string; arrayItems: boolean }> = [];
  widestParallel = 0;

  newId(prefix: string): string {
    this.seq += 1;
    return `${prefix}${this.seq}`;
  }

  connect(from: Ports, target: string): void {
    for (const p of from) {
      this.edgeSeq += 1;
      this.edges.push({ id: `e${this.edgeSeq}`, source: p.id, target, ...(p.handle === undefined ? {} : { sourceHandle: p.handle }) });
    }
  }

  /** Node type by id. */
  readonly typeOf = new Map<string, NodeInput['type']>();

  add(node: NodeInput, from: Ports): string {
    this.nodes.push(node);
    this.typeOf.set(node.id, node.type);
    this.connect(from, node.id);
    return node.id;
  }

  /** A task node: an echo tool (Lambda task) or a mapping transform (Pass), alternately. */
  task(from: Ports): Port {
    this.taskSeq += 1;
    const n = this.taskSeq;
    const id = this.newId('t');
    if (n % 2 === 1) {
      this.add({ id, type: 'tool', config: { kind: 'builtin', name: 'echo', args: { message: `step ${n}` } } }, from);
    } else {
      // Some transforms read the input or an enclosing for_each's current item (the outermost
      // one when nested), so loop bodies must import the start node or outer loops' results.
      const inner = this.forEachStack[this.forEachStack.length - 1];
      const outer = this.forEachStack[0];
      const mapping: Record<string, unknown> = { step: n };
      if (n % 6 === 0) mapping.x = '{{input.x}}';
      else if (n % 6 === 2 && inner) mapping.item = `{{nodes.${inner.id}.item}}`;
      else if (n % 6 === 4 && outer) mapping.outer = `{{nodes.${outer.id}.index}}`;
      this.add({ id, type: 'transform', config: { mode: 'mapping', mapping } }, from);
    }
    return { id };
  }

  /** The arm a new condition takes: rule 0, rule 1 and the default in turn. */
  nextTakenArm(arms: number): number {
    const k = this.conditionSeq % arms;
    this.conditionSeq += 1;
    return k;
  }
}

const sum = (segs: readonly Segment[]) => segs.reduce((s, x) => s + x.size, 0);

/** `n` task nodes in a row. */
export function tasks(n: number): Segment {
  if (n < 1) throw new Error('tasks(n) needs n >= 1');
  return {
    size: n,
    emit(b, from) {
      let ends: Ports = from;
      for (let i = 0; i < n; i += 1) ends = [b.task(ends)];
      return ends;
    },
  };
}

export function seq(...parts: Segment[]): Segment {
  return { size: sum(parts), emit: (b, from) => parts.reduce<Ports>((ends, s) => s.emit(b, ends), from) };
}

/** A parallel with one branch per segment, all meeting at one merge. */
export function parallel(branches: readonly Segment[]): Segment {
  if (branches.length < 1) throw new Error('parallel needs a branch');
  return {
    size: 2 + sum(branches),
    emit(b, from) {
      const p = b.add({ id: b.newId('p'), type: 'parallel', config: {} }, from);
      b.widestParallel = Math.max(b.widestParallel, branches.length);
      const ends = branches.flatMap((br) => br.emit(b, [{ id: p }]));
      const m = b.add({ id: b.newId('m'), type: 'merge', config: {} }, ends);
      return [{ id: m }];
    },
  };
}

/** `count` branches of `length` tasks each. */
export function wideParallel(count: number, length: number): Segment {
  return parallel(Array.from({ length: count }, () => tasks(length)));
}

/**
 * A condition with `arms.length - 1` rules and a default (the last arm). A null arm is empty:
 * its handle goes straight to what follows. With `join`, the arms rejoin at a join task;
 * without, every arm's end is left open for the next segment. `taken` fixes the happy-path arm
 * (default: rule 0, rule 1 and the default in turn across conditions).
 */
export function condition(arms: ReadonlyArray<Segment | null>, opts: { join: boolean; taken?: number }): Segment {
  if (arms.length < 2) throw new Error('a condition needs a rule arm and a default arm');
  const size = 1 + arms.reduce((s, a) => s + (a?.size ?? 0), 0) + (opts.join ? 1 : 0);
  return {
    size,
    emit(b, from) {
      const last = arms.length - 1;
      const taken = opts.taken ?? b.nextTakenArm(arms.length);
      const rules: ConditionRuleInput[] = arms.slice(0, last).map((_, k) => ({ id: `r${k}`, when: { left: '{{input.x}}', op: 'gt', right: k === taken ? 3 : 100 } }));
      const c = b.add({ id: b.newId('c'), type: 'condition', config: { rules } }, from);
      const ends = arms.flatMap((arm, k) => {
        const port: Port = { id: c, handle: k === last ? 'default' : `r${k}` };
        return arm ? arm.emit(b, [port]) : [port];
      });
      return opts.join ? [b.task(ends)] : ends;
    },
  };
}

/** A condition tree of the given depth (3 arms per condition), joined at a task. */
export function conditionTree(depth: number, variant = 0): Segment {
  const inner = depth > 1;
  return condition(
    [inner ? conditionTree(depth - 1, variant + 1) : tasks(2), inner || variant % 2 === 0 ? tasks(1) : null, inner ? conditionTree(depth - 1, variant) : tasks(3)],
    { join: true },
  );
}

type ItemsSource = 'input' | 'node' | 'pairs' | 'outer_item';

/**
 * A loop node with its body. for_each items: `input` ({{input.items}}, 3 items), `node` (a
 * transform's output list, adds that transform), `pairs` ({{input.pairs}}, 2 arrays) or
 * `outer_item` (the enclosing `pairs` loop's current item, 2 values). while: repeats
 * {@link WHILE_PASSES} times (condition on its own iteration counter).
 * The body must start with a task; when it ends in several open ends, that task is the output.
 */
export function loop(mode: 'for_each' | 'while', body: Segment, items: ItemsSource = 'input'): Segment {
  const extra = mode === 'for_each' && items === 'node' ? 1 : 0;
  return {
    size: 1 + extra + body.size,
    emit(b, from) {
      let ends = from;
      let itemsRef = '{{input.items}}';
      if (mode === 'for_each' && items === 'node') {
        const t = b.add({ id: b.newId('t'), type: 'transform', config: { mode: 'mapping', mapping: { list: '{{input.items}}' } } }, ends);
        ends = [{ id: t }];
        itemsRef = `{{nodes.${t}.output.list}}`;
      } else if (items === 'pairs') itemsRef = '{{input.pairs}}';
      else if (items === 'outer_item') {
        const outer = b.forEachStack[b.forEachStack.length - 1];
        if (!outer?.arrayItems) throw new Error('outer_item needs an enclosing for_each over arrays');
        itemsRef = `{{nodes.${outer.id}.item}}`;
      }
      const id = b.newId(mode === 'for_each' ? 'fe' : 'wh');
      const config: LoopConfigInput =
        mode === 'for_each'
          ? { mode: 'for_each', items: itemsRef }
          : { mode: 'while', condition: { left: `{{nodes.${id}.iteration}}`, op: 'lt', right: WHILE_PASSES }, maxIterations: WHILE_PASSES + 3 };
      b.add({ id, type: 'loop', config }, ends);
      const firstBodyNode = b.nodes.length;
      if (mode === 'for_each') b.forEachStack.push({ id, arrayItems: items === 'pairs' });
      const bodyEnds = body.emit(b, [{ id, handle: 'body' }]);
      if (mode === 'for_each') b.forEachStack.pop();
      b.connect(bodyEnds, id);
      const first = b.nodes[firstBodyNode];
      const lastEnd = bodyEnds.length === 1 ? bodyEnds[0] : undefined;
      const single = lastEnd !== undefined && lastEnd.handle === undefined && b.typeOf.get(lastEnd.id) !== 'merge';
      if (!single) {
        if (!first || (first.type !== 'tool' && first.type !== 'transform')) throw new Error(`loop ${id}: the body must start with a task`);
        config.output = first.id;
      }
      return [{ id, handle: 'done' }];
    },
  };
}

/**
 * Fills `budget` nodes: segments from `schedule` in turn (each followed by `gap` tasks), skipping
 * those that no longer fit; then `fallback(remaining)` once, then tasks to hit the budget exactly.
 */
export function fill(budget: number, schedule: readonly Segment[], gap: number, fallback?: (remaining: number) => Segment | undefined): Segment {
  const parts: Segment[] = [];
  let left = budget;
  let misses = 0;
  for (let i = 0; misses < schedule.length; i = (i + 1) % schedule.length) {
    const s = schedule[i] as Segment;
    if (s.size + gap <= left) {
      parts.push(s);
      if (gap > 0) parts.push(tasks(gap));
      left -= s.size + gap;
      misses = 0;
    } else misses += 1;
  }
  const f = fallback?.(left);
  if (f && f.size <= left) {
    parts.push(f);
    left -= f.size;
  }
  if (left > 0) parts.push(tasks(left));
  return seq(...parts);
}

// ---------- shapes ----------

function parallelShape(budget: number): Segment {
  const schedule = [
    wideParallel(12, 2), // 12 branches: one merge_step
    wideParallel(3, 4),
    parallel([tasks(3), seq(tasks(1), wideParallel(3, 2), tasks(1)), tasks(3), tasks(2)]), // nested parallel
    wideParallel(30, 3), // 3 merge groups: one merge_step
    wideParallel(4, 5),
    wideParallel(130, 2), // 12 groups -> 2 -> 1: two merge_steps
  ];
  return fill(budget, schedule, 1, (left) => (left >= 4 ? wideParallel(left - 2, 1) : undefined));
}

function conditionsShape(budget: number): Segment {
  const schedule = [conditionTree(3), conditionTree(2, 1), conditionTree(4), conditionTree(1, 1), conditionTree(5), conditionTree(1)];
  return fill(budget, schedule, 0, (left) => (left >= 5 ? condition([tasks(1), tasks(left - 3)], { join: true }) : undefined));
}

function loopsShape(budget: number): Segment {
  const schedule = [
    loop('for_each', tasks(4), 'input'),
    loop('while', tasks(3)),
    loop('for_each', tasks(3), 'node'),
    loop('for_each', seq(tasks(1), loop('for_each', tasks(2), 'outer_item'), tasks(1)), 'pairs'), // nested for_each
    loop('for_each', seq(tasks(1), loop('while', tasks(2)), tasks(1)), 'input'), // while in for_each
    loop('while', seq(tasks(1), loop('for_each', tasks(2), 'input'), tasks(1))), // for_each in while
    loop('while', seq(tasks(2), loop('while', tasks(1)), tasks(1))), // while in while
  ];
  return fill(budget, schedule, 1, (left) => (left >= 2 ? loop('for_each', tasks(left - 1), 'input') : undefined));
}

function mixedShape(budget: number): Segment {
  if (budget < 30) {
    // Too small for the blocks below: one of each kind (8 nodes), then tasks.
    const mini = seq(condition([tasks(1), null], { join: true }), loop('while', tasks(1)), parallel([tasks(1)]));
    return budget >= mini.size ? fill(budget, [mini], 0) : tasks(budget);
  }
  const schedule = [
    tasks(5),
    // Branches with a condition whose default arm goes straight to the merge (an exit Pass),
    // a loop and a chain.
    parallel([tasks(2), seq(tasks(1), condition([tasks(1), null], { join: false, taken: 1 })), loop('for_each', tasks(2), 'input'), tasks(3)]),
    conditionTree(2),
    // A for_each body ending in a condition whose default arm goes back to the loop (exit Pass).
    loop('for_each', seq(tasks(1), condition([tasks(2), null], { join: false, taken: 1 })), 'input'),
    // A while body with a parallel and an open-ended condition.
    loop('while', seq(tasks(1), wideParallel(3, 1), condition([tasks(1), null], { join: false }))),
    // A wide parallel with loops in some branches.
    parallel(Array.from({ length: 13 }, (_, i) => (i % 4 === 0 ? loop(i % 8 === 0 ? 'while' : 'for_each', tasks(2), 'input') : tasks(2)))),
    // A condition tree with a loop and a parallel in its arms.
    condition([seq(tasks(1), loop('for_each', tasks(2), 'node')), wideParallel(2, 2), conditionTree(2, 1)], { join: true }),
    loop('for_each', seq(tasks(1), loop('for_each', seq(tasks(1), conditionTree(1)), 'outer_item'), tasks(1)), 'pairs'),
  ];
  return fill(budget, schedule, 1, (left) => (left >= 4 ? condition([tasks(1), tasks(left - 3)], { join: true }) : undefined));
}

export interface BenchGraph {
  readonly shape: Shape;
  readonly target: number;
  readonly workflow: WorkflowInput;
  readonly input: Record<string, unknown>;
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Node count by type. */
  readonly types: Readonly<Record<string, number>>;
  readonly widestParallel: number;
}

/**
 * Builds the graph of one shape with exactly `target` nodes (start and end included; the
 * smallest sizes fall back to a simpler block of the same kind where the usual ones do not fit).
 */
export function buildGraph(shape: Shape, target: number): BenchGraph {
  if (target < 4) throw new Error('graphs have at least 4 nodes');
  const budget = target - 2;
  const body = shape === 'chain' ? tasks(budget) : shape === 'parallel' ? parallelShape(budget) : shape === 'conditions' ? conditionsShape(budget) : shape === 'loops' ? loopsShape(budget) : mixedShape(budget);
  const b = new GraphBuilder();
  b.add({ id: 'start', type: 'start', config: {} }, []);
  const ends = body.emit(b, [{ id: 'start' }]);
  b.add({ id: 'end', type: 'end', config: {} }, ends);
  const types: Record<string, number> = {};
  for (const n of b.nodes) types[n.type] = (types[n.type] ?? 0) + 1;
  return {
    shape,
    target,
    workflow: {
      schemaVersion: 1,
      metadata: { id: `bench-${shape}-${target}`, name: `bench ${shape} ${target}` },
      settings: { type: 'STANDARD' },
      nodes: b.nodes,
      edges: b.edges,
    },
    input: structuredClone(BENCH_INPUT) as unknown as Record<string, unknown>,
    nodeCount: b.nodes.length,
    edgeCount: b.edges.length,
    types,
    widestParallel: b.widestParallel,
  };
}
