import { createHash } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ApiKeyRepository } from '../_shared/data';
import { bodyOf, startApiHarness, type ApiHarness, type ErrorJson } from '../api-workflows/test-harness';
import { ACCESS_AUDIT_ACTIONS, accessRoutes } from './routes';

describe('access routes: API keys and audit', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
    h.use(accessRoutes({ apiKeys: new ApiKeyRepository(h.dynamo.doc, h.dynamo.tableName), audit: h.audit }), ACCESS_AUDIT_ACTIONS);
  });
  afterAll(() => h.stop());

  it('creates a key shown once, stores only its hash, authenticates automation with it, and revokes it', async () => {
    const owner = h.caller('acme', 'owner');
    const created = await owner.call('POST', '/api/v1/api-keys', { body: { name: 'CI pipeline', role: 'runner' } });
    expect(created.statusCode).toBe(201);
    expect(created.headers?.['cache-control']).toBe('no-store');
    const { key, secret } = bodyOf<{ key: { keyId: string; role: string }; secret: string }>(created);
    expect(secret).toMatch(/^sf_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ role: 'runner' });

    const listed = await owner.call('GET', '/api/v1/api-keys');
    expect(listed.body).not.toContain(secret);
    const table = await h.dynamo.doc.send(new ScanCommand({ TableName: h.dynamo.tableName }));
    expect(JSON.stringify(table.Items)).not.toContain(secret);
    expect(JSON.stringify(table.Items)).toContain(createHash('sha256').update(secret).digest('hex'));
    expect(bodyOf<{ items: Array<{ keyId: string }> }>(listed).items.map((k) => k.keyId)).toEqual([key.keyId]);

    // The key works for what its role allows (runner: read audit) and nothing more.
    expect((await h.rawCall({ 'x-api-key': secret }, 'GET', '/api/v1/audit')).statusCode).toBe(200);
    expect((await h.rawCall({ 'x-api-key': secret }, 'POST', '/api/v1/api-keys', { body: { name: 'x', role: 'owner' } })).statusCode).toBe(403);

    expect((await owner.call('DELETE', `/api/v1/api-keys/${key.keyId}`)).statusCode).toBe(204);
    expect((await h.rawCall({ 'x-api-key': secret }, 'GET', '/api/v1/audit')).statusCode).toBe(401);
  });

  it('lets only owners manage keys and names bad bodies', async () => {
    for (const role of ['editor', 'runner', 'viewer'] as const) {
      expect((await h.caller('acme', role).call('POST', '/api/v1/api-keys', { body: { name: 'x', role: 'viewer' } })).statusCode).toBe(403);
      expect((await h.caller('acme', role).call('GET', '/api/v1/api-keys')).statusCode).toBe(403);
    }
    const bad = await h.caller('acme', 'owner').call('POST', '/api/v1/api-keys', { body: { name: 'x', role: 'admin' } });
    expect(bad.statusCode).toBe(400);
    expect(bodyOf<ErrorJson>(bad).error.message).toContain('role');
  });

  it('keeps tenants apart: another tenant cannot see or revoke keys', async () => {
    const created = await h.caller('acme', 'owner').call('POST', '/api/v1/api-keys', { body: { name: 'acme key', role: 'viewer' } });
    const { key } = bodyOf<{ key: { keyId: string } }>(created);
    expect((await h.caller('globex', 'owner').call('DELETE', `/api/v1/api-keys/${key.keyId}`)).statusCode).toBe(404);
    expect(bodyOf<{ items: unknown[] }>(await h.caller('globex', 'owner').call('GET', '/api/v1/api-keys')).items).toEqual([]);
  });

  it('lists the audit trail of the caller\'s tenant, newest first, with refused calls too', async () => {
    const res = await h.caller('acme', 'viewer').call('GET', '/api/v1/audit', { query: { limit: '50' } });
    expect(res.statusCode).toBe(200);
    const items = bodyOf<{ items: Array<{ action: string; outcome: string; actor: string }> }>(res).items;
    expect(items.some((i) => i.action === 'apikey.create' && i.outcome === 'success' && i.actor === 'owner-of-acme')).toBe(true);
    expect(items.some((i) => i.action === 'apikey.create' && i.outcome === 'denied')).toBe(true);
    expect(items.some((i) => i.action === 'apikey.revoke' && i.outcome === 'success')).toBe(true);
    const globex = bodyOf<{ items: Array<{ actor: string }> }>(await h.caller('globex', 'viewer').call('GET', '/api/v1/audit')).items;
    expect(globex.every((i) => i.actor.endsWith('globex'))).toBe(true);
  });
});
