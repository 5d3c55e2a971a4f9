/**
 * Stepflow's error taxonomy.
 *
 * Three families, each mapped to a behaviour by whoever handles it (only handlers map errors to
 * status codes; everything below rethrows):
 * - {@link UserError}: the caller sent something wrong. HTTP 4xx, no alarm, never retried.
 * - {@link OperationalError}: something transient outside our control. Retried.
 * - {@link UnexpectedError}: a bug. HTTP 5xx, alarm.
 *
 * Errors that cross a Step Functions boundary use stable names (`Stepflow.*`), because the ASL
 * `Retry`/`Catch` rules match on the thrown error's `name` (Lambda's `errorType`).
 *
 * @example
 * ```ts
 * throw new ValidationError('config.prompt is required', { details: [{ path: 'config.prompt' }] });
 * ```
 */

/** Error names as they appear in ASL `ErrorEquals`, Lambda `errorType` and lifecycle events. */
export const ErrorNames = {
  /** The node lifecycle middleware found the execution's pause flag set before the node ran. */
  Paused: 'Stepflow.Paused',
  /** Bad input to a node: arguments, rendered config, an answer that fails its schema. */
  Validation: 'Stepflow.ValidationError',
  /** A `{{reference}}` resolved to nothing at run time. */
  Reference: 'Stepflow.ReferenceError',
  /** A provider or downstream service throttled us. */
  Throttled: 'Stepflow.Throttled',
  /** A provider or downstream service was unavailable (5xx, connection reset). */
  Unavailable: 'Stepflow.Unavailable',
  /** A call inside a node took longer than its own limit. */
  Timeout: 'Stepflow.Timeout',
  /** A tool returned an error. */
  Tool: 'Stepflow.ToolError',
  /** User code in a code node threw or broke a sandbox limit. */
  Code: 'Stepflow.CodeError',
  /** The execution's token or cost budget would be exceeded. */
  BudgetExceeded: 'Stepflow.BudgetExceeded',
  /** A human-input request expired before anyone answered. */
  InputExpired: 'Stepflow.InputExpired',
  /** Anything the runtime did not classify. */
  Internal: 'Stepflow.InternalError',
} as const;
export type ErrorName = (typeof ErrorNames)[keyof typeof ErrorNames];

/**
 * Error classes a node's retry policy can name. Each maps to the ASL error names it retries.
 *
 * @example
 * ```ts
 * RetryableErrorClasses.throttled // ['Stepflow.Throttled', 'Lambda.TooManyRequestsException']
 * ```
 */
export const RetryableErrorClasses = {
  timeout: ['States.Timeout', ErrorNames.Timeout],
  throttled: [ErrorNames.Throttled, 'Lambda.TooManyRequestsException'],
  unavailable: [
    ErrorNames.Unavailable,
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
  ],
  tool: [ErrorNames.Tool],
  code: [ErrorNames.Code],
  task_failed: ['States.TaskFailed'],
  all: ['States.ALL'],
} as const;
export type RetryableErrorClass = keyof typeof RetryableErrorClasses;

/** One detail of an error: where (a dotted path or an id) and what. */
export interface ErrorDetail {
  readonly path?: string;
  readonly nodeId?: string;
  readonly edgeId?: string;
  readonly code?: string;
  readonly message: string;
}

interface StepflowErrorOptions {
  readonly cause?: unknown;
  readonly details?: readonly ErrorDetail[];
}

/** Base of every error Stepflow throws on purpose. */
export abstract class StepflowError extends Error {
  /** A stable machine-readable code (e.g. `VALIDATION_FAILED`). */
  abstract readonly code: string;
  readonly details: readonly ErrorDetail[];

  constructor(message: string, options: StepflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details ?? [];
  }
}

/** The caller sent something wrong. Maps to a 4xx; never retried. */
export abstract class UserError extends StepflowError {
  /** The HTTP status a handler answers with. */
  abstract readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429;
}

/** Something transient outside our control; safe to retry. */
export abstract class OperationalError extends StepflowError {}

/** A bug. Maps to a 5xx and an alarm. */
export class UnexpectedError extends StepflowError {
  override readonly name = 'UnexpectedError';
  readonly code = 'INTERNAL';
}

/**
 * Input failed validation.
 * @example
 * ```ts
 * new ValidationError('body.name: expected string, received number')
 * ```
 */
export class ValidationError extends UserError {
  override readonly name = 'ValidationError';
  readonly code = 'VALIDATION_FAILED';
  readonly status = 400;
}

/**
 * The caller did not prove who it is: no credentials, malformed credentials, or credentials that
 * failed verification (bad signature, expired, wrong issuer or audience, unknown API key).
 * The message never echoes the credential.
 * @example
 * ```ts
 * new UnauthorizedError('The bearer token has expired. Sign in again to get a new token.')
 * ```
 */
export class UnauthorizedError extends UserError {
  override readonly name = 'UnauthorizedError';
  readonly code = 'UNAUTHORIZED';
  readonly status = 401;
}

/**
 * The caller is authenticated but may not do this (its role lacks the permission, or it belongs
 * to no tenant).
 * @example
 * ```ts
 * new ForbiddenError("Role 'viewer' may not perform 'workflow:write'.")
 * ```
 */
export class ForbiddenError extends UserError {
  override readonly name = 'ForbiddenError';
  readonly code = 'FORBIDDEN';
  readonly status = 403;
}

/** A referenced resource does not exist (or belongs to another tenant). */
export class NotFoundError extends UserError {
  override readonly name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
  readonly status = 404;
}

/** A state transition or a concurrent write was refused. */
export class ConflictError extends UserError {
  override readonly name = 'ConflictError';
  readonly code = 'CONFLICT';
  readonly status = 409;
}

/** The request was well-formed but cannot be processed as it stands (e.g. a graph with issues). */
export class UnprocessableError extends UserError {
  override readonly name = 'UnprocessableError';
  readonly code = 'UNPROCESSABLE';
  readonly status = 422;
}

/** A transient failure of a dependency (throttling, 5xx, timeouts). */
export class TransientError extends OperationalError {
  override readonly name = 'TransientError';
  readonly code = 'TRANSIENT';
}

/**
 * An error a node runtime throws so that Step Functions sees `name` as the error name.
 *
 * @example
 * ```ts
 * throw new NodeError(ErrorNames.Tool, 'http_request: host example.org is not allowed');
 * ```
 */
export class NodeError extends Error {
  readonly retryable: boolean;
  constructor(
    name: ErrorName | `States.${string}` | `Lambda.${string}`,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.retryable =
      options.retryable ??
      (name === ErrorNames.Throttled || name === ErrorNames.Unavailable || name === ErrorNames.Timeout);
  }
}

/**
 * Formats an unknown thrown value into `{ name, message }` without leaking stack traces.
 *
 * @example
 * ```ts
 * describeError(new Error('x')) // { name: 'Error', message: 'x' }
 * ```
 */
export function describeError(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name || 'Error', message: err.message };
  if (typeof err === 'string') return { name: 'Error', message: err };
  try {
    return { name: 'Error', message: JSON.stringify(err) ?? String(err) };
  } catch {
    return { name: 'Error', message: String(err) };
  }
}
