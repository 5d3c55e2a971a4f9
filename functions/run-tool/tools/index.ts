/**
 * The built-in tools. Tools that reach outside the runtime (HTTP, S3) exist only when their
 * dependencies are given: a registry never holds a tool it cannot run, and a model is never
 * shown one.
 */
import { ToolRegistry } from '../tool-registry';
import { calculatorTool } from './calculator';
import { echoTool } from './echo';
import { httpRequestTool, type HttpRequestToolOptions } from './http-request';
import { jsonTransformTool, type JsonTransformToolOptions } from './json-transform';
import type { S3ToolsOptions } from './s3';

export { calculatorTool, echoTool, httpRequestTool, jsonTransformTool };
export type { HttpRequestToolOptions, JsonTransformToolOptions, S3ToolsOptions };

export interface BuiltinToolDeps {
  /** Registers `http_request` with this allow-list and these limits. @default not registered */
  readonly http?: HttpRequestToolOptions;
  /** Registers `s3_get` and `s3_put` with this client and bucket allow-list. @default not registered */
  readonly s3?: S3ToolsOptions;
  /** Limits for `json_transform`. @default its defaults (1 s) */
  readonly jsonTransform?: JsonTransformToolOptions;
}

/**
 * A registry with every built-in tool its dependencies allow: always `echo`, `calculator` and
 * `json_transform`; `http_request` with `deps.http`; `s3_get`/`s3_put` with `deps.s3`.
 *
 * @example
 * ```ts
 * const tools = builtinTools({
 *   http: { allowHosts: ['api.example.com'], timeoutMs: 5_000, maxResponseBytes: 256 * 1024 },
 *   s3: { s3: new S3Client({}), allowBuckets: ['acme-agent-data'], maxBytes: 1024 * 1024 },
 * });
 * tools.names() // ['calculator', 'echo', 'http_request', 'json_transform', 's3_get', 's3_put']
 * ```
 */
export function builtinTools(deps: BuiltinToolDeps = {}): ToolRegistry {
  const registry = new ToolRegistry().register(echoTool).register(calculatorTool).register(jsonTransformTool(deps.jsonTransform));
  if (deps.http) registry.register(httpRequestTool(deps.http));
  if (deps.s3) {
    // Required only here: the S3 tools bring the S3 SDK, and most deployments configure none.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately deferred loading
    const { s3Tools } = require('./s3') as typeof import('./s3');
    const { get, put } = s3Tools(deps.s3);
    registry.register(get).register(put);
  }
  return registry;
}
