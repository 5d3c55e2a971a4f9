/**
 * The access routes (API keys, audit) of the REST API on API Gateway: wiring only.
 */
import { authenticateRequest, requirePermission } from '../_shared/auth/authenticate';
import { createJwtAuthenticator } from '../_shared/auth/jwt';
import { documentClient } from '../_shared/clients/dynamo';
import { ApiKeyRepository, AuditRepository } from '../_shared/data';
import { loadEnv } from '../_shared/env';
import { Router } from '../_shared/http/api';
import { apiGatewayHandler } from '../_shared/http/apigw';
import { auditWriter } from '../_shared/http/audit';
import { ACCESS_AUDIT_ACTIONS, accessRoutes } from './routes';

const env = loadEnv(['TABLE_NAME', 'USER_POOL_ID', 'USER_POOL_CLIENT_ID', 'AUDIT_RETENTION_DAYS']);
const doc = documentClient();
const jwt = createJwtAuthenticator({ userPoolId: env.USER_POOL_ID, clientId: env.USER_POOL_CLIENT_ID });
const apiKeys = new ApiKeyRepository(doc, env.TABLE_NAME);
const audit = new AuditRepository(doc, env.TABLE_NAME, env.AUDIT_RETENTION_DAYS !== undefined ? { retentionDays: env.AUDIT_RETENTION_DAYS } : {});
const router = new Router(accessRoutes({ apiKeys, audit }));
const dispatchDeps = {
  authenticate: (headers: Readonly<Record<string, string | undefined>>) => authenticateRequest(headers, { jwt, apiKeys }),
  authorize: requirePermission,
  audit: auditWriter(audit, ACCESS_AUDIT_ACTIONS),
};

export const handler = apiGatewayHandler(() => router, () => dispatchDeps);
