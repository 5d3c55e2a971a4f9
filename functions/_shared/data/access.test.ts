import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentDefinition } from '@shared/agents';
import { ConflictError, NotFoundError } from '@shared/errors';
import { DynamoAgentStore } from '../../run-agent/agent-store';
import { startDynamo, type LocalDynamo } from '../test-support/dynamo';
import { AgentRepository } from './agents';
import { ApiKeyRepository, hashApiKey } from './api-keys';
import { AuditRepository } from './audit';
import { CONNECTION_TTL_SECONDS, ConnectionRepository } from './connections';
import { keys } from './keys';
import { collectPages } from './test-fixtures';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => {
  await dynamo.stop();
});

const agentDef = (id: string, name = 'Researcher'): AgentDefinition => ({
  id,
  name,
  description: '',
  systemPrompt: 'You research.',
  models: [{ provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }],
  tools: [],
  delegates: [],
  maxSteps: 10,
});

describe('agents', () => {
  it('registers once, replaces on request, lists by id, deletes; the runtime store reads the same item', async () => {
    const agents = new AgentRepository(dynamo.doc, dynamo.tableName);
    await agents.register('t1', agentDef('writer'));
    const first = await agents.register('t1', agentDef('researcher'), {}, new Date('2026-01-01T00:00:00Z'));
    await expect(agents.register('t1', agentDef('researcher'))).rejects.toBeInstanceOf(ConflictError);
    await expect(agents.register('t1', agentDef('ghost'), { replace: true })).rejects.toBeInstanceOf(NotFoundError);
    const replaced = await agents.register('t1', agentDef('researcher', 'Researcher 2'), { replace: true }, new Date('2026-01-02T00:00:00Z'));
    expect(replaced).toMatchObject({ createdAt: first.createdAt, updatedAt: '2026-01-02T00:00:00.000Z', revision: 2 });
    expect((await agents.get('t1', 'researcher')).definition.name).toBe('Researcher 2');
    expect(await new DynamoAgentStore(dynamo.doc, dynamo.tableName).get('t1', 'researcher')).toEqual(agentDef('researcher', 'Researcher 2'));
    expect((await agents.list('t1')).items.map((a) => a.agentId)).toEqual(['researcher', 'writer']);
    await expect(agents.get('t2', 'researcher')).rejects.toBeInstanceOf(NotFoundError);
    await expect(agents.delete('t2', 'researcher')).rejects.toBeInstanceOf(NotFoundError);
    await agents.delete('t1', 'researcher');
    await expect(agents.get('t1', 'researcher')).rejects.toBeInstanceOf(NotFoundError);
    await expect(agents.delete('t1', 'researcher')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reads and replaces items the runtime store wrote (definition only)', async () => {
    await new DynamoAgentStore(dynamo.doc, dynamo.tableName).put('t-legacy', agentDef('old'));
    const agents = new AgentRepository(dynamo.doc, dynamo.tableName);
    expect(await agents.get('t-legacy', 'old')).toEqual({ tenantId: 't-legacy', agentId: 'old', definition: agentDef('old') });
    expect((await agents.register('t-legacy', agentDef('old', 'Renamed'), { replace: true })).revision).toBe(1);
  });

  it('lets exactly one of two racing replaces win', async () => {
    const agents = new AgentRepository(dynamo.doc, dynamo.tableName);
    await agents.register('t-race', agentDef('a'));
    const results = await Promise.allSettled([agents.register('t-race', agentDef('a', 'Left'), { replace: true }), agents.register('t-race', agentDef('a', 'Right'), { replace: true })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConflictError)).toHaveLength(1);
    const current = await agents.get('t-race', 'a');
    expect(current.revision).toBe(2);
    expect(current.definition.name).toBe((won[0] as PromiseFulfilledResult<{ definition: AgentDefinition }>).value.definition.name);
  });
});

describe('WebSocket connections', () => {
  it('subscribes both ways, lists, unsubscribes and cleans everything up on disconnect', async () => {
    const conns = new ConnectionRepository(dynamo.doc, dynamo.tableName);
    const c = await conns.connect({ connectionId: 'c1', tenantId: 't1', userId: 'u1' });
    expect(c.ttl).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + CONNECTION_TTL_SECONDS - 5);
    await conns.connect({ connectionId: 'c2', tenantId: 't1', userId: 'u2' });
    await conns.subscribe('t1', 'c1', 'ex-1');
    await conns.subscribe('t1', 'c1', 'ex-1');
    await conns.subscribe('t1', 'c1', 'ex-2');
    await conns.subscribe('t1', 'c2', 'ex-1');
    expect((await conns.subscribers('t1', 'ex-1')).sort()).toEqual(['c1', 'c2']);
    expect(await conns.subscribers('t2', 'ex-1')).toEqual([]);
    expect(await conns.subscriptions('c1')).toEqual([
      { tenantId: 't1', executionId: 'ex-1' },
      { tenantId: 't1', executionId: 'ex-2' },
    ]);
    await conns.unsubscribe('t1', 'c2', 'ex-1');
    expect(await conns.subscribers('t1', 'ex-1')).toEqual(['c1']);
    await conns.disconnect('c1');
    await conns.disconnect('c1');
    expect(await conns.find('c1')).toBeUndefined();
    expect(await conns.subscribers('t1', 'ex-1')).toEqual([]);
    expect(await conns.subscribers('t1', 'ex-2')).toEqual([]);
    expect(await conns.subscriptions('c1')).toEqual([]);
  });

  it("refuses to subscribe another tenant's or an expired connection, and hides expired subscriptions", async () => {
    const conns = new ConnectionRepository(dynamo.doc, dynamo.tableName);
    const longAgo = new Date(Date.now() - 3 * 3600_000);
    await conns.connect({ connectionId: 'old', tenantId: 't1', userId: 'u1' }, longAgo);
    await conns.connect({ connectionId: 'c3', tenantId: 't1', userId: 'u1' });
    expect(await conns.find('old')).toBeUndefined();
    expect(await conns.find('old', longAgo)).toMatchObject({ tenantId: 't1' });
    await expect(conns.subscribe('t1', 'old', 'ex-9')).rejects.toBeInstanceOf(NotFoundError);
    await expect(conns.subscribe('t2', 'c3', 'ex-9')).rejects.toBeInstanceOf(NotFoundError);
    await conns.subscribe('t1', 'old', 'ex-9', longAgo);
    await conns.subscribe('t1', 'c3', 'ex-9');
    expect(await conns.subscribers('t1', 'ex-9')).toEqual(['c3']);
    expect(await conns.subscribers('t1', 'ex-9', longAgo)).toEqual(['c3', 'old']);
  });
});

