/**
 * Request authentication and authorisation for the control plane: one of a bearer JWT or an API
 * key identifies the caller; {@link requirePermission} checks the permission matrix.
 */
import { can, type Action, type Identity } from '@shared/auth';
import { ForbiddenError, UnauthorizedError } from '@shared/errors';
import { authenticateApiKey, type ApiKeyLookup } from './api-keys';
import type { JwtAuthenticator } from './jwt';

/** Request headers as API Gateway (v1 or v2), node:http or the local platform hand them over. */
export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The authenticators a deployment accepts; a method left out is refused with 401. */
export interface RequestAuthenticators {
  readonly jwt?: JwtAuthenticator;
  readonly apiKeys?: ApiKeyLookup;
}

const MISSING = 'No credentials: send either Authorization: Bearer <token> or x-api-key: <key>.';

/** The single value of header `name` (case-insensitive), or undefined; 401 if sent more than once. */
function headerValue(headers: RequestHeaders, name: string): string | undefined {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else values.push(...value);
  }
  if (values.length > 1) throw new UnauthorizedError(`The ${name} header was sent more than once; send it exactly once.`);
  return values[0];
}

/**
 * Identifies the caller of a request from exactly one of `Authorization: Bearer <jwt>` or
 * `x-api-key: <key>` (header names are case-insensitive).
 *
 * @throws UnauthorizedError (401) when neither or both are sent, the scheme is not Bearer, or
 *   the credential does not verify. Messages never contain the credential.
 * @throws ForbiddenError (403) when a valid token names no tenant.
 * @example
 * ```ts
 * const identity = await authenticateRequest(event.headers, { jwt, apiKeys: repo });
 * requirePermission(identity, 'workflow:write');
 * ```
 */
export async function authenticateRequest(headers: RequestHeaders, authenticators: RequestAuthenticators): Promise<Identity> {
  const authorization = headerValue(headers, 'authorization');
  const apiKey = headerValue(headers, 'x-api-key');
  const hasAuthorization = authorization !== undefined && authorization.trim().length > 0;
  const hasApiKey = apiKey !== undefined && apiKey.trim().length > 0;

  if (hasAuthorization && hasApiKey) {
    throw new UnauthorizedError('Both Authorization and x-api-key were sent; send exactly one of them.');
  }
  if (hasApiKey) {
    if (authenticators.apiKeys === undefined) throw new UnauthorizedError('API keys are not accepted here; send Authorization: Bearer <token>.');
    return authenticateApiKey(apiKey, authenticators.apiKeys);
  }
  if (!hasAuthorization) throw new UnauthorizedError(MISSING);

  // RFC 7235: the scheme is case-insensitive. Never echo what came after it.
  const [scheme = '', token, ...rest] = authorization.trim().split(/\s+/);
  if (scheme.toLowerCase() !== 'bearer') {
    throw new UnauthorizedError('The Authorization header must use the Bearer scheme: Authorization: Bearer <token>.');
  }
  if (token === undefined) throw new UnauthorizedError('The Authorization header has no token after Bearer.');
  if (rest.length > 0) throw new UnauthorizedError('The Authorization header has more than one value after Bearer; send Authorization: Bearer <token>.');
  if (authenticators.jwt === undefined) throw new UnauthorizedError('Bearer tokens are not accepted here; send x-api-key: <key>.');
  return authenticators.jwt.authenticate(token);
}

/**
 * Throws unless `identity` may perform `action` (see the matrix on `Permissions` in @shared/auth).
 *
 * @throws ForbiddenError (403) naming the caller's role(s) and the action.
 * @example
 * ```ts
 * requirePermission({ tenantId: 't', userId: 'u', roles: ['viewer'], via: 'jwt' }, 'workflow:write');
 * // ForbiddenError: Role 'viewer' may not perform 'workflow:write'.
 * ```
 */
export function requirePermission(identity: Identity, action: Action): void {
  if (can(identity, action)) return;
  const who =
    identity.roles.length === 0
      ? 'A caller with no role'
      : `Role${identity.roles.length > 1 ? 's' : ''} ${identity.roles.map((r) => `'${r}'`).join(', ')}`;
  throw new ForbiddenError(`${who} may not perform '${action}'. Ask a tenant owner for a role that allows it.`);
}
