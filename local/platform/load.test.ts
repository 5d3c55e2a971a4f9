/**
 * 100 concurrent runs of a 10-node workflow, each watched by its own WebSocket client, on the
 * local platform: nothing lost, nothing duplicated, per-execution order kept.
 */
import { contiguous } from './test-support';
import { startPlatform, type Platform } from './index';
import { runLoad } from './load';

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform({ memory: true });
});
afterAll(() => platform.close());

it('100 concurrent runs watched by 100 clients lose nothing, duplicate nothing and keep per-execution order', async () => {
  const result = await runLoad(platform, 100);
  expect(result.received).toHaveLength(100);
  expect(new Set(result.received.map((r) => r.executionId)).size).toBe(100);
  for (const r of result.received) {
    // Every event the log holds reached the client, numbered 1..n, once each, in order.
    expect(contiguous(r.events)).toBe(r.stored);
    expect(new Set(r.events.map((e) => e.event_id)).size).toBe(r.events.length);
    expect(r.events[0]?.type).toBe('execution_started');
    expect(r.events.at(-1)).toMatchObject({ type: 'execution_completed', status: 'SUCCEEDED' });
    // 10 nodes: each started and completed once.
    expect(r.events.filter((e) => e.type === 'node_started')).toHaveLength(10);
    expect(r.events.filter((e) => e.type === 'node_completed')).toHaveLength(10);
  }
}, 300_000);
