/**
 * The live connection: subscribes to executions, delivers their lifecycle events in `seq` order
 * exactly once, and after a dropped connection reconnects (with backoff) and re-subscribes from
 * the last seq it delivered, so nothing is lost and nothing is shown twice.
 */
import type { LifecycleEvent } from '@shared/events';
import { isLifecycleEvent, type ClientMessage, type ReplyMessage, type ServerMessage } from './ws-messages';

/** The part of the browser WebSocket this client uses (a test can pass its own). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RunSocketOptions {
  /** The URL to connect to (with its token), asked again on every reconnect. */
  url: () => Promise<string>;
  onEvent: (event: LifecycleEvent) => void;
  onState?: (state: ConnectionState) => void;
  onError?: (message: string, executionId?: string) => void;
  onSubscribed?: (executionId: string, lastSeq: number) => void;
  create?: (url: string) => SocketLike;
  /** Delays before reconnect attempts; the last one repeats. */
  reconnectDelaysMs?: readonly number[];
  /** Keep-alive ping interval (API Gateway drops idle connections after 10 minutes). */
  pingIntervalMs?: number;
  /** How long an answer sent over the socket may wait for `input_accepted`. */
  replyTimeoutMs?: number;
}

const OPEN = 1;

/**
 * @example
 * ```ts
 * const socket = new RunSocket({ url: async () => `${wsUrl}?token=${await token()}`, onEvent: (e) => run.apply(e) });
 * socket.subscribe(executionId);
 * ```
 */
export class RunSocket {
  private ws: SocketLike | undefined;
  private readonly lastSeq = new Map<string, number>();
  private readonly subscriptions = new Set<string>();
  /** Executions with a re-subscribe in flight after a gap (one at a time). */
  private readonly resyncing = new Set<string>();
  private readonly pending = new Map<string, { resolve: (m: ReplyMessage) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private attempt = 0;
  private nextId = 0;
  private stopped = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  state: ConnectionState = 'idle';

  constructor(private readonly opts: RunSocketOptions) {}

  /** The last seq delivered for an execution (0 before any). */
  seqOf(executionId: string): number {
    return this.lastSeq.get(executionId) ?? 0;
  }

  /** Follows an execution; events after `afterSeq` (default: the last delivered) are sent. */
  subscribe(executionId: string, afterSeq?: number): void {
    if (afterSeq !== undefined) this.lastSeq.set(executionId, afterSeq);
    this.subscriptions.add(executionId);
    if (this.ws?.readyState === OPEN) this.sendSubscribe(executionId);
    else this.ensureConnected();
  }

  unsubscribe(executionId: string): void {
    this.subscriptions.delete(executionId);
    if (this.ws?.readyState === OPEN) this.send({ type: 'unsubscribe', execution_id: executionId });
  }

  /** Answers a human-input request over the socket; resolves on `input_accepted`. */
  sendInput(executionId: string, target: { nodeId?: string; requestId?: string }, data: unknown): Promise<ReplyMessage> {
    if (this.ws?.readyState !== OPEN) return Promise.reject(new Error('not connected'));
    const id = `m${++this.nextId}`;
    const reply = new Promise<ReplyMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('no answer from the server'));
      }, this.opts.replyTimeoutMs ?? 10_000);
      this.pending.set(id, { resolve, reject, timer });
    });
    this.send({ id, type: 'send_input', execution_id: executionId, ...(target.requestId ? { request_id: target.requestId } : {}), ...(target.nodeId ? { node_id: target.nodeId } : {}), data });
    return reply;
  }

  /** Drops the current connection as a network failure would (it reconnects and resumes). */
  drop(): void {
    this.ws?.close(4000, 'dropped');
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('closed'));
    }
    this.pending.clear();
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.onclose = null;
      ws.close();
    }
    this.setState('closed');
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    this.opts.onState?.(s);
  }

  private ensureConnected(): void {
    if (this.stopped || this.ws || this.reconnectTimer) return;
    void this.connect();
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let url: string;
    try {
      url = await this.opts.url();
    } catch (err) {
      this.opts.onError?.(`cannot connect: ${(err as Error).message}`);
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    const ws = (this.opts.create ?? ((u: string) => new WebSocket(u) as unknown as SocketLike))(url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.resyncing.clear();
      this.setState('open');
      for (const id of this.subscriptions) this.sendSubscribe(id);
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: 'ping' }), this.opts.pingIntervalMs ?? 300_000);
    };
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onerror = () => undefined;
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      clearInterval(this.pingTimer);
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new Error('connection lost'));
        this.pending.delete(id);
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delays = this.opts.reconnectDelaysMs ?? [250, 500, 1000, 2000, 5000];
    const delay = delays[Math.min(this.attempt, delays.length - 1)] ?? 1000;
    this.attempt += 1;
    this.setState('reconnecting');
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  private send(m: ClientMessage): void {
    if (this.ws?.readyState === OPEN) this.ws.send(JSON.stringify(m));
  }

  private sendSubscribe(executionId: string): void {
    this.send({ type: 'subscribe', execution_id: executionId, after_seq: this.seqOf(executionId) });
  }

  private receive(data: unknown): void {
    let m: ServerMessage;
    try {
      m = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerMessage;
    } catch {
      return;
    }
    if (isLifecycleEvent(m)) {
      const id = m.execution_id;
      if (!this.subscriptions.has(id)) return;
      if (m.seq !== undefined) {
        const last = this.seqOf(id);
        if (m.seq <= last) return; // already delivered (a replay overlapping what we saw)
        if (m.seq > last + 1) {
          // A gap: ask again from what we have; the server replays in order.
          if (!this.resyncing.has(id)) {
            this.resyncing.add(id);
            this.sendSubscribe(id);
          }
          return;
        }
        this.lastSeq.set(id, m.seq);
      }
      this.opts.onEvent(m);
      return;
    }
    const reply = m;
    if (reply.id !== undefined && this.pending.has(reply.id)) {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (p) {
        clearTimeout(p.timer);
        if (reply.type === 'error') p.reject(new Error(reply.message));
        else p.resolve(reply);
      }
      return;
    }
    if (reply.type === 'subscribed') {
      this.resyncing.delete(reply.execution_id);
      this.opts.onSubscribed?.(reply.execution_id, reply.last_seq);
    }
    else if (reply.type === 'error') this.opts.onError?.(`${reply.code}: ${reply.message}`);
  }
}
