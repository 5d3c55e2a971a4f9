/**
 * The fan-out on a real DynamoDB-protocol server: ordering, de-duplication, Step Functions'
 * status events, catch-up, gone connections and FIFO batch failure semantics. The poster is the
 * port to API Gateway's @connections API (the platform tests drive the real one end to end).
 */
import type { LifecycleEvent } from '@shared/events';
import { ConnectionRepository, ExecutionEventLog, ExecutionRepository, NodeRunRepository } from '../_shared/data';
import { startDynamo, type LocalDynamo } from '../_shared/test-support/dynamo';
import { eventFrame, eventFromSfnStatus, fanOut, fanOutBatch, fanOutEvents, FanOutCache, MAX_FRAME_BYTES, type FanOutDeps } from './fan-out-event';

let dynamo: LocalDynamo;
let deps: FanOutDeps;
const posted: Array<{ connectionId: string; data: unknown }> = [];
const gone = new Set<string>();
let failPosts = 0;

const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:sm:run-1';
const at = (ms: number) => new Date(Date.UTC(2026, 10, 22, 8, 0, 0, ms)).toISOString();
const log = (id: string, message: string, executionId = EXEC): LifecycleEvent => ({ type: 'log', event_id: id, execution_id: executionId, timestamp: at(0), level: 'info', message });

beforeAll(async () => {
  dynamo = await startDynamo();
  const { doc, tableName } = dynamo;
  deps = {
    log: new ExecutionEventLog(doc, tableName),
    connections: new ConnectionRepository(doc, tableName),
    executions: new ExecutionRepository(doc, tableName),
    nodeRuns: new NodeRunRepository(doc, tableName),
    post: async (connectionId, data) => {
      if (failPosts > 0) {
        failPosts -= 1;
        throw new Error('network down');
      }
      if (gone.has(connectionId)) return 'gone';
      posted.push({ connectionId, data: JSON.parse(data) });
      return 'sent';
    },
    tenantWaitMs: 100,
  };
  await deps.executions.create({ tenantId: 'acme', executionId: EXEC, workflowId: 'wf', version: 1 });
  await deps.connections.connect({ connectionId: 'c1', tenantId: 'acme', userId: 'u', roles: ['viewer'] });
  await deps.connections.subscribe('acme', 'c1', EXEC);
});
afterAll(() => dynamo.stop());
beforeEach(() => {
  posted.length = 0;
});

const framesTo = (connectionId: string) => posted.filter((p) => p.connectionId === connectionId).map((p) => p.data as { seq?: number; type: string; event_id?: string });

