/**
 * The execution routes against real stand-ins: dynalite for the table, the local engine behind
 * LocalStepFunctions (its callback records in the same table, its pause flag read from the
 * execution record), and real tokens from a development issuer whose JWKS is served over HTTP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@shared/auth';
import type { LifecycleEvent } from '@shared/events';
import { workflowSchema, type WorkflowInput } from '@shared/workflow';
import { readFileSync } from 'node:fs';
import { defaultRuntimes, defaultTools, LocalEngine } from '../../local/engine';
import { aiRuntimes } from '../../local/engine/ai-runtimes';
import { compile } from '../../statemachines/src';
import { authenticateRequest, requirePermission } from '../_shared/auth/authenticate';
import { createDevIssuer, type DevIssuer } from '../_shared/auth/dev-issuer';
import { createJwtAuthenticator } from '../_shared/auth/jwt';
import { startJwksServer, type JwksServer } from '../_shared/auth/test-jwks-server';
import { DynamoCallbackStore } from '../_shared/callbacks';
import { AuditRepository, ExecutionRepository, WorkflowRepository, WorkflowVersionRepository, type ExecutionRecord } from '../_shared/data';
import { dispatch, Router, type ApiResponse, type DispatchDeps } from '../_shared/http/api';
import { LocalStepFunctions } from '../_shared/stepfunctions';
import { startDynamo, type LocalDynamo } from '../_shared/test-support/dynamo';
import { auditWriter } from '../_shared/http/audit';
import { DynamoPauseRequests, EXECUTION_AUDIT_ACTIONS, executionRoutes, type ExecutionView } from './routes';

type N = WorkflowInput['nodes'][number];
interface ErrorJson {
  readonly error: { readonly code: string; readonly message: string; readonly details: ReadonlyArray<{ path?: string; message: string }> };
}

const TENANTS = ['acme', 'globex'];
const start: N = { id: 'start', type: 'start', config: {} };
const end: N = { id: 'end', type: 'end', config: {} };
const echo = (id: string, message: unknown): N => ({ id, type: 'tool', config: { kind: 'builtin', name: 'echo', args: { message } } }) as N;

function graph(id: string, nodes: N[], chain: string[]): WorkflowInput {
  return { schemaVersion: 1, metadata: { name: id, id }, nodes, edges: chain.slice(1).map((target, i) => ({ id: `e${i}`, source: chain[i] as string, target })) };
}

const typedStart: N = { id: 'start', type: 'start', config: { inputSchema: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] } } };
const ECHO = graph('echo-wf', [typedStart, echo('say', '{{input.topic}}'), end], ['start', 'say', 'end']);
const SLOW = graph('slow-wf', [start, { id: 'hold', type: 'wait', config: { mode: 'duration', seconds: 60 } } as N, echo('a', 'after the wait'), end], ['start', 'hold', 'a', 'end']);
const ASK = graph('ask-wf', [start, { id: 'approve', type: 'human_input', config: { prompt: 'Ship it?', inputSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] }, timeoutSeconds: 600 } } as N, end], ['start', 'approve', 'end']);

const exampleFile = (name: string) => join(__dirname, '..', '..', 'examples', name);
const TRIAGE = JSON.parse(readFileSync(exampleFile('support-ticket-triage.json'), 'utf8')) as WorkflowInput;
const TRIAGE_INPUT = JSON.parse(readFileSync(exampleFile('inputs/support-ticket-triage.json'), 'utf8')) as Record<string, unknown>;

let dynamo: LocalDynamo;
let jwks: JwksServer;
let issuer: DevIssuer;
let keyDirectory: string;
let engine: LocalEngine;
let executions: ExecutionRepository;
let audit: AuditRepository;
let router: Router;
let dispatchDeps: DispatchDeps;
const events: LifecycleEvent[] = [];
let requests = 0;

async function publish(tenantId: string, input: WorkflowInput, port: LocalStepFunctions, workflows: WorkflowRepository, versions: WorkflowVersionRepository): Promise<void> {
  const workflow = workflowSchema.parse(input);
  const workflowId = workflow.metadata.id as string;
  await workflows.create({ tenantId, workflowId, name: workflow.metadata.name, graph: workflow });
  const compiled = compile(workflow);
  if (!compiled.ok) throw new Error(`test workflow ${workflowId} does not compile`);
  const published = await port.publish({ tenantId, workflowId, definition: compiled.json, type: 'STANDARD', workflow });
  await versions.publish(tenantId, workflowId, { graph: workflow, asl: JSON.parse(compiled.json) as Record<string, unknown>, stateMachineArn: published.stateMachineArn, versionArn: published.versionArn, publishedBy: 'setup' });
}

beforeAll(async () => {
  dynamo = await startDynamo();
  keyDirectory = await mkdtemp(join(tmpdir(), 'stepflow-exec-api-'));
  let dev: DevIssuer | undefined;
  jwks = await startJwksServer(() => dev?.jwks());
  dev = await createDevIssuer({ keyDirectory, issuer: jwks.url });
  issuer = dev;
  const jwt = createJwtAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: jwks.jwksUri });
  const { doc, tableName } = dynamo;
  executions = new ExecutionRepository(doc, tableName);
  audit = new AuditRepository(doc, tableName);
  const callbacks = new DynamoCallbackStore(doc, tableName);
  const tools = defaultTools();
  engine = new LocalEngine({
    // The real runtimes, with every model served by the local model (examples use llm nodes).
    runtimes: defaultRuntimes(tools).with(aiRuntimes({ tools, modelMode: 'local' })),
    // Long enough that a pause and a resume sent back to back both land inside the wait, even on
    // a loaded machine (the cancel test depends on it).
    waitMs: 1500,
    callbacks,
    // The pause flag is the execution record's; the engine only knows the execution id.
    isPaused: async (executionId) => {
      for (const tenantId of TENANTS) {
        const record = await executions.find(tenantId, executionId);
        if (record) return record.pauseRequested || record.status === 'PAUSED';
      }
      return false;
    },
  });
  engine.subscribe((e) => void events.push(e));
  const port = new LocalStepFunctions({ engine });
  const workflows = new WorkflowRepository(doc, tableName);
  const versions = new WorkflowVersionRepository(doc, tableName);
  for (const wf of [ECHO, SLOW, ASK, TRIAGE]) await publish('acme', wf, port, workflows, versions);
  await workflows.create({ tenantId: 'acme', workflowId: 'draft-wf', name: 'never published', graph: workflowSchema.parse(graph('draft-wf', [start, end], ['start', 'end'])) });
  router = new Router(executionRoutes({ workflows, versions, executions, stepFunctions: port, callbacks, tasks: port, pauseRequests: new DynamoPauseRequests(doc, tableName) }));
  dispatchDeps = {
    authenticate: (headers) => authenticateRequest(headers, { jwt }),
    authorize: requirePermission,
    audit: auditWriter(audit, EXECUTION_AUDIT_ACTIONS),
    log: (message, err) => {
      throw new Error(`unexpected log from the API: ${message}: ${String(err)}`);
    },
  };
}, 30_000);

afterAll(async () => {
  for (const ex of engine.list()) if (ex.status === 'RUNNING' || ex.status === 'PAUSED') engine.stop(ex.executionId);
  await jwks.close();
  await dynamo.stop();
  await rm(keyDirectory, { recursive: true, force: true });
});

interface CallOptions {
  readonly body?: unknown;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

function as(role: Role, tenantId = 'acme') {
  let token: string | undefined;
  return (method: string, path: string, options: CallOptions = {}): Promise<ApiResponse> => {
    token ??= issuer.issueToken({ tenantId, userId: `${role}-of-${tenantId}`, roles: [role] });
    return dispatch(
      router,
      {
        method,
        path,
        query: options.query ?? {},
        headers: { authorization: `Bearer ${token}`, ...(options.headers ?? {}) },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        requestId: `req-${++requests}`,
      },
      dispatchDeps,
    );
  };
}

const runner = as('runner');
const viewer = as('viewer');
const outsider = as('owner', 'globex');

function bodyOf<T>(res: ApiResponse): T {
  if (res.body === undefined) throw new Error(`response ${res.statusCode} has no body`);
  return JSON.parse(res.body) as T;
}
const errorOf = (res: ApiResponse) => bodyOf<ErrorJson>(res).error;
const pathOf = (executionId: string, suffix = '') => `/api/v1/executions/${encodeURIComponent(executionId)}${suffix}`;

async function execute(workflowId: string, input: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<ExecutionRecord> {
  const res = await runner('POST', `/api/v1/workflows/${workflowId}/execute`, { body: { input }, headers });
  expect(res.statusCode).toBe(202);
  return bodyOf<ExecutionRecord>(res);
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function getView(executionId: string): Promise<ExecutionView> {
  const res = await runner('GET', pathOf(executionId));
  expect(res.statusCode).toBe(200);
  return bodyOf<ExecutionView>(res);
}

const eventsOf = (executionId: string) => events.filter((e) => e.execution_id === executionId).map((e) => `${e.type}${'node_id' in e && e.node_id ? `:${e.node_id}` : ''}`);

describe('POST /workflows/{id}/execute and GET /executions', () => {
  it('starts the latest published version, runs it to SUCCEEDED and reconciles the record on GET', async () => {
    const res = await runner('POST', '/api/v1/workflows/echo-wf/execute', { body: { input: { topic: 'otters' } } });
    expect(res.statusCode).toBe(202);
    const started = bodyOf<ExecutionRecord>(res);
    expect(started).toMatchObject({ tenantId: 'acme', workflowId: 'echo-wf', version: 1, status: 'RUNNING', input: { topic: 'otters' }, pauseRequested: false });
    expect(res.headers?.location).toBe(pathOf(started.executionId));
    expect(await engine.get(started.executionId).result).toMatchObject({ status: 'SUCCEEDED' });

    const view = await getView(started.executionId);
    expect(view).toMatchObject({ executionId: started.executionId, status: 'SUCCEEDED', output: { say: { output: { message: 'otters' } } }, inputRequests: [] });
    expect(await executions.get('acme', started.executionId)).toMatchObject({ status: 'SUCCEEDED' });
    // The id encoded twice is the same execution.
    const twice = await runner('GET', `/api/v1/executions/${encodeURIComponent(encodeURIComponent(started.executionId))}`);
    expect(bodyOf<ExecutionRecord>(twice)).toMatchObject({ executionId: started.executionId, status: 'SUCCEEDED' });

    const byWorkflow = bodyOf<{ items: ExecutionRecord[] }>(await viewer('GET', '/api/v1/executions', { query: { workflowId: 'echo-wf', status: 'SUCCEEDED' } }));
    expect(byWorkflow.items.map((e) => e.executionId)).toContain(started.executionId);
    const all = bodyOf<{ items: ExecutionRecord[] }>(await viewer('GET', '/api/v1/executions', { query: { limit: '100' } }));
    expect(all.items.map((e) => e.executionId)).toContain(started.executionId);
    const running = bodyOf<{ items: ExecutionRecord[] }>(await viewer('GET', '/api/v1/executions', { query: { status: 'RUNNING' } }));
    expect(running.items.map((e) => e.executionId)).not.toContain(started.executionId);
    expect((await viewer('GET', '/api/v1/executions', { query: { status: 'DONE' } })).statusCode).toBe(400);

    const audits = (await audit.list('acme', { limit: 200 })).items;
    expect(audits).toContainEqual(expect.objectContaining({ action: 'execution.start', target: 'workflows/echo-wf/execute', outcome: 'success', actor: 'runner-of-acme' }));
  });

  it('pages through every execution without a filter', async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = bodyOf<{ items: ExecutionRecord[]; cursor?: string }>(await viewer('GET', '/api/v1/executions', { query: { limit: '1', ...(cursor ? { cursor } : {}) } }));
      for (const item of page.items) {
        expect(seen.has(item.executionId)).toBe(false);
        seen.add(item.executionId);
      }
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== undefined && pages < 50);
    const all = bodyOf<{ items: ExecutionRecord[] }>(await viewer('GET', '/api/v1/executions', { query: { limit: '100' } }));
    expect(seen.size).toBe(all.items.length);
    expect(seen.size).toBeGreaterThan(0);
    expect((await viewer('GET', '/api/v1/executions', { query: { cursor: 'garbage' } })).statusCode).toBe(400);
  });

  it('starts one execution for the same Idempotency-Key twice (engine and table) and refuses the key with another input', async () => {
    const headers = { 'idempotency-key': 'order-42' };
    const first = await runner('POST', '/api/v1/workflows/echo-wf/execute', { body: { input: { topic: 'idem' } }, headers });
    const second = await runner('POST', '/api/v1/workflows/echo-wf/execute', { body: { input: { topic: 'idem' } }, headers });
    expect([first.statusCode, second.statusCode]).toEqual([202, 200]);
    const a = bodyOf<ExecutionRecord>(first);
    expect(bodyOf<ExecutionRecord>(second)).toEqual(a);
    expect(a.idempotencyKey).toBe('order-42');
    expect(engine.list().filter((ex) => JSON.stringify(ex.input) === JSON.stringify({ topic: 'idem' }))).toHaveLength(1);
    const listed = await executions.listByWorkflow('acme', 'echo-wf', { limit: 200 });
    expect(listed.items.filter((e) => e.idempotencyKey === 'order-42')).toHaveLength(1);

    const other = await runner('POST', '/api/v1/workflows/echo-wf/execute', { body: { input: { topic: 'different' } }, headers });
    expect(other.statusCode).toBe(409);
    expect(errorOf(other).message).toMatch(/Idempotency-Key was already used/);
    expect(engine.list().filter((ex) => JSON.stringify(ex.input) === JSON.stringify({ topic: 'different' }))).toHaveLength(0);

    const bad = await runner('POST', '/api/v1/workflows/echo-wf/execute', { body: { input: { topic: 'x' } }, headers: { 'idempotency-key': 'has a space' } });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).message).toContain('Idempotency-Key');
  });

  it('refuses input that fails the start node schema with 400 naming the field, starting nothing', async () => {
    const before = engine.list().length;
    const wrongType = await runner('POST', '/api/v1/workflows/echo-wf/execute', { body: { input: { topic: 7 } } });
    expect(wrongType.statusCode).toBe(400);
    expect(errorOf(wrongType)).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('input.topic'), details: [expect.objectContaining({ path: 'input.topic' })] });
    const missing = await runner('POST', '/api/v1/workflows/echo-wf/execute', { body: { input: {} } });
    expect(missing.statusCode).toBe(400);
    expect(errorOf(missing).details).toEqual([expect.objectContaining({ path: 'input.topic' })]);
    const extraField = await runner('POST', '/api/v1/workflows/echo-wf/execute', { body: { input: { topic: 'x' }, colour: 'red' } });
    expect(extraField.statusCode).toBe(400);
    expect(errorOf(extraField).message).toContain('colour');
    expect(engine.list().length).toBe(before);
  });

  it('answers 404 for unknown workflows, versions and executions, and 409 before the first publish', async () => {
    expect((await runner('POST', '/api/v1/workflows/nope/execute', { body: {} })).statusCode).toBe(404);
    expect((await runner('POST', '/api/v1/workflows/echo-wf/execute', { body: { input: { topic: 'x' }, version: 9 } })).statusCode).toBe(404);
    const unpublished = await runner('POST', '/api/v1/workflows/draft-wf/execute', { body: {} });
    expect(unpublished.statusCode).toBe(409);
    expect(errorOf(unpublished).message).toContain('publish first');
    const ghost = 'arn:aws:states:local:000000000000:execution:nothing:here';
    for (const [method, suffix, body] of [['GET', '', undefined], ['POST', '/stop', undefined], ['POST', '/pause', undefined], ['POST', '/resume', undefined], ['POST', '/input', { nodeId: 'x', answer: 1 }]] as const) {
      const res = await runner(method, pathOf(ghost, suffix), { body });
      expect([suffix, res.statusCode]).toEqual([suffix, 404]);
    }
  });
});

describe('tenants and roles', () => {
  let ask: ExecutionRecord;
  beforeAll(async () => {
    ask = await execute('ask-wf');
    await until(async () => ((await getView(ask.executionId)).inputRequests.length > 0 ? true : undefined), 'the input request');
  });
  afterAll(async () => {
    await runner('POST', pathOf(ask.executionId, '/stop'));
  });

  it("hides another tenant's executions and workflows on every route (404)", async () => {
    const routes: Array<[string, string, unknown]> = [
      ['GET', pathOf(ask.executionId), undefined],
      ['POST', pathOf(ask.executionId, '/stop'), undefined],
      ['POST', pathOf(ask.executionId, '/pause'), undefined],
      ['POST', pathOf(ask.executionId, '/resume'), undefined],
      ['POST', pathOf(ask.executionId, '/input'), { nodeId: 'approve', answer: { ok: true } }],
      ['POST', '/api/v1/workflows/ask-wf/execute', {}],
    ];
    for (const [method, path, body] of routes) {
      const res = await outsider(method, path, { body });
      expect([path, res.statusCode]).toEqual([path, 404]);
    }
    const theirs = bodyOf<{ items: ExecutionRecord[] }>(await outsider('GET', '/api/v1/executions', { query: { limit: '100' } }));
    expect(theirs.items).toEqual([]);
    expect(await getView(ask.executionId)).toMatchObject({ status: 'RUNNING', inputRequests: [expect.objectContaining({ nodeId: 'approve' })] });
  });

  it('lets a viewer read but not start, control or answer; a runner may', async () => {
    expect((await viewer('GET', pathOf(ask.executionId))).statusCode).toBe(200);
    const refused: Array<[string, string, unknown]> = [
      ['POST', '/api/v1/workflows/echo-wf/execute', { input: { topic: 'x' } }],
      ['POST', pathOf(ask.executionId, '/stop'), undefined],
      ['POST', pathOf(ask.executionId, '/pause'), undefined],
      ['POST', pathOf(ask.executionId, '/resume'), undefined],
      ['POST', pathOf(ask.executionId, '/input'), { nodeId: 'approve', answer: { ok: true } }],
    ];
    for (const [method, path, body] of refused) {
      const res = await viewer(method, path, { body });
      expect([path, res.statusCode]).toEqual([path, 403]);
    }
    expect(await getView(ask.executionId)).toMatchObject({ status: 'RUNNING', inputRequests: [expect.objectContaining({ nodeId: 'approve' })] });
    const denied = (await audit.list('acme', { limit: 200 })).items.filter((a) => a.outcome === 'denied' && a.actor === 'viewer-of-acme');
    expect(denied.map((a) => a.action).sort()).toEqual(['execution.answer', 'execution.pause', 'execution.resume', 'execution.start', 'execution.stop']);
    // The runner's own rights are exercised by every lifecycle test below (start, pause, resume, stop, answer).
  });
});

describe('lifecycle', () => {
  it('pauses at the next node boundary (execution_paused, PAUSED) and resumes to SUCCEEDED', async () => {
    const ex = await execute('slow-wf');
    const paused = await runner('POST', pathOf(ex.executionId, '/pause'));
    expect(paused.statusCode).toBe(202);
    expect(bodyOf<ExecutionRecord>(paused)).toMatchObject({ status: 'RUNNING', pauseRequested: true });

    await until(async () => (eventsOf(ex.executionId).includes('execution_paused:a') ? true : undefined), 'execution_paused');
    expect(await getView(ex.executionId)).toMatchObject({ status: 'PAUSED', pauseRequested: false });
    expect(eventsOf(ex.executionId)).not.toContain('node_completed:a');
    const again = await runner('POST', pathOf(ex.executionId, '/pause'));
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).message).toContain('is PAUSED');

    const resumed = await runner('POST', pathOf(ex.executionId, '/resume'));
    expect(resumed.statusCode).toBe(200);
    expect(bodyOf<ExecutionRecord>(resumed)).toMatchObject({ status: 'RUNNING', pauseRequested: false });
    expect(await engine.get(ex.executionId).result).toMatchObject({ status: 'SUCCEEDED' });
    expect(await getView(ex.executionId)).toMatchObject({ status: 'SUCCEEDED', output: { a: { output: { message: 'after the wait' } } } });
    const trail = eventsOf(ex.executionId);
    expect(trail.indexOf('node_completed:a')).toBeGreaterThan(trail.indexOf('execution_paused:a'));
    const audits = (await audit.list('acme', { limit: 200 })).items.filter((a) => a.target === pathOf(ex.executionId).slice('/api/v1/'.length) + '/resume');
    expect(audits).toEqual([expect.objectContaining({ action: 'execution.resume', outcome: 'success' })]);
  });

  it('cancels a pause request that no gate took up yet, and the run carries on', async () => {
    const ex = await execute('slow-wf');
    expect((await runner('POST', pathOf(ex.executionId, '/pause'))).statusCode).toBe(202);
    const resumed = await runner('POST', pathOf(ex.executionId, '/resume'));
    expect(resumed.statusCode).toBe(200);
    expect(bodyOf<ExecutionRecord>(resumed)).toMatchObject({ status: 'RUNNING', pauseRequested: false });
    expect(await engine.get(ex.executionId).result).toMatchObject({ status: 'SUCCEEDED' });
    expect(eventsOf(ex.executionId)).not.toContain('execution_paused:a');
  });

  it('refuses to resume a running execution (409), stops it (ABORTED), and refuses to stop or pause it again (409)', async () => {
    const ex = await execute('ask-wf');
    await until(async () => ((await getView(ex.executionId)).inputRequests.length > 0 ? true : undefined), 'the input request');
    const resume = await runner('POST', pathOf(ex.executionId, '/resume'));
    expect(resume.statusCode).toBe(409);
    expect(errorOf(resume).message).toContain('resuming a running execution');

    const stop = await runner('POST', pathOf(ex.executionId, '/stop'), { body: { cause: 'changed my mind' } });
    expect(stop.statusCode).toBe(200);
    expect(bodyOf<ExecutionRecord>(stop)).toMatchObject({ status: 'ABORTED', error: { name: 'Stepflow.Stopped', message: 'changed my mind' } });
    expect(await engine.get(ex.executionId).result).toMatchObject({ status: 'ABORTED' });
    expect(await getView(ex.executionId)).toMatchObject({ status: 'ABORTED', inputRequests: [] });

    for (const action of ['/stop', '/pause', '/resume']) {
      const res = await runner('POST', pathOf(ex.executionId, action));
      expect([action, res.statusCode]).toEqual([action, 409]);
      expect(errorOf(res).message).toContain('is ABORTED');
    }
  });

  it('refuses to stop an execution that already finished (409 naming its status)', async () => {
    const ex = await execute('echo-wf', { topic: 'quick' });
    await engine.get(ex.executionId).result;
    const res = await runner('POST', pathOf(ex.executionId, '/stop'));
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).message).toContain('is SUCCEEDED');
    expect(await executions.get('acme', ex.executionId)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('takes human input end to end: a wrong shape is 400 naming the field, the right answer continues to SUCCEEDED, a second answer is 409', async () => {
    const ex = await execute('ask-wf');
    const view = await until(async () => {
      const v = await getView(ex.executionId);
      return v.inputRequests.length > 0 ? v : undefined;
    }, 'the input request');
    const [request] = view.inputRequests;
    expect(request).toMatchObject({ nodeId: 'approve', prompt: 'Ship it?', inputSchema: { required: ['ok'] } });
    expect(JSON.stringify(view)).not.toContain('task-token');

    const wrong = await runner('POST', pathOf(ex.executionId, '/input'), { body: { requestId: request?.requestId, answer: { ok: 'yes' } } });
    expect(wrong.statusCode).toBe(400);
    expect(errorOf(wrong)).toMatchObject({ message: expect.stringContaining('/ok'), details: [expect.objectContaining({ path: '/ok' })] });
    const unknown = await runner('POST', pathOf(ex.executionId, '/input'), { body: { requestId: 'no-such-request', answer: { ok: true } } });
    expect(unknown.statusCode).toBe(404);
    const neither = await runner('POST', pathOf(ex.executionId, '/input'), { body: { answer: { ok: true } } });
    expect(neither.statusCode).toBe(400);

    const right = await runner('POST', pathOf(ex.executionId, '/input'), { body: { nodeId: 'approve', answer: { ok: true } } });
    expect(right.statusCode).toBe(200);
    expect(bodyOf<{ requestId: string; status: string }>(right)).toMatchObject({ requestId: request?.requestId, status: 'answered' });
    const twice = await runner('POST', pathOf(ex.executionId, '/input'), { body: { requestId: request?.requestId, answer: { ok: false } } });
    expect(twice.statusCode).toBe(409);

    expect(await engine.get(ex.executionId).result).toMatchObject({ status: 'SUCCEEDED' });
    expect(await getView(ex.executionId)).toMatchObject({ status: 'SUCCEEDED', output: { approve: { output: { ok: true } } } });
    const after = await runner('POST', pathOf(ex.executionId, '/input'), { body: { nodeId: 'approve', answer: { ok: true } } });
    expect(after.statusCode).toBe(409);
  });
});

describe('an example workflow through the API', () => {
  it('support-ticket-triage: execute, the approval request appears, a wrong answer is refused, the right one finishes the run', async () => {
    const ex = await execute('support-ticket-triage', TRIAGE_INPUT, { 'idempotency-key': 'ticket-4711' });
    const view = await until(async () => {
      const v = await getView(ex.executionId);
      return v.inputRequests.length > 0 || v.status !== 'RUNNING' ? v : undefined;
    }, 'the approval request', 15_000);
    expect(view.status).toBe('RUNNING');
    const [request] = view.inputRequests;
    expect(request).toMatchObject({ nodeId: 'approve_escalation' });
    expect((await runner('POST', pathOf(ex.executionId, '/input'), { body: { nodeId: 'approve_escalation', answer: { approved: 'yes' } } })).statusCode).toBe(400);
    const ok = await runner('POST', pathOf(ex.executionId, '/input'), { body: { nodeId: 'approve_escalation', answer: { approved: true, note: 'paging on-call' } } });
    expect(ok.statusCode).toBe(200);
    expect(await engine.get(ex.executionId).result).toMatchObject({ status: 'SUCCEEDED' });
    const done = await getView(ex.executionId);
    expect(done.status).toBe('SUCCEEDED');
    expect(eventsOf(ex.executionId)).toEqual(expect.arrayContaining(['user_input_required:approve_escalation', 'node_completed:approve_escalation', 'execution_completed']));
    // The same Idempotency-Key again is the same execution.
    const again = await runner('POST', '/api/v1/workflows/support-ticket-triage/execute', { body: { input: TRIAGE_INPUT }, headers: { 'idempotency-key': 'ticket-4711' } });
    expect(bodyOf<ExecutionRecord>(again).executionId).toBe(ex.executionId);
  });
});
