import type { Role } from '@shared/auth';
import { defaultRuntimes, LocalEngine } from '../../local/engine';
import { WorkflowRepository, WorkflowVersionRepository, type AuditRecord, type Page, type WorkflowRecord, type WorkflowVersionRecord } from '../_shared/data';
import type { ObjectStore } from '../_shared/large-output';
import { LocalStepFunctions, type ExecutionDescription, type PublishRequest, type StepFunctionsPort } from '../_shared/stepfunctions';
import { WORKFLOW_AUDIT_ACTIONS, workflowRoutes } from './routes';
import { bodyOf, startApiHarness, type ApiHarness, type ErrorJson } from './test-harness';

/** start -> greet (transform) -> say (echo tool) -> end */
function graph(name: string, greeting = 'Hi'): Record<string, unknown> {
  return {
    schemaVersion: 1,
    metadata: { name },
    nodes: [
      { id: 'start', type: 'start', config: {} },
      { id: 'greet', type: 'transform', config: { mode: 'mapping', mapping: { text: `${greeting} {{input.name}}` } } },
      { id: 'say', type: 'tool', config: { kind: 'builtin', name: 'echo', args: { message: '{{nodes.greet.output.text}}!' } } },
      { id: 'end', type: 'end', config: {} },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'greet' },
      { id: 'e2', source: 'greet', target: 'say' },
      { id: 'e3', source: 'say', target: 'end' },
    ],
  };
}

/** The same graph plus a node connected to nothing (two error issues on `orphan`). */
function brokenGraph(name: string): Record<string, unknown> {
  const g = graph(name);
  return { ...g, nodes: [...(g.nodes as unknown[]), { id: 'orphan', type: 'transform', config: { mode: 'mapping', mapping: { a: 'x' } } }] };
}

const W = '/api/v1/workflows';

/** The port with every publish recorded, so a test can prove nothing was published. */
class RecordingPort {
  readonly published: PublishRequest[] = [];
  constructor(readonly inner: LocalStepFunctions) {}
  port(): StepFunctionsPort {
    const inner = this.inner;
    return {
      publish: async (r) => {
        this.published.push(r);
        return inner.publish(r);
      },
      start: (r) => inner.start(r),
      stop: (a, r) => inner.stop(a, r),
      describe: (a) => inner.describe(a),
      sendTaskSuccess: (t, o) => inner.sendTaskSuccess(t, o),
      sendTaskFailure: (t, e, c) => inner.sendTaskFailure(t, e, c),
    };
  }
}

