import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actions, can, type Action, type Identity, type Role } from '@shared/auth';
import { ForbiddenError, UnauthorizedError } from '@shared/errors';
import { generateApiKey, type ApiKeyLookup } from './api-keys';
import { authenticateRequest, requirePermission, type RequestHeaders } from './authenticate';
import { createDevIssuer, type DevIssuer } from './dev-issuer';
import { createJwtAuthenticator, type JwtAuthenticator } from './jwt';
import { startJwksServer, type JwksServer } from './test-jwks-server';
import { rejection } from './test-rejection';

const JWT_IDENTITY: Identity = { tenantId: 'acme', userId: 'ada', roles: ['editor'], via: 'jwt' };

/** A JWT authenticator that accepts exactly the token 'good-token' and records what it saw. */
function fakeJwt(): JwtAuthenticator & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    hydrate: async () => undefined,
    authenticate: async (token) => {
      seen.push(token);
      if (token !== 'good-token') throw new UnauthorizedError('The bearer token is not valid.');
      return JWT_IDENTITY;
    },
  };
}

const apiKey = generateApiKey();
const keyStore: ApiKeyLookup = {
  findByHash: async (hash) => (hash === apiKey.hash ? { tenantId: 'acme', keyId: 'k-1', role: 'runner' } : undefined),
};


describe('authenticateRequest', () => {
  it.each<[string, RequestHeaders]>([
    ['Authorization', { Authorization: 'Bearer good-token' }],
    ['authorization (API Gateway v2 lower-cases)', { authorization: 'Bearer good-token' }],
    ['a lower-case scheme', { authorization: 'bearer good-token' }],
    ['extra whitespace', { authorization: '  Bearer   good-token  ' }],
    ['an undefined x-api-key', { authorization: 'Bearer good-token', 'x-api-key': undefined }],
  ])('passes a bearer token to the JWT authenticator (%s)', async (_label, headers) => {
    const jwt = fakeJwt();
    await expect(authenticateRequest(headers, { jwt, apiKeys: keyStore })).resolves.toEqual(JWT_IDENTITY);
    expect(jwt.seen).toEqual(['good-token']);
  });

  it.each<[string, RequestHeaders]>([
    ['x-api-key', { 'x-api-key': apiKey.key }],
    ['X-Api-Key', { 'X-Api-Key': apiKey.key }],
    ['an empty Authorization', { 'x-api-key': apiKey.key, authorization: '' }],
  ])('authenticates an API key (%s)', async (_label, headers) => {
    const jwt = fakeJwt();
    await expect(authenticateRequest(headers, { jwt, apiKeys: keyStore })).resolves.toEqual({
      tenantId: 'acme',
      userId: 'apikey:k-1',
      roles: ['runner'],
      via: 'api_key',
      keyId: 'k-1',
    });
    expect(jwt.seen).toEqual([]);
  });

  it.each<[string, RequestHeaders, RegExp]>([
    ['no credentials', {}, /No credentials: send either Authorization: Bearer <token> or x-api-key/],
    ['only unrelated headers', { 'content-type': 'application/json' }, /No credentials/],
    ['both credentials', { authorization: 'Bearer good-token', 'x-api-key': apiKey.key }, /exactly one/],
    ['Basic auth', { authorization: 'Basic dXNlcjpzZWNyZXQ=' }, /must use the Bearer scheme/],
    ['a bare token without scheme', { authorization: 'good-token' }, /must use the Bearer scheme/],
    ['Bearer without token', { authorization: 'Bearer' }, /no token after Bearer/],
    ['two tokens', { authorization: 'Bearer good-token other' }, /more than one value/],
    ['Authorization twice (array)', { authorization: ['Bearer good-token', 'Bearer good-token'] }, /more than once/],
    ['Authorization twice (two casings)', { Authorization: 'Bearer good-token', authorization: 'Bearer good-token' }, /more than once/],
    ['an invalid token', { authorization: 'Bearer bad-token' }, /not valid/],
    ['an unknown API key', { 'x-api-key': generateApiKey().key }, /unknown or has been revoked/],
  ])('answers 401 to %s', async (_label, headers, message) => {
    const err = await rejection(authenticateRequest(headers, { jwt: fakeJwt(), apiKeys: keyStore }));
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as UnauthorizedError).status).toBe(401);
    expect(err.message).toMatch(message);
    for (const value of Object.values(headers).flat()) {
      const secret = value?.replace(/^\s*bearer\s+/i, '').trim();
      if (secret && secret.length > 6) expect(err.message).not.toContain(secret);
    }
  });

  it('refuses a method the deployment does not accept', async () => {
    await expect(authenticateRequest({ 'x-api-key': apiKey.key }, { jwt: fakeJwt() })).rejects.toThrow(/API keys are not accepted here/);
    await expect(authenticateRequest({ authorization: 'Bearer good-token' }, { apiKeys: keyStore })).rejects.toThrow(/Bearer tokens are not accepted here/);
  });

  describe('end to end with the development issuer', () => {
    let dir: string;
    let server: JwksServer;
    let dev: DevIssuer | undefined;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'stepflow-authn-'));
      server = await startJwksServer(() => dev?.jwks());
      dev = await createDevIssuer({ keyDirectory: dir, issuer: server.url });
    });
    afterAll(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('authenticates a real token, then enforces its role', async () => {
      if (dev === undefined) throw new Error('dev issuer not started');
      const jwt = createJwtAuthenticator({ issuer: dev.issuer, audience: dev.audience });
      const token = dev.issueToken({ tenantId: 'acme', userId: 'vic', roles: ['viewer'] });
      const identity = await authenticateRequest({ Authorization: `Bearer ${token}` }, { jwt, apiKeys: keyStore });
      expect(identity).toEqual({ tenantId: 'acme', userId: 'vic', roles: ['viewer'], via: 'jwt' });
      expect(() => requirePermission(identity, 'workflow:read')).not.toThrow();
      expect(() => requirePermission(identity, 'execution:start')).toThrow(ForbiddenError);
    });
  });
});

describe('requirePermission', () => {
  const who = (...roles: Role[]): Identity => ({ tenantId: 't', userId: 'u', roles, via: 'jwt' });

  it('throws 403 naming the role and the action', () => {
    let thrown: unknown;
    try {
      requirePermission(who('viewer'), 'workflow:write');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ForbiddenError);
    expect((thrown as ForbiddenError).status).toBe(403);
    expect((thrown as ForbiddenError).message).toBe("Role 'viewer' may not perform 'workflow:write'. Ask a tenant owner for a role that allows it.");
  });

  it('names every role when there are several, and says so when there are none', () => {
    expect(() => requirePermission(who('runner', 'viewer'), 'apikey:manage')).toThrow("Roles 'runner', 'viewer' may not perform 'apikey:manage'.");
    expect(() => requirePermission(who(), 'workflow:read')).toThrow("A caller with no role may not perform 'workflow:read'.");
  });

  it('agrees with can() for every role and action', () => {
    const roles: Role[] = ['owner', 'editor', 'runner', 'viewer'];
    for (const role of roles) {
      for (const action of Actions as readonly Action[]) {
        if (can(who(role), action)) expect(() => requirePermission(who(role), action)).not.toThrow();
        else expect(() => requirePermission(who(role), action)).toThrow(ForbiddenError);
      }
    }
    // and the matrix is not trivially all-allow or all-deny
    expect(() => requirePermission(who('owner'), 'apikey:manage')).not.toThrow();
    expect(() => requirePermission(who('editor'), 'apikey:manage')).toThrow(ForbiddenError);
  });
});
