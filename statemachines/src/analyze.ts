/**
 * Graph analysis: everything the compiler must know about a workflow's shape before it can emit
 * ASL, and every structural issue it can find, collected (never thrown).
 *
 * The graph is cut into regions, each of which becomes one ASL `States` map:
 * - the root region (from the start node);
 * - one region per parallel branch (from the branch's first node up to the parallel's merge);
 * - one region per loop body (from the loop's `body` edge back to the loop node).
 *
 * Inside a region, a loop counts as a single node and a nested parallel as two (the parallel,
 * where its error edges leave, and its merge, reached only when every branch succeeded), so every
 * region is a DAG whose dominator tree answers "has node R always run before node N?", which is
 * how references between nodes are checked.
 */
import { collectReferences, type Reference } from '@shared/template';
import { issue, warning, type Issue } from '@shared/issues';
import type { WorkflowSkeleton } from '@shared/parse-workflow';
import {
  catchableNodeTypes,
  Handles,
  nodeTypesWithOutput,
  taskNodeTypes,
  WorkflowLimits,
  type NodeType,
  type WorkflowEdge,
  type WorkflowNode,
  type NodeOfType,
} from '@shared/workflow';

/** The virtual exit of a branch or body region. */
export const EXIT = '#exit';

export interface Region {
  readonly id: string;
  readonly kind: 'root' | 'branch' | 'body';
  /** The parallel or loop node that owns this region (absent for the root). */
  readonly owner?: string;
  readonly entry: string;
  /** The node that ends the region: the merge for a branch, the loop node for a body. */
  readonly exitTarget?: string;
  readonly parent?: Region;
  /** Direct members in topological order (a nested parallel or loop appears as one member). */
  members: string[];
}

export interface NodeSuccessors {
  /** The next node on success (start, tasks, wait, merge). */
  next?: string;
  /** Condition arms: rule id or 'default' -> target. */
  arms: Map<string, string>;
  /** Error edges, in catch order (specific classes first). */
  errors: WorkflowEdge[];
  /** Parallel branch targets, in edge order. */
  branches: string[];
  body?: string;
  done?: string;
}

export interface Analysis {
  readonly nodes: ReadonlyMap<string, WorkflowNode>;
  readonly types: ReadonlyMap<string, NodeType>;
  readonly order: readonly string[];
  readonly startId: string;
  readonly succ: ReadonlyMap<string, NodeSuccessors>;
  readonly root: Region;
  readonly regionOf: ReadonlyMap<string, Region>;
  /** Branch regions of each parallel, in edge order. */
  readonly branchesOf: ReadonlyMap<string, Region[]>;
  readonly bodyOf: ReadonlyMap<string, Region>;
  readonly mergeOf: ReadonlyMap<string, string>;
  /** The body node whose output each loop collects. */
  readonly loopOutput: ReadonlyMap<string, string>;
  /** For each node: the node ids its config references with `{{nodes.<id>...}}`. */
  readonly refsOf: ReadonlyMap<string, ReadonlySet<string>>;
  /** For each for-each loop: outer node ids its body (at any depth) references. */
  readonly loopImports: ReadonlyMap<string, readonly string[]>;
  /** Nodes whose config references `{{input...}}` (so their payload carries the input). */
  readonly usesInput: ReadonlySet<string>;
}

export type AnalyzeResult = { ok: true; analysis: Analysis; issues: Issue[] } | { ok: false; issues: Issue[] };

const normalHandle = (h: string | undefined) => h === undefined || h === 'out';

/** Dominator tree of one region, answering dominance queries in O(1). */
class Dominators {
  private readonly tin = new Map<string, number>();
  private readonly tout = new Map<string, number>();
  readonly idom = new Map<string, string>();

  constructor(entry: string, topo: readonly string[], preds: ReadonlyMap<string, readonly string[]>) {
    const depth = new Map<string, number>([[entry, 0]]);
    const lca = (a0: string, b0: string): string => {
      let a = a0;
      let b = b0;
      while (a !== b) {
        const da = depth.get(a) ?? 0;
        const db = depth.get(b) ?? 0;
        if (da >= db) a = this.idom.get(a) ?? entry;
        else b = this.idom.get(b) ?? entry;
      }
      return a;
    };
    for (const n of topo) {
      if (n === entry) continue;
      const ps = (preds.get(n) ?? []).filter((p) => depth.has(p));
      if (ps.length === 0) continue;
      let d = ps[0] as string;
      for (let i = 1; i < ps.length; i += 1) d = lca(d, ps[i] as string);
      this.idom.set(n, d);
      depth.set(n, (depth.get(d) ?? 0) + 1);
    }
    const children = new Map<string, string[]>();
    for (const [n, d] of this.idom) {
      const list = children.get(d);
      if (list) list.push(n);
      else children.set(d, [n]);
    }
    let clock = 0;
    const stack: Array<[string, boolean]> = [[entry, false]];
    while (stack.length > 0) {
      const [n, done] = stack.pop() as [string, boolean];
      if (done) {
        this.tout.set(n, clock);
        continue;
      }
      this.tin.set(n, clock);
      clock += 1;
      stack.push([n, true]);
      for (const c of children.get(n) ?? []) stack.push([c, false]);
    }
  }

