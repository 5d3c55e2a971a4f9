import { createHash } from 'node:crypto';
import { ApiKeyRepository, AuditRepository } from '../data';
import type { Route } from './api';
import { startDynamo, type LocalDynamo } from '../test-support/dynamo';
import { auditOutcome, auditWriter } from './audit';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('API audit and API-key lookup', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(() => dynamo.stop());

  it('finds an API key by the hash of its secret, with its tenant, id and role; revoked keys are marked; unknown hashes are not found', async () => {
    const repo = new ApiKeyRepository(dynamo.doc, dynamo.tableName);
    const lookup = repo;
    const { record, secret } = await repo.create('t-keys', { name: 'CI', role: 'editor', keyId: 'k-ci' });

    expect(await lookup.findByHash(sha256(secret))).toMatchObject({ tenantId: 't-keys', keyId: record.keyId, role: 'editor' });
    expect(await lookup.findByHash(sha256(`${secret}x`))).toBeUndefined();

    await repo.revoke('t-keys', 'k-ci');
    expect(await lookup.findByHash(sha256(secret))).toBeUndefined();
  });

  it('maps statuses to audit outcomes', () => {
    expect([200, 201, 204, 400, 401, 403, 404, 409, 422, 500].map(auditOutcome)).toEqual(['success', 'success', 'success', 'failure', 'denied', 'denied', 'failure', 'failure', 'failure', 'failure']);
  });

  it('writes one record per call with a named action, falling back to the permission and method', async () => {
    const audit = new AuditRepository(dynamo.doc, dynamo.tableName);
    const write = auditWriter(audit, { 'POST /api/v1/things': 'thing.create' }, () => new Date('2026-01-01T00:00:00Z'));
    const route = (method: string, pattern: string): Route => ({ method, pattern, action: 'workflow:write', handler: async () => ({ statusCode: 200 }) });
    const identity = { tenantId: 't-audit-w', userId: 'ann', roles: ['editor'] as const, via: 'jwt' as const };
    const request = (method: string, path: string) => ({ method, path, query: {}, headers: {}, requestId: `r-${method}` });

    await write({ identity, request: request('POST', '/api/v1/things'), route: route('POST', '/api/v1/things'), status: 201, params: {} });
    await write({ identity, request: request('PUT', '/api/v1/things/a/'), route: route('PUT', '/api/v1/things/{id}'), status: 403, params: { id: 'a' } });

    const items = (await audit.list('t-audit-w')).items.map((r) => ({ actor: r.actor, action: r.action, target: r.target, outcome: r.outcome, at: r.at, requestId: r.requestId }));
    expect(items).toEqual(
      expect.arrayContaining([
        { actor: 'ann', action: 'thing.create', target: 'things', outcome: 'success', at: '2026-01-01T00:00:00.000Z', requestId: 'r-POST' },
        { actor: 'ann', action: 'workflow:write.put', target: 'things/a', outcome: 'denied', at: '2026-01-01T00:00:00.000Z', requestId: 'r-PUT' },
      ]),
    );
    expect(items).toHaveLength(2);
  });
});
