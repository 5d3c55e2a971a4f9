/**
 * Names and ARNs shared by both adapters, so the AWS and the local platform derive the same
 * state machine name from a (tenant, workflow) pair and the same execution name from an
 * Idempotency-Key.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '@shared/errors';

/** Step Functions' limit for state machine and execution names. */
export const MAX_NAME_LENGTH = 80;

/** What a name is allowed to contain so CloudWatch logging works (Step Functions' own advice). */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

const digest = (value: string, length: number) => createHash('sha256').update(value, 'utf8').digest('hex').slice(0, length);

const sanitize = (value: string) => value.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');

/** `<readable prefix>-<hash>`, the prefix cut so that the whole fits in {@link MAX_NAME_LENGTH}. */
function hashedName(readable: string, hash: string): string {
  const room = MAX_NAME_LENGTH - hash.length - 1;
  const prefix = readable.slice(0, room).replace(/-+$/, '');
  return prefix ? `${prefix}-${hash}` : hash;
}

/**
 * The state machine name of a tenant's workflow: readable (`stepflow-<tenant>-<workflow>`,
 * sanitized and cut) and unique (a hash of the exact pair, so `a/b` and `a-b` never collide).
 *
 * @example
 * ```ts
 * stateMachineName('acme', 'triage') // 'stepflow-acme-triage-3f1c0e9b5a7d'
 * ```
 */
export function stateMachineName(tenantId: string, workflowId: string): string {
  if (!tenantId || !workflowId) {
    throw new ValidationError(`a state machine name needs a tenant id and a workflow id, received tenantId "${tenantId}" and workflowId "${workflowId}"`);
  }
  // The separator cannot occur in either id, so (a, bc) and (ab, c) hash differently.
  return hashedName(`stepflow-${sanitize(tenantId)}-${sanitize(workflowId)}`, digest(`${tenantId}\u0000${workflowId}`, 12));
}

/**
 * The execution name for an Idempotency-Key: the same key always gives the same name, two
 * different keys never share one (the name ends in a hash of the exact key).
 *
 * @example
 * ```ts
 * executionName('order 42 / retry') // 'order-42-retry-9c2f4e1a0b7d3c55'
 * ```
 */
export function executionName(idempotencyKey: string): string {
  if (!idempotencyKey) throw new ValidationError('the Idempotency-Key is empty; send a non-empty key (e.g. a UUID)');
  return hashedName(sanitize(idempotencyKey), digest(idempotencyKey, 16));
}

/** The parts of a state machine ARN, qualified (`...:stateMachine:<name>:<version>`) or not. */
export interface StateMachineArnParts {
  /** The unqualified state machine ARN. */
  readonly stateMachineArn: string;
  readonly name: string;
  /** The version number when the ARN names a version. */
  readonly version?: number;
}

/**
 * Splits a state machine or version ARN.
 *
 * @example
 * ```ts
 * parseStateMachineArn('arn:aws:states:eu-west-1:123456789012:stateMachine:sm:3')
 * // { stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm', name: 'sm', version: 3 }
 * ```
 */
export function parseStateMachineArn(arn: string): StateMachineArnParts {
  const parts = arn.split(':');
  const [prefix, , service, , , resource, name, qualifier, ...rest] = parts;
  const version = qualifier === undefined ? undefined : Number(qualifier);
  if (prefix !== 'arn' || service !== 'states' || resource !== 'stateMachine' || !name || rest.length > 0 || (version !== undefined && !(Number.isInteger(version) && version > 0))) {
    throw new ValidationError(`"${arn}" is not a state machine ARN nor a version ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<version>])`);
  }
  return { stateMachineArn: parts.slice(0, 7).join(':'), name, ...(version === undefined ? {} : { version }) };
}

/**
 * The ARN Step Functions gives the execution `name` of a (standard) state machine; the same for
 * the state machine and any of its versions.
 *
 * @example
 * ```ts
 * executionArnFor('arn:aws:states:eu-west-1:123456789012:stateMachine:sm:3', 'run-1')
 * // 'arn:aws:states:eu-west-1:123456789012:execution:sm:run-1'
 * ```
 */
export function executionArnFor(stateMachineOrVersionArn: string, name: string): string {
  const { stateMachineArn } = parseStateMachineArn(stateMachineOrVersionArn);
  const parts = stateMachineArn.split(':');
  parts[5] = 'execution';
  return `${parts.join(':')}:${name}`;
}

/** JSON with object keys sorted, so two equal inputs compare equal whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

/**
 * True when two JSON values are equal (object key order ignored): how a retried start is told
 * apart from a different request that reuses the key.
 *
 * @example
 * ```ts
 * sameJson({ a: 1, b: 2 }, { b: 2, a: 1 }) // true
 * ```
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