  /** True when every path from the region entry to `b` passes through `a` (a !== b). */
  strictlyDominates(a: string, b: string): boolean {
    if (a === b) return false;
    const ta = this.tin.get(a);
    const tb = this.tin.get(b);
    const oa = this.tout.get(a);
    if (ta === undefined || tb === undefined || oa === undefined) return false;
    return ta <= tb && tb < oa;
  }
}

/**
 * Analyses a workflow's graph.
 *
 * @example
 * ```ts
 * const r = analyze(parsed.skeleton, parsed.workflow?.metadata.id);
 * if (r.ok) r.analysis.root.members // ['start', 'fetch', 'end']
 * ```
 */
export function analyze(skeleton: WorkflowSkeleton, workflowId?: string): AnalyzeResult {
  const issues: Issue[] = [];
  const types = new Map<string, NodeType>();
  const nodes = new Map<string, WorkflowNode>();
  const index = new Map<string, number>();
  skeleton.nodes.forEach((n, i) => {
    types.set(n.id, n.type);
    index.set(n.id, i);
    if (n.node) nodes.set(n.id, n.node);
  });
  const byDocOrder = (a: string, b: string) => (index.get(a) ?? 0) - (index.get(b) ?? 0);

  // ---- start ----
  const starts = skeleton.nodes.filter((n) => n.type === 'start').map((n) => n.id);
  if (starts.length === 0) issues.push(issue('NO_START', 'the workflow has no start node: add one node of type "start"'));
  if (starts.length > 1) {
    for (const id of starts.slice(1)) issues.push(issue('MULTIPLE_STARTS', `there are ${starts.length} start nodes (${starts.join(', ')}); keep exactly one`, { nodeId: id }));
  }
  if (!skeleton.nodes.some((n) => n.type === 'end')) issues.push(issue('NO_END', 'the workflow has no end node: add one node of type "end"'));

  // ---- edges ----
  const out = new Map<string, WorkflowEdge[]>();
  const inc = new Map<string, WorkflowEdge[]>();
  const seenTriples = new Set<string>();
  for (const e of skeleton.edges) {
    const missing = [e.source, e.target].filter((id) => !types.has(id));
    if (missing.length > 0) {
      issues.push(issue('DANGLING_EDGE', `edge "${e.id}" connects ${missing.map((m) => `"${m}"`).join(' and ')}, which ${missing.length > 1 ? 'are not nodes' : 'is not a node'} of this workflow`, { edgeId: e.id, field: missing.includes(e.source) ? 'source' : 'target' }));
      continue;
    }
    if (e.source === e.target) {
      issues.push(issue('SELF_LOOP', `edge "${e.id}" connects node "${e.source}" to itself; use a loop node to repeat work`, { edgeId: e.id, nodeId: e.source }));
      continue;
    }
    const triple = `${e.source}\u0000${e.sourceHandle ?? ''}\u0000${e.target}`;
    if (seenTriples.has(triple)) {
      issues.push(issue('DUPLICATE_EDGE', `edge "${e.id}" repeats another edge from "${e.source}" to "${e.target}"`, { edgeId: e.id }));
      continue;
    }
    seenTriples.add(triple);
    (out.get(e.source) ?? out.set(e.source, []).get(e.source) ?? []).push(e);
    (inc.get(e.target) ?? inc.set(e.target, []).get(e.target) ?? []).push(e);
  }

  // ---- handles and successors per node ----
  const succ = new Map<string, NodeSuccessors>();
  for (const { id, type } of skeleton.nodes) {
    const s: NodeSuccessors = { arms: new Map(), errors: [], branches: [] };
    succ.set(id, s);
    const node = nodes.get(id);
    const edges = out.get(id) ?? [];
    const normal: WorkflowEdge[] = [];
    for (const e of edges) {
      const h = e.sourceHandle;
      const bad = (why: string) => issues.push(issue('INVALID_HANDLE', `edge "${e.id}" leaves "${id}" (${type}) from handle "${h ?? ''}": ${why}`, { edgeId: e.id, nodeId: id, field: 'sourceHandle' }));
      if (h === Handles.error) {
        const waitMode = type === 'wait' && node?.type === 'wait' ? node.config.mode : undefined;
        const whileLoop = type === 'loop' && node?.type === 'loop' && node.config.mode === 'while';
        // A mapping transform is a Pass state, which has no Catch.
        const mapping = type === 'transform' && node?.type === 'transform' && node.config.mode === 'mapping';
        if (!catchableNodeTypes.has(type) || (waitMode !== undefined && waitMode !== 'event') || whileLoop || mapping) {
          issues.push(issue('ERROR_EDGE_NOT_ALLOWED', `node "${id}" (${type}${waitMode ? `, ${waitMode}` : ''}${whileLoop ? ', while' : ''}${mapping ? ', mapping' : ''}) cannot fail on its own, so it cannot have an error edge (edge "${e.id}")`, { edgeId: e.id, nodeId: id }));
        } else s.errors.push(e);
        continue;
      }
      if (e.errors !== undefined) {
        issues.push(issue('INVALID_EDGE', `edge "${e.id}" lists errors but is not an error edge (sourceHandle "error")`, { edgeId: e.id, field: 'errors' }));
      }
      if (type === 'end') continue; // reported below
      if (type === 'condition') {
        const ruleIds = node?.type === 'condition' ? new Set(node.config.rules.map((r) => r.id)) : undefined;
        if (h === undefined || (ruleIds && h !== Handles.default && !ruleIds.has(h))) {
          bad(`a condition's edges leave from a rule handle (${ruleIds ? [...ruleIds].join(', ') : 'rule ids'}) or "default"`);
          continue;
        }
        if (s.arms.has(h)) {
          issues.push(issue('MULTIPLE_OUTGOING', `condition "${id}" has more than one edge from handle "${h}" (edge "${e.id}")`, { edgeId: e.id, nodeId: id }));
          continue;
        }
        s.arms.set(h, e.target);
        continue;
      }
      if (type === 'loop') {
        if (h !== Handles.body && h !== Handles.done) {
          bad('a loop\'s edges leave from "body" (into the repeated steps) or "done" (after the loop)');
          continue;
        }
        if (s[h] !== undefined) {
          issues.push(issue('MULTIPLE_OUTGOING', `loop "${id}" has more than one "${h}" edge (edge "${e.id}")`, { edgeId: e.id, nodeId: id }));
          continue;
        }
        s[h] = e.target;
        continue;
      }
      if (!normalHandle(h)) {
        bad(`a ${type} node has only its default output${catchableNodeTypes.has(type) ? ' and "error"' : ''}`);
        continue;
      }
      normal.push(e);
    }
    if (type === 'end' && edges.length > 0) {
      issues.push(issue('END_HAS_OUTGOING', `end node "${id}" has outgoing edges (${edges.map((e) => e.id).join(', ')}); an end node finishes the run`, { nodeId: id }));
    }
    if (type === 'parallel') {
      s.branches = normal.map((e) => e.target);
      if (normal.length === 0) issues.push(issue('PARALLEL_NO_BRANCHES', `parallel "${id}" has no branches: connect one edge per branch`, { nodeId: id }));
    } else if (type !== 'condition' && type !== 'loop' && type !== 'end') {
      if (normal.length > 1) {
        issues.push(issue('MULTIPLE_OUTGOING', `node "${id}" (${type}) has ${normal.length} outgoing edges (${normal.map((e) => e.id).join(', ')}); use a condition or a parallel to branch`, { nodeId: id }));
      }
      s.next = normal[0]?.target;
      if (normal.length === 0) {
        issues.push(issue('DEAD_END', `node "${id}" (${type}) leads nowhere: connect it to the next node or an end node`, { nodeId: id }));
      }
    }
    if (type === 'condition') {
      if (!s.arms.has(Handles.default)) issues.push(issue('CONDITION_NO_DEFAULT', `condition "${id}" has no default edge: connect its "default" handle to the node that runs when no rule matches`, { nodeId: id }));
      if (node?.type === 'condition') {
        for (const r of node.config.rules) {
          if (!s.arms.has(r.id)) issues.push(issue('CONDITION_RULE_NO_EDGE', `rule "${r.id}" of condition "${id}" has no edge: connect its handle`, { nodeId: id, field: `config.rules.${r.id}` }));
        }
      }
    }
    if (type === 'loop') {
      if (s.body === undefined) issues.push(issue('LOOP_NO_BODY', `loop "${id}" has no body: connect its "body" handle to the first repeated node`, { nodeId: id }));
      if (s.done === undefined) issues.push(issue('LOOP_NO_DONE', `loop "${id}" has no "done" edge: connect it to the node that runs after the loop`, { nodeId: id }));
    }
    if (type === 'start' && (inc.get(id)?.length ?? 0) > 0) {
      issues.push(issue('START_HAS_INCOMING', `start node "${id}" has incoming edges; nothing can lead back to the start`, { nodeId: id }));
    }
    // Specific error classes are caught before a catch-all.
    const catchAll = s.errors.filter((e) => e.errors === undefined || e.errors.includes('all'));
    if (catchAll.length > 1) {
      issues.push(issue('MULTIPLE_OUTGOING', `node "${id}" has ${catchAll.length} error edges catching every error (${catchAll.map((e) => e.id).join(', ')}); keep one`, { nodeId: id }));
    }
    s.errors.sort((a, b) => Number(a.errors === undefined || a.errors.includes('all')) - Number(b.errors === undefined || b.errors.includes('all')));
  }

  const startId = starts[0];
  const successorsOf = (id: string): string[] => {
    const s = succ.get(id);
    if (!s) return [];
    const list: string[] = [];
    if (s.next !== undefined) list.push(s.next);
    for (const t of s.arms.values()) list.push(t);
    for (const t of s.branches) list.push(t);
    if (s.body !== undefined) list.push(s.body);
    if (s.done !== undefined) list.push(s.done);
    for (const e of s.errors) list.push(e.target);
    return list;
  };

  // ---- reachability ----
  const reachable = new Set<string>();
  if (startId !== undefined) {
    const stack = [startId];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (reachable.has(n)) continue;
      reachable.add(n);
      for (const t of successorsOf(n)) if (!reachable.has(t)) stack.push(t);
    }
    for (const { id } of skeleton.nodes) {
      if (!reachable.has(id)) issues.push(issue('UNREACHABLE_NODE', `node "${id}" cannot be reached from the start node "${startId}"`, { nodeId: id }));
    }
  }

  // ---- loop back-edges, then cycles ----
  const backEdges = new Set<string>(); // "source->loop"
  for (const [id, type] of types) {
    const body = succ.get(id)?.body;
    if (type !== 'loop' || body === undefined) continue;
    const seen = new Set<string>();
    const stack = [body];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (n === id || seen.has(n)) continue;
      seen.add(n);
      for (const t of successorsOf(n)) {
        if (t === id) backEdges.add(`${n}->${id}`);
        else if (!seen.has(t)) stack.push(t);
      }
    }
  }
  const dagSuccessors = (id: string) => successorsOf(id).filter((t) => !backEdges.has(`${id}->${t}`));
  const topo = topologicalOrder([...types.keys()].sort(byDocOrder), dagSuccessors);
  if (topo.cycles.length > 0) {
    for (const cyc of topo.cycles.slice(0, 20)) {
      const shown = cyc.slice(0, 12);
      issues.push(
        issue('CYCLE', `nodes ${shown.map((n) => `"${n}"`).join(' -> ')}${cyc.length > shown.length ? ' ...' : ''} form a cycle; only a loop node's body may lead back to the loop`, { nodeId: cyc[0] }),
      );
    }
  }
  if (startId === undefined || topo.cycles.length > 0 || hasBlocking(issues)) return { ok: false, issues };
  const order = topo.order;
  const position = new Map(order.map((n, i) => [n, i]));

  // ---- merges for parallels (innermost first: reverse topological order) ----
  const mergeOf = new Map<string, string>();
  const claimedBy = new Map<string, string>();
  const parallels = order.filter((n) => types.get(n) === 'parallel').reverse();
  for (const p of parallels) {
    const found = new Set<string>();
    let endsEarly: string | undefined;
    const seen = new Set<string>();
    const stack = [...(succ.get(p)?.branches ?? [])];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (seen.has(n)) continue;
      seen.add(n);
      const t = types.get(n);
      if (t === 'merge') {
        found.add(n);
        continue;
      }
      if (t === 'end') {
        endsEarly = n;
        continue;
      }
      if (t === 'parallel') {
        const m = mergeOf.get(n);
        const after = m === undefined ? undefined : succ.get(m)?.next;
        if (after !== undefined) stack.push(after);
        for (const e of succ.get(n)?.errors ?? []) stack.push(e.target);
        continue;
      }
      if (t === 'loop') {
        const s = succ.get(n);
        if (s?.done !== undefined) stack.push(s.done);
        for (const e of s?.errors ?? []) stack.push(e.target);
        continue;
      }
      for (const next of successorsOf(n)) stack.push(next);
    }
    if (found.size === 1 && endsEarly === undefined) {
      const m = [...found][0] as string;
      const other = claimedBy.get(m);
      if (other !== undefined) {
        issues.push(issue('PARALLEL_NO_MERGE', `parallel "${p}" and parallel "${other}" both end at merge "${m}"; give each parallel its own merge`, { nodeId: p }));
      } else {
        mergeOf.set(p, m);
        claimedBy.set(m, p);
      }
    } else if (endsEarly !== undefined) {
      issues.push(issue('PARALLEL_NO_MERGE', `a branch of parallel "${p}" reaches end node "${endsEarly}" instead of a merge: every branch must meet at one merge node`, { nodeId: p }));
    } else if (found.size === 0) {
      issues.push(issue('PARALLEL_NO_MERGE', `the branches of parallel "${p}" never meet at a merge node: connect the end of every branch to one merge`, { nodeId: p }));
    } else {
      issues.push(issue('PARALLEL_NO_MERGE', `the branches of parallel "${p}" end at different merges (${[...found].sort(byDocOrder).join(', ')}): every branch must meet at one merge`, { nodeId: p }));
    }
  }
  for (const [id, type] of types) {
    if (type === 'merge' && reachable.has(id) && !claimedBy.has(id)) {
      issues.push(issue('MERGE_WITHOUT_PARALLEL', `merge "${id}" does not close any parallel: every path into it must start at the same parallel node`, { nodeId: id }));
    }
  }
  if (hasBlocking(issues)) return { ok: false, issues };

  // ---- regions ----
  const regionOf = new Map<string, Region>();
  const branchesOf = new Map<string, Region[]>();
  const bodyOf = new Map<string, Region>();
  const root: Region = { id: '', kind: 'root', entry: startId, members: [] };
  const work: Region[] = [root];
  const conflicts = new Set<string>();
  while (work.length > 0) {
    const region = work.shift() as Region;
    const stack = [region.entry];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (n === region.exitTarget) continue;
      // A merge is only ever a branch's exit; reaching it any other way (an error path, a loop's
      // done edge) bypasses its parallel. Checked first: the merge is registered with the
      // parallel's region, so the ownership check below would let it pass silently.
      if (types.get(n) === 'merge') {
        if (!conflicts.has(n)) {
          conflicts.add(n);
          issues.push(issue('SCOPE_CONFLICT', `merge "${n}" is reached ${describeRegion(region)} without passing through its parallel "${claimedBy.get(n) ?? '?'}"`, { nodeId: n }));
        }
        continue;
      }
      const owner = regionOf.get(n);
      if (owner !== undefined) {
        if (owner !== region && !conflicts.has(n)) {
          conflicts.add(n);
          issues.push(issue('SCOPE_CONFLICT', `node "${n}" is reached both ${describeRegion(owner)} and ${describeRegion(region)}; a node belongs to one branch or loop body`, { nodeId: n }));
        }
        continue;
      }
      regionOf.set(n, region);
      region.members.push(n);
      const type = types.get(n);
      if (type === 'end' && region.kind !== 'root') {
        issues.push(issue(region.kind === 'branch' ? 'PARALLEL_NO_MERGE' : 'LOOP_BODY_NOT_CLOSED', `end node "${n}" is inside ${describeRegion(region)}; connect that path to the ${region.kind === 'branch' ? 'merge' : 'loop node'} instead`, { nodeId: n }));
        continue;
      }
      const s = succ.get(n) as NodeSuccessors;
      if (type === 'parallel') {
        const m = mergeOf.get(n) as string;
        const branches = s.branches.map((target, i) => {
          if (target === m) issues.push(issue('PARALLEL_EMPTY_BRANCH', `branch ${i + 1} of parallel "${n}" goes straight to merge "${m}": put at least one node on it or remove the edge`, { nodeId: n }));
          const br: Region = { id: `${n}#b${i}`, kind: 'branch', owner: n, entry: target, exitTarget: m, parent: region, members: [] };
          work.push(br);
          return br;
        });
        branchesOf.set(n, branches);
        regionOf.set(m, region);
        const after = succ.get(m)?.next;
        if (after !== undefined) stack.push(after);
        for (const e of s.errors) stack.push(e.target);
        continue;
      }
      if (type === 'loop') {
        if (s.body !== undefined && s.body !== n) {
          const body: Region = { id: `${n}#body`, kind: 'body', owner: n, entry: s.body, exitTarget: n, parent: region, members: [] };
          bodyOf.set(n, body);
          work.push(body);
        }
        if (s.done !== undefined) stack.push(s.done);
        for (const e of s.errors) stack.push(e.target);
        continue;
      }
      for (const t of successorsOf(n)) stack.push(t);
    }
  }
  if (hasBlocking(issues)) return { ok: false, issues };

  // Region graphs: members in topological order, with predecessor lists and a virtual exit.
  // A nested parallel stands in its region as two nodes: the parallel itself, whose error edges
  // leave before any branch result exists, and its merge, reached only when every branch
  // succeeded. Branch results are known to exist from the merge on, not from the parallel.
  const regionSucc = (region: Region, n: string): string[] => {
    const s = succ.get(n) as NodeSuccessors;
    const type = types.get(n);
    let raw: string[];
    if (type === 'parallel') {
      raw = [mergeOf.get(n) as string, ...s.errors.map((e) => e.target)];
    } else if (type === 'merge') {
      raw = s.next === undefined ? [] : [s.next];
    } else if (type === 'loop') {
      raw = [...(s.done === undefined ? [] : [s.done]), ...s.errors.map((e) => e.target)];
    } else raw = successorsOf(n);
    return raw.map((t) => (t === region.exitTarget ? EXIT : t));
  };
  const doms = new Map<Region, Dominators>();
  const allRegions: Region[] = [root, ...[...branchesOf.values()].flat(), ...bodyOf.values()];
  for (const region of allRegions) {
    region.members.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    const preds = new Map<string, string[]>();
    let reachesExit = false;
    const graph = region.members.flatMap((n) => (types.get(n) === 'parallel' ? [n, mergeOf.get(n) as string] : [n]));
    for (const n of graph) {
      for (const t of regionSucc(region, n)) {
        if (t === EXIT) reachesExit = true;
        (preds.get(t) ?? preds.set(t, []).get(t) ?? []).push(n);
      }
    }
    if (region.kind !== 'root' && !reachesExit) {
      issues.push(
        issue(region.kind === 'body' ? 'LOOP_BODY_NOT_CLOSED' : 'PARALLEL_NO_MERGE', `${describeRegion(region)} never ${region.kind === 'body' ? `leads back to loop "${region.owner}"` : `reaches merge "${region.exitTarget}"`}`, { nodeId: region.owner ?? region.entry }),
      );
    }
    doms.set(region, new Dominators(region.entry, [...graph, EXIT], preds));
  }
  if (hasBlocking(issues)) return { ok: false, issues };

  // ---- "has R always run before N?" ----
  const chainOf = (region: Region, carrier: string): Array<[Region, string]> => {
    const chain: Array<[Region, string]> = [[region, carrier]];
    let r: Region | undefined = region;
    while (r?.parent && r.owner) {
      chain.push([r.parent, r.owner]);
      r = r.parent;
    }
    return chain;
  };
  const liftOf = (r: string): Map<Region, string> => {
    const lift = new Map<Region, string>();
    let region = regionOf.get(r) as Region;
    let carrier = r;
    for (;;) {
      lift.set(region, carrier);
      if (region.kind !== 'branch' || !region.parent || !region.owner) break;
      if (!(doms.get(region) as Dominators).strictlyDominates(carrier, EXIT)) break;
      // In the parent region the result exists once the parallel's merge is reached (not on
      // the parallel's error edges).
      carrier = mergeOf.get(region.owner) as string;
      region = region.parent;
    }
    return lift;
  };
  const guaranteedBefore = (r: string, atRegion: Region, atCarrier: string): boolean => {
    const lift = liftOf(r);
    for (const [region, nc] of chainOf(atRegion, atCarrier)) {
      const rc = lift.get(region);
      if (rc === undefined) continue;
      if (rc === nc) return rc === r && types.get(r) === 'loop' && atCarrier !== r;
      return (doms.get(region) as Dominators).strictlyDominates(rc, nc);
    }
    return false;
  };

  // ---- references ----
  /** Whether a node writes a result at `$.nodes.<id>` (a duration or until wait writes none). */
  const producesOutput = (id: string): boolean => {
    const type = types.get(id);
    const node = nodes.get(id);
    return type !== undefined && nodeTypesWithOutput.has(type) && !(node?.type === 'wait' && node.config.mode !== 'event');
  };
  const refsOf = new Map<string, Set<string>>();
  const usesInput = new Set<string>();
  const loopOutput = new Map<string, string>();
  for (const id of order) {
    const node = nodes.get(id);
    if (!node || !regionOf.has(id)) continue;
    const refs = new Set<string>();
    refsOf.set(id, refs);
    const region = regionOf.get(id) as Region;
    const check = (config: unknown, base: string, at: { region: Region; carrier: string }) => {
      const found = collectReferences(config, base);
      for (const err of found.errors) issues.push(issue('INVALID_REFERENCE', `node "${id}" ${err.field}: ${err.error}`, { nodeId: id, field: err.field }));
      for (const f of found.refs) checkReference(f.ref, f.field, f.expression, at);
    };
    const checkReference = (ref: Reference, field: string, expression: string, at: { region: Region; carrier: string }) => {
      if (ref.kind === 'execution') return;
      if (ref.kind === 'input') {
        usesInput.add(id);
        return;
      }
      const target = ref.nodeId;
      const targetType = types.get(target);
      if (targetType === undefined) {
        issues.push(issue('UNKNOWN_REFERENCE', `node "${id}" ${field} references "${expression}", but there is no node "${target}"`, { nodeId: id, field }));
        return;
      }
      if (!producesOutput(target)) {
        issues.push(issue('REFERENCE_NO_OUTPUT', `node "${id}" ${field} references "${expression}", but ${targetType} node "${target}" produces no output`, { nodeId: id, field }));
        return;
      }
      if (!regionOf.has(target) || !guaranteedBefore(target, at.region, at.carrier)) {
        issues.push(
          issue('REFERENCE_NOT_UPSTREAM', `node "${id}" ${field} references "${expression}", but "${target}" does not always run before ${at.carrier === EXIT ? `the end of loop "${region.owner ?? id}"'s body` : `"${id}"`}`, { nodeId: id, field }),
        );
        return;
      }
      refs.add(target);
    };
    if (node.type === 'loop') {
      const body = bodyOf.get(id);
      if (node.config.mode === 'for_each') check(node.config.items, 'config.items', { region, carrier: id });
      else if (body) check(node.config.condition, 'config.condition', { region: body, carrier: EXIT });
      if (body) {
        const explicit = node.config.output;
        if (explicit !== undefined) {
          const t = types.get(explicit);
          if (t === undefined || !isInside(regionOf.get(explicit), body) || !producesOutput(explicit) || !guaranteedBefore(explicit, body, EXIT)) {
            issues.push(issue('LOOP_OUTPUT_INVALID', `loop "${id}" collects config.output "${explicit}", which must be a node with output that runs in every pass of the body`, { nodeId: id, field: 'config.output' }));
          } else loopOutput.set(id, explicit);
        } else {
          const d = (doms.get(body) as Dominators).idom.get(EXIT);
          const dt = d === undefined ? undefined : types.get(d);
          if (d !== undefined && dt !== undefined && nodeTypesWithOutput.has(dt) && !(dt === 'wait')) loopOutput.set(id, d);
          else {
            issues.push(issue('LOOP_OUTPUT_AMBIGUOUS', `loop "${id}": the body has no single last node with output; set config.output to the body node whose result to collect`, { nodeId: id, field: 'config.output' }));
          }
        }
      }
    } else {
      check(node.config, 'config', { region, carrier: id });
    }
  }

  // For-each loops pass the outer results their body uses into each iteration. Each member
  // walks up its enclosing regions once (linear in members x nesting depth, not loops x members).
  const importSets = new Map<string, Set<string>>();
  for (const loopId of bodyOf.keys()) {
    const node = nodes.get(loopId);
    if (node?.type === 'loop' && node.config.mode === 'for_each') importSets.set(loopId, new Set());
  }
  for (const [member, refs] of refsOf) {
    for (let body = regionOf.get(member); body; body = body.parent) {
      const imports = body.kind === 'body' && body.owner !== undefined ? importSets.get(body.owner) : undefined;
      if (!imports) continue;
      if (usesInput.has(member)) imports.add(startId);
      for (const r of refs) if (r !== body.owner && !isInside(regionOf.get(r), body)) imports.add(r);
    }
  }
  const loopImports = new Map<string, string[]>();
  for (const [loopId, imports] of importSets) loopImports.set(loopId, [...imports].sort(byDocOrder));

  // ---- settings-dependent checks ----
  const wfNodes = [...nodes.values()];
  if (skeleton.settingsType === 'EXPRESS') {
    for (const n of wfNodes) {
      if (n.type === 'human_input' || n.type === 'subworkflow' || (n.type === 'wait' && n.config.mode === 'event')) {
        issues.push(issue('EXPRESS_UNSUPPORTED_NODE', `node "${n.id}" (${n.type}${n.type === 'wait' ? ', event' : ''}) waits for a callback or a nested execution, which EXPRESS workflows cannot do; use a STANDARD workflow`, { nodeId: n.id }));
      }
      if (n.type === 'wait' && n.config.mode === 'duration' && n.config.seconds > WorkflowLimits.expressMaxSeconds) {
        issues.push(issue('EXPRESS_WAIT_TOO_LONG', `wait "${n.id}" lasts ${n.config.seconds} s, longer than an EXPRESS execution may run (${WorkflowLimits.expressMaxSeconds} s)`, { nodeId: n.id, field: 'config.seconds' }));
      }
      if (n.type === 'wait' && n.config.mode === 'until') {
        issues.push(issue('EXPRESS_WAIT_TOO_LONG', `wait "${n.id}" waits until a timestamp, which may be past the ${WorkflowLimits.expressMaxSeconds} s an EXPRESS execution may run; use a duration`, { nodeId: n.id, field: 'config.timestamp' }));
      }
    }
  }
  const workflowTimeout = skeleton.timeoutSeconds;
  if (skeleton.settingsType === 'EXPRESS' && workflowTimeout !== undefined && workflowTimeout > WorkflowLimits.expressMaxSeconds) {
    issues.push(issue('EXPRESS_TIMEOUT_TOO_LONG', `settings.timeoutSeconds is ${workflowTimeout} s, but an EXPRESS execution runs at most ${WorkflowLimits.expressMaxSeconds} s; lower it or use a STANDARD workflow`, { field: 'settings.timeoutSeconds' }));
  }
  // The longest an execution may run: a node limit beyond it can never take effect.
  const runLimit = skeleton.settingsType === 'EXPRESS' ? Math.min(workflowTimeout ?? Infinity, WorkflowLimits.expressMaxSeconds) : workflowTimeout;
  for (const n of wfNodes) {
    if (n.type === 'subworkflow' && workflowId !== undefined && n.config.workflowId === workflowId) {
      issues.push(issue('SUBWORKFLOW_SELF', `subworkflow "${n.id}" calls this workflow ("${workflowId}") again, which would never end`, { nodeId: n.id, field: 'config.workflowId' }));
    }
    // What the emitters honour: Task states take TimeoutSeconds (human_input and event waits
    // take theirs from config); Pass, Parallel and Map states have none.
    const taskState = (taskNodeTypes.has(n.type) && !(n.type === 'transform' && n.config.mode === 'mapping')) || (n.type === 'wait' && n.config.mode === 'event');
    const timeoutHonoured = taskState && n.type !== 'human_input' && n.type !== 'wait';
    if (n.timeoutSeconds !== undefined && !timeoutHonoured) {
      const instead = n.type === 'human_input' || n.type === 'wait' ? ': set config.timeoutSeconds instead' : '';
      issues.push(warning('INVALID_CONFIG', `timeoutSeconds on ${n.type} node "${n.id}" has no effect${instead}`, { nodeId: n.id, field: 'timeoutSeconds' }));
    }
    if (n.retry !== undefined && !(taskState || n.type === 'parallel' || (n.type === 'loop' && n.config.mode === 'for_each'))) {
      issues.push(warning('INVALID_CONFIG', `a retry policy on ${n.type} node "${n.id}" has no effect: it cannot fail transiently`, { nodeId: n.id, field: 'retry' }));
    }
    if (runLimit !== undefined) {
      const limits: Array<[string, number | undefined]> = [['timeoutSeconds', timeoutHonoured ? n.timeoutSeconds : undefined]];
      // (Event waits cannot run in EXPRESS at all: EXPRESS_UNSUPPORTED_NODE.)
      if (n.type === 'wait' && n.config.mode === 'event' && skeleton.settingsType !== 'EXPRESS') limits.push(['config.timeoutSeconds', n.config.timeoutSeconds]);
      // (An EXPRESS wait beyond its maximum is already an EXPRESS_WAIT_TOO_LONG error.)
      if (n.type === 'wait' && n.config.mode === 'duration' && !(skeleton.settingsType === 'EXPRESS' && n.config.seconds > WorkflowLimits.expressMaxSeconds)) {
        limits.push(['config.seconds', n.config.seconds]);
      }
      for (const [field, seconds] of limits) {
        if (seconds !== undefined && seconds > runLimit) {
          issues.push(warning('TIMEOUT_EXCEEDS_WORKFLOW', `node "${n.id}" ${field} is ${seconds} s, but the whole execution may run only ${runLimit} s, so the execution times out first`, { nodeId: n.id, field }));
        }
      }
    }
  }

  if (hasBlocking(issues)) return { ok: false, issues };
  return {
    ok: true,
    issues,
    analysis: { nodes, types, order, startId, succ, root, regionOf, branchesOf, bodyOf, mergeOf, loopOutput, refsOf, loopImports, usesInput },
  };
}

