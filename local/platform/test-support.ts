/**
 * Test support for the local platform: a REST caller with a development token, and a real
 * WebSocket client (the `ws` package) that records every frame.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import type { LifecycleEvent } from '@shared/events';
import type { WsServerMessage } from '@shared/ws';
import type { Platform } from './index';

const root = path.resolve(__dirname, '../..');

export function example(name: string): { workflow: Record<string, unknown>; input: Record<string, unknown> } {
  const workflow = JSON.parse(readFileSync(path.join(root, 'examples', `${name}.json`), 'utf8')) as Record<string, unknown>;
  let input: Record<string, unknown> = {};
  try {
    input = JSON.parse(readFileSync(path.join(root, 'examples', 'inputs', `${name}.json`), 'utf8')) as Record<string, unknown>;
  } catch {
    // no sample input
  }
  return { workflow, input };
}

export interface Api {
  call<T = unknown>(method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** Creates (or replaces) and publishes a workflow; gives its id. */
  publish(id: string, workflow: Record<string, unknown>): Promise<string>;
  /** Starts a run of the latest version; gives the execution id. */
  execute(id: string, input: Record<string, unknown>): Promise<string>;
}

export function api(platform: Platform, token: string): Api {
  const call = async <T>(method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${platform.apiUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    call,
    async publish(id, workflow) {
      const created = await call('POST', '/workflows', { id, workflow: { ...workflow, metadata: { ...(workflow.metadata as object), id } } });
      if (created.status !== 201) throw new Error(`create ${id}: ${created.status} ${JSON.stringify(created.body)}`);
      const published = await call('POST', `/workflows/${id}/publish`, {});
      if (published.status >= 300) throw new Error(`publish ${id}: ${published.status} ${JSON.stringify(published.body)}`);
      return id;
    },
    async execute(id, input) {
      const res = await call<{ executionId: string }>('POST', `/workflows/${id}/execute`, { input });
      if (res.status !== 202 && res.status !== 200) throw new Error(`execute ${id}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.executionId;
    },
  };
}

/** A WebSocket client that keeps every message it receives. */
export class WsClient {
  readonly messages: WsServerMessage[] = [];
  private waiters: Array<{ test: (m: WsServerMessage) => boolean; resolve: (m: WsServerMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const m = JSON.parse(String(data)) as WsServerMessage;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(m)) return true;
        clearTimeout(w.timer);
        w.resolve(m);
        return false;
      });
    });
  }

  static connect(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next (or an already received) message passing `test`. */
  waitFor(test: (m: WsServerMessage) => boolean, timeoutMs = 20_000, includeSeen = true): Promise<WsServerMessage> {
    if (includeSeen) {
      const seen = this.messages.find(test);
      if (seen) return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(', ')}`)), timeoutMs);
      this.waiters.push({ test, resolve, reject, timer });
    });
  }

  /** Lifecycle events of one execution, in the order received. */
  events(executionId: string): LifecycleEvent[] {
    return this.messages.filter((m): m is LifecycleEvent => 'execution_id' in m && 'event_id' in m && m.execution_id === executionId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

/** Asserts seqs 1..n with no gap and no duplicate; gives n. */
export function contiguous(events: readonly LifecycleEvent[], from = 1): number {
  events.forEach((e, i) => {
    if (e.seq !== from + i) throw new Error(`expected seq ${from + i} at position ${i}, got ${String(e.seq)} (${events.map((x) => x.seq).join(',')})`);
  });
  return events.length;
}
