import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fetcher } from 'aws-jwt-verify/https';
import { ForbiddenError, TransientError, UnauthorizedError } from '@shared/errors';
import { createDevIssuer, type DevIssuer, type JwksDocument } from './dev-issuer';
import { createJwtAuthenticator } from './jwt';
import { startJwksServer, type JwksServer } from './test-jwks-server';
import { rejection } from './test-rejection';

let dir: string;
let server: JwksServer;
let dev: DevIssuer;
let stranger: DevIssuer; // another issuer's key, same issuer URL and audience
let served: () => JwksDocument | undefined = () => dev.jwks();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepflow-jwt-'));
  server = await startJwksServer(() => served());
  dev = await createDevIssuer({ keyDirectory: join(dir, 'dev'), issuer: server.url, audience: 'stepflow-local' });
  stranger = await createDevIssuer({ keyDirectory: join(dir, 'stranger'), issuer: server.url, audience: 'stepflow-local' });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  served = () => dev.jwks();
});

const local = () => createJwtAuthenticator({ issuer: dev.issuer, audience: dev.audience });
const now = () => Math.floor(Date.now() / 1000);


/** Asserts a 401 whose message does not contain the token or its signature. */
async function expect401(token: string, message: RegExp, auth = local()): Promise<void> {
  const err = await rejection(auth.authenticate(token));
  expect(err).toBeInstanceOf(UnauthorizedError);
  expect((err as UnauthorizedError).status).toBe(401);
  expect(err.message).toMatch(message);
  expect(err.message).not.toContain(token);
  const signature = token.split('.')[2];
  if (signature) expect(err.message).not.toContain(signature);
}

describe('createJwtAuthenticator with the local development issuer (JWKS over real http)', () => {
  it('verifies a development token and maps its claims to an identity', async () => {
    const token = dev.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['editor', 'viewer'] });
    await expect(local().authenticate(token)).resolves.toEqual({ tenantId: 'acme', userId: 'ada', roles: ['editor', 'viewer'], via: 'jwt' });
  });

  it('fetches the JWKS once and then serves from its cache', async () => {
    const auth = local();
    const before = server.requestCount();
    for (let i = 0; i < 3; i += 1) await auth.authenticate(dev.issueToken({ tenantId: 'acme', userId: `u${i}`, roles: ['viewer'] }));
    expect(server.requestCount() - before).toBe(1);
  });

  it('hydrate() fetches the JWKS ahead of the first request', async () => {
    const auth = local();
    const before = server.requestCount();
    await auth.hydrate();
    expect(server.requestCount() - before).toBe(1);
    await auth.authenticate(dev.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['viewer'] }));
    expect(server.requestCount() - before).toBe(1);
  });

  it('refuses an expired token', async () => {
    const token = dev.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['owner'], expiresInSeconds: 60, issuedAt: new Date(Date.now() - 120_000) });
    await expect401(token, /expired/);
  });

  it('refuses a token that is not valid yet', async () => {
    const token = dev.signClaims({ iss: dev.issuer, aud: dev.audience, sub: 'ada', tenant: 'acme', nbf: now() + 600, exp: now() + 1200 });
    await expect401(token, /not valid yet/);
  });

  it('refuses a token from another issuer', async () => {
    const token = dev.signClaims({ iss: 'https://evil.example.com', aud: dev.audience, sub: 'ada', tenant: 'acme', exp: now() + 600 });
    await expect401(token, /not issued by the issuer/);
  });

  it('refuses a token for another audience', async () => {
    const token = dev.signClaims({ iss: dev.issuer, aud: 'some-other-app', sub: 'ada', tenant: 'acme', exp: now() + 600 });
    await expect401(token, /another audience/);
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const [h, , s] = dev.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['viewer'] }).split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ iss: dev.issuer, aud: dev.audience, sub: 'ada', tenant: 'acme', roles: ['owner'], exp: now() + 600 })).toString('base64url');
    await expect401(`${h}.${forged}.${s}`, /signature could not be verified/);
  });

  it('refuses a token whose signature was tampered with', async () => {
    const token = dev.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['viewer'] });
    const [h, p, s] = token.split('.') as [string, string, string];
    const bytes = Buffer.from(s, 'base64url');
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    await expect401(`${h}.${p}.${bytes.toString('base64url')}`, /signature could not be verified/);
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const token = stranger.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['owner'] });
    await expect401(token, /signature could not be verified/);
  });

  it("refuses a token signed by another key that claims the issuer's kid", async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${part({ alg: 'RS256', typ: 'JWT', kid: dev.keyId })}.${part({ iss: dev.issuer, aud: dev.audience, sub: 'ada', tenant: 'acme', exp: now() + 600 })}`;
    const token = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    await expect401(token, /signature could not be verified/);
  });

  it('refuses an unsigned (alg none) token', async () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${part({ alg: 'none', typ: 'JWT', kid: dev.keyId })}.${part({ iss: dev.issuer, aud: dev.audience, sub: 'ada', tenant: 'acme', exp: now() + 600 })}.`;
    await expect401(token, /not valid|signature|well-formed/);
  });

  it.each([['garbage', 'not-a-jwt'], ['two parts', 'abc.def'], ['empty', '']])('refuses a malformed token (%s)', async (_label, token) => {
    const err = await rejection(local().authenticate(token));
    expect(err).toBeInstanceOf(UnauthorizedError);
  });

  it('refuses an oversized token before parsing it', async () => {
    await expect401('a'.repeat(20_000), /longer than/);
  });

  it('refuses a token without a subject', async () => {
    await expect401(dev.signClaims({ iss: dev.issuer, aud: dev.audience, tenant: 'acme', exp: now() + 600 }), /no subject/);
  });

  it('answers 403 (not 401) to a valid token that names no tenant', async () => {
    const token = dev.signClaims({ iss: dev.issuer, aud: dev.audience, sub: 'ada', roles: ['owner'], exp: now() + 600 });
    const err = await rejection(local().authenticate(token));
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as ForbiddenError).status).toBe(403);
    expect(err.message).toMatch(/claim 'tenant'/);
  });

  it('reads roles from a space- or comma-separated string and drops unknown roles', async () => {
    const token = dev.signClaims({ iss: dev.issuer, aud: dev.audience, sub: 'ada', tenant: 'acme', roles: 'runner, admin viewer runner', exp: now() + 600 });
    await expect(local().authenticate(token)).resolves.toMatchObject({ roles: ['runner', 'viewer'] });
  });

  it('honours custom tenant and roles claims', async () => {
    const token = dev.signClaims({ iss: dev.issuer, aud: dev.audience, sub: 'ada', org: 'acme', groups: ['owner'], exp: now() + 600 });
    const auth = createJwtAuthenticator({ issuer: dev.issuer, audience: dev.audience, tenantClaim: 'org', rolesClaim: 'groups' });
    await expect(auth.authenticate(token)).resolves.toEqual({ tenantId: 'acme', userId: 'ada', roles: ['owner'], via: 'jwt' });
  });

  it('reports an unreachable JWKS as a transient failure, not as the caller being unauthorised', async () => {
    served = () => undefined; // the server answers 404
    const auth = local();
    const err = await rejection(auth.authenticate(dev.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['owner'] })));
    expect(err).toBeInstanceOf(TransientError);
  });

  it('refuses to fetch signing keys over plain http from a non-loopback host', () => {
    expect(() => createJwtAuthenticator({ issuer: 'http://idp.example.com', audience: 'x' })).toThrow(/https/);
    expect(() => createJwtAuthenticator({ issuer: 'https://idp.example.com', audience: 'x', jwksUri: 'http://10.0.0.1/jwks' })).toThrow(/https/);
  });
});

