/**
 * The transform runtime: evaluates a transform node's JSONata expression over its rendered
 * `inputs`. (Field-mapping transforms never get here: they compile to a Pass state.)
 */
import jsonata from 'jsonata';
import { ErrorNames, NodeError } from '@shared/errors';
import { scopeOf, type NodeInvocation, type NodeResult } from '@shared/runtime';
import { renderValue } from '@shared/template';
import { transformConfigSchema } from '@shared/workflow';

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
  let expression: ReturnType<typeof jsonata>;
  try {
    expression = jsonata(config.data.expression);
  } catch (err) {
    throw new NodeError(ErrorNames.Validation, `transform node "${invocation.node.id}": invalid JSONata expression: ${(err as Error).message}`);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const output = await Promise.race([
      expression.evaluate(inputs),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new NodeError(ErrorNames.Timeout, `transform node "${invocation.node.id}": expression ran longer than ${EVAL_TIMEOUT_MS} ms`, { retryable: false })), EVAL_TIMEOUT_MS);
      }),
    ]);
    return { output: output === undefined ? null : output };
  } catch (err) {
    if (err instanceof NodeError) throw err;
    throw new NodeError(ErrorNames.Validation, `transform node "${invocation.node.id}": ${(err as Error).message ?? String(err)}`);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
