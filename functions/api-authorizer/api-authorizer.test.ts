/**
 * The REST API's Lambda authorizer against real parts: tokens signed by the development issuer
 * and verified through its JWKS over HTTP, API keys stored in and revoked from a DynamoDB-protocol
 * server (dynalite).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevIssuer, type DevIssuer } from '../_shared/auth/dev-issuer';
import { createJwtAuthenticator, type JwtAuthenticator } from '../_shared/auth/jwt';
import { startJwksServer, type JwksServer } from '../_shared/auth/test-jwks-server';
import { ApiKeyRepository } from '../_shared/data';
import { startDynamo, type LocalDynamo } from '../_shared/test-support/dynamo';
import { authorizeHttp } from './api-authorizer';

let dir: string;
let server: JwksServer;
let issuer: DevIssuer;
let dynamo: LocalDynamo;
let keys: ApiKeyRepository;
let jwt: JwtAuthenticator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepflow-authorizer-'));
  server = await startJwksServer(() => issuer.jwks());
  issuer = await createDevIssuer({ keyDirectory: dir, issuer: server.url, audience: 'stepflow-editor' });
  jwt = createJwtAuthenticator({ issuer: issuer.issuer, audience: issuer.audience });
  dynamo = await startDynamo();
  keys = new ApiKeyRepository(dynamo.doc, dynamo.tableName);
});
afterAll(async () => {
  await server.close();
  await dynamo.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('authorizeHttp', () => {
  it('lets a valid bearer token through with its tenant, user and roles', async () => {
    const token = issuer.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['editor', 'runner'] });
    await expect(authorizeHttp({ authorization: `Bearer ${token}` }, { jwt, apiKeys: keys })).resolves.toEqual({
      isAuthorized: true,
      context: { tenantId: 'acme', userId: 'ada', roles: 'editor,runner', via: 'jwt' },
    });
  });

  it('lets an API key through (what the JWT authorizer refused), until it is revoked', async () => {
    const { record, secret } = await keys.create('acme', { name: 'nightly pipeline', role: 'runner' });
    await expect(authorizeHttp({ 'x-api-key': secret }, { jwt, apiKeys: keys })).resolves.toEqual({
      isAuthorized: true,
      context: { tenantId: 'acme', userId: `apikey:${record.keyId}`, roles: 'runner', via: 'api_key' },
    });
    await keys.revoke('acme', record.keyId);
    const reasons: string[] = [];
    await expect(authorizeHttp({ 'x-api-key': secret }, { jwt, apiKeys: keys }, (r) => reasons.push(r))).resolves.toEqual({ isAuthorized: false });
    expect(reasons.join(' ')).not.toContain(secret);
  });

  it.each([
    ['no credential', {}],
    ['a token from another issuer', { authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }],
    ['a Basic credential', { authorization: 'Basic YWRhOnNlY3JldA==' }],
    ['an unknown API key', { 'x-api-key': 'sf_unknown_key_0000000000000000000000' }],
  ])('refuses %s, with a reason that never echoes the credential', async (_label, headers: Record<string, string>) => {
    const reasons: string[] = [];
    await expect(authorizeHttp(headers, { jwt, apiKeys: keys }, (r) => reasons.push(r))).resolves.toEqual({ isAuthorized: false });
    expect(reasons).toHaveLength(1);
    for (const value of Object.values(headers)) expect(reasons[0]).not.toContain(value.split(' ').at(-1));
  });

  it('refuses both credentials at once', async () => {
    const token = issuer.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['owner'] });
    const { secret } = await keys.create('acme', { name: 'ci', role: 'runner' });
    await expect(authorizeHttp({ authorization: `Bearer ${token}`, 'x-api-key': secret }, { jwt, apiKeys: keys })).resolves.toEqual({ isAuthorized: false });
  });

  it('fails (API Gateway: 500, nothing runs) instead of refusing when it cannot check: the JWKS is unreachable', async () => {
    const unreachable = createJwtAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: 'http://127.0.0.1:9/.well-known/jwks.json' });
    const token = issuer.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['owner'] });
    await expect(authorizeHttp({ authorization: `Bearer ${token}` }, { jwt: unreachable, apiKeys: keys })).rejects.toThrow();
  });
});
