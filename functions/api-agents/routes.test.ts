import type { Role } from '@shared/auth';
import type { AgentDefinition } from '@shared/agents';
import { AgentRepository, type AgentRecord, type Page } from '../_shared/data';
import { bodyOf, startApiHarness, type ApiHarness, type ErrorJson } from '../api-workflows/test-harness';
import { DynamoAgentStore } from '../run-agent/agent-store';
import { AGENT_AUDIT_ACTIONS, agentRoutes } from './routes';

const A = '/api/v1/agents';

function agent(id: string, overrides: Partial<AgentDefinition> = {}): AgentDefinition {
  return { id, name: `Agent ${id}`, description: 'finds facts', systemPrompt: 'You research.', models: [{ provider: 'bedrock', model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }], tools: ['echo'], delegates: [], maxSteps: 4, ...overrides };
}

describe('agent routes', () => {
  let h: ApiHarness;
  let store: DynamoAgentStore;

  beforeAll(async () => {
    h = await startApiHarness();
    store = new DynamoAgentStore(h.dynamo.doc, h.dynamo.tableName);
    h.use(agentRoutes({ agents: new AgentRepository(h.dynamo.doc, h.dynamo.tableName), clock: () => new Date('2026-03-01T12:00:00Z') }), AGENT_AUDIT_ACTIONS);
  });
  afterAll(() => h.stop());

  const editor = (tenant: string) => h.caller(tenant, 'editor');

  async function register(tenant: string, def: AgentDefinition): Promise<AgentRecord> {
    const res = await editor(tenant).call('POST', A, { body: def });
    expect(res.statusCode).toBe(201);
    return bodyOf<AgentRecord>(res);
  }

  it('registers an agent (201 with the record and its location) that the agent runtime can load', async () => {
    const res = await editor('t-reg').call('POST', A, { body: agent('researcher') });

    expect(res.statusCode).toBe(201);
    expect(res.headers?.location).toBe(`${A}/researcher`);
    expect(bodyOf<AgentRecord>(res)).toMatchObject({ tenantId: 't-reg', agentId: 'researcher', definition: agent('researcher'), createdAt: '2026-03-01T12:00:00.000Z', updatedAt: '2026-03-01T12:00:00.000Z' });
    expect(await store.get('t-reg', 'researcher')).toEqual(agent('researcher'));
    expect(await store.get('t-other', 'researcher')).toBeUndefined();
  });

  it('applies the schema defaults to what it stores', async () => {
    const res = await editor('t-reg').call('POST', A, { body: { id: 'minimal', name: 'Minimal', systemPrompt: 'Be brief.', models: [{ provider: 'bedrock', model: 'm' }] } });
    expect(res.statusCode).toBe(201);
    expect(bodyOf<AgentRecord>(res).definition).toMatchObject({ description: '', tools: [], delegates: [], maxSteps: 10 });
    expect(await store.get('t-reg', 'minimal')).toMatchObject({ id: 'minimal', maxSteps: 10 });
  });

  it('answers 409 for an id already registered, keeping the original', async () => {
    await register('t-dup', agent('dup', { name: 'Original' }));
    const res = await editor('t-dup').call('POST', A, { body: agent('dup', { name: 'Impostor' }) });
    expect(res.statusCode).toBe(409);
    expect(bodyOf<ErrorJson>(res).error.message).toContain('dup');
    expect((await store.get('t-dup', 'dup'))?.name).toBe('Original');
  });

  it('gets one agent and lists the tenant\'s agents by id, in pages', async () => {
    for (const id of ['c-agent', 'a-agent', 'b-agent']) await register('t-list', agent(id));
    const got = await h.caller('t-list', 'viewer').call('GET', `${A}/b-agent`);
    expect(got.statusCode).toBe(200);
    expect(bodyOf<AgentRecord>(got).definition).toEqual(agent('b-agent'));

    const page1 = bodyOf<Page<AgentRecord>>(await h.caller('t-list', 'viewer').call('GET', A, { query: { limit: '2' } }));
    expect(page1.items.map((a) => a.agentId)).toEqual(['a-agent', 'b-agent']);
    const page2 = bodyOf<Page<AgentRecord>>(await h.caller('t-list', 'viewer').call('GET', A, { query: { limit: '2', cursor: page1.cursor ?? '' } }));
    expect(page2.items.map((a) => a.agentId)).toEqual(['c-agent']);
    expect(page2.cursor).toBeUndefined();
  });

  it('deletes an agent (204): it is gone from reads, the listing and the runtime; a second delete is 404', async () => {
    await register('t-del', agent('temp'));
    const res = await editor('t-del').call('DELETE', `${A}/temp`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBeUndefined();
    expect((await editor('t-del').call('GET', `${A}/temp`)).statusCode).toBe(404);
    expect(bodyOf<Page<AgentRecord>>(await editor('t-del').call('GET', A)).items).toEqual([]);
    expect(await store.get('t-del', 'temp')).toBeUndefined();
    expect((await editor('t-del').call('DELETE', `${A}/temp`)).statusCode).toBe(404);
  });

  it('reads an agent written by the runtime\'s own store', async () => {
    await store.put('t-legacy', agent('legacy'));
    const res = await editor('t-legacy').call('GET', `${A}/legacy`);
    expect(res.statusCode).toBe(200);
    expect(bodyOf<AgentRecord>(res)).toMatchObject({ tenantId: 't-legacy', agentId: 'legacy', definition: agent('legacy') });
  });

  it.each([
    ['no body', undefined, undefined, 'the request needs a JSON body'],
    ['malformed JSON', '{"id": ', undefined, 'not valid JSON'],
    ['maxSteps of the wrong type', { ...agent('bad'), maxSteps: 'ten' }, 'maxSteps', 'maxSteps'],
    ['a missing systemPrompt', { id: 'bad', name: 'Bad', models: [{ provider: 'bedrock', model: 'm' }] }, 'systemPrompt', 'systemPrompt'],
    ['no models', { ...agent('bad'), models: [] }, 'models', 'models'],
    ['an id with capitals', { ...agent('bad'), id: 'Bad' }, 'id', 'id'],
    ['an unknown field', { ...agent('bad'), temperature: 2 }, 'body', 'temperature'],
  ])('answers 400 naming the field for %s, storing nothing', async (_case, body, field, text) => {
    const res = await editor('t-bad').call('POST', A, body === undefined ? {} : { body });
    expect(res.statusCode).toBe(400);
    const error = bodyOf<ErrorJson>(res).error;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain(text);
    if (field !== undefined) expect(error.details.map((d) => d.path)).toContain(field);
    expect(bodyOf<Page<AgentRecord>>(await editor('t-bad').call('GET', A)).items).toEqual([]);
  });

  it.each([
    ['GET', `${A}/nobody`],
    ['DELETE', `${A}/nobody`],
    ['GET', `${A}/Not%20An%20Id`],
  ])('answers 404 for an unknown agent: %s %s', async (method, path) => {
    const res = await editor('t-404').call(method, path);
    expect(res.statusCode).toBe(404);
    expect(bodyOf<ErrorJson>(res).error.code).toBe('NOT_FOUND');
  });

  it.each([
    ['GET', `${A}/secret-agent`],
    ['DELETE', `${A}/secret-agent`],
  ])('answers 404 for another tenant\'s agent on %s %s, and leaves it in place', async (method, path) => {
    if ((await editor('t-home').call('GET', `${A}/secret-agent`)).statusCode === 404) await register('t-home', agent('secret-agent'));
    const res = await h.caller('t-away', 'owner').call(method, path);
    expect(res.statusCode).toBe(404);
    expect(await store.get('t-home', 'secret-agent')).toEqual(agent('secret-agent'));
    expect(bodyOf<Page<AgentRecord>>(await h.caller('t-away', 'owner').call('GET', A)).items).toEqual([]);
  });

  it('lets another tenant register the same agent id independently', async () => {
    await register('t-twin-a', agent('twin', { name: 'A' }));
    await register('t-twin-b', agent('twin', { name: 'B' }));
    expect((await store.get('t-twin-a', 'twin'))?.name).toBe('A');
    expect((await store.get('t-twin-b', 'twin'))?.name).toBe('B');
  });

  const roleCases: Array<[Role, string, string, number]> = [
    ['viewer', 'GET', A, 200],
    ['viewer', 'GET', `${A}/guarded`, 200],
    ['viewer', 'POST', A, 403],
    ['viewer', 'DELETE', `${A}/guarded`, 403],
    ['runner', 'GET', `${A}/guarded`, 200],
    ['runner', 'POST', A, 403],
    ['runner', 'DELETE', `${A}/guarded`, 403],
    ['owner', 'POST', A, 201],
  ];
  it.each(roleCases)('%s: %s %s -> %i', async (role, method, path, status) => {
    if ((await editor('t-roles').call('GET', `${A}/guarded`)).statusCode === 404) await register('t-roles', agent('guarded'));
    const res = await h.caller('t-roles', role).call(method, path, method === 'POST' ? { body: agent(`by-${role}`) } : {});
    expect(res.statusCode).toBe(status);
    if (status === 403) {
      expect(bodyOf<ErrorJson>(res).error.message).toContain(role);
      expect(await store.get('t-roles', 'guarded')).toBeDefined();
      expect(await store.get('t-roles', `by-${role}`)).toBeUndefined();
    }
  });

  it('audits registrations and deletions with actor and outcome, refused ones included', async () => {
    const tenant = 't-audit';
    await register(tenant, agent('watched'));
    await editor(tenant).call('POST', A, { body: agent('watched') });
    await h.caller(tenant, 'viewer', 'vic').call('DELETE', `${A}/watched`);
    await editor(tenant).call('DELETE', `${A}/watched`);
    await editor(tenant).call('GET', A);

    const summary = (await h.audit.list(tenant)).items.map((r) => [r.actor, r.action, r.target, r.outcome].join(' ')).sort();
    expect(summary).toEqual(
      [
        'editor-of-t-audit agent.register agents success',
        'editor-of-t-audit agent.register agents failure',
        'vic agent.delete agents/watched denied',
        'editor-of-t-audit agent.delete agents/watched success',
      ].sort(),
    );
  });
});
