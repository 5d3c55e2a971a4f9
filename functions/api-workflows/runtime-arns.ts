/**
 * The runtime Lambdas' ARNs from the deployment's configuration, as the compiler's resolver.
 */
import { runtimeFunctions, type RuntimeName } from '@shared/runtime';
import { UnexpectedError } from '@shared/errors';

/**
 * A resolver over a map of runtime name to Lambda ARN (the `RUNTIME_FUNCTION_ARNS` variable).
 * Unknown names in the map are refused at once; a runtime missing from it fails the publish that
 * needs it (a deployment bug, so a 500 with the runtime named in the log).
 *
 * @example
 * ```ts
 * const arn = runtimeArnResolver({ tool: 'arn:aws:lambda:eu-west-1:123456789012:function:tool' });
 * arn('tool'); // 'arn:aws:lambda:eu-west-1:123456789012:function:tool'
 * ```
 */
export function runtimeArnResolver(arns: Readonly<Record<string, string>>): (runtime: RuntimeName) => string {
  const unknown = Object.keys(arns).filter((k) => !(k in runtimeFunctions));
  if (unknown.length > 0) throw new UnexpectedError(`RUNTIME_FUNCTION_ARNS names unknown runtimes: ${unknown.join(', ')} (known: ${Object.keys(runtimeFunctions).join(', ')})`);
  return (runtime) => {
    const arn = arns[runtime];
    if (arn === undefined) throw new UnexpectedError(`RUNTIME_FUNCTION_ARNS has no ARN for the ${runtime} runtime: add it to the deployment`);
    return arn;
  };
}
