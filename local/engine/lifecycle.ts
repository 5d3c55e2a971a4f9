/**
 * Turns the ASL interpreter's event log into Stepflow lifecycle events: node_started,
 * node_completed and node_failed (with durations and attempts) for the states that stand for
 * nodes, and execution_completed at the end.
 */
import type { LifecycleEvent, ExecutionStatus, Usage } from '@shared/events';
import { ErrorNames } from '@shared/errors';
import type { StateMeta } from '../../statemachines/src';
import type { StateMachineDefinition } from '../../statemachines/src';

/** The interpreter's events, as far as they matter here. */
export interface InterpreterEvent {
  type: string;
  timestamp: number;
  index?: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  Error?: string;
  Cause?: unknown;
  retry?: { retrier: unknown; attempt: number };
}

type Retrier = { ErrorEquals: string[]; MaxAttempts?: number };
type Emit = (event: DistributiveOmit<LifecycleEvent, 'event_id' | 'execution_id'>) => void;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface Instance {
  enteredAt: number;
  attempt: number;
  /** Failures so far per retrier index (to tell whether a failure will be retried). */
  retrierCounts: number[];
}

const iso = (ms: number) => new Date(ms).toISOString();

function causeMessage(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  try {
    return JSON.stringify(cause) ?? String(cause);
  } catch {
    return String(cause);
  }
}

function matches(retrier: Retrier, error: string): boolean {
  if (retrier.ErrorEquals.includes(error)) return true;
  if (error === 'States.Runtime') return false;
  if (retrier.ErrorEquals.includes('States.ALL')) return true;
  return retrier.ErrorEquals.includes('States.TaskFailed') && error !== 'States.Timeout' && !error.startsWith('States.');
}

/** Finds a state (at any depth) by name. */
export function findState(asl: StateMachineDefinition, name: string): Record<string, unknown> | undefined {
  const stack: Array<Record<string, unknown>> = [asl.States as unknown as Record<string, unknown>];
  while (stack.length > 0) {
    const states = stack.pop() as Record<string, Record<string, unknown>>;
    if (name in states) return states[name];
    for (const s of Object.values(states)) {
      if (Array.isArray(s.Branches)) for (const b of s.Branches as Array<{ States: Record<string, unknown> }>) stack.push(b.States);
      const proc = s.ItemProcessor as { States?: Record<string, unknown> } | undefined;
      if (proc?.States) stack.push(proc.States);
    }
  }
  return undefined;
}

