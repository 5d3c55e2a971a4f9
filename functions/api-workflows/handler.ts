/**
 * The workflow routes of the REST API on API Gateway: wiring only (routes.ts has the logic).
 */
import { authenticateRequest, requirePermission } from '../_shared/auth/authenticate';
import { createJwtAuthenticator } from '../_shared/auth/jwt';
import { documentClient } from '../_shared/clients/dynamo';
import { lazyS3Store } from '../_shared/lazy-s3-store';
import { sfn } from '../_shared/clients/sfn';
import { ApiKeyRepository, AuditRepository, WorkflowRepository, WorkflowVersionRepository } from '../_shared/data';
import { loadEnv } from '../_shared/env';
import { Router } from '../_shared/http/api';
import { apiGatewayHandler } from '../_shared/http/apigw';
import { AwsStepFunctions } from '../_shared/stepfunctions';
import { auditWriter } from '../_shared/http/audit';
import { runtimeArnResolver } from './runtime-arns';
import { WORKFLOW_AUDIT_ACTIONS, workflowRoutes } from './routes';

const env = loadEnv(['TABLE_NAME', 'ARTIFACTS_BUCKET', 'USER_POOL_ID', 'USER_POOL_CLIENT_ID', 'STATE_MACHINE_ROLE_ARN', 'RUNTIME_FUNCTION_ARNS', 'LOG_GROUP_ARN', 'AWS_REGION', 'AWS_ACCOUNT_ID', 'AUDIT_RETENTION_DAYS']);
const doc = documentClient();
const stepFunctions = new AwsStepFunctions({ sfn: sfn(), region: env.AWS_REGION, accountId: env.AWS_ACCOUNT_ID, roleArn: env.STATE_MACHINE_ROLE_ARN });
const jwt = createJwtAuthenticator({ userPoolId: env.USER_POOL_ID, clientId: env.USER_POOL_CLIENT_ID });
const apiKeys = new ApiKeyRepository(doc, env.TABLE_NAME);
const router = new Router(
  workflowRoutes({
    workflows: new WorkflowRepository(doc, env.TABLE_NAME),
    versions: new WorkflowVersionRepository(doc, env.TABLE_NAME),
    stepFunctions,
    publish: {
      functionArn: runtimeArnResolver(env.RUNTIME_FUNCTION_ARNS),
      subworkflowArn: (tenantId, workflowId, version) => `${stepFunctions.stateMachineArn(tenantId, workflowId)}${version === undefined ? '' : `:${version}`}`,
      roleArn: env.STATE_MACHINE_ROLE_ARN,
      ...(env.LOG_GROUP_ARN !== undefined ? { loggingLogGroupArn: env.LOG_GROUP_ARN } : {}),
      artifacts: lazyS3Store(env.ARTIFACTS_BUCKET),
    },
  }),
);
const dispatchDeps = {
  authenticate: (headers: Readonly<Record<string, string | undefined>>) => authenticateRequest(headers, { jwt, apiKeys }),
  authorize: requirePermission,
  audit: auditWriter(new AuditRepository(doc, env.TABLE_NAME, env.AUDIT_RETENTION_DAYS !== undefined ? { retentionDays: env.AUDIT_RETENTION_DAYS } : {}), WORKFLOW_AUDIT_ACTIONS),
};

export const handler = apiGatewayHandler(() => router, () => dispatchDeps);
