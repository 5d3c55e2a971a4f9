/**
 * Bearer-token authentication: verifies a JWT with aws-jwt-verify (signature against the
 * issuer's JWKS, expiry, not-before, issuer, audience) and maps its claims to an {@link Identity}.
 *
 * On AWS the issuer is a Cognito user pool ({@link CognitoJwtOptions}); on the local platform it
 * is the development issuer (dev-issuer.ts) or any OIDC provider ({@link OidcJwtOptions}).
 */
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwksValidationError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  NonRetryableFetchError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { isRole, type Identity, type Role } from '@shared/auth';
import { ForbiddenError, TransientError, UnauthorizedError } from '@shared/errors';

/** Verifies bearer tokens. */
export interface JwtAuthenticator {
  /**
   * Verifies `token` and returns who it identifies.
   * @throws UnauthorizedError (401) when the token is malformed, forged, expired or not for us.
   * @throws ForbiddenError (403) when the token is valid but names no tenant.
   * @throws TransientError when the issuer's JWKS cannot be fetched (our problem, not the caller's).
   */
  authenticate(token: string): Promise<Identity>;
  /** Fetches and caches the JWKS now (e.g. at cold start), so the first request does not wait. */
  hydrate(): Promise<void>;
}

interface CommonJwtOptions {
  /** The claim holding the tenant id. @default 'custom:tenant' for Cognito, 'tenant' otherwise */
  readonly tenantClaim?: string;
  /**
   * The claim holding the roles: a string array, or one string of space- or comma-separated
   * roles. Values that are not a Stepflow role are ignored.
   * @default 'cognito:groups' for Cognito, 'roles' otherwise
   */
  readonly rolesClaim?: string;
  /** How JWKS documents are fetched. @default https via aws-jwt-verify; plain http for loopback hosts only */
  readonly fetcher?: Fetcher;
}

/** A Cognito user pool as the issuer (AWS). */
export interface CognitoJwtOptions extends CommonJwtOptions {
  /** e.g. `eu-west-1_AbCdEf123`; the issuer and JWKS URI follow from it. */
  readonly userPoolId: string;
  /** The app client id(s) the token must be for (`aud` of id tokens, `client_id` of access tokens). */
  readonly clientId: string | readonly string[];
  /**
   * Which Cognito token is accepted. Id tokens carry custom attributes such as `custom:tenant`;
   * access tokens carry them only with a pre-token-generation trigger.
   * @default 'id'
   */
  readonly tokenUse?: 'id' | 'access';
}

/** A generic OIDC issuer, such as the local development issuer. */
export interface OidcJwtOptions extends CommonJwtOptions {
  /** The expected `iss`, e.g. `http://127.0.0.1:4000` or `https://login.example.com`. */
  readonly issuer: string;
  /** The expected `aud` (at least one must match). */
  readonly audience: string | readonly string[];
  /** @default `${issuer}/.well-known/jwks.json` */
  readonly jwksUri?: string;
}

/** Options of {@link createJwtAuthenticator}: Cognito when `userPoolId` is given, a generic issuer otherwise. */
export type JwtAuthenticatorOptions = CognitoJwtOptions | OidcJwtOptions;

/** Tokens longer than this are refused before parsing (real ones are a few KB). */
const MAX_TOKEN_CHARS = 16_384;
const MAX_TENANT_CHARS = 128;

const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);

function checkJwksUri(uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new RangeError(`jwksUri must be an absolute URL, received '${uri}'.`);
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  throw new RangeError(`jwksUri must use https (plain http is allowed for loopback hosts only), received '${uri}'.`);
}

/**
 * The default JWKS fetcher: aws-jwt-verify's https fetcher, plus plain http for loopback hosts,
 * where the local platform serves the development issuer's JWKS. Anything else is refused:
 * signing keys fetched over plain http across a network could be swapped by anyone on the path.
 *
 * @example
 * ```ts
 * createJwtAuthenticator({ issuer, audience, fetcher: createJwksFetcher() }); // the default anyway
 * ```
 */
export function createJwksFetcher(): Fetcher {
  const https = new SimpleFetcher();
  return {
    async fetch(uri, requestOptions, data) {
      const url = new URL(uri);
      if (url.protocol === 'https:') return https.fetch(uri, requestOptions, data);
      if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) {
        throw new NonRetryableFetchError(uri, 'JWKS must be fetched over https (plain http only from loopback hosts)');
      }
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      } catch (err) {
        throw new FetchError(uri, err instanceof Error ? err.message : String(err));
      }
      if (response.status !== 200) throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
      return response.arrayBuffer();
    },
  };
}

interface Verifier {
  verify(token: string): Promise<JwtPayload>;
  hydrate(): Promise<void>;
}

/**
 * Builds a {@link JwtAuthenticator} on aws-jwt-verify: `CognitoJwtVerifier` for a user pool,
 * `JwtVerifier` (RSA/EC, the former `JwtRsaVerifier`) for any other issuer. The JWKS is fetched
 * on first use and cached; an unknown `kid` triggers one refetch (key rotation).
 *
 * Claims map to the identity as: `sub` -> userId, the tenant claim -> tenantId (missing: 403),
 * the roles claim -> roles (unknown values dropped).
 *
 * @example
 * ```ts
 * // AWS
 * const auth = createJwtAuthenticator({ userPoolId: env.USER_POOL_ID, clientId: env.USER_POOL_CLIENT_ID });
 * // local platform
 * const local = createJwtAuthenticator({ issuer: dev.issuer, audience: dev.audience });
 * const identity = await local.authenticate(token); // { tenantId, userId, roles, via: 'jwt' }
 * ```
 */
