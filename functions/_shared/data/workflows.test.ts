import { ConflictError, NotFoundError, ValidationError } from '@shared/errors';
import { startDynamo, type LocalDynamo } from '../test-support/dynamo';
import { collectPages, sampleGraph } from './test-fixtures';
import { TenantRepository } from './tenants';
import { WorkflowVersionRepository } from './versions';
import { WorkflowRepository } from './workflows';

let dynamo: LocalDynamo;
let workflows: WorkflowRepository;
let versions: WorkflowVersionRepository;
let tenants: TenantRepository;
beforeAll(async () => {
  dynamo = await startDynamo();
  workflows = new WorkflowRepository(dynamo.doc, dynamo.tableName);
  versions = new WorkflowVersionRepository(dynamo.doc, dynamo.tableName);
  tenants = new TenantRepository(dynamo.doc, dynamo.tableName);
});
afterAll(async () => {
  await dynamo.stop();
});

describe('tenants', () => {
  it('creates once, gets, lists, and refuses a second create', async () => {
    const t = await tenants.create({ tenantId: 'acme', name: 'Acme' }, new Date('2026-01-01T00:00:00Z'));
    expect(await tenants.get('acme')).toEqual(t);
    await expect(tenants.create({ tenantId: 'acme', name: 'Other' })).rejects.toBeInstanceOf(ConflictError);
    expect((await tenants.get('acme')).name).toBe('Acme');
    await expect(tenants.get('nobody')).rejects.toBeInstanceOf(NotFoundError);
    await tenants.create({ tenantId: 'beta', name: 'Beta' }, new Date('2026-01-02T00:00:00Z'));
    expect((await tenants.list()).items.map((x) => x.tenantId)).toEqual(['acme', 'beta']);
  });
});

