/**
 * Webhook triggers on AWS: `POST /hooks/{id}` (no JWT: the per-hook secret signs the body) starts
 * the hook's workflow with the JSON body as input. The deployment (CDK) knows its hooks: each
 * repository workflow with a `webhook` trigger gets an id, a generated secret in Secrets Manager
 * and its state machine. The run is recorded like one the API started, so it can be watched.
 */
import { checkWebhook, SIGNATURE_HEADER } from '../_shared/webhooks';
import type { ExecutionRepository } from '../_shared/data';
import type { ApiRequest, ApiResponse } from '../_shared/http/api';
import { json } from '../_shared/http/api';
import type { StepFunctionsPort } from '../_shared/stepfunctions';
import { IDEMPOTENCY_HEADER, idempotencyKeySchema } from '@shared/api';

export interface HookTarget {
  readonly workflowId: string;
  /** The state machine (or a version of it) the hook starts. */
  readonly stateMachineArn: string;
  /** Where the hook's secret is (Secrets Manager). */
  readonly secretArn: string;
  /** @default the deployment's default tenant */
  readonly tenantId?: string;
}

export interface HookDeps {
  readonly hooks: Readonly<Record<string, HookTarget>>;
  readonly secret: (secretArn: string) => Promise<string>;
  readonly stepFunctions: Pick<StepFunctionsPort, 'start'>;
  readonly executions: ExecutionRepository;
  readonly defaultTenant: string;
}

const error = (statusCode: number, code: string, message: string) => json(statusCode, { error: { code, message, details: [] } });

/**
 * @example
 * ```ts
 * const res = await handleHook(fromApiGateway(event), deps);
 * ```
 */
export async function handleHook(request: ApiRequest, deps: HookDeps): Promise<ApiResponse> {
  const match = /^\/hooks\/([A-Za-z0-9_-]{1,200})$/.exec(request.path);
  if (request.method !== 'POST' || !match) return error(404, 'NOT_FOUND', `no route for ${request.method} ${request.path}`);
  const hookId = match[1] as string;
  const hook = Object.prototype.hasOwnProperty.call(deps.hooks, hookId) ? deps.hooks[hookId] : undefined;
  if (!hook) return error(404, 'NOT_FOUND', `no webhook ${hookId}`);
  const check = checkWebhook(await deps.secret(hook.secretArn), request.body ?? '', request.headers[SIGNATURE_HEADER]);
  if (!check.ok) return error(check.statusCode, check.code, check.message);
  const rawKey = request.headers[IDEMPOTENCY_HEADER];
  const key = rawKey === undefined ? undefined : idempotencyKeySchema.safeParse(rawKey);
  if (key && !key.success) return error(400, 'VALIDATION', `${IDEMPOTENCY_HEADER}: ${key.error.issues[0]?.message ?? 'invalid'}`);
  const started = await deps.stepFunctions.start({ stateMachineArn: hook.stateMachineArn, input: check.input, ...(key?.success ? { idempotencyKey: key.data } : {}) });
  const tenantId = hook.tenantId ?? deps.defaultTenant;
  await deps.executions.create({
    tenantId,
    executionId: started.executionArn,
    workflowId: hook.workflowId,
    version: 1,
    name: started.executionArn.split(':').at(-1) ?? started.executionArn,
    input: check.input,
    ...(key?.success ? { idempotencyKey: key.data } : {}),
    startedAt: started.startDate,
  });
  return json(started.alreadyStarted ? 200 : 202, { executionId: started.executionArn });
}
