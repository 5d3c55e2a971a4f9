import { parseReference } from '@shared/template';
import type { NodeOfType } from '@shared/workflow';
import type { JsonObject, MapState } from '../asl';
import { compileCondition } from '../choice';
import { NODES, referencePath } from '../paths';
import { catchersFor, retriersFor, type EmitContext } from './context';

/**
 * loop -> for_each: a Map over the list; each iteration sees `$.nodes.<loop>` = `{ item, index }`
 * plus the outer results its body references; the states that end an iteration yield the output
 * node's result through OutputPath, so the loop's output is the Map's result as is (an empty list
 * too: a `$[*]` path over no iterations would match nothing and fail the run). while: the body inline,
 * then a counter step and a Choice that repeats the body while the condition holds and fewer
 * than maxIterations passes have run.
 */
export function emitLoop(node: NodeOfType<'loop'>, ctx: EmitContext): void {
  const { analysis } = ctx;
  const body = analysis.bodyOf.get(node.id);
  const s = analysis.succ.get(node.id);
  const output = analysis.loopOutput.get(node.id) as string;
  if (!body || !s) return;
  const c = node.config;
  if (c.mode === 'for_each') {
    const parsed = parseReference(c.items.slice(2, -2));
    if (!parsed.ok) throw new Error(parsed.error);
    const imported: JsonObject = {};
    for (const r of analysis.loopImports.get(node.id) ?? []) imported[`${r}.$`] = `${NODES}.${r}`;
    // Every state that ends an iteration yields the output node's result (OutputPath), so the
    // Map's result is the list of outputs as is — an empty list too — with no extra state.
    const fragment = ctx.emitFragment(body);
    for (const state of Object.values(fragment.States)) {
      if ('End' in state && state.End === true) {
        (state as { OutputPath?: string }).OutputPath = `${NODES}.${output}.output`;
      }
    }
    const state: MapState = {
      Type: 'Map',
      ...(node.label ? { Comment: node.label } : {}),
      ItemsPath: referencePath(parsed.value, analysis.startId),
      ItemSelector: { nodes: { ...imported, [node.id]: { 'item.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' } } },
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: fragment.StartAt, States: fragment.States },
      MaxConcurrency: c.maxConcurrency,
      ResultSelector: { 'output.$': '$' },
      ResultPath: `${NODES}.${node.id}`,
    };
    const retry = retriersFor(node, { lambda: false, pausable: false });
    if (retry.length > 0) state.Retry = retry;
    const catches = catchersFor(node, ctx);
    if (catches.length > 0) state.Catch = catches;
    Object.assign(state, ctx.transition(s.done));
    ctx.addState(node.id, state, { nodeId: node.id, nodeType: node.type, role: 'node' });
    return;
  }
  const nextName = `${node.id}#next`;
  const checkName = `${node.id}#check`;
  const counter = `${NODES}.${node.id}.iteration`;
  const meta = { nodeId: node.id, nodeType: node.type } as const;
  ctx.addState(
    node.id,
    { Type: 'Pass', ...(node.label ? { Comment: node.label } : {}), Parameters: { iteration: 0 }, ResultPath: `${NODES}.${node.id}`, Next: body.entry },
    { ...meta, role: 'node' },
  );
  ctx.emitInline(body, nextName);
  ctx.addState(
    nextName,
    {
      Type: 'Pass',
      Comment: `counts a pass of ${node.id}'s body and keeps its output`,
      Parameters: { 'iteration.$': `States.MathAdd(${counter}, 1)`, 'output.$': `${NODES}.${output}.output` },
      ResultPath: `${NODES}.${node.id}`,
      Next: checkName,
    },
    { ...meta, role: 'loop_next' },
  );
  ctx.addState(
    checkName,
    {
      Type: 'Choice',
      Comment: `repeats ${node.id}'s body while its condition holds, at most ${c.maxIterations} times`,
      Choices: [{ And: [{ Variable: counter, NumericLessThan: c.maxIterations }, compileCondition(c.condition, analysis.startId)], Next: body.entry }],
      ...(s.done === undefined ? {} : { Default: ctx.choiceTarget(s.done) }),
    },
    { ...meta, role: 'loop_check' },
  );
}
