/**
 * bench/events: the live event path on the local platform under load. N runs (default 100) of
 * a 10-node workflow start at once, each watched by its own WebSocket client that subscribes as
 * soon as its run has started (transforms only, and with a 1 s wait first that every run leaves
 * at the same moment); prints the
 * event-to-client latency of live events (engine stamp -> client `message`, p50/p95/p99/max),
 * runs and events per second, and whether anything was lost, duplicated or out of order; for
 * the platform as `npm start` runs it (1, 10 and N runs), then N runs with dynalite as the
 * DynamoDB, without flow control and with the fan-out on the main thread, to show what each buys.
 * Target: p99 at most 25 ms; nothing lost.
 *
 *   npm run bench:events                          # 100 runs
 *   BENCH_RUNS=10 npm run bench:events
 *   BENCH_BACKLOG=64,8 npm run bench:events       # other flow-control limits (all, per execution)
 */
import { cpus } from 'node:os';
import { startPlatform, type PlatformOptions } from '../local/platform';
import { percentile, runLoad } from '../local/platform/load';

interface Setup {
  readonly label: string;
  readonly options: PlatformOptions;
}

interface Scenario {
  readonly runs: number;
  /** The workflow with a 1 s wait first (every run leaves it at once), or transforms only. */
  readonly wait: boolean;
}

/** The issue's target, for the platform as npm start runs it under the full load (transforms). */
const TARGET_P99_MS = 25;

async function measure(setup: Setup, scenarios: readonly Scenario[], verdictFor?: number): Promise<void> {
  const platform = await startPlatform({ memory: true, ...setup.options });
  try {
    // A warm-up run, so module loading and the first compile are not measured.
    await runLoad(platform, 1, 'warm-up');
    console.log(`${setup.label}:`);
    for (const { runs: n, wait } of scenarios) {
      const r = await runLoad(platform, n, `bench-${n}-${wait ? 'wait' : 'transforms'}`, { wait });
      const events = r.received.reduce((sum, x) => sum + x.events.length, 0);
      let problems = 0;
      for (const x of r.received) {
        const ok = x.events.length === x.stored && x.events.every((e, i) => e.seq === i + 1) && new Set(x.events.map((e) => e.event_id)).size === x.events.length;
        if (!ok) problems += 1;
      }
      const ms = (p: number) => `${percentile(r.latencies, p).toFixed(0)} ms`;
      console.log(
        [
          `  ${n} concurrent run(s) of ${wait ? 'start, a 1 s wait, 7 transforms, end' : 'start, 8 transforms, end'}; ${n} client(s):`,
          `    ${((n * 1000) / r.wallMs).toFixed(1)} runs/s, ${((events * 1000) / r.wallMs).toFixed(0)} events/s (${events} events in ${(r.wallMs / 1000).toFixed(1)} s)`,
          r.latencies.length === 0
            ? `    live latency: none to measure (every run had ended before its client's subscription caught up; all ${events} events came as catch-up)`
            : `    live latency (${r.latencies.length} of ${events} events; the rest came as catch-up): p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}, max ${ms(100)}`,
          `    lost, duplicated or out of order: ${problems === 0 ? 'none' : `${problems} run(s)`}`,
          ...(verdictFor === n && !wait
            ? [`    target (p99 at most ${TARGET_P99_MS} ms, nothing lost): ${percentile(r.latencies, 99) <= TARGET_P99_MS && problems === 0 ? 'met' : 'NOT met'}`]
            : []),
        ].join('\n'),
      );
    }
  } finally {
    await platform.close();
  }
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 100);
  const [limit, perExecution] = (process.env.BENCH_BACKLOG ?? '1,1').split(',').map(Number) as [number, number];
  const setups: Setup[] = [
    { label: `the local platform as npm start runs it (fan-out thread; flow control: ${limit} events in flight, ${perExecution} per execution)`, options: { eventBacklog: { limit, perExecution } } },
    { label: 'with dynalite as the DynamoDB (as before local/dynamodb)', options: { eventBacklog: { limit, perExecution }, dynamo: 'dynalite' } },
    { label: 'without flow control (the engine runs ahead of the fan-out)', options: { eventBacklog: { limit: Infinity } } },
    { label: 'fan-out on the main thread, no flow control', options: { fanOut: 'inline', eventBacklog: { limit: Infinity } } },
  ];
  const all: Scenario[] = [
    { runs: 1, wait: false },
    { runs: 10, wait: false },
    { runs, wait: false },
    { runs, wait: true },
  ];
  for (const [i, setup] of setups.entries()) await measure(setup, i === 0 ? all : i === 1 ? all.slice(2, 3) : all.slice(2), i === 0 ? runs : undefined);
  console.log(`(Node ${process.versions.node}, ${cpus().length} cores; the engine, API, gateway and the clients share the main thread; DynamoDB (local/dynamodb) and the fan-out have a thread each)`);
}

void main();
