/**
 * The execution routes of the REST API on API Gateway: wiring only (routes.ts has the logic).
 */
import { authenticateRequest, requirePermission } from '../_shared/auth/authenticate';
import { createJwtAuthenticator } from '../_shared/auth/jwt';
import { DynamoCallbackStore } from '../_shared/callbacks';
import { documentClient } from '../_shared/clients/dynamo';
import { sfn } from '../_shared/clients/sfn';
import { ApiKeyRepository, AuditRepository, ExecutionRepository, WorkflowRepository, WorkflowVersionRepository } from '../_shared/data';
import { loadEnv } from '../_shared/env';
import { Router } from '../_shared/http/api';
import { apiGatewayHandler } from '../_shared/http/apigw';
import { AwsStepFunctions } from '../_shared/stepfunctions';
import { SfnTaskCallbacks } from '../_shared/task-callbacks';
import { auditWriter } from '../_shared/http/audit';
import { DynamoPauseRequests, EXECUTION_AUDIT_ACTIONS, executionRoutes } from './routes';

const env = loadEnv(['TABLE_NAME', 'USER_POOL_ID', 'USER_POOL_CLIENT_ID', 'AWS_REGION', 'AWS_ACCOUNT_ID', 'AUDIT_RETENTION_DAYS']);
const doc = documentClient();
const jwt = createJwtAuthenticator({ userPoolId: env.USER_POOL_ID, clientId: env.USER_POOL_CLIENT_ID });
const apiKeys = new ApiKeyRepository(doc, env.TABLE_NAME);
const router = new Router(
  executionRoutes({
    workflows: new WorkflowRepository(doc, env.TABLE_NAME),
    versions: new WorkflowVersionRepository(doc, env.TABLE_NAME),
    executions: new ExecutionRepository(doc, env.TABLE_NAME),
    stepFunctions: new AwsStepFunctions({ sfn: sfn(), region: env.AWS_REGION, accountId: env.AWS_ACCOUNT_ID }),
    callbacks: new DynamoCallbackStore(doc, env.TABLE_NAME),
    tasks: new SfnTaskCallbacks(sfn()),
    pauseRequests: new DynamoPauseRequests(doc, env.TABLE_NAME),
  }),
);
const dispatchDeps = {
  authenticate: (headers: Readonly<Record<string, string | undefined>>) => authenticateRequest(headers, { jwt, apiKeys }),
  authorize: requirePermission,
  audit: auditWriter(new AuditRepository(doc, env.TABLE_NAME, env.AUDIT_RETENTION_DAYS !== undefined ? { retentionDays: env.AUDIT_RETENTION_DAYS } : {}), EXECUTION_AUDIT_ACTIONS),
};

export const handler = apiGatewayHandler(() => router, () => dispatchDeps);
