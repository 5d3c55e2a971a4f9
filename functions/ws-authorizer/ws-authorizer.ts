/**
 * Who opens a WebSocket: browsers cannot set headers on a WebSocket, so the credential comes in
 * the query string (`?token=<JWT>` or `?api_key=<key>`) and is checked exactly as the REST API
 * checks its headers. Refused connections never reach `$connect`.
 */
import type { Identity } from '@shared/auth';
import { UnauthorizedError } from '@shared/errors';
import { authenticateRequest, type RequestAuthenticators } from '../_shared/auth/authenticate';

/**
 * @throws UnauthorizedError (401) with no credential, both, or one that does not verify
 * @example
 * ```ts
 * const identity = await authorizeConnect({ token }, { jwt });
 * ```
 */
export async function authorizeConnect(query: Readonly<Record<string, string | undefined>>, authenticators: RequestAuthenticators): Promise<Identity> {
  const token = query.token?.trim();
  const apiKey = query.api_key?.trim();
  if (!token && !apiKey) throw new UnauthorizedError('No credentials: connect with ?token=<JWT> (or ?api_key=<key>).');
  return authenticateRequest({ ...(token ? { authorization: `Bearer ${token}` } : {}), ...(apiKey ? { 'x-api-key': apiKey } : {}) }, authenticators);
}

/** What the authorizer hands to `$connect` (API Gateway context values are strings). */
export function authorizerContext(identity: Identity): { tenantId: string; userId: string; roles: string } {
  return { tenantId: identity.tenantId, userId: identity.userId, roles: identity.roles.join(',') };
}
