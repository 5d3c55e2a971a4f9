/**
 * The deployment's settings, read from CDK context (`cdk.json` or `-c key=value`) and validated
 * with zod, so a typo fails synth with the key named instead of deploying something else.
 */
import { z } from 'zod';

const list = z
  .union([z.array(z.string().min(1)), z.string()])
  .transform((v) => {
    if (Array.isArray(v)) return v;
    const s = v.trim();
    if (s.startsWith('[')) return z.array(z.string().min(1)).parse(JSON.parse(s));
    return s.split(',').map((x) => x.trim()).filter(Boolean);
  })
  .default([]);
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);
const int = z.coerce.number().int().min(1);

export const stepflowConfigSchema = z.object({
  /** Folder of workflow files compiled into state machines at synth, relative to the repository root. */
  workflowsDir: z.string().min(1).default('workflows'),
  /** The tenant the repository's workflows belong to (their state machine names and records). */
  tenantId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('default'),
  /** `real` (Bedrock and the endpoints a workflow names) or `local` (the deterministic local model). */
  modelMode: z.enum(['real', 'local']).default('real'),
  /** Bedrock foundation model ids the llm and agent nodes may call. Empty: any foundation model. */
  bedrockModels: list,
  /** Secrets Manager secret names holding API keys of OpenAI-compatible endpoints (`apiKeySecret`). */
  modelSecrets: list,
  /** Hosts the http_request tool may call (empty: the tool is not registered). */
  toolHttpAllowHosts: list,
  /** Hosts MCP tool nodes may connect to. */
  toolMcpAllowHosts: list,
  /** Buckets the s3_get/s3_put tools may use (read/write is granted on exactly these). */
  toolS3Buckets: list,
  /** ARNs of the customer's Lambda functions tool nodes may invoke. */
  toolLambdaArns: list.pipe(z.array(z.string().regex(/^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/, 'must be a Lambda function ARN'))),
  /**
   * Run the code runtime in private isolated subnets of a VPC of its own, with a security group
   * that allows no egress: a sandbox escape finds no network (functions/run-code/README.md).
   */
  codeNetworkIsolation: bool.default(true),
  /** Audit records expire after this many days (unset: kept forever). */
  auditRetentionDays: int.optional(),
  /** Large outputs and artifacts expire after this many days. */
  artifactRetentionDays: int.default(120),
  /** Keep the table, buckets and user pool when the stack is deleted. */
  retainData: bool.default(true),
  /**
   * Create the account-level CloudWatch role API Gateway needs to write WebSocket access logs.
   * Set false when the account already has one (it is one setting per account and region).
   */
  apiGatewayCloudWatchRole: bool.default(true),
  /** The editor's Git repository (Amplify builds `frontend/` from it); unset: manual deployments. */
  editorRepository: z.string().url().optional(),
  editorBranch: z.string().min(1).default('main'),
  /** Secrets Manager secret name holding the Git provider's access token for Amplify. */
  editorAccessTokenSecret: z.string().min(1).optional(),
  /** More URLs the sign-in may return to (e.g. a custom domain of the editor). */
  editorCallbackUrls: list,
});
export type StepflowConfig = z.infer<typeof stepflowConfigSchema>;

/** Context keys are `stepflow:<field>`. */
export const CONTEXT_PREFIX = 'stepflow:';

/**
 * @example
 * ```ts
 * const config = readConfig((key) => app.node.tryGetContext(key));
 * ```
 */
export function readConfig(get: (key: string) => unknown): StepflowConfig {
  const raw: Record<string, unknown> = {};
  for (const field of Object.keys(stepflowConfigSchema.shape)) {
    const value = get(`${CONTEXT_PREFIX}${field}`);
    if (value !== undefined) raw[field] = value;
  }
  const parsed = stepflowConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${CONTEXT_PREFIX}${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid Stepflow context (${problems}); see infra/README.md for the context values`);
  }
  return parsed.data;
}
