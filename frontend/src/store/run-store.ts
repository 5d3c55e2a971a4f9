/**
 * The run being watched: its lifecycle events (once each, in order), what they say about each
 * node (status, attempts, duration, output, tokens and cost), logs, open human-input requests,
 * and the connection's state. Fed by {@link RunSocket}; the canvas colours nodes from it.
 */
import { create } from 'zustand';
import type { EventOfType, LifecycleEvent, Usage } from '@shared/events';
import type { NodeType } from '@shared/workflow';
import type { ConnectionState } from '../api/run-socket';
import type { ExecutionRecord, ExecutionStatus } from '../api/types';

export type NodeRunStatus = 'running' | 'succeeded' | 'failed' | 'retrying' | 'waiting' | 'paused';

export interface NodeRun {
  nodeId: string;
  nodeType: NodeType;
  status: NodeRunStatus;
  attempts: number;
  /** Times the node finished (loop bodies run many times). */
  runs: number;
  startedAt?: string;
  durationMs?: number;
  input?: unknown;
  output?: unknown;
  error?: { name: string; message: string };
  usage?: Usage;
  model?: string;
  simulated?: boolean;
}

export type InputRequest = EventOfType<'user_input_required'>;
export type LogEntry = EventOfType<'log'>;

export interface RunState {
  executionId?: string;
  workflowId?: string;
  version?: number;
  status?: ExecutionStatus;
  pauseRequested: boolean;
  events: LifecycleEvent[];
  nodes: Record<string, NodeRun>;
  logs: LogEntry[];
  inputRequests: InputRequest[];
  input?: unknown;
  output?: unknown;
  error?: { name: string; message: string };
  durationMs?: number;
  usage?: Usage;
  connection: ConnectionState;
  /** The highest seq applied. */
  lastSeq: number;

  /** Starts watching an execution (clears the previous one unless it is the same). */
  watch(record: Pick<ExecutionRecord, 'executionId' | 'workflowId' | 'version' | 'status'> & Partial<ExecutionRecord>): void;
  /** Applies what the REST API says about the execution (status, pause flag, open requests). */
  updateRecord(record: ExecutionRecord): void;
  apply(event: LifecycleEvent): void;
  /** Removes an answered request from the open ones. */
  answered(requestId: string): void;
  setConnection(state: ConnectionState): void;
  clear(): void;
}