describe('API keys', () => {
  it('stores only the hash, authenticates by secret, lists without hashes, and revokes', async () => {
    const apiKeys = new ApiKeyRepository(dynamo.doc, dynamo.tableName);
    const { record, secret } = await apiKeys.create('t1', { name: 'CI', role: 'runner' });
    expect(secret).toMatch(/^sf_/);
    const scan = JSON.stringify((await dynamo.doc.send(new ScanCommand({ TableName: dynamo.tableName }))).Items);
    expect(scan).not.toContain(secret);
    expect(scan).toContain(hashApiKey(secret));
    const found = await apiKeys.authenticate(secret);
    expect(found).toEqual(record);
    expect(await apiKeys.authenticate(`${secret}x`)).toBeUndefined();
    await apiKeys.touch('t1', record.keyId, new Date('2026-02-01T00:00:00Z'));
    await apiKeys.create('t1', { name: 'Other', role: 'viewer' });
    await apiKeys.create('t2', { name: 'Foreign', role: 'owner' });
    const listed = (await apiKeys.list('t1')).items;
    expect(listed.map((k) => k.name).sort()).toEqual(['CI', 'Other']);
    expect(JSON.stringify(listed)).not.toContain(hashApiKey(secret));
    expect(listed.find((k) => k.keyId === record.keyId)?.lastUsedAt).toBe('2026-02-01T00:00:00.000Z');
    await expect(apiKeys.revoke('t2', record.keyId)).rejects.toBeInstanceOf(NotFoundError);
    expect(await apiKeys.authenticate(secret)).toEqual(expect.objectContaining({ keyId: record.keyId }));
    const revoked = await apiKeys.revoke('t1', record.keyId);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    expect(await apiKeys.authenticate(secret)).toBeUndefined();
    expect((await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName, Key: keys.apiKeyHash(hashApiKey(secret)) }))).Item).toBeUndefined();
    expect(await apiKeys.revoke('t1', record.keyId)).toEqual(revoked);
  });
});

describe('audit', () => {
  it('appends and lists per tenant newest first, paged, idempotent per audit id', async () => {
    const audit = new AuditRepository(dynamo.doc, dynamo.tableName);
    for (let i = 0; i < 5; i++) {
      await audit.append({ tenantId: 't1', auditId: `a${i}`, actor: 'u1', action: 'workflow.update', target: `workflow/wf-${i}`, requestId: `r${i}`, outcome: 'success', at: new Date(Date.UTC(2026, 0, 1, 0, i)) });
    }
    await audit.append({ tenantId: 't1', auditId: 'a4', actor: 'u1', action: 'workflow.update', target: 'workflow/wf-4', requestId: 'r4', outcome: 'success', at: new Date(Date.UTC(2026, 0, 1, 0, 4)) });
    await audit.append({ tenantId: 't2', actor: 'u9', action: 'agent.delete', target: 'agent/x', requestId: 'r9', outcome: 'denied' });
    const { items } = await collectPages((cursor) => audit.list('t1', { limit: 2, ...(cursor ? { cursor } : {}) }), 2);
    expect(items.map((a) => a.auditId)).toEqual(['a4', 'a3', 'a2', 'a1', 'a0']);
    expect(items[0]).toEqual({ tenantId: 't1', auditId: 'a4', actor: 'u1', action: 'workflow.update', target: 'workflow/wf-4', at: '2026-01-01T00:04:00.000Z', requestId: 'r4', outcome: 'success' });
    expect((await audit.list('t2')).items.map((a) => a.outcome)).toEqual(['denied']);
  });

  it('drops records past their retention on read', async () => {
    const audit = new AuditRepository(dynamo.doc, dynamo.tableName, { retentionDays: 30 });
    await audit.append({ tenantId: 't-ret', auditId: 'old', actor: 'u', action: 'a', target: 't', requestId: 'r', outcome: 'success', at: new Date(Date.now() - 40 * 86_400_000) });
    await audit.append({ tenantId: 't-ret', auditId: 'new', actor: 'u', action: 'a', target: 't', requestId: 'r', outcome: 'success' });
    expect((await audit.list('t-ret')).items.map((a) => a.auditId)).toEqual(['new']);
    expect((await audit.list('t-ret', {}, new Date(Date.now() - 39 * 86_400_000))).items.map((a) => a.auditId)).toEqual(['new', 'old']);
  });
});
