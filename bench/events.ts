/**
 * bench/events: the live event path on the local platform under load. N runs (default 100) of
 * a 10-node workflow start at once, each watched by its own WebSocket client; prints the
 * event-to-client latency of live events (engine stamp -> client `message`, p50/p95/p99/max),
 * runs and events per second, and whether anything was lost, duplicated or out of order.
 * Target: p99 at most 25 ms; nothing lost.
 *
 *   npm run bench:events            # 100 runs
 *   BENCH_RUNS=10 npm run bench:events
 */
import { startPlatform } from '../local/platform';
import { percentile, runLoad } from '../local/platform/load';

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 100);
  const platform = await startPlatform({ memory: true });
  try {
    // A warm-up run, so module loading and the first compile are not measured.
    await runLoad(platform, 1, 'warm-up');
    for (const n of [1, runs]) {
      const r = await runLoad(platform, n, `bench-${n}`);
      const events = r.received.reduce((sum, x) => sum + x.events.length, 0);
      let problems = 0;
      for (const x of r.received) {
        const ok = x.events.length === x.stored && x.events.every((e, i) => e.seq === i + 1) && new Set(x.events.map((e) => e.event_id)).size === x.events.length;
        if (!ok) problems += 1;
      }
      const ms = (p: number) => `${percentile(r.latencies, p).toFixed(1)} ms`;
      console.log(
        [
          `${n} concurrent run(s) of a 10-node workflow, ${n} WebSocket client(s):`,
          `  wall ${(r.wallMs / 1000).toFixed(2)} s  ->  ${((n * 1000) / r.wallMs).toFixed(1)} runs/s, ${((events * 1000) / r.wallMs).toFixed(0)} events/s delivered (${events} events)`,
          `  live event latency (${r.latencies.length} events): p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}, max ${ms(100)}`,
          `  lost, duplicated or out of order: ${problems === 0 ? 'none' : `${problems} run(s)`}`,
        ].join('\n'),
      );
    }
    console.log(`(Node ${process.versions.node}, ${require('node:os').cpus().length} cores; engine, dynalite, fan-out, gateway and clients share one process)`);
  } finally {
    await platform.close();
  }
}

void main();
