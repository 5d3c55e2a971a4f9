/**
 * What the control-plane API handlers share besides their routes: the audit writer (one record
 * per mutating call) and the API-key lookup the authenticator uses. Kept here, beside the first
 * API function, until the other API functions need it too (then it belongs in _shared/http).
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { API_PREFIX } from '@shared/api';
import { isRole, type Role } from '@shared/auth';
import type { ApiKeyLookup, ApiKeyRecord as AuthApiKeyRecord } from '../_shared/auth/api-keys';
import { keys, type ApiKeyRepository, type AuditOutcome, type AuditRepository } from '../_shared/data';
import type { DispatchDeps, Route } from '../_shared/http/api';

type AuditEntry = Parameters<NonNullable<DispatchDeps['audit']>>[0];

/** The outcome an HTTP status stands for. */
export function auditOutcome(status: number): AuditOutcome {
  if (status === 401 || status === 403) return 'denied';
  return status < 400 ? 'success' : 'failure';
}

/**
 * An audit function for `dispatch`: appends one record per mutating call, allowed or refused,
 * with the actor, an action name (from `actionNames`, keyed by `<METHOD> <pattern>`), the target
 * (the path below `/api/v1/`), the request id and the outcome.
 *
 * @example
 * ```ts
 * const audit = auditWriter(new AuditRepository(doc, table), WORKFLOW_AUDIT_ACTIONS);
 * await dispatch(router, request, { authenticate, authorize: requirePermission, audit });
 * ```
 */
export function auditWriter(repo: AuditRepository, actionNames: Readonly<Record<string, string>> = {}, clock: () => Date = () => new Date()): NonNullable<DispatchDeps['audit']> {
  const nameOf = (route: Route) => actionNames[`${route.method} ${route.pattern}`] ?? `${route.action}.${route.method.toLowerCase()}`;
  return async (entry: AuditEntry) => {
    const path = entry.request.path.startsWith(`${API_PREFIX}/`) ? entry.request.path.slice(API_PREFIX.length + 1) : entry.request.path;
    await repo.append({
      tenantId: entry.identity.tenantId,
      actor: entry.identity.userId,
      action: nameOf(entry.route),
      target: path.replace(/\/+$/, ''),
      requestId: entry.request.requestId,
      outcome: auditOutcome(entry.status),
      detail: `HTTP ${entry.status}`,
      at: clock(),
    });
  };
}

/** Role names older key items may carry, in the permission matrix's terms. */
const LEGACY_KEY_ROLES: Readonly<Record<string, Role>> = { admin: 'owner', operator: 'runner' };

function roleOfKey(role: string): Role | undefined {
  return isRole(role) ? role : LEGACY_KEY_ROLES[role];
}

/**
 * The authenticator's API-key port over the table: the lookup item `APIKEY#<sha256>` gives the
 * tenant and key id; the tenant's metadata item says whether the key is revoked.
 *
 * @example
 * ```ts
 * const identity = await authenticateRequest(headers, { jwt, apiKeys: apiKeyLookup(doc, table, new ApiKeyRepository(doc, table)) });
 * ```
 */
export function apiKeyLookup(doc: DynamoDBDocumentClient, tableName: string, repo: ApiKeyRepository): ApiKeyLookup {
  return {
    async findByHash(hash: string): Promise<AuthApiKeyRecord | undefined> {
      const res = await doc.send(new GetCommand({ TableName: tableName, Key: keys.apiKeyHash(hash), ConsistentRead: true }));
      const tenantId = res.Item?.tenantId;
      const keyId = res.Item?.keyId;
      if (typeof tenantId !== 'string' || typeof keyId !== 'string') return undefined;
      const meta = await repo.find(tenantId, keyId);
      const role = meta ? roleOfKey(String(meta.role)) : undefined;
      if (!meta || role === undefined) return undefined;
      return { tenantId, keyId, role, ...(meta.revokedAt !== undefined ? { revoked: true } : {}) };
    },
  };
}