export function createJwtAuthenticator(options: JwtAuthenticatorOptions): JwtAuthenticator {
  const jwksCache = new SimpleJwksCache({ fetcher: options.fetcher ?? createJwksFetcher() });
  let verifier: Verifier;
  let tenantClaim: string;
  let rolesClaim: string;

  if ('userPoolId' in options) {
    const cognito = CognitoJwtVerifier.create(
      { userPoolId: options.userPoolId, clientId: toMutable(options.clientId), tokenUse: options.tokenUse ?? 'id' },
      { jwksCache },
    );
    verifier = { verify: (token) => cognito.verify(token), hydrate: () => cognito.hydrate() };
    tenantClaim = options.tenantClaim ?? 'custom:tenant';
    rolesClaim = options.rolesClaim ?? 'cognito:groups';
  } else {
    const issuer = options.issuer.replace(/\/+$/, '');
    const jwksUri = options.jwksUri ?? `${issuer}/.well-known/jwks.json`;
    if (options.fetcher === undefined) checkJwksUri(jwksUri);
    const generic = JwtVerifier.create({ issuer, audience: toMutable(options.audience), jwksUri }, { jwksCache });
    verifier = { verify: (token) => generic.verify(token), hydrate: () => generic.hydrate() };
    tenantClaim = options.tenantClaim ?? 'tenant';
    rolesClaim = options.rolesClaim ?? 'roles';
  }

  return {
    hydrate: () => verifier.hydrate(),
    async authenticate(token) {
      if (token.length === 0) throw new UnauthorizedError('The bearer token is empty. Send Authorization: Bearer <token>.');
      if (token.length > MAX_TOKEN_CHARS) throw new UnauthorizedError(`The bearer token is longer than ${MAX_TOKEN_CHARS} characters; it is not a token we issue.`);
      let payload: JwtPayload;
      try {
        payload = await verifier.verify(token);
      } catch (err) {
        throw translateVerifyError(err);
      }
      return toIdentity(payload, tenantClaim, rolesClaim);
    },
  };
}

function toMutable(value: string | readonly string[]): string | string[] {
  return typeof value === 'string' ? value : [...value];
}

/** Maps aws-jwt-verify's errors to messages that say what failed, never echoing the token. */
function translateVerifyError(err: unknown): Error {
  const unauthorized = (message: string) => new UnauthorizedError(message, { cause: err });
  if (err instanceof FetchError || err instanceof JwksValidationError) {
    return new TransientError('Could not fetch the token issuer\'s signing keys (JWKS); try again shortly.', { cause: err });
  }
  if (err instanceof JwtExpiredError) return unauthorized('The bearer token has expired. Sign in again to get a new token.');
  if (err instanceof JwtNotBeforeError) return unauthorized('The bearer token is not valid yet (nbf is in the future).');
  // A multi-issuer-capable verifier (Cognito) reports a foreign `iss` as "issuer not configured";
  // every other parameter problem is caught when the verifier is created.
  if (err instanceof JwtInvalidIssuerError || err instanceof ParameterValidationError) return unauthorized('The bearer token was not issued by the issuer this API trusts.');
  if (err instanceof JwtInvalidAudienceError || err instanceof CognitoJwtInvalidClientIdError) {
    return unauthorized('The bearer token was issued for another audience (client) than this API.');
  }
  if (err instanceof CognitoJwtInvalidTokenUseError) return unauthorized('The bearer token is the wrong kind of Cognito token (id vs access).');
  if (
    err instanceof JwtInvalidSignatureError ||
    err instanceof JwtInvalidSignatureAlgorithmError ||
    err instanceof KidNotFoundInJwksError ||
    err instanceof WaitPeriodNotYetEndedJwkError ||
    err instanceof JwtWithoutValidKidError
  ) {
    return unauthorized('The bearer token\'s signature could not be verified with the issuer\'s keys.');
  }
  if (err instanceof JwtParseError) return unauthorized('The bearer token is not a well-formed JWT.');
  if (err instanceof JwtBaseError) return unauthorized('The bearer token is not valid.');
  return err instanceof Error ? err : new Error(String(err));
}

function toIdentity(payload: JwtPayload, tenantClaim: string, rolesClaim: string): Identity {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthorizedError('The bearer token has no subject (sub claim).');
  const tenant = payload[tenantClaim];
  if (typeof tenant !== 'string' || tenant.trim().length === 0 || tenant.length > MAX_TENANT_CHARS) {
    throw new ForbiddenError(`The bearer token names no tenant (claim '${tenantClaim}'). Ask a tenant owner to add you.`);
  }
  return { tenantId: tenant, userId: sub, roles: parseRoles(payload[rolesClaim]), via: 'jwt' };
}

function parseRoles(claim: unknown): Role[] {
  const values = typeof claim === 'string' ? claim.split(/[\s,]+/) : Array.isArray(claim) ? claim : [];
  const roles: Role[] = [];
  for (const value of values) if (isRole(value) && !roles.includes(value)) roles.push(value);
  return roles;
}
