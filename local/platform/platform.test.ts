/**
 * The local platform end to end: REST API, the engine, the bus, the FIFO fan-out, the WebSocket
 * gateway and routes, with real clients (fetch and `ws`).
 */
import { lifecycleEventSchema, type LifecycleEvent } from '@shared/events';
import { startPlatform, type Platform } from './index';
import { api, contiguous, example, WsClient, type Api } from './test-support';

let platform: Platform;
let acme: Api;
let token: string;
const clients: WsClient[] = [];

async function connect(t = token): Promise<WsClient> {
  const c = await WsClient.connect(`${platform.wsUrl}?token=${encodeURIComponent(t)}`);
  clients.push(c);
  return c;
}

const isCompleted = (id: string) => (m: { type: string; execution_id?: string }) => m.type === 'execution_completed' && m.execution_id === id;

beforeAll(async () => {
  platform = await startPlatform({ memory: true, waitMs: 20, retryDelayMs: 10 });
  token = await platform.devToken({ tenantId: 'acme', userId: 'ada' });
  acme = api(platform, token);
  const research = example('research-agent');
  await acme.publish('research', research.workflow);
  const triage = example('support-ticket-triage');
  await acme.publish('triage', triage.workflow);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await platform.close();
});

describe('watching a run over the WebSocket', () => {
  it('sends every event of a run in order, numbered 1..n with no gap and no duplicate, each a valid lifecycle event', async () => {
    const ws = await connect();
    const executionId = await acme.execute('research', example('research-agent').input);
    ws.send({ type: 'subscribe', execution_id: executionId, after_seq: 0, id: 'sub-1' });
    await ws.waitFor(isCompleted(executionId));
    await ws.waitFor((m) => m.type === 'subscribed');
    const events = ws.events(executionId);
    contiguous(events);
    for (const e of events) expect(lifecycleEventSchema.safeParse(e).success).toBe(true);
    expect(events[0]?.type).toBe('execution_started');
    expect(events.at(-1)?.type).toBe('execution_completed');
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    // The acknowledgement came in order: after the backlog it reported, before later events.
    const ackIndex = ws.messages.findIndex((m) => m.type === 'subscribed');
    const ack = ws.messages[ackIndex] as { last_seq: number; id?: string };
    expect(ack.id).toBe('sub-1');
    expect(ws.messages.slice(0, ackIndex).filter((m) => 'seq' in m).length).toBe(ack.last_seq);
    // Every node that started also finished, and the log on the server matches what was sent.
    const started = events.filter((e) => e.type === 'node_started').map((e) => (e as { node_id: string }).node_id);
    const completed = events.filter((e) => e.type === 'node_completed').map((e) => (e as { node_id: string }).node_id);
    expect(completed.sort()).toEqual(started.sort());
    const stored = await platform.parts.eventLog.read('acme', executionId, { afterSeq: 0 });
    expect(stored.items.map((i) => i.seq)).toEqual(events.map((e) => e.seq));
  });

  it('a client that reconnects with after_seq gets exactly what it missed', async () => {
    const first = await connect();
    const executionId = await acme.execute('research', example('research-agent').input);
    first.send({ type: 'subscribe', execution_id: executionId });
    // Drop the connection after the first few events.
    await first.waitFor((m) => 'seq' in m && m.execution_id === executionId && (m.seq ?? 0) >= 3);
    await first.close();
    const seen = first.events(executionId);
    const lastSeen = seen.at(-1)?.seq ?? 0;
    await platform.settle();

    const second = await connect();
    second.send({ type: 'subscribe', execution_id: executionId, after_seq: lastSeen, id: 'again' });
    // The run may have finished before the first client closed; then nothing was missed.
    await second.waitFor((m) => m.type === 'subscribed' && m.id === 'again');
    if (!seen.some(isCompleted(executionId))) await second.waitFor(isCompleted(executionId));
    const rest = second.events(executionId);
    contiguous(rest, lastSeen + 1);
    const all = [...seen, ...rest];
    contiguous(all);
    const stored = await platform.parts.eventLog.read('acme', executionId, { afterSeq: 0 });
    expect(all.map((e) => e.event_id)).toEqual(stored.items.map((i) => i.eventId));
  });

  it('answers a human-input request sent over the WebSocket, validating it first', async () => {
    const ws = await connect();
    const { input } = example('support-ticket-triage');
    const executionId = await acme.execute('triage', input);
    ws.send({ type: 'subscribe', execution_id: executionId });
    const request = (await ws.waitFor((m) => m.type === 'user_input_required' && m.execution_id === executionId, 30_000)) as Extract<LifecycleEvent, { type: 'user_input_required' }>;
    // A wrong answer is refused with the schema problem, and the run keeps waiting.
    ws.send({ type: 'send_input', execution_id: executionId, request_id: request.request_id, data: { unexpected: 'shape', approved: 'not a boolean' }, id: 'bad' });
    const refused = await ws.waitFor((m) => m.type === 'error' && m.id === 'bad');
    expect(refused).toMatchObject({ code: 'VALIDATION' });
    const schema = request.input_schema as { properties?: Record<string, { type?: string; enum?: unknown[] }>; required?: string[] };
    const answer: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(schema.properties ?? {})) answer[k] = p.enum ? p.enum[0] : p.type === 'boolean' ? true : p.type === 'number' || p.type === 'integer' ? 1 : 'ok';
    ws.send({ type: 'send_input', execution_id: executionId, request_id: request.request_id, data: answer, id: 'good' });
    await ws.waitFor((m) => m.type === 'input_accepted' && m.id === 'good');
    const done = await ws.waitFor(isCompleted(executionId), 30_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED' });
    contiguous(ws.events(executionId));
  });
});