describe('fanOut', () => {
  it('numbers events in arrival order and posts each with its seq; a redelivered event keeps its number', async () => {
    const a = await fanOut({ kind: 'event', event: log('e-a', 'one') }, deps);
    const b = await fanOut({ kind: 'event', event: log('e-b', 'two') }, deps);
    const again = await fanOut({ kind: 'event', event: log('e-a', 'one') }, deps);
    expect([a, b, again]).toMatchObject([
      { kind: 'event', seq: 1, duplicate: false, sent: 1 },
      { kind: 'event', seq: 2, duplicate: false, sent: 1 },
      { kind: 'event', seq: 1, duplicate: true, sent: 1 },
    ]);
    // At least once to clients: the redelivery is posted again, and its seq says it is old news.
    expect(framesTo('c1').map((f) => `${f.event_id}@${f.seq}`)).toEqual(['e-a@1', 'e-b@2', 'e-a@1']);
    expect((await deps.log.read('acme', EXEC)).items.map((i) => i.eventId)).toEqual(['e-a', 'e-b']);
  });

  it("turns Step Functions' status changes into execution_started and execution_completed, and completes the record", async () => {
    const id = 'arn:aws:states:us-east-1:123456789012:execution:sm:timeout-1';
    await deps.executions.create({ tenantId: 'acme', executionId: id, workflowId: 'wf', version: 1 });
    const start = Date.UTC(2026, 10, 22, 8);
    await fanOut({ kind: 'sfn_status', detail: { executionArn: id, status: 'RUNNING', startDate: start, input: '{"q":1}' } }, deps);
    await fanOut({ kind: 'sfn_status', detail: { executionArn: id, status: 'TIMED_OUT', startDate: start, stopDate: start + 5000, error: 'States.Timeout', cause: 'the execution timed out' } }, deps);
    // The same status again (EventBridge delivers at least once) is one event.
    await fanOut({ kind: 'sfn_status', detail: { executionArn: id, status: 'TIMED_OUT', startDate: start, stopDate: start + 5000 } }, deps);
    const items = (await deps.log.read('acme', id)).items.map((i) => i.event);
    expect(items).toMatchObject([
      { type: 'execution_started', seq: 1, input: { q: 1 } },
      { type: 'execution_completed', seq: 2, status: 'TIMED_OUT', duration_ms: 5000, error: { name: 'States.Timeout', message: 'the execution timed out' } },
    ]);
    expect(await deps.executions.get('acme', id)).toMatchObject({ status: 'TIMED_OUT', durationMs: 5000 });
    expect(eventFromSfnStatus({ executionArn: id, status: 'PENDING_REDRIVE' })).toBeUndefined();
  });

  it('applies node events to the node runs and a pause to the record', async () => {
    const id = 'arn:aws:states:us-east-1:123456789012:execution:sm:nodes-1';
    await deps.executions.create({ tenantId: 'acme', executionId: id, workflowId: 'wf', version: 1 });
    await fanOut({ kind: 'event', event: { type: 'node_started', event_id: 'n1', execution_id: id, timestamp: at(1), node_id: 'a', node_type: 'llm', attempt: 1 } }, deps);
    await fanOut({ kind: 'event', event: { type: 'node_completed', event_id: 'n2', execution_id: id, timestamp: at(2), node_id: 'a', node_type: 'llm', output: { text: 'hi' }, duration_ms: 1, attempts: 1 } }, deps);
    expect(await deps.nodeRuns.find('acme', id, 'a')).toMatchObject({ status: 'SUCCEEDED', output: { text: 'hi' } });
    await fanOut({ kind: 'event', event: { type: 'execution_paused', event_id: 'p1', execution_id: id, timestamp: at(3), reason: 'paused by ada', node_id: 'b' } }, deps);
    expect(await deps.executions.get('acme', id)).toMatchObject({ status: 'PAUSED' });
  });

  it('forgets a connection that answers 410, with its subscriptions', async () => {
    await deps.connections.connect({ connectionId: 'c-gone', tenantId: 'acme', userId: 'u' });
    await deps.connections.subscribe('acme', 'c-gone', EXEC);
    gone.add('c-gone');
    const r = await fanOut({ kind: 'event', event: log('e-gone', 'x') }, deps);
    expect(r).toMatchObject({ sent: 1, gone: 1 });
    expect(await deps.connections.subscribers('acme', EXEC)).toEqual(['c1']);
    expect(await deps.connections.find('c-gone')).toBeUndefined();
  });

  it('an event of an execution nobody recorded waits briefly for its tenant, then goes to the default tenant or is dropped', async () => {
    const stray = log('s1', 'x', 'arn:aws:states:us-east-1:123456789012:execution:sm:stray');
    expect(await fanOut({ kind: 'event', event: stray }, deps)).toEqual({ kind: 'skipped', reason: 'no tenant' });
    const r = await fanOut({ kind: 'event', event: stray }, { ...deps, defaultTenant: 'default' });
    expect(r).toMatchObject({ kind: 'event', seq: 1 });
    expect((await deps.log.read('default', stray.execution_id)).items).toHaveLength(1);
  });

  it('a catch-up sends the backlog after after_seq, then subscribes and acknowledges with the last seq', async () => {
    const id = 'arn:aws:states:us-east-1:123456789012:execution:sm:catch-1';
    await deps.executions.create({ tenantId: 'acme', executionId: id, workflowId: 'wf', version: 1 });
    for (let i = 1; i <= 5; i++) await fanOut({ kind: 'event', event: log(`k${i}`, `m${i}`, id) }, deps);
    await deps.connections.connect({ connectionId: 'late', tenantId: 'acme', userId: 'u' });
    const r = await fanOut({ kind: 'catch_up', connectionId: 'late', tenantId: 'acme', executionId: id, afterSeq: 2, requestId: 'r1' }, deps);
    expect(r).toEqual({ kind: 'catch_up', sent: 3, gone: false });
    expect(framesTo('late').map((f) => f.seq ?? f.type)).toEqual([3, 4, 5, 'subscribed']);
    expect(framesTo('late').at(-1)).toMatchObject({ type: 'subscribed', last_seq: 5, id: 'r1', execution_id: id });
    await fanOut({ kind: 'event', event: log('k6', 'm6', id) }, deps);
    expect(framesTo('late').at(-1)).toMatchObject({ seq: 6 });
  });

  it('elides values too large for one WebSocket frame, keeping the event', () => {
    const big: LifecycleEvent = { type: 'node_completed', event_id: 'big', execution_id: EXEC, timestamp: at(0), node_id: 'n', node_type: 'transform', output: 'x'.repeat(MAX_FRAME_BYTES), duration_ms: 1, attempts: 1, seq: 9 };
    const frame = JSON.parse(eventFrame(big)) as Record<string, unknown>;
    expect(frame).toMatchObject({ type: 'node_completed', seq: 9, node_id: 'n', output: { elided: true, bytes: MAX_FRAME_BYTES + 2 } });
  });
});

