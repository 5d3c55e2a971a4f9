/** One emitter per node type. */
import type { NodeType, NodeOfType } from '@shared/workflow';
import type { EmitContext } from './context';
import { emitCondition } from './condition';
import { emitEnd } from './end';
import { emitHumanInput } from './human-input';
import { emitLoop } from './loop';
import { emitParallel } from './parallel';
import { emitStart } from './start';
import { emitSubworkflow } from './subworkflow';
import { emitAgent, emitCode, emitLlm, emitTool } from './tasks';
import { emitTransform } from './transform';
import { emitWait } from './wait';

type Emitters = { [T in NodeType]: (node: NodeOfType<T>, ctx: EmitContext) => void };

export const emitters: Emitters = {
  start: emitStart,
  end: emitEnd,
  llm: emitLlm,
  agent: emitAgent,
  tool: emitTool,
  condition: emitCondition,
  parallel: emitParallel,
  // A merge is not a state: the parallel's own transition goes to what follows the merge.
  merge: () => undefined,
  loop: emitLoop,
  subworkflow: emitSubworkflow,
  wait: emitWait,
  code: emitCode,
  transform: emitTransform,
  human_input: emitHumanInput,
};
