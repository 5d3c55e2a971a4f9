/**
 * The REST API's Lambda authorizer on AWS (HTTP API, simple responses). API Gateway's JWT
 * authorizer only knows Cognito tokens, so automation calling with `x-api-key` was refused at the
 * gateway; this authorizer accepts what the handlers accept (a Cognito ID token as
 * `Authorization: Bearer`, or an API key) and refuses everything else before any handler runs.
 * The handlers still authenticate every request themselves and check roles and tenant.
 */
import type { Identity } from '@shared/auth';
import { UnauthorizedError } from '@shared/errors';
import { authenticateRequest, type RequestAuthenticators, type RequestHeaders } from '../_shared/auth/authenticate';

/** API Gateway's simple response; context values reach the integration as `requestContext.authorizer.lambda`. */
export interface HttpAuthorization {
  readonly isAuthorized: boolean;
  readonly context?: { readonly tenantId: string; readonly userId: string; readonly roles: string; readonly via: Identity['via'] };
}

/**
 * @returns `isAuthorized: false` for a missing, doubled or invalid credential (API Gateway answers 403)
 * @throws anything else (an unreachable JWKS, DynamoDB down): API Gateway answers 500 and nothing runs
 * @example
 * ```ts
 * const { isAuthorized } = await authorizeHttp(event.headers ?? {}, { jwt, apiKeys });
 * ```
 */
export async function authorizeHttp(headers: RequestHeaders, authenticators: RequestAuthenticators, onRefused: (reason: string) => void = () => undefined): Promise<HttpAuthorization> {
  try {
    const identity = await authenticateRequest(headers, authenticators);
    return { isAuthorized: true, context: { tenantId: identity.tenantId, userId: identity.userId, roles: identity.roles.join(','), via: identity.via } };
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
    onRefused(err.message);
    return { isAuthorized: false };
  }
}