describe('built-in tools on the local platform', () => {
  /** start -> put (s3_put) -> get (s3_get) -> end, on the bucket the input names. */
  const s3RoundTrip = (id: string) => ({
    schemaVersion: 1,
    metadata: { id, name: 'S3 round trip' },
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 }, config: { inputSchema: { type: 'object', properties: { bucket: { type: 'string' }, note: { type: 'string' } }, required: ['bucket', 'note'] } } },
      { id: 'put', type: 'tool', position: { x: 0, y: 100 }, config: { kind: 'builtin', name: 's3_put', args: { bucket: '{{input.bucket}}', key: 'notes/today.json', body: { note: '{{input.note}}' } } } },
      { id: 'get', type: 'tool', position: { x: 0, y: 200 }, config: { kind: 'builtin', name: 's3_get', args: { bucket: '{{input.bucket}}', key: 'notes/today.json' } } },
      { id: 'end', type: 'end', position: { x: 0, y: 300 }, config: { output: { read: '{{nodes.get.output}}' } } },
    ],
    edges: [
      { id: 'a', source: 'start', target: 'put' },
      { id: 'b', source: 'put', target: 'get' },
      { id: 'c', source: 'get', target: 'end' },
    ],
  });

  it('s3_put and s3_get work against the local S3, on the artifacts bucket', async () => {
    const ws = await connect();
    await acme.publish('s3-round-trip', s3RoundTrip('s3-round-trip'));
    const executionId = await acme.execute('s3-round-trip', { bucket: platform.artifactsBucket, note: 'buy milk' });
    ws.send({ type: 'subscribe', execution_id: executionId });
    const done = await ws.waitFor(isCompleted(executionId), 30_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', result: { read: { body: { note: 'buy milk' }, bodyEncoding: 'json', contentType: 'application/json' } } });
  });

  it('refuses a bucket off the allow-list: the node fails with a message naming the allowed buckets', async () => {
    const ws = await connect();
    const executionId = await acme.execute('s3-round-trip', { bucket: 'someone-elses-bucket', note: 'x' });
    ws.send({ type: 'subscribe', execution_id: executionId });
    const done = await ws.waitFor(isCompleted(executionId), 30_000);
    expect(done).toMatchObject({ status: 'FAILED' });
    const failed = ws.events(executionId).find((e) => e.type === 'node_failed') as Extract<LifecycleEvent, { type: 'node_failed' }> | undefined;
    expect(failed?.node_id).toBe('put');
    expect(failed?.error.message).toMatch(new RegExp(`not on the allow-list \\(${platform.artifactsBucket}\\)`));
  });
});