function hasBlocking(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

function isInside(region: Region | undefined, ancestor: Region): boolean {
  for (let r = region; r; r = r.parent) if (r === ancestor) return true;
  return false;
}

function describeRegion(region: Region): string {
  if (region.kind === 'root') return 'on the main path';
  if (region.kind === 'branch') return `in a branch of parallel "${region.owner}"`;
  return `in the body of loop "${region.owner}"`;
}

/**
 * Kahn's algorithm with a stable, document-ordered queue; nodes left over lie on cycles,
 * reported as strongly connected components.
 */
function topologicalOrder(ids: readonly string[], successors: (id: string) => string[]): { order: string[]; cycles: string[][] } {
  const indeg = new Map<string, number>(ids.map((id) => [id, 0]));
  const succs = new Map<string, string[]>();
  for (const id of ids) {
    const s = successors(id).filter((t) => indeg.has(t));
    succs.set(id, s);
    for (const t of s) indeg.set(t, (indeg.get(t) ?? 0) + 1);
  }
  const rank = new Map(ids.map((id, i) => [id, i]));
  const heap = new MinHeap((a: string, b: string) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
  for (const id of ids) if (indeg.get(id) === 0) heap.push(id);
  const order: string[] = [];
  while (heap.size > 0) {
    const n = heap.pop() as string;
    order.push(n);
    for (const t of succs.get(n) ?? []) {
      const d = (indeg.get(t) ?? 0) - 1;
      indeg.set(t, d);
      if (d === 0) heap.push(t);
    }
  }
  if (order.length === ids.length) return { order, cycles: [] };
  const left = new Set(ids.filter((id) => (indeg.get(id) ?? 0) > 0));
  return { order, cycles: stronglyConnected(left, (id) => (succs.get(id) ?? []).filter((t) => left.has(t))) };
}

/** Tarjan's algorithm, iterative; returns components with more than one node. */
function stronglyConnected(nodes: ReadonlySet<string>, successors: (id: string) => string[]): string[][] {
  let counter = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result: string[][] = [];
  for (const startNode of nodes) {
    if (idx.has(startNode)) continue;
    const frames: Array<{ v: string; succ: string[]; i: number }> = [];
    const visit = (v: string) => {
      idx.set(v, counter);
      low.set(v, counter);
      counter += 1;
      stack.push(v);
      onStack.add(v);
      frames.push({ v, succ: successors(v), i: 0 });
    };
    visit(startNode);
    while (frames.length > 0) {
      const f = frames[frames.length - 1] as { v: string; succ: string[]; i: number };
      if (f.i < f.succ.length) {
        const w = f.succ[f.i] as string;
        f.i += 1;
        if (!idx.has(w)) visit(w);
        else if (onStack.has(w)) low.set(f.v, Math.min(low.get(f.v) as number, idx.get(w) as number));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(f.v) as number));
      if (low.get(f.v) === idx.get(f.v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          comp.push(w);
        } while (w !== f.v);
        if (comp.length > 1) result.push(comp.reverse());
      }
    }
  }
  return result;
}

class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly cmp: (a: T, b: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.cmp(a[i] as T, a[p] as T) >= 0) break;
      [a[i], a[p]] = [a[p] as T, a[i] as T];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.cmp(a[l] as T, a[m] as T) < 0) m = l;
        if (r < a.length && this.cmp(a[r] as T, a[m] as T) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as T, a[i] as T];
        i = m;
      }
    }
    return top;
  }
}

export type { NodeOfType };
