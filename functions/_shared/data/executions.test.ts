import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, ValidationError } from '@shared/errors';
import type { LifecycleEvent } from '@shared/events';
import { startDynamo, type LocalDynamo } from '../test-support/dynamo';
import { ExecutionRepository } from './executions';
import { keys } from './keys';
import { NodeRunRepository } from './node-runs';
import { collectPages } from './test-fixtures';

let dynamo: LocalDynamo;
let executions: ExecutionRepository;
let runs: NodeRunRepository;
beforeAll(async () => {
  dynamo = await startDynamo();
  executions = new ExecutionRepository(dynamo.doc, dynamo.tableName);
  runs = new NodeRunRepository(dynamo.doc, dynamo.tableName);
});
afterAll(async () => {
  await dynamo.stop();
});

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const start = (executionId: string, extra: Partial<Parameters<ExecutionRepository['create']>[0]> = {}) =>
  executions.create({ tenantId: 't1', executionId, workflowId: 'wf-1', version: 1, input: { q: 1 }, startedAt: at(0), ...extra });

describe('executions', () => {
  it('creates RUNNING and reads it back; another tenant gets 404', async () => {
    const e = await start('arn:aws:states:us-east-1:1:execution:sm:ex-1', { name: 'first' });
    expect(e).toMatchObject({ status: 'RUNNING', pauseRequested: false, input: { q: 1 }, name: 'first' });
    expect(await executions.get('t1', e.executionId)).toEqual(e);
    await expect(executions.get('t2', e.executionId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(executions.requestPause('t2', e.executionId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(executions.complete('t2', e.executionId, { status: 'SUCCEEDED', durationMs: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('treats a repeated create with the same idempotency key as a retry, and any other id reuse as a conflict', async () => {
    const e = await start('ex-idem', { idempotencyKey: 'k1' });
    expect(await start('ex-idem', { idempotencyKey: 'k1' })).toEqual(e);
    await expect(start('ex-idem', { idempotencyKey: 'k2' })).rejects.toBeInstanceOf(ConflictError);
    await expect(start('ex-idem')).rejects.toBeInstanceOf(ConflictError);
  });

  it('lists a create retried after a crash once, and skips a pointer whose record was never written', async () => {
    // First attempt: pointer written at 00:00:01, then the process died before the record.
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName, Item: { ...keys.workflowExecution('t-crash', 'wf-c', at(1).toISOString(), 'ex-c'), executionId: 'ex-c', startedAt: at(1).toISOString() } }));
    await dynamo.doc.send(new PutCommand({ TableName: dynamo.tableName, Item: { ...keys.workflowExecution('t-crash', 'wf-c', at(2).toISOString(), 'ex-never'), executionId: 'ex-never', startedAt: at(2).toISOString() } }));
    expect((await executions.listByWorkflow('t-crash', 'wf-c')).items).toEqual([]);
    await executions.create({ tenantId: 't-crash', executionId: 'ex-c', workflowId: 'wf-c', version: 1, startedAt: at(3), idempotencyKey: 'k' });
    expect((await executions.listByWorkflow('t-crash', 'wf-c')).items.map((e) => e.executionId)).toEqual(['ex-c']);
  });

  it('claims an idempotency key once per tenant, and lets an expired claim be taken over', async () => {
    expect(await executions.claimIdempotencyKey('t1', 'req-1', 'ex-a')).toEqual({ executionId: 'ex-a', claimed: true });
    expect(await executions.claimIdempotencyKey('t1', 'req-1', 'ex-b')).toEqual({ executionId: 'ex-a', claimed: false });
    expect(await executions.claimIdempotencyKey('t2', 'req-1', 'ex-c')).toEqual({ executionId: 'ex-c', claimed: true });
    await executions.claimIdempotencyKey('t1', 'req-old', 'ex-old', new Date(Date.now() - 2 * 86_400_000));
    expect(await executions.claimIdempotencyKey('t1', 'req-old', 'ex-new')).toEqual({ executionId: 'ex-new', claimed: true });
  });

  it('walks RUNNING -> pause requested -> PAUSED -> RUNNING -> SUCCEEDED', async () => {
    await start('ex-walk');
    expect((await executions.requestPause('t1', 'ex-walk')).pauseRequested).toBe(true);
    const paused = await executions.markPaused('t1', 'ex-walk');
    expect(paused).toMatchObject({ status: 'PAUSED', pauseRequested: false });
    await expect(executions.requestPause('t1', 'ex-walk')).rejects.toThrow(/is PAUSED: cannot request a pause/);
    expect((await executions.resume('t1', 'ex-walk')).status).toBe('RUNNING');
    await executions.setTotals('t1', 'ex-walk', { tokens: 120, costUsd: 0.01 });
    const done = await executions.complete('t1', 'ex-walk', { status: 'SUCCEEDED', output: { ok: true }, stoppedAt: at(5) });
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: { ok: true }, durationMs: 5000, stoppedAt: at(5).toISOString(), totals: { tokens: 120, costUsd: 0.01 } });
  });

  it('never moves a finished execution back, and takes a repeated completion as a no-op', async () => {
    await start('ex-final');
    const failed = await executions.complete('t1', 'ex-final', { status: 'FAILED', error: { name: 'Boom', message: 'x' }, stoppedAt: at(2) });
    expect(await executions.complete('t1', 'ex-final', { status: 'FAILED', error: { name: 'Boom', message: 'x' }, stoppedAt: at(9) })).toEqual(failed);
    await expect(executions.complete('t1', 'ex-final', { status: 'SUCCEEDED', stoppedAt: at(3) })).rejects.toBeInstanceOf(ConflictError);
    await expect(executions.resume('t1', 'ex-final')).rejects.toBeInstanceOf(ConflictError);
    await expect(executions.markPaused('t1', 'ex-final')).rejects.toBeInstanceOf(ConflictError);
    await expect(executions.setTotals('t1', 'ex-final', { tokens: 1, costUsd: 0 })).rejects.toBeInstanceOf(ConflictError);
    expect(await executions.get('t1', 'ex-final')).toEqual(failed);
  });

  it('lets exactly one of two racing completions win', async () => {
    await start('ex-race');
    const results = await Promise.allSettled([
      executions.complete('t1', 'ex-race', { status: 'SUCCEEDED', durationMs: 1 }),
      executions.complete('t1', 'ex-race', { status: 'ABORTED', durationMs: 1 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConflictError)).toHaveLength(1);
  });

  it('refuses an inline output over the item limit', async () => {
    await start('ex-big');
    await expect(executions.complete('t1', 'ex-big', { status: 'SUCCEEDED', output: 'x'.repeat(400_000), durationMs: 1 })).rejects.toBeInstanceOf(ValidationError);
    const e = await executions.complete('t1', 'ex-big', { status: 'SUCCEEDED', outputRef: { bucket: 'b', key: 'k' }, durationMs: 1 });
    expect(e.outputRef).toEqual({ bucket: 'b', key: 'k' });
  });

  it('lists by workflow (any status) and by status, newest first, paged', async () => {
    for (let i = 0; i < 5; i++) {
      await executions.create({ tenantId: 't-ls', executionId: `ls-${i}`, workflowId: i % 2 === 0 ? 'even' : 'odd', version: 1, startedAt: at(i) });
    }
    await executions.create({ tenantId: 't-other', executionId: 'ls-x', workflowId: 'even', version: 1, startedAt: at(9) });
    await executions.complete('t-ls', 'ls-2', { status: 'SUCCEEDED', durationMs: 1 });
    const even = await collectPages((cursor) => executions.listByWorkflow('t-ls', 'even', { limit: 2, ...(cursor ? { cursor } : {}) }), 2);
    expect(even.items.map((e) => [e.executionId, e.status])).toEqual([
      ['ls-4', 'RUNNING'],
      ['ls-2', 'SUCCEEDED'],
      ['ls-0', 'RUNNING'],
    ]);
    const running = await collectPages((cursor) => executions.listByStatus('t-ls', 'RUNNING', { limit: 2, ...(cursor ? { cursor } : {}) }), 2);
    expect(running.items.map((e) => e.executionId)).toEqual(['ls-4', 'ls-3', 'ls-1', 'ls-0']);
    expect((await executions.listByStatus('t-ls', 'SUCCEEDED')).items.map((e) => e.executionId)).toEqual(['ls-2']);
  });

  it('filters an expired execution on read (get, by workflow, by status)', async () => {
    await executions.create({ tenantId: 't-ttl', executionId: 'ex-ttl', workflowId: 'wf-ttl', version: 1 });
    await executions.create({ tenantId: 't-ttl', executionId: 'ex-live', workflowId: 'wf-ttl', version: 1 });
    const ids = async () => [(await executions.listByWorkflow('t-ttl', 'wf-ttl')).items.map((e) => e.executionId).sort(), (await executions.listByStatus('t-ttl', 'RUNNING')).items.map((e) => e.executionId).sort()];
    expect(await ids()).toEqual([['ex-live', 'ex-ttl'], ['ex-live', 'ex-ttl']]);
    await dynamo.doc.send(
      new UpdateCommand({ TableName: dynamo.tableName, Key: keys.execution('t-ttl', 'ex-ttl'), UpdateExpression: 'SET #t = :t', ExpressionAttributeNames: { '#t': 'ttl' }, ExpressionAttributeValues: { ':t': Math.floor(Date.now() / 1000) - 10 } }),
    );
    await expect(executions.get('t-ttl', 'ex-ttl')).rejects.toBeInstanceOf(NotFoundError);
    expect(await ids()).toEqual([['ex-live'], ['ex-live']]);
  });
});

describe('node runs', () => {
  const base = { event_id: 'x', execution_id: 'ex-n', timestamp: '2026-01-01T00:00:00.000Z' } as const;
  const started = (attempt: number, iteration?: number[]): LifecycleEvent => ({ ...base, type: 'node_started', node_id: 'llm', node_type: 'llm', attempt, ...(iteration ? { iteration } : {}) });
  const failed = (attempt: number): LifecycleEvent => ({ ...base, type: 'node_failed', node_id: 'llm', node_type: 'llm', attempt, error: { name: 'Throttled', message: 'slow down' }, retryable: true, duration_ms: 5 });
  const completed = (attempts: number, iteration?: number[]): LifecycleEvent => ({
    ...base,
    type: 'node_completed',
    node_id: 'llm',
    node_type: 'llm',
    attempts,
    output: { text: 'hi' },
    duration_ms: 42,
    usage: { input_tokens: 10, output_tokens: 5, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0.001 },
    ...(iteration ? { iteration } : {}),
  });

  it('follows attempts in order and ends SUCCEEDED with output, tokens and duration', async () => {
    await runs.applyEvent('t1', started(1));
    await runs.applyEvent('t1', failed(1));
    expect((await runs.find('t1', 'ex-n', 'llm'))?.status).toBe('FAILED');
    await runs.applyEvent('t1', started(2));
    const r = await runs.applyEvent('t1', completed(2));
    expect(r?.applied).toBe(true);
    expect(await runs.find('t1', 'ex-n', 'llm')).toMatchObject({ status: 'SUCCEEDED', attempts: 2, output: { text: 'hi' }, durationMs: 42, tokens: { input: 10, output: 5, costUsd: 0.001 } });
    expect(await runs.find('t1', 'ex-n', 'llm')).not.toHaveProperty('error');
  });

  it('ignores late and duplicate events: a finished run does not go back to RUNNING', async () => {
    const ev = (e: LifecycleEvent): LifecycleEvent => ({ ...e, execution_id: 'ex-late' });
    await runs.applyEvent('t1', ev(completed(2)));
    expect((await runs.applyEvent('t1', ev(started(2))))?.applied).toBe(false);
    expect((await runs.applyEvent('t1', ev(failed(1))))?.applied).toBe(false);
    expect((await runs.applyEvent('t1', ev(completed(2))))?.applied).toBe(true);
    expect(await runs.find('t1', 'ex-late', 'llm')).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  });

  it('keeps loop iterations apart, lists them, and hides them from another tenant', async () => {
    const ev = (e: LifecycleEvent): LifecycleEvent => ({ ...e, execution_id: 'ex-loop' });
    await runs.applyEvent('t1', ev(started(1, [0])));
    await runs.applyEvent('t1', ev(completed(1, [1])));
    await runs.applyEvent('t1', ev(started(1)));
    expect(await runs.applyEvent('t1', { ...base, type: 'log', level: 'info', message: 'm' })).toBeUndefined();
    const page = await runs.list('t1', 'ex-loop');
    expect(page.items.map((r) => [r.iteration, r.status])).toEqual([
      [[], 'RUNNING'],
      [[0], 'RUNNING'],
      [[1], 'SUCCEEDED'],
    ]);
    expect((await runs.list('t2', 'ex-loop')).items).toEqual([]);
    expect(await runs.find('t2', 'ex-loop', 'llm', [0])).toBeUndefined();
  });
});
