/**
 * The live per-node progress view of `stepflow run`. On a terminal it redraws a table of nodes
 * (status, attempts, duration) as events arrive; elsewhere (CI, pipes) it prints one line per
 * event.
 */
import type { LifecycleEvent } from '@shared/events';
import type { Workflow } from '@shared/workflow';

type Status = 'pending' | 'running' | 'succeeded' | 'failed' | 'retrying' | 'paused' | 'waiting';

interface Row {
  id: string;
  type: string;
  status: Status;
  attempts: number;
  durationMs?: number;
  runs: number;
  note?: string;
}

const ICON: Record<Status, string> = { pending: '·', running: '▶', succeeded: '✓', failed: '✗', retrying: '↻', paused: '⏸', waiting: '?' };
const COLOR: Record<Status, string> = { pending: '2', running: '36', succeeded: '32', failed: '31', retrying: '33', paused: '33', waiting: '35' };

export interface ProgressOutput {
  write(text: string): void;
  readonly isTTY: boolean;
}

export class ProgressView {
  private readonly rows = new Map<string, Row>();
  private drawnLines = 0;

  constructor(
    workflow: Workflow,
    private readonly out: ProgressOutput,
  ) {
    for (const n of workflow.nodes) {
      if (n.type === 'merge') continue;
      this.rows.set(n.id, { id: n.id, type: n.type, status: 'pending', attempts: 0, runs: 0 });
    }
  }

  handle(e: LifecycleEvent): void {
    const row = 'node_id' in e && e.node_id !== undefined ? this.rows.get(e.node_id) : undefined;
    switch (e.type) {
      case 'node_started':
        if (row) Object.assign(row, { status: 'running', attempts: e.attempt, note: undefined });
        this.line(`${ICON.running} ${e.node_id} (${e.node_type})${e.attempt > 1 ? ` attempt ${e.attempt}` : ''}${e.iteration ? ` [${e.iteration.join('.')}]` : ''} started`);
        break;
      case 'node_completed':
        if (row) Object.assign(row, { status: 'succeeded', durationMs: e.duration_ms, attempts: e.attempts, runs: row.runs + 1 });
        this.line(`${ICON.succeeded} ${e.node_id} ${Math.round(e.duration_ms)} ms${e.iteration ? ` [${e.iteration.join('.')}]` : ''}`);
        break;
      case 'node_failed':
        if (row) Object.assign(row, { status: e.retryable ? 'retrying' : 'failed', durationMs: e.duration_ms, note: `${e.error.name}: ${e.error.message}` });
        this.line(`${ICON.failed} ${e.node_id} ${e.error.name}: ${e.error.message}${e.retryable ? ' (will retry)' : ''}`);
        break;
      case 'execution_paused':
        if (row) row.status = 'paused';
        this.line(`${ICON.paused} paused: ${e.reason}`);
        break;
      case 'user_input_required':
        if (row) Object.assign(row, { status: 'waiting', note: e.prompt });
        this.line(`${ICON.waiting} ${e.node_id} asks: ${e.prompt}`);
        break;
      case 'log':
        this.line(`  ${e.node_id ?? ''} ${e.level}: ${e.message}`);
        break;
      case 'execution_completed':
        this.line(`${e.status === 'SUCCEEDED' ? ICON.succeeded : ICON.failed} execution ${e.status} in ${Math.round(e.duration_ms)} ms${e.error ? ` — ${e.error.name}: ${e.error.message}` : ''}`);
        break;
      default:
        break;
    }
    if (this.out.isTTY) this.draw();
  }

  /** The final table (also printed at the end on non-terminals). */
  table(color = this.out.isTTY): string {
    const paint = (s: Status, text: string) => (color ? `\u001b[${COLOR[s]}m${text}\u001b[0m` : text);
    const width = Math.max(4, ...[...this.rows.keys()].map((k) => k.length));
    const lines = [...this.rows.values()].map((r) => {
      const dur = r.durationMs === undefined ? '' : `${Math.round(r.durationMs)} ms`;
      const extra = [r.attempts > 1 ? `${r.attempts} attempts` : '', r.runs > 1 ? `${r.runs} runs` : '', r.note ?? ''].filter(Boolean).join(', ');
      return `${paint(r.status, `${ICON[r.status]} ${r.id.padEnd(width)}`)} ${r.type.padEnd(11)} ${dur.padStart(9)}  ${extra}`.trimEnd();
    });
    return lines.join('\n');
  }

  private line(text: string): void {
    if (!this.out.isTTY) this.out.write(`${text}\n`);
  }

  private draw(): void {
    const text = this.table(true);
    const clear = this.drawnLines > 0 ? `\u001b[${this.drawnLines}F\u001b[J` : '';
    this.out.write(`${clear}${text}\n`);
    this.drawnLines = text.split('\n').length;
  }
}
