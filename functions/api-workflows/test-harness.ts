/**
 * Test support for the control-plane API routes: a real dynalite table, a development issuer
 * whose JWKS is served over HTTP, a JWT authenticator pointed at it (the real token path), the
 * real permission check and the audit writer over the AuditRepository.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@shared/auth';
import { authenticateRequest, requirePermission } from '../_shared/auth/authenticate';
import { createDevIssuer, type DevIssuer } from '../_shared/auth/dev-issuer';
import { createJwtAuthenticator } from '../_shared/auth/jwt';
import { startJwksServer, type JwksServer } from '../_shared/auth/test-jwks-server';
import { ApiKeyRepository, AuditRepository } from '../_shared/data';
import { dispatch, Router, type ApiRequest, type ApiResponse, type DispatchDeps, type Route } from '../_shared/http/api';
import { startDynamo, type LocalDynamo } from '../_shared/test-support/dynamo';
import { auditWriter } from '../_shared/http/audit';

/** An error body as the API sends it. */
export interface ErrorJson {
  readonly error: { readonly code: string; readonly message: string; readonly details: ReadonlyArray<{ path?: string; nodeId?: string; edgeId?: string; code?: string; message: string }> };
}

export interface CallOptions {
  readonly body?: unknown;
  readonly query?: Record<string, string>;
}

/** A caller: a tenant, a user and roles, holding a real signed token. */
export interface Caller {
  readonly tenantId: string;
  readonly userId: string;
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
}

export interface ApiHarness {
  readonly dynamo: LocalDynamo;
  readonly audit: AuditRepository;
  readonly issuer: DevIssuer;
  caller(tenantId: string, role: Role, userId?: string): Caller;
  /** A call with exactly these headers (no token added). */
  rawCall(headers: Readonly<Record<string, string>>, method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  /** Builds the router the callers dispatch to (call once the routes' deps exist). */
  use(routes: readonly Route[], auditActions: Readonly<Record<string, string>>): void;
  stop(): Promise<void>;
}

let requests = 0;

/**
 * @example
 * ```ts
 * const h = await startApiHarness();
 * h.use(workflowRoutes(deps), WORKFLOW_AUDIT_ACTIONS);
 * const res = await h.caller('acme', 'editor').call('GET', '/api/v1/workflows');
 * ```
 */
export async function startApiHarness(): Promise<ApiHarness> {
  const dynamo = await startDynamo();
  const keyDirectory = await mkdtemp(join(tmpdir(), 'stepflow-api-test-'));
  let issuer: DevIssuer | undefined;
  const jwks: JwksServer = await startJwksServer(() => issuer?.jwks());
  issuer = await createDevIssuer({ keyDirectory, issuer: jwks.url });
  const jwt = createJwtAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: jwks.jwksUri });
  const audit = new AuditRepository(dynamo.doc, dynamo.tableName);
  let router: Router | undefined;
  let deps: DispatchDeps | undefined;
  const dev = issuer;

  const rawCall = async (headers: Readonly<Record<string, string>>, method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> => {
    if (!router || !deps) throw new Error('call use(routes) first');
    const request: ApiRequest = {
      method,
      path,
      query: options.query ?? {},
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
      requestId: `req-${++requests}`,
    };
    return dispatch(router, request, deps);
  };

  return {
    dynamo,
    audit,
    issuer: dev,
    use(routes, auditActions) {
      router = new Router(routes);
      deps = {
        authenticate: (headers) => authenticateRequest(headers, { jwt, apiKeys: new ApiKeyRepository(dynamo.doc, dynamo.tableName) }),
        authorize: requirePermission,
        audit: auditWriter(audit, auditActions),
        log: (message, err) => {
          throw new Error(`unexpected log from the API: ${message}: ${String(err)}`);
        },
      };
    },
    rawCall,
    caller(tenantId, role, userId = `${role}-of-${tenantId}`) {
      const token = dev.issueToken({ tenantId, userId, roles: [role] });
      return { tenantId, userId, call: (method, path, options) => rawCall({ authorization: `Bearer ${token}` }, method, path, options) };
    },
    async stop() {
      await jwks.close();
      await dynamo.stop();
      await rm(keyDirectory, { recursive: true, force: true });
    },
  };
}

/** The parsed JSON body of a response. */
export function bodyOf<T>(res: ApiResponse): T {
  if (res.body === undefined) throw new Error(`response ${res.statusCode} has no body`);
  return JSON.parse(res.body) as T;
}