const FINAL = new Set<ExecutionStatus>(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']);
const seen = new Set<string>();

const empty = {
  executionId: undefined,
  workflowId: undefined,
  version: undefined,
  status: undefined,
  pauseRequested: false,
  events: [] as LifecycleEvent[],
  nodes: {} as Record<string, NodeRun>,
  logs: [] as LogEntry[],
  inputRequests: [] as InputRequest[],
  input: undefined,
  output: undefined,
  error: undefined,
  durationMs: undefined,
  usage: undefined,
  lastSeq: 0,
};

/** True once the execution has ended. */
export const isFinal = (s: ExecutionStatus | undefined) => s !== undefined && FINAL.has(s);

export const useRunStore = create<RunState>()((set, get) => ({
  ...empty,
  connection: 'idle',

  watch(record) {
    if (get().executionId !== record.executionId) {
      seen.clear();
      set({ ...empty });
    }
    set({
      executionId: record.executionId,
      workflowId: record.workflowId,
      version: record.version,
      status: record.status,
      pauseRequested: record.pauseRequested ?? false,
      ...(record.input !== undefined ? { input: record.input } : {}),
    });
  },
  updateRecord(record) {
    if (record.executionId !== get().executionId) return;
    set((s) => ({
      // Events are the finer truth while live; the record wins once it has ended.
      status: isFinal(s.status) ? s.status : record.status,
      pauseRequested: record.pauseRequested,
      ...(record.output !== undefined && s.output === undefined ? { output: record.output } : {}),
      ...(record.error && !s.error ? { error: record.error } : {}),
    }));
  },
  apply(event) {
    if (event.execution_id !== get().executionId) return;
    if (seen.has(event.event_id)) return;
    seen.add(event.event_id);
    set((s) => {
      const events = [...s.events, event];
      const lastSeq = Math.max(s.lastSeq, event.seq ?? 0);
      const node = (id: string, type: NodeType): NodeRun => s.nodes[id] ?? { nodeId: id, nodeType: type, status: 'running', attempts: 0, runs: 0 };
      switch (event.type) {
        case 'execution_started':
          return { events, lastSeq, status: isFinal(s.status) ? s.status : 'RUNNING', ...(event.input !== undefined ? { input: event.input } : {}) };
        case 'node_started': {
          const prev = node(event.node_id, event.node_type);
          const input = (event as { input?: unknown }).input;
          const next: NodeRun = { ...prev, status: 'running', attempts: event.attempt, startedAt: event.timestamp, ...(input !== undefined ? { input } : {}) };
          return { events, lastSeq, nodes: { ...s.nodes, [event.node_id]: next }, ...(s.status === 'PAUSED' ? { status: 'RUNNING' as const, pauseRequested: false } : {}) };
        }
        case 'node_completed': {
          const prev = node(event.node_id, event.node_type);
          const next: NodeRun = {
            ...prev,
            status: 'succeeded',
            attempts: event.attempts,
            runs: prev.runs + 1,
            durationMs: event.duration_ms,
            output: event.output,
            ...(event.usage ? { usage: event.usage } : {}),
            ...(event.model ? { model: event.model } : {}),
            ...(event.simulated !== undefined ? { simulated: event.simulated } : {}),
          };
          delete next.error;
          return { events, lastSeq, nodes: { ...s.nodes, [event.node_id]: next }, inputRequests: s.inputRequests.filter((r) => r.node_id !== event.node_id) };
        }
        case 'node_failed': {
          const prev = node(event.node_id, event.node_type);
          const next: NodeRun = { ...prev, status: event.retryable ? 'retrying' : 'failed', attempts: event.attempt, durationMs: event.duration_ms, error: event.error };
          return { events, lastSeq, nodes: { ...s.nodes, [event.node_id]: next } };
        }
        case 'execution_completed': {
          // Nodes still shown as running were cut short (a stop, a timeout).
          const nodes = Object.fromEntries(Object.entries(s.nodes).map(([id, n]) => [id, n.status === 'running' || n.status === 'waiting' || n.status === 'paused' ? { ...n, status: event.status === 'SUCCEEDED' ? n.status : ('failed' as const) } : n]));
          return {
            events,
            lastSeq,
            nodes,
            status: event.status,
            durationMs: event.duration_ms,
            inputRequests: [],
            pauseRequested: false,
            ...(event.result !== undefined ? { output: event.result } : {}),
            ...(event.error ? { error: event.error } : {}),
            ...(event.usage ? { usage: event.usage } : {}),
          };
        }
        case 'execution_paused': {
          const nodes = event.node_id && s.nodes[event.node_id] ? { ...s.nodes, [event.node_id]: { ...(s.nodes[event.node_id] as NodeRun), status: 'paused' as const } } : s.nodes;
          return { events, lastSeq, nodes, status: isFinal(s.status) ? s.status : 'PAUSED' };
        }
        case 'log':
          return { events, lastSeq, logs: [...s.logs, event] };
        case 'user_input_required': {
          const prev = s.nodes[event.node_id] ?? { nodeId: event.node_id, nodeType: 'human_input' as NodeType, status: 'waiting' as const, attempts: 1, runs: 0 };
          return {
            events,
            lastSeq,
            nodes: { ...s.nodes, [event.node_id]: { ...prev, status: 'waiting' } },
            inputRequests: [...s.inputRequests.filter((r) => r.request_id !== event.request_id), event],
          };
        }
        default:
          return { events, lastSeq };
      }
    });
  },
  answered(requestId) {
    set((s) => ({ inputRequests: s.inputRequests.filter((r) => r.request_id !== requestId) }));
  },
  setConnection(connection) {
    set({ connection });
  },
  clear() {
    seen.clear();
    set({ ...empty });
  },
}));
