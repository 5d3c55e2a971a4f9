/**
 * Maps AWS SDK errors raised inside a tool to Stepflow's node error names, so a workflow's
 * retry policy sees throttling and outages as retryable and everything else as a tool error.
 */
import { ErrorNames, NodeError } from '@shared/errors';

/** Error names AWS services use for "slow down" (Lambda, S3, and the generic query protocols). */
const THROTTLING_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'SlowDown',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/** Node socket errors: the service was not reachable, which is an outage from our side. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * Classifies an AWS SDK error: throttling -> Stepflow.Throttled, server faults and network
 * failures -> Stepflow.Unavailable (both retryable), anything else (access denied, not found,
 * bad request) -> Stepflow.ToolError, because retrying a client fault repeats it.
 *
 * @example
 * ```ts
 * try { await s3.send(cmd) } catch (err) { throw awsNodeError(err, 's3_get s3://b/k') }
 * ```
 */
export function awsNodeError(err: unknown, what: string): NodeError {
  if (err instanceof NodeError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const message = e.message ?? String(err);
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING_NAMES.has(name) || status === 429) {
    return new NodeError(ErrorNames.Throttled, `${what}: throttled (${name}): ${message}`, { cause: err });
  }
  if (name === 'AbortError') {
    return new NodeError(ErrorNames.Timeout, `${what}: aborted before it finished (${message})`, { cause: err, retryable: false });
  }
  // The errno is on `code`, or only in the message when the SDK wrapped an error from another
  // realm ("AWS SDK error wrapper for Error: connect ECONNREFUSED ...").
  const networkCode = e.code !== undefined && NETWORK_CODES.has(e.code) ? e.code : [...NETWORK_CODES].find((c) => message.includes(c));
  if (e.$fault === 'server' || (status !== undefined && status >= 500) || networkCode !== undefined || name === 'TimeoutError') {
    return new NodeError(ErrorNames.Unavailable, `${what}: service unavailable (${name}): ${message}`, { cause: err });
  }
  return new NodeError(ErrorNames.Tool, `${what}: ${name}: ${message}`, { cause: err, retryable: false });
}
