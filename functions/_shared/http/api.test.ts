import { z } from 'zod';
import type { Identity } from '@shared/auth';
import { ConflictError, ForbiddenError, NotFoundError, TransientError, UnauthorizedError } from '@shared/errors';
import { dispatch, json, parseBody, parseQuery, Router, type ApiRequest, type DispatchDeps } from './api';
import { fromApiGateway } from './apigw';

const alice: Identity = { tenantId: 't1', userId: 'alice', roles: ['editor'], via: 'jwt' };

function request(method: string, path: string, body?: unknown, extra: Partial<ApiRequest> = {}): ApiRequest {
  return { method, path, query: {}, headers: {}, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), requestId: 'r1', ...extra };
}

const schema = z.strictObject({ name: z.string().min(1), size: z.number().int().optional() });
const router = new Router([
  { method: 'GET', pattern: '/api/v1/things/{id}', action: 'workflow:read', handler: async ({ params }) => json(200, { id: params.id }) },
  { method: 'POST', pattern: '/api/v1/things', action: 'workflow:write', handler: async ({ request }) => json(201, parseBody(request, schema)) },
  { method: 'DELETE', pattern: '/api/v1/things/{id}', action: 'workflow:delete', handler: async ({ params }) => {
    if (params.id === 'gone') throw new NotFoundError('no thing "gone"');
    if (params.id === 'busy') throw new ConflictError('thing "busy" is in use');
    if (params.id === 'flaky') throw new TransientError('dynamo throttled');
    throw new Error('database password is hunter2');
  } },
]);

function deps(overrides: Partial<DispatchDeps> = {}): DispatchDeps & { audits: unknown[]; logs: unknown[] } {
  const audits: unknown[] = [];
  const logs: unknown[] = [];
  return {
    audits,
    logs,
    authenticate: async (headers) => {
      if (headers.authorization !== 'Bearer ok') throw new UnauthorizedError('missing or invalid credentials');
      return alice;
    },
    authorize: (identity, action) => {
      if (action === 'workflow:delete' && !identity.roles.includes('owner')) throw new ForbiddenError(`role editor may not perform ${action}`);
    },
    audit: async (entry) => void audits.push({ action: entry.route.action, status: entry.status, user: entry.identity.userId }),
    log: (m, err) => void logs.push([m, err]),
    ...overrides,
  };
}

const auth = { headers: { authorization: 'Bearer ok' } };
const bodyOf = (r: { body?: string }) => JSON.parse(r.body ?? '{}') as { error?: { code: string; message: string; details: Array<{ path?: string; message: string }> } };

describe('API framework', () => {
  it('routes with path parameters, decoding them', async () => {
    const r = await dispatch(router, request('GET', '/api/v1/things/a%20b', undefined, auth), deps());
    expect(r).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(r.body ?? '')).toEqual({ id: 'a b' });
  });

  it('answers 404 for unknown routes and 405 with Allow for a known path with another method', async () => {
    expect((await dispatch(router, request('GET', '/api/v1/nothing', undefined, auth), deps())).statusCode).toBe(404);
    const r = await dispatch(router, request('PUT', '/api/v1/things/1', undefined, auth), deps());
    expect(r.statusCode).toBe(405);
    expect(r.headers?.allow).toBe('GET, DELETE');
  });

  it('refuses unauthenticated (401) and unauthorised (403) calls before the handler runs, auditing the refusal', async () => {
    const d = deps();
    expect((await dispatch(router, request('GET', '/api/v1/things/1'), d)).statusCode).toBe(401);
    const r = await dispatch(router, request('DELETE', '/api/v1/things/1', undefined, auth), d);
    expect(r.statusCode).toBe(403);
    expect(bodyOf(r).error).toMatchObject({ code: 'FORBIDDEN' });
    expect(d.audits).toEqual([{ action: 'workflow:delete', status: 403, user: 'alice' }]);
  });

  it.each([
    ['no body', undefined, 'the request needs a JSON body'],
    ['malformed JSON', '{"name": ', 'the body is not valid JSON'],
    ['wrong type', { name: 7 }, 'name: Invalid input: expected string, received number'],
    ['unknown field', { name: 'x', colour: 'red' }, 'Unrecognized key: "colour"'],
  ])('answers 400 naming the problem for %s', async (_name, body, message) => {
    const r = await dispatch(router, request('POST', '/api/v1/things', body, auth), deps());
    expect(r.statusCode).toBe(400);
    expect(bodyOf(r).error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining(message) });
  });

  it('maps errors to statuses and never leaks internals in a 500', async () => {
    const d = { ...deps(), authorize: () => undefined };
    expect((await dispatch(router, request('DELETE', '/api/v1/things/gone', undefined, auth), d)).statusCode).toBe(404);
    expect((await dispatch(router, request('DELETE', '/api/v1/things/busy', undefined, auth), d)).statusCode).toBe(409);
    expect((await dispatch(router, request('DELETE', '/api/v1/things/flaky', undefined, auth), d)).statusCode).toBe(503);
    const boom = await dispatch(router, request('DELETE', '/api/v1/things/x', undefined, auth), d);
    expect(boom.statusCode).toBe(500);
    expect(boom.body).not.toContain('hunter2');
    expect(d.logs).toHaveLength(1);
  });

  it('audits successful mutations and not reads', async () => {
    const d = deps();
    await dispatch(router, request('POST', '/api/v1/things', { name: 'x' }, auth), d);
    await dispatch(router, request('GET', '/api/v1/things/1', undefined, auth), d);
    expect(d.audits).toEqual([{ action: 'workflow:write', status: 201, user: 'alice' }]);
  });

  it('parses query strings with coercion and names bad values', () => {
    const q = z.object({ limit: z.coerce.number().int().max(100).default(25) });
    expect(parseQuery(request('GET', '/', undefined, { query: { limit: '10' } }), q)).toEqual({ limit: 10 });
    expect(() => parseQuery(request('GET', '/', undefined, { query: { limit: 'lots' } }), q)).toThrow(/invalid query: limit/);
  });

  it('reads API Gateway v2 events: stage prefix, lower-cased headers, base64 bodies', () => {
    const req = fromApiGateway({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/prod/api/v1/things',
      rawQueryString: 'limit=5',
      headers: { Authorization: 'Bearer x' },
      queryStringParameters: { limit: '5' },
      requestContext: { stage: 'prod', requestId: 'abc', http: { method: 'POST', path: '/prod/api/v1/things', protocol: 'HTTP/1.1', sourceIp: '1.1.1.1', userAgent: 'ua' } } as never,
      body: Buffer.from('{"name":"x"}').toString('base64'),
      isBase64Encoded: true,
    });
    expect(req).toMatchObject({ method: 'POST', path: '/api/v1/things', headers: { authorization: 'Bearer x' }, query: { limit: '5' }, body: '{"name":"x"}', requestId: 'abc' });
  });
});
