/**
 * The code runtime: runs a code node's JavaScript (the body of `async function main(inputs)`)
 * over its rendered `inputs` in a separate, locked-down process (see `sandbox.ts` and README.md).
 * The node's output is `main`'s return value; console lines come back as `logs` for the handler
 * to emit as `log` events.
 */
import { ErrorNames, NodeError, type ErrorName } from '@shared/errors';
import { scopeOf, type NodeInvocation } from '@shared/runtime';
import { renderValue } from '@shared/template';
import { codeConfigSchema } from '@shared/node-config/code';
import { CodeRunError, runSandboxed, type SandboxOptions, type SandboxResult } from './sandbox';

export { CodeRunError, runSandboxed, type SandboxLimits, type SandboxOptions, type SandboxResult } from './sandbox';

/**
 * Validates a code node's config, renders its `inputs` and runs its source in the sandbox.
 *
 * @throws {NodeError} `Stepflow.ValidationError` for a bad config; `Stepflow.ReferenceError`
 *   for an input reference that resolves to nothing; {@link CodeRunError}
 *   (`Stepflow.CodeError`, not retryable) when the code throws, does not compile, returns
 *   something that is not JSON or breaks a limit (time, CPU, memory, output size).
 *
 * @example
 * ```ts
 * const { output, logs } = await runCode({
 *   ...invocation,
 *   config: { source: 'return inputs.n * 2', inputs: { n: '{{nodes.count.output}}' } },
 * });
 * // output: twice the count node's output
 * ```
 */
export async function runCode(invocation: NodeInvocation, options: SandboxOptions = {}): Promise<SandboxResult> {
  const nodeId = invocation.node.id;
  const parsed = codeConfigSchema.safeParse(invocation.config);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new NodeError(ErrorNames.Validation, `code node "${nodeId}": invalid config: ${issues}`);
  }
  const config = parsed.data;
  const inputs = renderValue(config.inputs, scopeOf(invocation));
  try {
    return await runSandboxed(config.source, inputs, { timeoutMs: config.timeoutMs, memoryMb: config.memoryMb }, options);
  } catch (err) {
    // Name the node in every message: the run's event log shows errors from many nodes.
    const message = `code node "${nodeId}": ${err instanceof Error ? err.message : String(err)}`;
    if (err instanceof CodeRunError) throw new CodeRunError(message, { logs: err.logs, line: err.line, cause: err });
    if (err instanceof NodeError) throw new NodeError(err.name as ErrorName, message, { retryable: err.retryable, cause: err });
    throw new NodeError(ErrorNames.Internal, message, { cause: err });
  }
}