describe('bad input and other tenants', () => {
  it('a malformed message gets an error naming the problem, and the connection stays usable', async () => {
    const ws = await connect();
    ws.send('{not json');
    expect(await ws.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'BAD_MESSAGE', message: expect.stringContaining('not valid JSON') });
    ws.send({ type: 'subscribe', execution_id: '', id: 'empty' });
    expect(await ws.waitFor((m) => m.type === 'error' && m.id === 'empty')).toMatchObject({ message: expect.stringContaining('execution_id') });
    ws.send({ type: 'dance', id: 'x' });
    expect(await ws.waitFor((m) => m.type === 'error' && m.id === 'x')).toMatchObject({ message: expect.stringContaining('unknown message type "dance"') });
    ws.send({ type: 'send_input', execution_id: 'e', data: {}, id: 'no-target' });
    expect(await ws.waitFor((m) => m.type === 'error' && m.id === 'no-target')).toMatchObject({ message: expect.stringContaining('node_id or request_id') });
    ws.send({ type: 'ping', id: 'still-there' });
    expect(await ws.waitFor((m) => m.type === 'pong' && m.id === 'still-there')).toBeDefined();
  });

  it('refuses a connection without a valid token', async () => {
    await expect(WsClient.connect(platform.wsUrl)).rejects.toThrow('401');
    await expect(WsClient.connect(`${platform.wsUrl}?token=not-a-jwt`)).rejects.toThrow('401');
  });

  it("refuses to subscribe to another tenant's execution, as if it did not exist", async () => {
    const executionId = await acme.execute('research', example('research-agent').input);
    const other = await connect(await platform.devToken({ tenantId: 'globex', userId: 'mallory' }));
    other.send({ type: 'subscribe', execution_id: executionId, id: 'peek' });
    expect(await other.waitFor((m) => m.type === 'error' && m.id === 'peek')).toMatchObject({ code: 'NOT_FOUND' });
    other.send({ type: 'send_input', execution_id: executionId, node_id: 'x', data: {}, id: 'poke' });
    expect(await other.waitFor((m) => m.type === 'error' && m.id === 'poke')).toMatchObject({ code: 'NOT_FOUND' });
    await platform.settle();
    expect(other.events(executionId)).toEqual([]);
  });

  it('forgets connections that are gone: their subscriptions are removed when the fan-out meets a 410', async () => {
    const ws = await connect();
    const executionId = await acme.execute('triage', example('support-ticket-triage').input);
    ws.send({ type: 'subscribe', execution_id: executionId, id: 's' });
    await ws.waitFor((m) => m.type === 'subscribed');
    expect(await platform.parts.connections.subscribers('acme', executionId)).toHaveLength(1);
    // The socket dies without a clean close ($disconnect may be late or lost on AWS): the
    // subscription is still recorded, and the next event's post gets 410 and removes it.
    const [connectionId] = await platform.parts.connections.subscribers('acme', executionId);
    ws.socket.terminate();
    // Once the gateway has seen the socket go and $disconnect has run:
    for (let i = 0; i < 400 && (platform.parts.gateway.connections().includes(connectionId as string) || (await platform.parts.connections.find(connectionId as string))); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(platform.parts.gateway.connections()).not.toContain(connectionId);
    // Re-record the subscription as a missed $disconnect would have left it.
    await platform.parts.connections.connect({ connectionId: connectionId as string, tenantId: 'acme', userId: 'ada' });
    await platform.parts.connections.subscribe('acme', connectionId as string, executionId);
    // The run waits for input; stopping it produces the next event, whose post meets the 410.
    const stop = await acme.call('POST', `/executions/${encodeURIComponent(executionId)}/stop`, {});
    expect(stop.status).toBeLessThan(300);
    await platform.settle();
    expect(await platform.parts.connections.subscribers('acme', executionId)).toEqual([]);
    expect(await platform.parts.connections.find(connectionId as string)).toBeUndefined();
  });
});