async function settled(port: StepFunctionsPort, executionArn: string, timeoutMs = 5_000): Promise<ExecutionDescription> {
  const until = Date.now() + timeoutMs;
  let described = await port.describe(executionArn);
  while (described.status === 'RUNNING') {
    if (Date.now() > until) throw new Error(`execution ${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
    described = await port.describe(executionArn);
  }
  return described;
}

describe('workflow routes', () => {
  let h: ApiHarness;
  let recorder: RecordingPort;
  let ids = 0;
  const artifacts: Array<{ key: string; body: string }> = [];

  beforeAll(async () => {
    h = await startApiHarness();
    recorder = new RecordingPort(new LocalStepFunctions({ engine: new LocalEngine({ runtimes: defaultRuntimes() }) }));
    const store: ObjectStore = {
      putJson: async (key, body) => {
        artifacts.push({ key, body });
        return { bucket: 'artifacts', key, bytes: body.length };
      },
      getJson: async () => 'null',
    };
    h.use(
      workflowRoutes({
        workflows: new WorkflowRepository(h.dynamo.doc, h.dynamo.tableName),
        versions: new WorkflowVersionRepository(h.dynamo.doc, h.dynamo.tableName),
        stepFunctions: recorder.port(),
        publish: { roleArn: 'arn:aws:iam::000000000000:role/sfn', artifacts: store },
        newId: () => `generated-${++ids}`,
      }),
      WORKFLOW_AUDIT_ACTIONS,
    );
  });
  afterAll(() => h.stop());

  const owner = (tenant: string) => h.caller(tenant, 'owner');
  const editor = (tenant: string) => h.caller(tenant, 'editor');

  async function create(tenant: string, id: string, doc: Record<string, unknown> = graph(id)): Promise<WorkflowRecord> {
    const res = await editor(tenant).call('POST', W, { body: { id, workflow: doc } });
    expect(res.statusCode).toBe(201);
    return bodyOf<WorkflowRecord>(res);
  }

  describe('drafts', () => {
    it('creates a draft at revision 1 (201 with the record and its location), and reads it back', async () => {
      const res = await editor('t-crud').call('POST', W, { body: { id: 'greet', workflow: graph('Greeter') } });

      expect(res.statusCode).toBe(201);
      expect(res.headers?.location).toBe(`${W}/greet`);
      const created = bodyOf<WorkflowRecord>(res);
      expect(created).toMatchObject({ tenantId: 't-crud', workflowId: 'greet', name: 'Greeter', revision: 1, createdBy: 'editor-of-t-crud', graph: graph('Greeter') });
      const got = await h.caller('t-crud', 'viewer').call('GET', `${W}/greet`);
      expect(got.statusCode).toBe(200);
      expect(bodyOf<WorkflowRecord>(got)).toEqual(created);
    });

    it('generates an id when none is given', async () => {
      const res = await editor('t-gen').call('POST', W, { body: { workflow: graph('No id') } });
      expect(res.statusCode).toBe(201);
      const id = bodyOf<WorkflowRecord>(res).workflowId;
      expect(id).toMatch(/^generated-\d+$/);
      expect((await editor('t-gen').call('GET', `${W}/${id}`)).statusCode).toBe(200);
    });

    it('answers 409 for an id that exists, keeping the original draft', async () => {
      await create('t-dup', 'dup', graph('First'));
      const res = await editor('t-dup').call('POST', W, { body: { id: 'dup', workflow: graph('Second') } });
      expect(res.statusCode).toBe(409);
      expect(bodyOf<ErrorJson>(res).error.message).toContain('dup');
      expect(bodyOf<WorkflowRecord>(await editor('t-dup').call('GET', `${W}/dup`)).name).toBe('First');
    });

    it('saves a draft even when its graph has issues (work in progress)', async () => {
      const res = await editor('t-wip').call('POST', W, { body: { id: 'wip', workflow: brokenGraph('WIP') } });
      expect(res.statusCode).toBe(201);
      expect(bodyOf<WorkflowRecord>(res).graph).toEqual(brokenGraph('WIP'));
    });

    it('updates at the current revision (200, revision + 1) and refuses a stale one with 409 naming the current revision', async () => {
      await create('t-upd', 'upd');
      const ok = await editor('t-upd').call('PUT', `${W}/upd`, { body: { revision: 1, workflow: graph('Renamed', 'Hello') } });
      expect(ok.statusCode).toBe(200);
      expect(bodyOf<WorkflowRecord>(ok)).toMatchObject({ revision: 2, name: 'Renamed', updatedBy: 'editor-of-t-upd', graph: graph('Renamed', 'Hello') });

      const stale = await editor('t-upd').call('PUT', `${W}/upd`, { body: { revision: 1, workflow: graph('Lost') } });
      expect(stale.statusCode).toBe(409);
      expect(bodyOf<ErrorJson>(stale).error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('revision 2') });
      expect(bodyOf<WorkflowRecord>(await editor('t-upd').call('GET', `${W}/upd`))).toMatchObject({ revision: 2, name: 'Renamed' });
    });

    it('lets exactly one of two concurrent updates from the same revision win, and stores the winner\'s draft intact', async () => {
      await create('t-race', 'race');
      const a = graph('Writer A', 'Ahoy');
      const b = graph('Writer B', 'Bonjour');
      const [ra, rb] = await Promise.all([
        h.caller('t-race', 'editor', 'alice').call('PUT', `${W}/race`, { body: { revision: 1, workflow: a } }),
        h.caller('t-race', 'editor', 'bob').call('PUT', `${W}/race`, { body: { revision: 1, workflow: b } }),
      ]);

      expect([ra.statusCode, rb.statusCode].sort()).toEqual([200, 409]);
      const [winnerDoc, winnerUser] = ra.statusCode === 200 ? [a, 'alice'] : [b, 'bob'];
      const stored = bodyOf<WorkflowRecord>(await editor('t-race').call('GET', `${W}/race`));
      expect(stored).toMatchObject({ revision: 2, graph: winnerDoc, name: (winnerDoc.metadata as { name: string }).name, updatedBy: winnerUser });
    });

    it('lists the tenant\'s drafts newest first, in pages', async () => {
      for (const id of ['p1', 'p2', 'p3']) {
        await create('t-page', id);
        await new Promise((r) => setTimeout(r, 5)); // distinct createdAt, so the order is defined
      }
      const first = await h.caller('t-page', 'viewer').call('GET', W, { query: { limit: '2' } });
      expect(first.statusCode).toBe(200);
      const page1 = bodyOf<Page<WorkflowRecord>>(first);
      expect(page1.items.map((w) => w.workflowId)).toEqual(['p3', 'p2']);
      expect(page1.cursor).toEqual(expect.any(String));

      const page2 = bodyOf<Page<WorkflowRecord>>(await h.caller('t-page', 'viewer').call('GET', W, { query: { limit: '2', cursor: page1.cursor ?? '' } }));
      expect(page2.items.map((w) => w.workflowId)).toEqual(['p1']);
      expect(page2.cursor).toBeUndefined();
    });

    it('deletes a draft (204): it leaves reads and the listing, a second delete is 404, and the id stays taken', async () => {
      await create('t-del', 'gone');
      await create('t-del', 'kept');
      const res = await owner('t-del').call('DELETE', `${W}/gone`);
      expect(res).toMatchObject({ statusCode: 204 });
      expect(res.body).toBeUndefined();

      expect((await owner('t-del').call('GET', `${W}/gone`)).statusCode).toBe(404);
      expect(bodyOf<Page<WorkflowRecord>>(await owner('t-del').call('GET', W)).items.map((w) => w.workflowId)).toEqual(['kept']);
      expect((await owner('t-del').call('DELETE', `${W}/gone`)).statusCode).toBe(404);
      expect((await owner('t-del').call('POST', W, { body: { id: 'gone', workflow: graph('again') } })).statusCode).toBe(409);
    });

    it('makes a delete with ?revision conditional: a stale revision is 409 and the draft stays', async () => {
      await create('t-delrev', 'cond');
      await editor('t-delrev').call('PUT', `${W}/cond`, { body: { revision: 1, workflow: graph('v2') } });
      const res = await owner('t-delrev').call('DELETE', `${W}/cond`, { query: { revision: '1' } });
      expect(res.statusCode).toBe(409);
      expect((await owner('t-delrev').call('GET', `${W}/cond`)).statusCode).toBe(200);
    });
  });

  describe('bad input', () => {
    it.each([
      ['no body', 'POST', W, undefined, undefined, 'the request needs a JSON body'],
      ['malformed JSON', 'POST', W, '{"workflow": ', undefined, 'not valid JSON'],
      ['a name of the wrong type', 'POST', W, { id: 'x1', workflow: { ...graph('x'), metadata: { name: 42 } } }, 'workflow.metadata.name', 'workflow.metadata.name'],
      ['nodes that are not a list', 'POST', W, { id: 'x2', workflow: { ...graph('x'), nodes: 'many' } }, 'workflow.nodes', 'workflow.nodes'],
      ['a bad id', 'POST', W, { id: '-bad id', workflow: graph('x') }, 'id', 'id'],
      ['an unknown field', 'POST', W, { id: 'x3', workflow: graph('x'), colour: 'red' }, 'body', 'colour'],
      ['a missing workflow', 'POST', W, { id: 'x4' }, 'workflow', 'workflow'],
      ['a missing revision', 'PUT', `${W}/bad-input`, { workflow: graph('x') }, 'revision', 'revision'],
      ['a revision of the wrong type', 'PUT', `${W}/bad-input`, { revision: '1', workflow: graph('x') }, 'revision', 'revision'],
      ['a zero revision', 'PUT', `${W}/bad-input`, { revision: 0, workflow: graph('x') }, 'revision', 'revision'],
    ])('answers 400 naming the field for %s', async (_case, method, path, body, field, text) => {
      if (!(await editor('t-bad').call('GET', `${W}/bad-input`)).body?.includes('"revision"')) await create('t-bad', 'bad-input');

      const res = await editor('t-bad').call(method, path, body === undefined ? {} : { body });

      expect(res.statusCode).toBe(400);
      const error = bodyOf<ErrorJson>(res).error;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toContain(text);
      if (field !== undefined) expect(error.details.map((d) => d.path)).toContain(field);
      expect(bodyOf<WorkflowRecord>(await editor('t-bad').call('GET', `${W}/bad-input`)).revision).toBe(1);
    });

    it('answers 400 naming the query field for a bad limit or a forged cursor', async () => {
      const limit = await editor('t-bad').call('GET', W, { query: { limit: '0' } });
      expect(limit.statusCode).toBe(400);
      expect(bodyOf<ErrorJson>(limit).error.details.map((d) => d.path)).toContain('limit');
      const forged = Buffer.from(JSON.stringify({ gsi1pk: 'TENANT#someone-else#WF', pk: 'x', sk: 'y', gsi1sk: 'z' })).toString('base64url');
      const cursor = await editor('t-bad').call('GET', W, { query: { cursor: forged } });
      expect(cursor.statusCode).toBe(400);
      expect(bodyOf<ErrorJson>(cursor).error.message).toContain('cursor');
    });

    it.each([
      ['GET', `${W}/nope`],
      ['PUT', `${W}/nope`],
      ['DELETE', `${W}/nope`],
      ['POST', `${W}/nope/validate`],
      ['POST', `${W}/nope/publish`],
      ['GET', `${W}/nope/versions`],
      ['GET', `${W}/nope/versions/1`],
      ['GET', `${W}/not%20an%20id`],
    ])('answers 404 for an unknown workflow: %s %s', async (method, path) => {
      const res = await owner('t-404').call(method, path, method === 'PUT' ? { body: { revision: 1, workflow: graph('x') } } : {});
      expect(res.statusCode).toBe(404);
      expect(bodyOf<ErrorJson>(res).error.code).toBe('NOT_FOUND');
    });
  });

  describe('tenancy', () => {
    it.each([
      ['GET', `${W}/theirs`],
      ['PUT', `${W}/theirs`],
      ['DELETE', `${W}/theirs`],
      ['POST', `${W}/theirs/validate`],
      ['POST', `${W}/theirs/publish`],
      ['GET', `${W}/theirs/versions`],
      ['GET', `${W}/theirs/versions/1`],
    ])('answers 404 for another tenant\'s workflow on %s %s, and leaves it untouched', async (method, path) => {
      if ((await owner('t-owner').call('GET', `${W}/theirs`)).statusCode === 404) {
        await create('t-owner', 'theirs');
        expect((await owner('t-owner').call('POST', `${W}/theirs/publish`)).statusCode).toBe(201);
      }
      const publishedBefore = recorder.published.length;

      const res = await owner('t-intruder').call(method, path, method === 'PUT' ? { body: { revision: 1, workflow: graph('hijack') } } : {});

      expect(res.statusCode).toBe(404);
      expect(recorder.published.length).toBe(publishedBefore);
      expect(bodyOf<WorkflowRecord>(await owner('t-owner').call('GET', `${W}/theirs`))).toMatchObject({ revision: 1, name: 'theirs' });
      expect(bodyOf<Page<WorkflowRecord>>(await owner('t-intruder').call('GET', W)).items).toEqual([]);
    });
  });

  describe('roles', () => {
    const cases: Array<[Role, string, string, 'body' | 'none', number]> = [
      ['viewer', 'GET', W, 'none', 200],
      ['viewer', 'GET', `${W}/roles`, 'none', 200],
      ['viewer', 'POST', `${W}/roles/validate`, 'none', 200],
      ['viewer', 'GET', `${W}/roles/versions`, 'none', 200],
      ['viewer', 'POST', W, 'body', 403],
      ['viewer', 'PUT', `${W}/roles`, 'body', 403],
      ['viewer', 'DELETE', `${W}/roles`, 'none', 403],
      ['viewer', 'POST', `${W}/roles/publish`, 'none', 403],
      ['runner', 'GET', `${W}/roles`, 'none', 200],
      ['runner', 'POST', W, 'body', 403],
      ['runner', 'PUT', `${W}/roles`, 'body', 403],
      ['runner', 'DELETE', `${W}/roles`, 'none', 403],
      ['runner', 'POST', `${W}/roles/publish`, 'none', 403],
    ];
    it.each(cases)('%s: %s %s (%s) -> %i', async (role, method, path, body, status) => {
      if ((await owner('t-roles').call('GET', `${W}/roles`)).statusCode === 404) await create('t-roles', 'roles');
      const publishedBefore = recorder.published.length;

      const res = await h.caller('t-roles', role).call(method, path, body === 'body' ? { body: method === 'PUT' ? { revision: 1, workflow: graph('x') } : { id: 'by-role', workflow: graph('x') } } : {});

      expect(res.statusCode).toBe(status);
      if (status === 403) {
        expect(bodyOf<ErrorJson>(res).error.message).toContain(role);
        expect(recorder.published.length).toBe(publishedBefore);
        expect(bodyOf<WorkflowRecord>(await owner('t-roles').call('GET', `${W}/roles`)).revision).toBe(1);
        expect((await owner('t-roles').call('GET', `${W}/by-role`)).statusCode).toBe(404);
      }
    });

    it('lets an editor create, update, publish and delete', async () => {
      const ed = editor('t-editor');
      expect((await ed.call('POST', W, { body: { id: 'mine', workflow: graph('mine') } })).statusCode).toBe(201);
      expect((await ed.call('PUT', `${W}/mine`, { body: { revision: 1, workflow: graph('mine 2') } })).statusCode).toBe(200);
      expect((await ed.call('POST', `${W}/mine/publish`)).statusCode).toBe(201);
      expect((await ed.call('DELETE', `${W}/mine`)).statusCode).toBe(204);
    });

    it('refuses a request without a token (401) and with a token signed by an untrusted key (401)', async () => {
      const other = await startApiHarness();
      try {
        const foreign = other.issuer.issueToken({ tenantId: 't-roles', userId: 'mallory', roles: ['owner'] });
        expect((await h.rawCall({}, 'GET', W)).statusCode).toBe(401);
        expect((await h.rawCall({ authorization: `Bearer ${foreign}` }, 'GET', W)).statusCode).toBe(401);
        expect((await h.rawCall({ authorization: `Bearer ${foreign}` }, 'POST', W, { body: { id: 'forged', workflow: graph('x') } })).statusCode).toBe(401);
        expect((await owner('t-roles').call('GET', `${W}/forged`)).statusCode).toBe(404);
      } finally {
        await other.stop();
      }
    });
  });

  describe('validate', () => {
    it('answers 200 with ok and no issues for a sound graph', async () => {
      await create('t-val', 'sound');
      const res = await h.caller('t-val', 'viewer').call('POST', `${W}/sound/validate`);
      expect(res.statusCode).toBe(200);
      expect(bodyOf<{ ok: boolean; issues: unknown[] }>(res)).toEqual({ ok: true, revision: 1, issues: [] });
    });

    it('answers 200 with ok false and the compiler\'s issues (node ids) for a broken graph, never a 500', async () => {
      await create('t-val', 'broken', brokenGraph('broken'));
      const res = await h.caller('t-val', 'viewer').call('POST', `${W}/broken/validate`);
      expect(res.statusCode).toBe(200);
      const body = bodyOf<{ ok: boolean; issues: Array<{ code: string; nodeId?: string; severity: string }> }>(res);
      expect(body.ok).toBe(false);
      expect(body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'UNREACHABLE_NODE', nodeId: 'orphan', severity: 'error' })]));
    });

    it('reports a graph that is not a workflow at all as issues too', async () => {
      await create('t-val', 'garbage', { schemaVersion: 1, metadata: { name: 'garbage' }, nodes: [42, { id: 'x' }], edges: ['?'] });
      const res = await h.caller('t-val', 'viewer').call('POST', `${W}/garbage/validate`);
      expect(res.statusCode).toBe(200);
      const body = bodyOf<{ ok: boolean; issues: unknown[] }>(res);
      expect(body.ok).toBe(false);
      expect(body.issues.length).toBeGreaterThan(0);
    });
  });

  describe('publish', () => {
    it('refuses a graph with issues with 422 listing them by node id, publishing nothing', async () => {
      await create('t-pub', 'broken', brokenGraph('broken'));
      const before = recorder.published.length;

      const res = await editor('t-pub').call('POST', `${W}/broken/publish`);

      expect(res.statusCode).toBe(422);
      const error = bodyOf<ErrorJson>(res).error;
      expect(error.code).toBe('UNPROCESSABLE');
      expect(error.message).toContain('orphan');
      expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ nodeId: 'orphan', code: 'UNREACHABLE_NODE' }), expect.objectContaining({ nodeId: 'orphan', code: 'DEAD_END' })]));
      expect(recorder.published.length).toBe(before);
      expect(bodyOf<Page<WorkflowVersionRecord>>(await editor('t-pub').call('GET', `${W}/broken/versions`)).items).toEqual([]);
      expect(bodyOf<WorkflowRecord>(await editor('t-pub').call('GET', `${W}/broken`)).latestVersion).toBeUndefined();
    });

    it('publishes versions 1 and 2; each is immutable, listed newest first, and runs its own graph to SUCCEEDED', async () => {
      await create('t-pub', 'greeter', graph('Greeter', 'Hi'));
      const first = await editor('t-pub').call('POST', `${W}/greeter/publish`);
      expect(first.statusCode).toBe(201);
      const v1 = bodyOf<WorkflowVersionRecord>(first);
      expect(first.headers?.location).toBe(`${W}/greeter/versions/1`);
      expect(v1).toMatchObject({ tenantId: 't-pub', workflowId: 'greeter', version: 1, sourceRevision: 1, publishedBy: 'editor-of-t-pub', stateMachineArn: expect.stringContaining(':stateMachine:'), versionArn: expect.stringMatching(/:1$/) });
      expect(v1.asl).toMatchObject({ StartAt: expect.any(String), States: expect.any(Object) });
      expect(v1.graph.metadata).toMatchObject({ id: 'greeter', name: 'Greeter' });
      const request = recorder.published[recorder.published.length - 1];
      expect(request).toMatchObject({ tenantId: 't-pub', workflowId: 'greeter', type: 'STANDARD', roleArn: 'arn:aws:iam::000000000000:role/sfn' });
      expect(JSON.parse(request?.definition ?? '{}')).toEqual(v1.asl);

      await editor('t-pub').call('PUT', `${W}/greeter`, { body: { revision: 1, workflow: graph('Greeter', 'Bye') } });
      const second = await editor('t-pub').call('POST', `${W}/greeter/publish`);
      expect(second.statusCode).toBe(201);
      const v2 = bodyOf<WorkflowVersionRecord>(second);
      expect(v2).toMatchObject({ version: 2, sourceRevision: 2, versionArn: expect.stringMatching(/:2$/) });

      const listed = bodyOf<Page<WorkflowVersionRecord>>(await h.caller('t-pub', 'viewer').call('GET', `${W}/greeter/versions`));
      expect(listed.items.map((v) => v.version)).toEqual([2, 1]);
      expect(listed.items[0]).not.toHaveProperty('asl');
      expect(bodyOf<WorkflowVersionRecord>(await h.caller('t-pub', 'viewer').call('GET', `${W}/greeter/versions/1`))).toEqual(v1);
      expect(bodyOf<WorkflowRecord>(await editor('t-pub').call('GET', `${W}/greeter`)).latestVersion).toBe(2);

      const port = recorder.port();
      const run1 = await port.start({ versionArn: v1.versionArn ?? '', input: { name: 'Ann' } });
      const run2 = await port.start({ versionArn: v2.versionArn ?? '', input: { name: 'Bo' } });
      expect(await settled(port, run1.executionArn)).toMatchObject({ status: 'SUCCEEDED', output: { say: { output: { message: 'Hi Ann!' } } } });
      expect(await settled(port, run2.executionArn)).toMatchObject({ status: 'SUCCEEDED', output: { say: { output: { message: 'Bye Bo!' } } } });
    });

    it('answers 400 for a version that is not a number and 404 for one that does not exist', async () => {
      await create('t-pub', 'unpublished');
      expect((await editor('t-pub').call('GET', `${W}/unpublished/versions/first`)).statusCode).toBe(400);
      expect((await editor('t-pub').call('GET', `${W}/unpublished/versions/3`)).statusCode).toBe(404);
    });

    it('keeps a compiled definition too large for an item in the artifact store, by reference', async () => {
      const big = graph('Big');
      const nodes = big.nodes as Array<Record<string, unknown>>;
      nodes[1] = { id: 'greet', type: 'transform', config: { mode: 'mapping', mapping: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, `${'x'.repeat(1000)} {{input.name}}`])) } };
      await create('t-big', 'big', big);

      const res = await editor('t-big').call('POST', `${W}/big/publish`);

      expect(res.statusCode).toBe(201);
      const v = bodyOf<WorkflowVersionRecord>(res);
      expect(v.asl).toBeUndefined();
      expect(v.aslRef).toMatchObject({ bucket: 'artifacts', key: expect.stringMatching(/^definitions\/t-big\/big\/[0-9a-f]{64}\.asl\.json$/) });
      const stored = artifacts.find((a) => a.key === v.aslRef?.key);
      expect(JSON.parse(stored?.body ?? '{}')).toEqual(JSON.parse(recorder.published[recorder.published.length - 1]?.definition ?? ''));
    });
  });

  describe('audit', () => {
    it('records every mutating call with its actor, action, target and outcome (reads are not audited)', async () => {
      const tenant = 't-audit';
      await create(tenant, 'audited');
      await editor(tenant).call('PUT', `${W}/audited`, { body: { revision: 1, workflow: graph('v2') } });
      await editor(tenant).call('PUT', `${W}/audited`, { body: { revision: 1, workflow: graph('stale') } });
      await h.caller(tenant, 'viewer', 'vera').call('POST', `${W}/audited/publish`);
      await editor(tenant).call('POST', `${W}/audited/publish`);
      await editor(tenant).call('GET', `${W}/audited`);
      await owner(tenant).call('DELETE', `${W}/audited`);

      const records = (await h.audit.list(tenant)).items;
      const summary = records.map((r: AuditRecord) => [r.actor, r.action, r.target, r.outcome].join(' ')).sort();
      expect(summary).toEqual(
        [
        ['editor-of-t-audit', 'workflow.create', 'workflows', 'success'],
        ['editor-of-t-audit', 'workflow.update', 'workflows/audited', 'success'],
        ['editor-of-t-audit', 'workflow.update', 'workflows/audited', 'failure'],
        ['vera', 'workflow.publish', 'workflows/audited/publish', 'denied'],
        ['editor-of-t-audit', 'workflow.publish', 'workflows/audited/publish', 'success'],
        ['owner-of-t-audit', 'workflow.delete', 'workflows/audited', 'success'],
        ]
          .map((r) => r.join(' '))
          .sort(),
      );
      expect(records.every((r) => r.requestId.startsWith('req-') && r.tenantId === tenant)).toBe(true);
      expect(records.find((r) => r.outcome === 'failure')?.detail).toBe('HTTP 409');
    });
  });
});
