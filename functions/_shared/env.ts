/**
 * Environment configuration, parsed with zod once at cold start: a missing or malformed variable
 * fails the first invocation with a message naming it, instead of a confusing error later.
 */
import * as z from 'zod/mini';
import '@shared/zod-en';

const list = z.pipe(
  z._default(z.string(), ''),
  z.transform((s: string) => s.split(',').map((x) => x.trim()).filter(Boolean)),
);

/** Parses a JSON variable; `expected` says what it must hold when it is not JSON. */
const json = (fallback: string, expected: string) =>
  z.pipe(
    z._default(z.string(), fallback),
    z.transform((s: string, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', message: expected, input: s });
        return z.NEVER;
      }
    }),
  );

/**
 * Every variable a Stepflow function may read; each handler picks what it needs. Written with
 * zod/mini: every node runtime parses its environment at cold start (see @shared/zod-en).
 */
export const envSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(3)),
  ARTIFACTS_BUCKET: z.string().check(z.minLength(3)),
  EVENT_BUS_NAME: z.string().check(z.minLength(1)),
  /** `local` serves every model from the deterministic local model (labelled in every event). */
  MODEL_MODE: z._default(z.enum(['real', 'local']), 'real'),
  LOCAL_MODEL_FIXTURE: z.optional(z.string()),
  TOOL_HTTP_ALLOW_HOSTS: list,
  TOOL_HTTP_TIMEOUT_MS: z._default(z.coerce.number().check(z.int(), z.gte(100), z.lte(60_000)), 10_000),
  TOOL_HTTP_MAX_BYTES: z._default(z.coerce.number().check(z.int(), z.gte(1024), z.lte(6_000_000)), 1_000_000),
  TOOL_S3_ALLOW_BUCKETS: list,
  /** Hosts MCP tool nodes may connect to. */
  TOOL_MCP_ALLOW_HOSTS: list,
  /** The Cognito user pool whose tokens the control-plane API accepts, e.g. `eu-west-1_AbCdEf123`. */
  USER_POOL_ID: z.string().check(z.regex(/^[\w-]+_[0-9A-Za-z]+$/, 'must be a Cognito user pool id such as eu-west-1_AbCdEf123')),
  /** The app client id(s) tokens must be issued for (comma-separated). */
  USER_POOL_CLIENT_ID: list.check(z.refine((ids) => ids.length > 0, 'must name at least one app client id')),
  /** The execution role of the state machines the API publishes. */
  STATE_MACHINE_ROLE_ARN: z.string().check(z.regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')),
  /** The runtime Lambdas' ARNs by runtime name (JSON), e.g. `{"llm":"arn:...","tool":"arn:..."}`. */
  RUNTIME_FUNCTION_ARNS: z.pipe(json('{}', 'must be a JSON object of runtime name to Lambda ARN'), z.record(z.string(), z.string().check(z.minLength(1)))),
  /** The CloudWatch Logs log group ARN published state machines log to (and trace with X-Ray). */
  LOG_GROUP_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  /** The region (set by Lambda itself). */
  AWS_REGION: z.string().check(z.minLength(1)),
  /** The account the state machines live in (part of their ARNs). */
  AWS_ACCOUNT_ID: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id')),
  /** The WebSocket API's @connections endpoint, `https://<api>.execute-api.<region>.amazonaws.com/<stage>`. */
  WS_MANAGEMENT_ENDPOINT: z.url(),
  /** The FIFO queue (per-execution order) in front of the fan-out; subscribes queue their catch-up there. */
  FANOUT_QUEUE_URL: z.url(),
  /**
   * The FIFO message group of the queue's lifecycle events, when one group carries them all (an
   * EventBridge rule can only set a fixed group): catch-ups must join it to stay in order with
   * the events. Unset: each execution is its own group.
   */
  FANOUT_MESSAGE_GROUP: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  /**
   * The deployment's webhooks by hook id (JSON): `{ "<id>": { "workflowId", "stateMachineArn",
   * "secretArn", "tenantId"? } }`.
   */
  HOOKS: z.pipe(
    json('{}', 'must be a JSON object of hook id to { workflowId, stateMachineArn, secretArn }'),
    z.record(
      z.string(),
      z.object({
        workflowId: z.string().check(z.minLength(1)),
        stateMachineArn: z.string().check(z.startsWith('arn:')),
        secretArn: z.string().check(z.startsWith('arn:')),
        tenantId: z.optional(z.string().check(z.minLength(1))),
      }),
    ),
  ),
  /** The tenant of executions started outside the API (synth-time workflows' triggers). */
  DEFAULT_TENANT: z._default(z.string().check(z.minLength(1)), 'default'),
  /** Audit records expire after this many days; kept forever when unset. */
  AUDIT_RETENTION_DAYS: z.optional(z.coerce.number().check(z.int(), z.gte(1))),
});
export type Env = z.infer<typeof envSchema>;

/**
 * @example
 * ```ts
 * const env = loadEnv(['TABLE_NAME', 'EVENT_BUS_NAME']);
 * ```
 */
export function loadEnv<K extends keyof Env>(keysNeeded: readonly K[], source: NodeJS.ProcessEnv = process.env): Pick<Env, K> {
  const shape = Object.fromEntries(keysNeeded.map((k) => [k, envSchema.shape[k]]));
  const parsed = z.object(shape).safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid environment for this function (${problems})`);
  }
  return parsed.data as unknown as Pick<Env, K>;
}
