import type { NodeOfType } from '@shared/workflow';
import type { JsonObject, ParallelState } from '../asl';
import { catchersFor, retriersFor, type EmitContext } from './context';

/** Step Functions allows at most 10 nested intrinsic functions in one field. */
const MAX_MERGE_ARGS = 11;

function mergeAll(paths: readonly string[]): string {
  const [first, ...rest] = paths;
  return rest.reduce((acc, p) => `States.JsonMerge(${acc}, ${p}, false)`, first as string);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * parallel -> Parallel, one branch per outgoing edge, joined at the matching merge. Every branch
 * starts from the same `$.nodes` and adds its own results; the branches' `nodes` maps are merged
 * back with `States.JsonMerge` in the ResultSelector, so no extra state runs unless a parallel
 * has more than 11 branches (then one merge step per further level).
 */
export function emitParallel(node: NodeOfType<'parallel'>, ctx: EmitContext): void {
  const branches = ctx.analysis.branchesOf.get(node.id) ?? [];
  const merge = ctx.analysis.mergeOf.get(node.id) as string;
  const after = ctx.analysis.succ.get(merge)?.next;
  let groups = chunk(branches.map((_, i) => `$[${i}].nodes`), MAX_MERGE_ARGS);
  const steps: JsonObject[] = [];
  let selector: JsonObject;
  if (groups.length === 1) selector = { 'nodes.$': mergeAll(groups[0] as string[]) };
  else {
    selector = Object.fromEntries(groups.map((g, i) => [`g${i}.$`, mergeAll(g)]));
    while (groups.length > 1) {
      const names = groups.map((_, i) => `$.g${i}`);
      groups = chunk(names, MAX_MERGE_ARGS);
      steps.push(groups.length === 1 ? { 'nodes.$': mergeAll(groups[0] as string[]) } : Object.fromEntries(groups.map((g, i) => [`g${i}.$`, mergeAll(g)])));
    }
  }
  const state: ParallelState = {
    Type: 'Parallel',
    ...(node.label ? { Comment: node.label } : {}),
    Branches: branches.map((b) => ctx.emitFragment(b)),
    ResultSelector: selector,
  };
  const retry = retriersFor(node, { lambda: false, pausable: false });
  if (retry.length > 0) state.Retry = retry;
  const catches = catchersFor(node, ctx);
  if (catches.length > 0) state.Catch = catches;
  const stepName = (i: number) => `${node.id}#merge${i + 1}`;
  Object.assign(state, steps.length > 0 ? { Next: stepName(0) } : ctx.transition(after));
  ctx.addState(node.id, state, { nodeId: node.id, nodeType: node.type, role: 'node' });
  steps.forEach((parameters, i) => {
    ctx.addState(
      stepName(i),
      { Type: 'Pass', Comment: `merges the results of ${node.id}'s branches`, Parameters: parameters, ...(i + 1 < steps.length ? { Next: stepName(i + 1) } : ctx.transition(after)) },
      { nodeId: node.id, nodeType: node.type, role: 'merge_step' },
    );
  });
}