export class LifecycleTranslator {
  private readonly instances = new Map<string, Instance[]>();
  /** Usage and model runtimes reported, per state, waiting for that state's node_completed. */
  private readonly reportedByState = new Map<string, Array<{ usage?: Usage; model?: { label: string; simulated: boolean }; output?: unknown }>>();
  private readonly total: Usage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0 };
  private usageSeen = false;
  /** How many times each state has been entered or retried (a barrier for the engine). */
  private readonly reachedCount = new Map<string, number>();
  private readonly reachWaiters = new Map<string, Array<{ n: number; resolve: () => void }>>();
  private readonly retriers = new Map<string, Retrier[]>();
  private readonly startedAt: number;
  /**
   * While loops, by the name of their check state. A while loop's own state only starts it (its
   * body follows inline), so the loop completes when its check leaves for the "done" target.
   */
  private readonly whileChecks = new Map<string, { loopState: string; bodyEntry: string; doneTarget: string }>();
  /** Checks that just ran, by `<done target>|<map index>`: entering the target ends that loop. */
  private readonly pendingChecks = new Map<string, { loopState: string; bodyEntry: string; output: unknown; timestamp: number }>();

  constructor(
    private readonly asl: StateMachineDefinition,
    private readonly meta: Readonly<Record<string, StateMeta>>,
    private readonly emit: Emit,
    startedAt: number,
  ) {
    this.startedAt = startedAt;
    for (const [name, m] of Object.entries(meta)) {
      if (m.role !== 'loop_check') continue;
      const check = findState(asl, name) as { Choices?: Array<{ Next?: string }>; Default?: string } | undefined;
      const bodyEntry = check?.Choices?.[0]?.Next;
      if (bodyEntry !== undefined && check?.Default !== undefined) this.whileChecks.set(name, { loopState: m.nodeId, bodyEntry, doneTarget: check.Default });
    }
  }

  private retriersOf(name: string): Retrier[] {
    let r = this.retriers.get(name);
    if (!r) {
      r = ((findState(this.asl, name)?.Retry as Retrier[] | undefined) ?? []).map((x) => ({ ...x }));
      this.retriers.set(name, r);
    }
    return r;
  }

  private key(e: InterpreterEvent): string {
    return `${e.state?.name ?? ''}|${e.index ?? ''}`;
  }

  /** Records the usage and model a runtime reported for a state; they ride on that node's completion event. */
  recordResult(stateName: string, reported: { usage?: Usage | undefined; model?: { label: string; simulated: boolean } | undefined; output?: unknown }): void {
    const list = this.reportedByState.get(stateName) ?? [];
    list.push({ output: reported.output, ...(reported.usage ? { usage: reported.usage } : {}), ...(reported.model ? { model: reported.model } : {}) });
    this.reportedByState.set(stateName, list);
    const usage = reported.usage;
    if (!usage) return;
    this.usageSeen = true;
    this.total.input_tokens += usage.input_tokens;
    this.total.output_tokens += usage.output_tokens;
    this.total.cache_read_tokens += usage.cache_read_tokens;
    this.total.cache_write_tokens += usage.cache_write_tokens;
    this.total.cost_usd = Math.round((this.total.cost_usd + usage.cost_usd) * 1e8) / 1e8;
  }

  /** Resolves once state `name` has been entered or retried `n` times in the event log. */
  reached(name: string, n: number): Promise<void> {
    if ((this.reachedCount.get(name) ?? 0) >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.reachWaiters.get(name) ?? [];
      list.push({ n, resolve });
      this.reachWaiters.set(name, list);
    });
  }

  handle(e: InterpreterEvent): void {
    this.trackWhileLoops(e);
    this.translate(e);
    const name = e.state?.name;
    if (name !== undefined && (e.type === 'StateEntered' || e.type === 'StateRetried')) {
      const count = (this.reachedCount.get(name) ?? 0) + 1;
      this.reachedCount.set(name, count);
      const waiters = this.reachWaiters.get(name);
      if (waiters) {
        const ready = waiters.filter((w) => w.n <= count);
        this.reachWaiters.set(name, waiters.filter((w) => w.n > count));
        for (const w of ready) w.resolve();
      }
    }
  }

  /**
   * A while loop's check either re-enters the body or leaves for the done target; the state the
   * same scope enters next tells which (names are unique, Map iterations differ by index).
   */
  private trackWhileLoops(e: InterpreterEvent): void {
    const name = e.state?.name;
    if (name === undefined || !e.state) return;
    const index = e.index ?? '';
    const check = this.whileChecks.get(name);
    if (e.type === 'StateExited' && check) {
      this.pendingChecks.set(`${check.doneTarget}|${index}`, { loopState: check.loopState, bodyEntry: check.bodyEntry, output: e.state.output, timestamp: e.timestamp });
      return;
    }
    if (e.type !== 'StateEntered') return;
    for (const [key, pending] of this.pendingChecks) {
      if (pending.bodyEntry === name && key.endsWith(`|${index}`)) this.pendingChecks.delete(key); // another pass
    }
    const done = this.pendingChecks.get(`${name}|${index}`);
    if (!done) return;
    this.pendingChecks.delete(`${name}|${index}`);
    const m = this.meta[done.loopState];
    const inst = this.instances.get(`${done.loopState}|${index}`)?.shift();
    if (!m || !inst) return;
    this.emit({
      type: 'node_completed',
      node_id: m.nodeId,
      node_type: m.nodeType,
      ...(e.index === undefined ? {} : { iteration: [e.index] }),
      // The whole result, `{ iteration, output }`: how many passes ran and the last pass's output.
      output: (done.output as { nodes?: Record<string, unknown> } | null)?.nodes?.[m.nodeId] ?? null,
      duration_ms: Math.max(0, done.timestamp - inst.enteredAt),
      attempts: inst.attempt,
      timestamp: iso(done.timestamp),
    });
  }

  private translate(e: InterpreterEvent): void {
    const name = e.state?.name;
    const m = name === undefined ? undefined : this.meta[name];
    if (!m || m.role !== 'node' || !e.state) return;
    const iteration = e.index === undefined ? undefined : [e.index];
    const base = { node_id: m.nodeId, node_type: m.nodeType, ...(iteration ? { iteration } : {}) };
    const list = this.instances.get(this.key(e)) ?? [];
    this.instances.set(this.key(e), list);
    switch (e.type) {
      case 'StateEntered': {
        list.push({ enteredAt: e.timestamp, attempt: 1, retrierCounts: this.retriersOf(name as string).map(() => 0) });
        this.emit({ type: 'node_started', ...base, attempt: 1, timestamp: iso(e.timestamp) });
        return;
      }
      case 'StateRetried': {
        const inst = list[0];
        if (!inst) return;
        inst.attempt += 1;
        inst.enteredAt = e.timestamp;
        this.emit({ type: 'node_started', ...base, attempt: inst.attempt, timestamp: iso(e.timestamp) });
        return;
      }
      case 'StateFailed': {
        const inst = list[0];
        if (!inst) return;
        const error = e.Error ?? 'Error';
        if (error === ErrorNames.Paused) {
          list.shift();
          return;
        }
        const retriers = this.retriersOf(name as string);
        const idx = retriers.findIndex((r) => matches(r, error));
        let retryable = false;
        if (idx >= 0) {
          const max = retriers[idx]?.MaxAttempts ?? 3;
          const count = inst.retrierCounts[idx] ?? 0;
          retryable = count < max;
          inst.retrierCounts[idx] = count + 1;
        }
        this.emit({
          type: 'node_failed',
          ...base,
          error: { name: error, message: causeMessage(e.Cause) },
          retryable,
          attempt: inst.attempt,
          duration_ms: Math.max(0, e.timestamp - inst.enteredAt),
          timestamp: iso(e.timestamp),
        });
        if (!retryable) list.shift();
        return;
      }
      case 'StateExited': {
        // A while loop's own state only starts the loop: it completes after its last check.
        if (m.nodeType === 'loop' && [...this.whileChecks.values()].some((c) => c.loopState === name)) return;
        const inst = list.shift();
        if (!inst) return;
        const reported = m.runtime ? this.reportedByState.get(name as string)?.shift() : undefined;
        // A state that ends a for_each iteration outputs only the loop's output node result
        // (OutputPath): that is this node's output when it is the output node; a runtime-backed
        // node's output is also known from its runtime's response.
        const outputPath = findState(this.asl, name as string)?.OutputPath;
        const output =
          typeof outputPath === 'string'
            ? outputPath === `$.nodes.${m.nodeId}.output`
              ? (e.state.output ?? null)
              : reported && 'output' in reported
                ? reported.output
                : null
            : nodeOutput(e.state.output, m);
        this.emit({
          type: 'node_completed',
          ...base,
          output,
          ...(reported?.usage ? { usage: reported.usage } : {}),
          ...(reported?.model ? { model: reported.model.label, simulated: reported.model.simulated } : {}),
          duration_ms: Math.max(0, e.timestamp - inst.enteredAt),
          attempts: inst.attempt,
          timestamp: iso(e.timestamp),
        });
        return;
      }
      default:
        return;
    }
  }

  completed(status: ExecutionStatus, at: number, detail: { result?: unknown; error?: { name: string; message: string } }): void {
    this.emit({
      type: 'execution_completed',
      status,
      ...(detail.result === undefined ? {} : { result: detail.result }),
      ...(detail.error ? { error: detail.error } : {}),
      duration_ms: Math.max(0, at - this.startedAt),
      ...(this.usageSeen ? { usage: { ...this.total } } : {}),
      timestamp: iso(at),
    });
  }
}

function nodeOutput(stateOutput: unknown, m: StateMeta): unknown {
  if (m.nodeType === 'end') return stateOutput ?? null;
  const nodes = (stateOutput as { nodes?: Record<string, { output?: unknown }> } | null)?.nodes;
  const result = nodes?.[m.nodeId];
  if (result === undefined) return null;
  return result.output === undefined ? result : result.output;
}
