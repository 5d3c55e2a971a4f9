/**
 * The AWS webhook route's logic on local stand-ins: dynalite for the execution records, the
 * Step Functions port over the local engine.
 */
import { workflowSchema } from '@shared/workflow';
import { compile } from '../../statemachines/src';
import { defaultRuntimes, LocalEngine } from '../../local/engine';
import { ExecutionRepository } from '../_shared/data';
import type { ApiRequest } from '../_shared/http/api';
import { LocalStepFunctions } from '../_shared/stepfunctions';
import { startDynamo, type LocalDynamo } from '../_shared/test-support/dynamo';
import { signWebhook } from '../_shared/webhooks';
import { handleHook, type HookDeps } from './api-hooks';

let dynamo: LocalDynamo;
let deps: HookDeps;
let engine: LocalEngine;
const SECRET = 'hook-secret-for-tests';

beforeAll(async () => {
  dynamo = await startDynamo();
  engine = new LocalEngine({ runtimes: defaultRuntimes() });
  const port = new LocalStepFunctions({ engine });
  const workflow = workflowSchema.parse({
    schemaVersion: 1,
    metadata: { id: 'intake', name: 'intake' },
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, config: {} },
      { id: 'end', type: 'end', position: { x: 0, y: 1 }, config: {} },
    ],
    edges: [{ id: 'e', source: 'start', target: 'end' }],
  });
  const compiled = compile(workflow);
  if (!compiled.ok) throw new Error('does not compile');
  const { stateMachineArn } = await port.publish({ tenantId: 'default', workflowId: 'intake', definition: compiled.json, type: 'STANDARD', workflow });
  deps = {
    hooks: { hintake: { workflowId: 'intake', stateMachineArn, secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-intake' } },
    secret: async (arn) => (arn.endsWith(':hook-intake') ? SECRET : ''),
    stepFunctions: port,
    executions: new ExecutionRepository(dynamo.doc, dynamo.tableName),
    defaultTenant: 'default',
  };
});
afterAll(() => dynamo.stop());

const request = (path: string, body: string, headers: Record<string, string> = {}): ApiRequest => ({ method: 'POST', path, query: {}, headers, body, requestId: 'r' });
const errorOf = (body: string | undefined) => (JSON.parse(body ?? '{}') as { error: { code: string; message: string } }).error;

it('starts the hook workflow with the signed body as input and records the run', async () => {
  const body = JSON.stringify({ ticket: 7 });
  const res = await handleHook(request('/hooks/hintake', body, { 'x-stepflow-signature': signWebhook(SECRET, body) }), deps);
  expect(res.statusCode).toBe(202);
  const { executionId } = JSON.parse(res.body ?? '{}') as { executionId: string };
  expect(await deps.executions.get('default', executionId)).toMatchObject({ workflowId: 'intake', input: { ticket: 7 } });
  expect(await engine.get(executionId).result).toMatchObject({ status: 'SUCCEEDED' });
});

it('the same Idempotency-Key gives the same run (200)', async () => {
  const body = JSON.stringify({ ticket: 8 });
  const headers = { 'x-stepflow-signature': signWebhook(SECRET, body), 'idempotency-key': 'delivery-8' };
  const first = await handleHook(request('/hooks/hintake', body, headers), deps);
  const again = await handleHook(request('/hooks/hintake', body, headers), deps);
  expect([first.statusCode, again.statusCode]).toEqual([202, 200]);
  expect(JSON.parse(again.body ?? '{}')).toEqual(JSON.parse(first.body ?? '{}'));
});

it.each([
  ['an unknown hook', '/hooks/nope', '{}', (b: string) => signWebhook(SECRET, b), 404, 'no webhook nope'],
  ['no signature', '/hooks/hintake', '{}', () => undefined, 401, 'sign the body'],
  ['a signature by another secret', '/hooks/hintake', '{}', (b: string) => signWebhook('other', b), 401, 'does not match'],
  ['a body that is not JSON', '/hooks/hintake', '{oops', (b: string) => signWebhook(SECRET, b), 400, 'not valid JSON'],
  ['a body that is not an object', '/hooks/hintake', '[1,2]', (b: string) => signWebhook(SECRET, b), 400, 'must be a JSON object'],
  ['a hook id inherited from Object', '/hooks/constructor', '{}', (b: string) => signWebhook(SECRET, b), 404, 'no webhook'],
])('refuses %s', async (_what, path, body, sign, status, message) => {
  const signature = sign(body);
  const res = await handleHook(request(path, body, signature ? { 'x-stepflow-signature': signature } : {}), deps);
  expect(res.statusCode).toBe(status);
  expect(errorOf(res.body).message).toContain(message);
});
