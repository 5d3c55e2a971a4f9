/**
 * 100 concurrent runs of a 10-node workflow, each watched by its own WebSocket client, on the
 * local platform: nothing lost, nothing duplicated, per-execution order kept. The default
 * platform runs the fan-out on its own thread with flow control; the other arrangement (fan-out
 * on the main thread, no flow control) must keep the same guarantees.
 */
import { contiguous } from './test-support';
import { startPlatform, type Platform } from './index';
import { runLoad } from './load';

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform({ memory: true });
});
afterAll(() => platform.close());

function expectComplete(result: Awaited<ReturnType<typeof runLoad>>, runs: number): void {
  expect(result.received).toHaveLength(runs);
  expect(new Set(result.received.map((r) => r.executionId)).size).toBe(runs);
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
}

it('100 concurrent runs watched by 100 clients lose nothing, duplicate nothing and keep per-execution order', async () => {
  expectComplete(await runLoad(platform, 100, 'load-ten-wait', { wait: true }), 100);
}, 300_000);

it('keeps the same guarantees with the fan-out on the main thread and no flow control', async () => {
  const inline = await startPlatform({ memory: true, fanOut: 'inline', eventBacklog: { limit: Infinity } });
  try {
    expectComplete(await runLoad(inline, 20), 20);
  } finally {
    await inline.close();
  }
}, 300_000);
