/**
 * Customer Lambda functions as tools: invoked synchronously (RequestResponse) with the rendered
 * payload; the function's JSON response is the tool's output.
 *
 * Error mapping:
 * - the function threw (`FunctionError` set, payload `{ errorType, errorMessage }`) ->
 *   Stepflow.ToolError with the function's message (not retried: the same input fails again);
 * - TooManyRequestsException (and other throttling) -> Stepflow.Throttled (retryable);
 * - Lambda service faults (5xx) and network failures -> Stepflow.Unavailable (retryable);
 * - other client faults (function not found, access denied, payload too large) ->
 *   Stepflow.ToolError, because retrying repeats them.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import '@shared/zod-en';
import { ErrorNames, NodeError } from '@shared/errors';
import { awsNodeError } from './aws-errors';
import type { ToolDefinition } from './tool-registry';

/** `arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]` -> `name[:qualifier]`, for messages. */
function shortName(functionArn: string): string {
  const i = functionArn.indexOf(':function:');
  return i < 0 ? functionArn : functionArn.slice(i + ':function:'.length);
}

function decode(payload: Uint8Array | undefined): unknown {
  if (!payload || payload.byteLength === 0) return null;
  const text = new TextDecoder().decode(payload);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // Lambda responses are JSON; keep anything else readable rather than failing
  }
}

function functionErrorMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const { errorType, errorMessage } = body as { errorType?: unknown; errorMessage?: unknown };
    if (typeof errorMessage === 'string') return typeof errorType === 'string' ? `${errorType}: ${errorMessage}` : errorMessage;
  }
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/**
 * Invokes `functionArn` with `payload` and returns the parsed response.
 *
 * @throws {NodeError} Stepflow.ToolError / Throttled / Unavailable as described above.
 * @example
 * ```ts
 * await invokeLambdaTool(new LambdaClient({}), 'arn:aws:lambda:us-east-1:123456789012:function:lookup', { id: 7 }) // { name: 'Ada' }
 * ```
 */
export async function invokeLambdaTool(lambda: LambdaClient, functionArn: string, payload: unknown, options: { signal?: AbortSignal } = {}): Promise<unknown> {
  const what = `lambda tool ${shortName(functionArn)}`;
  let res;
  try {
    res = await lambda.send(
      new InvokeCommand({ FunctionName: functionArn, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload ?? null)) }),
      options.signal ? { abortSignal: options.signal } : {},
    );
  } catch (err) {
    throw awsNodeError(err, what);
  }
  const body = decode(res.Payload);
  if (res.FunctionError) {
    throw new NodeError(ErrorNames.Tool, `${what} failed (${res.FunctionError}): ${functionErrorMessage(body)}`, { retryable: false });
  }
  return body;
}

export interface LambdaToolOptions {
  readonly lambda: LambdaClient;
  /** Tool name as a model sees it. */
  readonly name: string;
  readonly description: string;
  readonly functionArn: string;
  /** Argument schema (becomes the payload). @default any JSON object */
  readonly args?: z.core.$ZodType<Record<string, unknown>>;
}

/**
 * A customer Lambda function as a {@link ToolDefinition} (for agents): the validated arguments
 * are the payload.
 *
 * @example
 * ```ts
 * registry.register(lambdaTool({
 *   lambda, name: 'lookup_customer', description: 'Finds a customer by id',
 *   functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:lookup',
 *   args: z.object({ id: z.number().int().describe('Customer id') }),
 * }));
 * ```
 */
export function lambdaTool(options: LambdaToolOptions): ToolDefinition<z.core.$ZodType<Record<string, unknown>>> {
  return {
    name: options.name,
    description: options.description,
    args: options.args ?? z.record(z.string(), z.unknown()).check(z.describe('Payload for the function')),
    run: (a, ctx) => invokeLambdaTool(options.lambda, options.functionArn, a, ctx.signal ? { signal: ctx.signal } : {}),
  };
}