describe('createJwtAuthenticator with a Cognito user pool', () => {
  const userPoolId = 'eu-west-1_AbC123';
  const cognitoIssuer = `https://cognito-idp.eu-west-1.amazonaws.com/${userPoolId}`;
  const fetched: string[] = [];
  // The JWKS comes from the local server; the fetcher records which URI the verifier asked for.
  const fetcher: Fetcher = {
    fetch: async (uri) => {
      fetched.push(uri);
      return (await fetch(server.jwksUri)).arrayBuffer();
    },
  };
  const claims = (extra: Record<string, unknown>) => ({
    iss: cognitoIssuer,
    aud: 'client-1',
    token_use: 'id',
    sub: 'ada-sub',
    'custom:tenant': 'acme',
    'cognito:groups': ['runner', 'other-group'],
    exp: now() + 600,
    ...extra,
  });

  it('verifies an id token against the pool JWKS and maps custom:tenant and cognito:groups', async () => {
    const auth = createJwtAuthenticator({ userPoolId, clientId: 'client-1', fetcher });
    await expect(auth.authenticate(dev.signClaims(claims({})))).resolves.toEqual({ tenantId: 'acme', userId: 'ada-sub', roles: ['runner'], via: 'jwt' });
    expect(fetched).toContain(`${cognitoIssuer}/.well-known/jwks.json`);
  });

  it('refuses an access token when id tokens are expected', async () => {
    const auth = createJwtAuthenticator({ userPoolId, clientId: 'client-1', fetcher });
    await expect401(dev.signClaims(claims({ token_use: 'access', client_id: 'client-1', aud: undefined })), /wrong kind of Cognito token/, auth);
  });

  it('refuses a token for another app client', async () => {
    const auth = createJwtAuthenticator({ userPoolId, clientId: 'client-1', fetcher });
    await expect401(dev.signClaims(claims({ aud: 'client-2' })), /another audience/, auth);
  });

  it('refuses a token from another user pool', async () => {
    const auth = createJwtAuthenticator({ userPoolId, clientId: 'client-1', fetcher });
    await expect401(dev.signClaims(claims({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' })), /not issued by the issuer/, auth);
  });

  it('answers 403 to a user without custom:tenant', async () => {
    const auth = createJwtAuthenticator({ userPoolId, clientId: 'client-1', fetcher });
    const err = await rejection(auth.authenticate(dev.signClaims(claims({ 'custom:tenant': undefined }))));
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.message).toMatch(/custom:tenant/);
  });
});