describe('fanOutEvents (a batch of one execution)', () => {
  it('appends a batch at consecutive numbers and posts it in order; a redelivery inside the batch is posted once', async () => {
    const id = 'arn:aws:states:us-east-1:123456789012:execution:sm:batch-1';
    await deps.executions.create({ tenantId: 'acme', executionId: id, workflowId: 'wf', version: 1 });
    await deps.connections.connect({ connectionId: 'cb', tenantId: 'acme', userId: 'u' });
    await deps.connections.subscribe('acme', 'cb', id);
    const withCache = { ...deps, cache: new FanOutCache() };
    const first = await fanOutEvents([log('q1', 'a', id), log('q2', 'b', id), log('q3', 'c', id)], withCache);
    expect(first.map((r) => (r.kind === 'event' ? r.seq : 0))).toEqual([1, 2, 3]);
    const second = await fanOutEvents([log('q4', 'd', id), log('q2', 'b', id), log('q5', 'e', id)], withCache);
    expect(second.map((r) => (r.kind === 'event' ? `${r.seq}${r.duplicate ? 'd' : ''}` : ''))).toEqual(['4', '2d', '5']);
    expect(framesTo('cb').map((f) => f.seq)).toEqual([1, 2, 3, 2, 4, 5]);
    expect((await deps.log.read('acme', id)).items.map((i) => `${i.seq}:${i.eventId}`)).toEqual(['1:q1', '2:q2', '3:q3', '4:q4', '5:q5']);
    // A cache that is behind (another container appended meanwhile) costs retries, never a gap.
    const stale = new FanOutCache();
    stale.set(id, 'acme', 1);
    const third = await fanOutEvents([log('q6', 'f', id), log('q7', 'g', id)], { ...deps, cache: stale });
    expect(third.map((r) => (r.kind === 'event' ? r.seq : 0)).sort()).toEqual([6, 7]);
    expect((await deps.log.read('acme', id)).items.map((i) => i.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('fanOutBatch (SQS FIFO)', () => {
  const record = (messageId: string, event: LifecycleEvent) => ({ messageId, body: JSON.stringify({ version: '0', id: messageId, 'detail-type': 'Log', source: 'stepflow', detail: event }) });

  it('after a failure, that message and the later ones of the same execution fail; other executions go on; malformed bodies are dropped', async () => {
    const other = 'arn:aws:states:us-east-1:123456789012:execution:sm:other';
    await deps.executions.create({ tenantId: 'acme', executionId: other, workflowId: 'wf', version: 1 });
    failPosts = 1; // the first post fails: the first message's handling throws
    const errors: string[] = [];
    const result = await fanOutBatch(
      [record('m1', log('b1', 'one')), record('m2', log('o1', 'other', other)), { messageId: 'm3', body: '{"nonsense":true}' }, record('m4', log('b2', 'two'))],
      deps,
      (id) => errors.push(id),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm4' }]);
    expect(errors.sort()).toEqual(['m1', 'm3']);
    expect((await deps.log.read('acme', other)).items.map((i) => i.eventId)).toEqual(['o1']);
    // The retry of m1 and m4 in order: b1 keeps the number its first (failed) try took.
    const retry = await fanOutBatch([record('m1', log('b1', 'one')), record('m4', log('b2', 'two'))], deps);
    expect(retry.batchItemFailures).toEqual([]);
    const seqs = (await deps.log.read('acme', EXEC)).items.filter((i) => i.eventId.startsWith('b')).map((i) => i.eventId);
    expect(seqs).toEqual(['b1', 'b2']);
  });
});
