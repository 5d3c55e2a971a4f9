/**
 * Access management routes: API keys for automation (the secret is returned once, only its
 * SHA-256 hash is stored) and the tenant's audit trail.
 */
import { createApiKeyRequestSchema, pageQuerySchema } from '@shared/api';
import type { ApiKeyRepository, AuditRepository } from '../_shared/data';
import { json, noContent, parseBody, parseQuery, type Route } from '../_shared/http/api';

export interface AccessApiDeps {
  readonly apiKeys: ApiKeyRepository;
  readonly audit: AuditRepository;
  readonly clock?: () => Date;
}

/** Audit action names of the mutating access routes. */
export const ACCESS_AUDIT_ACTIONS: Readonly<Record<string, string>> = {
  'POST /api/v1/api-keys': 'apikey.create',
  'DELETE /api/v1/api-keys/{keyId}': 'apikey.revoke',
};

/**
 * @example
 * ```ts
 * const router = new Router(accessRoutes({ apiKeys, audit }));
 * ```
 */
export function accessRoutes(deps: AccessApiDeps): Route[] {
  const now = () => deps.clock?.() ?? new Date();
  return [
    {
      method: 'POST',
      pattern: '/api/v1/api-keys',
      action: 'apikey:manage',
      handler: async ({ request, identity }) => {
        const body = parseBody(request, createApiKeyRequestSchema);
        const { record, secret } = await deps.apiKeys.create(identity.tenantId, body, now());
        // The only time the secret leaves the service; it is stored as a SHA-256 hash.
        return json(201, { key: record, secret }, { 'cache-control': 'no-store' });
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/api-keys',
      action: 'apikey:manage',
      handler: async ({ request, identity }) => {
        const q = parseQuery(request, pageQuerySchema);
        return json(200, await deps.apiKeys.list(identity.tenantId, { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) }));
      },
    },
    {
      method: 'DELETE',
      pattern: '/api/v1/api-keys/{keyId}',
      action: 'apikey:manage',
      handler: async ({ params, identity }) => {
        await deps.apiKeys.revoke(identity.tenantId, params.keyId as string, now());
        return noContent();
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/audit',
      action: 'audit:read',
      handler: async ({ request, identity }) => {
        const q = parseQuery(request, pageQuerySchema);
        return json(200, await deps.audit.list(identity.tenantId, { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) }, now()));
      },
    },
  ];
}
