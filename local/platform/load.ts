/**
 * A load scenario for the live event path, shared by the load test and bench/events: N runs of
 * a 10-node workflow started at once, each watched by its own WebSocket client, on the local
 * platform. Reports what every client received and the event-to-client latency (the time from
 * the engine stamping an event to the client's `message` callback).
 */
import type { LifecycleEvent } from '@shared/events';
import type { Platform } from './index';
import { api, WsClient } from './test-support';

/**
 * Ten nodes: start -> 8 JSONata transforms (each a runtime invocation) -> end; or, with
 * `wait`, start -> a 1 s wait -> 7 transforms -> end, so that runs started together also leave
 * their wait together (the hardest burst for the event path: every run's next events at once).
 */
export function tenNodeWorkflow(id: string, options: { wait?: boolean } = {}): Record<string, unknown> {
  const count = options.wait ? 7 : 8;
  const steps = Array.from({ length: count }, (_, i) => ({
    id: `step${i + 1}`,
    type: 'transform',
    position: { x: 0, y: 100 * (i + 2) },
    config: { mode: 'jsonata', expression: `n + ${i + 1}`, inputs: { n: i === 0 ? '{{input.n}}' : `{{nodes.step${i}.output}}` } },
  }));
  const first = options.wait ? [{ id: 'settle', type: 'wait', position: { x: 0, y: 100 }, config: { mode: 'duration', seconds: 1 } }] : [];
  const ids = ['start', ...first.map((n) => n.id), ...steps.map((s) => s.id), 'end'];
  return {
    schemaVersion: 1,
    metadata: { id, name: 'ten nodes' },
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, config: { inputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } } },
      ...first,
      ...steps,
      { id: 'end', type: 'end', position: { x: 0, y: 1100 }, config: { output: { total: `{{nodes.step${count}.output}}` } } },
    ],
    edges: ids.slice(1).map((target, i) => ({ id: `e${i}`, source: ids[i], target })),
  };
}

export interface LoadResult {
  readonly runs: number;
  readonly wallMs: number;
  /** Per run: the events its client received, in order. */
  readonly received: ReadonlyArray<{ executionId: string; events: LifecycleEvent[]; stored: number }>;
  /** Event-to-client latencies, ms. */
  readonly latencies: number[];
}

/**
 * @example
 * ```ts
 * const r = await runLoad(platform, 100);
 * ```
 */
export async function runLoad(platform: Platform, runs: number, workflowId = 'load-ten', options: { wait?: boolean } = {}): Promise<LoadResult> {
  const token = await platform.devToken();
  const client = api(platform, token);
  const existing = await client.call('GET', `/workflows/${workflowId}`);
  if (existing.status === 404) await client.publish(workflowId, tenNodeWorkflow(workflowId, options));
  const clients = await Promise.all(Array.from({ length: runs }, () => WsClient.connect(`${platform.wsUrl}?token=${token}`)));
  const latencies: number[] = [];
  // Live events only: the backlog a subscribe catches up on is old by design.
  for (const c of clients) {
    let live = false;
    c.socket.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; timestamp?: string; event_id?: string };
      if (m.type === 'subscribed') live = true;
      else if (live && m.event_id && m.timestamp) latencies.push(Date.now() - Date.parse(m.timestamp));
    });
  }
  const t0 = Date.now();
  // Each client subscribes as soon as its run has started, as a person watching would.
  const executionIds = await Promise.all(
    clients.map(async (c, i) => {
      const executionId = await client.execute(workflowId, { n: i });
      c.send({ type: 'subscribe', execution_id: executionId });
      return executionId;
    }),
  );
  await Promise.all(clients.map((c, i) => c.waitFor((m) => m.type === 'execution_completed' && m.execution_id === executionIds[i], 300_000)));
  const wallMs = Date.now() - t0;
  await Promise.all(clients.map((c) => c.waitFor((m) => m.type === 'subscribed', 60_000)));
  await platform.settle();
  const received = await Promise.all(
    clients.map(async (c, i) => {
      const executionId = executionIds[i] as string;
      const stored = (await platform.parts.eventLog.read('local', executionId, { afterSeq: 0, limit: 200 })).items.length;
      return { executionId, events: c.events(executionId), stored };
    }),
  );
  await Promise.all(clients.map((c) => c.close()));
  return { runs, wallMs, received, latencies };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