describe('workflow drafts', () => {
  it('creates at revision 1, updates with the expected revision, and refuses a duplicate id', async () => {
    const wf = await workflows.create({ tenantId: 't1', workflowId: 'wf-a', name: 'A', graph: sampleGraph('a'), createdBy: 'u1' });
    expect(wf).toMatchObject({ revision: 1, name: 'A', createdBy: 'u1' });
    expect(await workflows.get('t1', 'wf-a')).toEqual(wf);
    const updated = await workflows.update('t1', 'wf-a', 1, { name: 'A2', graph: sampleGraph('a2') }, 'u2');
    expect(updated).toMatchObject({ revision: 2, name: 'A2', updatedBy: 'u2', createdBy: 'u1' });
    expect(updated.graph.metadata.name).toBe('a2');
    expect(updated).not.toHaveProperty('pk');
    expect(updated).not.toHaveProperty('gsi1pk');
    await expect(workflows.create({ tenantId: 't1', workflowId: 'wf-a', name: 'again', graph: sampleGraph() })).rejects.toBeInstanceOf(ConflictError);
  });

  it("is not found under another tenant (get, update, delete)", async () => {
    await workflows.create({ tenantId: 't1', workflowId: 'wf-private', name: 'P', graph: sampleGraph() });
    await expect(workflows.get('t2', 'wf-private')).rejects.toBeInstanceOf(NotFoundError);
    await expect(workflows.update('t2', 'wf-private', 1, { name: 'stolen' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(workflows.delete('t2', 'wf-private', 1)).rejects.toBeInstanceOf(NotFoundError);
    expect((await workflows.get('t1', 'wf-private')).name).toBe('P');
  });

  it('lets exactly one of two concurrent updates with the same revision win; the loser learns the current revision', async () => {
    await workflows.create({ tenantId: 't1', workflowId: 'wf-race', name: 'R', graph: sampleGraph() });
    const results = await Promise.allSettled([workflows.update('t1', 'wf-race', 1, { name: 'left' }), workflows.update('t1', 'wf-race', 1, { name: 'right' })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(ConflictError);
    expect((lost[0]?.reason as Error).message).toContain('is at revision 2, not 1');
    const current = await workflows.get('t1', 'wf-race');
    expect(current.revision).toBe(2);
    expect(current.name).toBe((won[0] as PromiseFulfilledResult<{ name: string }>).value.name);
  });

  it('soft-deletes: gone from get, update and the listing; the id stays taken', async () => {
    await workflows.create({ tenantId: 't-del', workflowId: 'wf-1', name: 'one', graph: sampleGraph() });
    await workflows.create({ tenantId: 't-del', workflowId: 'wf-2', name: 'two', graph: sampleGraph() });
    await expect(workflows.delete('t-del', 'wf-1', 7)).rejects.toBeInstanceOf(ConflictError);
    await workflows.delete('t-del', 'wf-1', 1, 'u1');
    await expect(workflows.get('t-del', 'wf-1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(workflows.update('t-del', 'wf-1', 2, { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await workflows.list('t-del')).items.map((w) => w.workflowId)).toEqual(['wf-2']);
    await expect(workflows.create({ tenantId: 't-del', workflowId: 'wf-1', name: 'reuse', graph: sampleGraph() })).rejects.toBeInstanceOf(ConflictError);
  });

  it('lists newest first in pages with an opaque cursor, only the own tenant', async () => {
    for (let i = 0; i < 7; i++) {
      await workflows.create({ tenantId: 't-list', workflowId: `wf-${i}`, name: `n${i}`, graph: sampleGraph() }, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    }
    await workflows.create({ tenantId: 't-other', workflowId: 'wf-x', name: 'x', graph: sampleGraph() });
    const { items, pages } = await collectPages((cursor) => workflows.list('t-list', { limit: 3, ...(cursor ? { cursor } : {}) }), 3);
    expect(items.map((w) => w.workflowId)).toEqual(['wf-6', 'wf-5', 'wf-4', 'wf-3', 'wf-2', 'wf-1', 'wf-0']);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("refuses another listing's cursor and garbage", async () => {
    await workflows.create({ tenantId: 't-cur', workflowId: 'a', name: 'a', graph: sampleGraph() });
    await workflows.create({ tenantId: 't-cur', workflowId: 'b', name: 'b', graph: sampleGraph() });
    const page = await workflows.list('t-cur', { limit: 1 });
    expect(page.cursor).toEqual(expect.any(String));
    await expect(workflows.list('t-list', { cursor: page.cursor as string })).rejects.toBeInstanceOf(ValidationError);
    await expect(workflows.list('t-cur', { cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('published versions', () => {
  const asl = { StartAt: 'start', States: { start: { Type: 'Succeed' } } };
  it('numbers versions 1..n, reads one and the latest, lists newest first', async () => {
    await workflows.create({ tenantId: 't1', workflowId: 'wf-v', name: 'V', graph: sampleGraph() });
    expect(await versions.latest('t1', 'wf-v')).toBeUndefined();
    const v1 = await versions.publish('t1', 'wf-v', { graph: sampleGraph('v1'), asl, stateMachineArn: 'arn:sm', versionArn: 'arn:sm:1', publishedBy: 'u1', sourceRevision: 1 });
    const v2 = await versions.publish('t1', 'wf-v', { graph: sampleGraph('v2'), aslRef: { bucket: 'b', key: 'k' }, stateMachineArn: 'arn:sm', publishedBy: 'u1' });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(await versions.get('t1', 'wf-v', 1)).toEqual(v1);
    expect((await versions.latest('t1', 'wf-v'))?.aslRef).toEqual({ bucket: 'b', key: 'k' });
    expect((await versions.list('t1', 'wf-v')).items.map((v) => v.version)).toEqual([2, 1]);
    expect((await workflows.get('t1', 'wf-v')).latestVersion).toBe(2);
    await expect(versions.get('t2', 'wf-v', 1)).rejects.toBeInstanceOf(NotFoundError);
    await expect(versions.publish('t2', 'wf-v', { graph: sampleGraph(), asl, stateMachineArn: 'arn', publishedBy: 'x' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('allocates distinct gap-free numbers to concurrent publishers', async () => {
    await workflows.create({ tenantId: 't1', workflowId: 'wf-pv', name: 'PV', graph: sampleGraph() });
    const published = await Promise.all(Array.from({ length: 8 }, () => versions.publish('t1', 'wf-pv', { graph: sampleGraph(), asl, stateMachineArn: 'arn', publishedBy: 'u' })));
    expect(published.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await workflows.get('t1', 'wf-pv')).latestVersion).toBe(8);
  });

  it('requires exactly one of asl and aslRef, and an ASL too large for an item to go by reference', async () => {
    await workflows.create({ tenantId: 't1', workflowId: 'wf-big', name: 'B', graph: sampleGraph() });
    const big = { StartAt: 'x', States: {}, Comment: 'x'.repeat(360_000) };
    await expect(versions.publish('t1', 'wf-big', { graph: sampleGraph(), asl: big, stateMachineArn: 'arn', publishedBy: 'u' })).rejects.toThrow(/aslRef/);
    await expect(versions.publish('t1', 'wf-big', { graph: sampleGraph(), stateMachineArn: 'arn', publishedBy: 'u' })).rejects.toBeInstanceOf(ValidationError);
    await expect(versions.publish('t1', 'wf-big', { graph: sampleGraph(), asl, aslRef: { bucket: 'b', key: 'k' }, stateMachineArn: 'arn', publishedBy: 'u' })).rejects.toBeInstanceOf(ValidationError);
    expect(await versions.latest('t1', 'wf-big')).toBeUndefined();
  });
});
