/**
 * The transform runtime: evaluates a transform node's JSONata expression over its rendered
 * `inputs`. (Field-mapping transforms never get here: they compile to a Pass state.)
 */
import { ErrorNames, NodeError } from '@shared/errors';
import { scopeOf, type NodeInvocation, type NodeResult } from '@shared/runtime';
import { renderValue } from '@shared/template';
import { transformConfigSchema } from '@shared/node-config/transform';
import { evaluateJsonata } from '../_shared/jsonata';

/** Upper bound on evaluation time, so a runaway expression cannot hold the Lambda. */
const EVAL_TIMEOUT_MS = 5_000;

/**
 * @example
 * ```ts
 * await transformData(invocation) // { output: <value of the expression> }
 * ```
 */
export async function transformData(invocation: NodeInvocation): Promise<NodeResult> {
  const config = transformConfigSchema.safeParse(invocation.config);
  if (!config.success || config.data.mode !== 'jsonata') {
    throw new NodeError(ErrorNames.Validation, `transform node "${invocation.node.id}" needs mode "jsonata" with an expression`);
  }
  const inputs = renderValue(config.data.inputs, scopeOf(invocation));
  try {
    return { output: await evaluateJsonata(config.data.expression, inputs, { timeoutMs: EVAL_TIMEOUT_MS }) };
  } catch (err) {
    throw new NodeError(ErrorNames.Validation, `transform node "${invocation.node.id}": invalid JSONata expression or evaluation: ${(err as Error).message}`, { retryable: false });
  }
}
