/**
 * The REST API's plumbing, independent of where it runs: a request/response shape, a router
 * with `{param}` paths, body/query parsing with zod that names the offending field, and the one
 * place where errors become status codes: `{ "error": { "code", "message", "details" } }`,
 * a 4xx for anything the caller did, a 500 (logged, no internals) only for our own bugs.
 */
import { z } from 'zod';
import type { Action, Identity } from '@shared/auth';
import { StepflowError, UserError, ValidationError, type ErrorDetail } from '@shared/errors';
import type { ErrorBody } from '@shared/api';

export interface ApiRequest {
  readonly method: string;
  /** The path without the stage, e.g. `/api/v1/workflows/abc`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: string | undefined;
  readonly requestId: string;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface RouteContext {
  readonly request: ApiRequest;
  readonly params: Readonly<Record<string, string>>;
  readonly identity: Identity;
}

export type RouteHandler = (ctx: RouteContext) => Promise<ApiResponse>;

export interface Route {
  readonly method: string;
  readonly pattern: string;
  /** The permission the caller needs (checked before the handler runs). */
  readonly action: Action;
  readonly handler: RouteHandler;
}

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export const noContent = (): ApiResponse => ({ statusCode: 204 });

function errorBody(code: string, message: string, details: readonly ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details: details.map((d) => ({ ...d })) } };
}

/** Maps an error to a response (the only place that does). */
export function errorResponse(err: unknown, log: (message: string, err: unknown) => void = () => undefined): ApiResponse {
  if (err instanceof UserError) return json(err.status, errorBody(err.code, err.message, err.details));
  if (err instanceof StepflowError && err.code === 'TRANSIENT') return json(503, errorBody('UNAVAILABLE', 'a dependency is temporarily unavailable; retry shortly'), { 'retry-after': '1' });
  log('unexpected error in API handler', err);
  return json(500, errorBody('INTERNAL', 'an internal error occurred; it has been logged'));
}

const fieldOf = (path: ReadonlyArray<PropertyKey>) => path.map(String).join('.');

/** A ValidationError listing every zod issue with its field. */
export function validationError(where: string, error: z.core.$ZodError): ValidationError {
  const details = error.issues.slice(0, 50).map((i) => ({ path: fieldOf(i.path) || where, message: i.message }));
  return new ValidationError(`invalid ${where}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, { details });
}

/**
 * Parses a JSON body with a schema.
 * @throws ValidationError (400) for a missing body, malformed JSON or a field of the wrong shape
 * @example
 * ```ts
 * const body = parseBody(ctx.request, createWorkflowRequestSchema);
 * ```
 */
export function parseBody<S extends z.core.$ZodType>(request: ApiRequest, schema: S): z.infer<S> {
  if (request.body === undefined || request.body === '') throw new ValidationError('the request needs a JSON body');
  if (request.body.length > 6_000_000) throw new ValidationError('the request body is larger than 6 MB');
  let value: unknown;
  try {
    value = JSON.parse(request.body);
  } catch (err) {
    throw new ValidationError(`the body is not valid JSON: ${(err as Error).message}`);
  }
  // z.safeParse, not schema.safeParse: the schema may be written with zod/mini (see @shared/zod-en).
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) throw validationError('body', parsed.error);
  return parsed.data;
}

export function parseQuery<S extends z.core.$ZodType>(request: ApiRequest, schema: S): z.infer<S> {
  const parsed = z.safeParse(schema, request.query);
  if (!parsed.success) throw validationError('query', parsed.error);
  return parsed.data;
}

interface Compiled {
  readonly route: Route;
  readonly regex: RegExp;
  readonly names: string[];
}

/**
 * Routes requests by method and path.
 * @example
 * ```ts
 * const router = new Router([{ method: 'GET', pattern: '/api/v1/workflows/{id}', action: 'workflow:read', handler }]);
 * ```
 */
export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = route.pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { route, regex: new RegExp(`^${source}/?$`), names };
    });
  }

  /** The route for a request, or the 404/405 to answer with. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | { status: 404 | 405; allowed?: string[] } {
    const allowed: string[] = [];
    for (const c of this.compiled) {
      const m = c.regex.exec(path);
      if (!m) continue;
      if (c.route.method !== method.toUpperCase()) {
        allowed.push(c.route.method);
        continue;
      }
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] as string);
      });
      return { route: c.route, params };
    }
    return allowed.length > 0 ? { status: 405, allowed } : { status: 404 };
  }
}

export interface DispatchDeps {
  readonly authenticate: (headers: ApiRequest['headers']) => Promise<Identity>;
  readonly authorize: (identity: Identity, action: Action) => void;
  readonly audit?: (entry: { identity: Identity; request: ApiRequest; route: Route; status: number; params: Record<string, string> }) => Promise<void>;
  readonly log?: (message: string, err: unknown) => void;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authenticates, authorises, runs the route, maps errors, and records an audit entry for every
 * mutating call (allowed or refused).
 */
export async function dispatch(router: Router, request: ApiRequest, deps: DispatchDeps): Promise<ApiResponse> {
  const found = router.match(request.method, request.path);
  if ('status' in found) {
    if (found.status === 405) return { ...json(405, errorBody('METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${request.path}; allowed: ${found.allowed?.join(', ')}`)), headers: { 'content-type': 'application/json', allow: found.allowed?.join(', ') ?? '' } };
    return json(404, errorBody('NOT_FOUND', `no route for ${request.method} ${request.path}`));
  }
  let identity: Identity | undefined;
  let response: ApiResponse;
  try {
    identity = await deps.authenticate(request.headers);
    deps.authorize(identity, found.route.action);
    response = await found.route.handler({ request, params: found.params, identity });
  } catch (err) {
    response = errorResponse(err, deps.log);
  }
  if (identity && deps.audit && MUTATING.has(request.method.toUpperCase())) {
    await deps.audit({ identity, request, route: found.route, status: response.statusCode, params: found.params }).catch((err: unknown) => deps.log?.('could not write the audit record', err));
  }
  return response;
}
