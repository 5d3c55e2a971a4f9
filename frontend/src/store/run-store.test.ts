/** @jest-environment jsdom */
import type { LifecycleEvent } from '@shared/events';
import { useRunStore } from './run-store';

const run = () => useRunStore.getState();
const X = 'exec-1';
let seq = 0;
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
function ev<E extends Partial<LifecycleEvent> & { type: LifecycleEvent['type'] }>(e: E): LifecycleEvent {
  seq += 1;
  return { event_id: `${X}:${seq}`, execution_id: X, timestamp: at(seq), seq, ...e } as unknown as LifecycleEvent;
}

beforeEach(() => {
  seq = 0;
  run().clear();
  run().watch({ executionId: X, workflowId: 'wf', version: 1, status: 'RUNNING' });
});

describe('run store', () => {
  it('follows node statuses, durations, tokens and cost through a run', () => {
    run().apply(ev({ type: 'execution_started', input: { topic: 'otters' } }));
    run().apply(ev({ type: 'node_started', node_id: 'ask', node_type: 'llm', attempt: 1 }));
    expect(run().nodes.ask?.status).toBe('running');
    run().apply(ev({ type: 'node_failed', node_id: 'ask', node_type: 'llm', attempt: 1, retryable: true, duration_ms: 5, error: { name: 'Throttled', message: 'slow down' } }));
    expect(run().nodes.ask?.status).toBe('retrying');
    run().apply(ev({ type: 'node_started', node_id: 'ask', node_type: 'llm', attempt: 2 }));
    run().apply(ev({ type: 'node_completed', node_id: 'ask', node_type: 'llm', output: { text: 'hi' }, duration_ms: 120, attempts: 2, usage: { input_tokens: 10, output_tokens: 5, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0.002 }, model: 'local:x', simulated: true }));
    expect(run().nodes.ask).toMatchObject({ status: 'succeeded', durationMs: 120, attempts: 2, output: { text: 'hi' }, usage: { cost_usd: 0.002 }, simulated: true });
    expect(run().nodes.ask?.error).toBeUndefined();
    run().apply(ev({ type: 'log', node_id: 'ask', level: 'info', message: 'thinking' }));
    run().apply(ev({ type: 'execution_completed', status: 'SUCCEEDED', duration_ms: 300, result: { ok: true } }));
    expect(run()).toMatchObject({ status: 'SUCCEEDED', durationMs: 300, output: { ok: true }, lastSeq: 7, input: { topic: 'otters' } });
    expect(run().logs.map((l) => l.message)).toEqual(['thinking']);
    expect(run().events).toHaveLength(7);
  });

  it('applies an event once, even when it is delivered twice', () => {
    const e = ev({ type: 'node_started', node_id: 'a', node_type: 'code', attempt: 1 });
    run().apply(e);
    run().apply(e);
    expect(run().events).toHaveLength(1);
  });

  it('ignores events of other executions', () => {
    run().apply({ ...ev({ type: 'node_started', node_id: 'a', node_type: 'code', attempt: 1 }), execution_id: 'other' } as LifecycleEvent);
    expect(run().events).toHaveLength(0);
  });

  it('opens a human-input request and closes it when answered or when the node completes', () => {
    run().apply(ev({ type: 'node_started', node_id: 'approve', node_type: 'human_input', attempt: 1 }));
    run().apply(ev({ type: 'user_input_required', node_id: 'approve', request_id: 'r1', prompt: 'OK?', input_schema: { type: 'object' }, timeout_seconds: 60 }));
    expect(run().nodes.approve?.status).toBe('waiting');
    expect(run().inputRequests.map((r) => r.request_id)).toEqual(['r1']);
    run().answered('r1');
    expect(run().inputRequests).toEqual([]);
    run().apply(ev({ type: 'user_input_required', node_id: 'approve', request_id: 'r2', prompt: 'OK?', input_schema: { type: 'object' }, timeout_seconds: 60 }));
    run().apply(ev({ type: 'node_completed', node_id: 'approve', node_type: 'human_input', output: { approved: true }, duration_ms: 9, attempts: 1 }));
    expect(run().inputRequests).toEqual([]);
  });

  it('shows a pause and the resume that follows it', () => {
    run().apply(ev({ type: 'node_started', node_id: 'a', node_type: 'code', attempt: 1 }));
    run().apply(ev({ type: 'execution_paused', reason: 'paused by developer', node_id: 'a' }));
    expect(run().status).toBe('PAUSED');
    expect(run().nodes.a?.status).toBe('paused');
    run().apply(ev({ type: 'node_started', node_id: 'a', node_type: 'code', attempt: 1 }));
    expect(run().status).toBe('RUNNING');
  });

  it('marks nodes cut short by a stop as failed', () => {
    run().apply(ev({ type: 'node_started', node_id: 'a', node_type: 'wait', attempt: 1 }));
    run().apply(ev({ type: 'execution_completed', status: 'ABORTED', duration_ms: 10, error: { name: 'Stepflow.Stopped', message: 'stopped' } }));
    expect(run().nodes.a?.status).toBe('failed');
    expect(run().error?.name).toBe('Stepflow.Stopped');
  });
});
