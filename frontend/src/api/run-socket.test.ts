/** @jest-environment jsdom */
import type { LifecycleEvent } from '@shared/events';
import { RunSocket, type SocketLike } from './run-socket';

/** A socket the test drives: it records what the client sends and plays the server's frames. */
class TestSocket implements SocketLike {
  readyState = 0;
  sent: Array<Record<string, unknown>> = [];
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
    this.onclose?.({});
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  push(m: unknown) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
}

const X = 'exec-1';
const event = (seq: number): LifecycleEvent => ({ type: 'log', event_id: `e${seq}`, execution_id: X, timestamp: new Date(0).toISOString(), seq, level: 'info', message: `m${seq}` });
const flush = () => new Promise((r) => setTimeout(r, 0));

function setup() {
  const sockets: TestSocket[] = [];
  const got: number[] = [];
  const client = new RunSocket({
    url: async () => `ws://x/?token=t${sockets.length}`,
    create: (u) => {
      const s = new TestSocket(u);
      sockets.push(s);
      return s;
    },
    onEvent: (e) => got.push(e.seq ?? -1),
    reconnectDelaysMs: [1],
    replyTimeoutMs: 200,
  });
  return { sockets, got, client };
}

describe('RunSocket', () => {
  it('subscribes from seq 0 and delivers events in order, once each', async () => {
    const { sockets, got, client } = setup();
    client.subscribe(X);
    await flush();
    sockets[0]?.open();
    expect(sockets[0]?.sent).toEqual([{ type: 'subscribe', execution_id: X, after_seq: 0 }]);
    for (const s of [1, 2, 2, 3, 1]) sockets[0]?.push(event(s));
    expect(got).toEqual([1, 2, 3]);
    expect(client.seqOf(X)).toBe(3);
    client.close();
  });

  it('asks again from the last seq when it sees a gap, and drops the early event', async () => {
    const { sockets, got, client } = setup();
    client.subscribe(X);
    await flush();
    sockets[0]?.open();
    sockets[0]?.push(event(1));
    sockets[0]?.push(event(3));
    sockets[0]?.push(event(4));
    expect(got).toEqual([1]);
    expect(sockets[0]?.sent.filter((m) => m.type === 'subscribe')).toEqual([
      { type: 'subscribe', execution_id: X, after_seq: 0 },
      { type: 'subscribe', execution_id: X, after_seq: 1 },
    ]);
    sockets[0]?.push(event(2));
    sockets[0]?.push(event(3));
    sockets[0]?.push({ type: 'subscribed', execution_id: X, last_seq: 3 });
    expect(got).toEqual([1, 2, 3]);
    client.close();
  });

  it('reconnects after a dropped connection and resumes after the last seq it delivered', async () => {
    const { sockets, got, client } = setup();
    client.subscribe(X);
    await flush();
    sockets[0]?.open();
    sockets[0]?.push(event(1));
    sockets[0]?.push(event(2));
    sockets[0]?.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(sockets).toHaveLength(2);
    expect(sockets[1]?.url).toBe('ws://x/?token=t1');
    sockets[1]?.open();
    expect(sockets[1]?.sent).toEqual([{ type: 'subscribe', execution_id: X, after_seq: 2 }]);
    sockets[1]?.push(event(2)); // the server's replay may overlap
    sockets[1]?.push(event(3));
    expect(got).toEqual([1, 2, 3]);
    client.close();
  });

  it('sends an answer and resolves when the server accepts it, rejects on an error reply', async () => {
    const { sockets, client } = setup();
    client.subscribe(X);
    await flush();
    sockets[0]?.open();
    const accepted = client.sendInput(X, { requestId: 'r1' }, { approved: true });
    const sent = sockets[0]?.sent.at(-1);
    expect(sent).toMatchObject({ type: 'send_input', execution_id: X, request_id: 'r1', data: { approved: true } });
    sockets[0]?.push({ type: 'input_accepted', id: sent?.id, execution_id: X, node_id: 'n', request_id: 'r1' });
    await expect(accepted).resolves.toMatchObject({ type: 'input_accepted' });
    const refused = client.sendInput(X, { nodeId: 'n' }, {});
    sockets[0]?.push({ type: 'error', id: sockets[0]?.sent.at(-1)?.id, code: 'VALIDATION', message: 'approved is required' });
    await expect(refused).rejects.toThrow('approved is required');
    client.close();
    await expect(client.sendInput(X, { nodeId: 'n' }, {})).rejects.toThrow('not connected');
  });
});
